"""Running the suite: a fresh process per measurement, engines alternating per round.

For every workload and size, with the collector on and then off, each round
runs every engine once, in turn (A B C D, A B C D, ...), so slow drifts of a
shared machine touch all engines alike and each round gives a fair ratio.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Callable, NamedTuple, Optional

from . import engines

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Workload(NamedTuple):
    """How a workload is sized, repeated and reported."""

    name: str
    unit: str                     # what one reported number means
    scale: float                  # seconds per unit -> that unit
    units: Callable[[int], int]   # how many units one run of `size` does
    sizes: tuple[int, ...]        # the full run's sizes
    quick: tuple[int, ...]        # --quick sizes
    reps: Callable[[int], int] = lambda size: 1  # runs per process, so tiny sizes are not all noise
    engines: Optional[tuple[str, ...]] = None     # None: every engine


WORKLOADS = {w.name: w for w in [
    Workload("moons", "ms / step", 1e3, lambda steps: steps, (2,), (1,)),
    Workload("moons_unfused", "ms / step", 1e3, lambda steps: steps, (2,), (1,)),
    Workload("chain", "µs / step", 1e6, lambda depth: depth, (10**3, 10**4, 10**5, 10**6), (10**3, 10**4),
             reps=lambda depth: max(1, 10**5 // depth)),
    Workload("wide", "ns / product", 1e9, lambda n: n, (10**5,), (10**4,)),
    Workload("ops", "ns / op", 1e9, lambda n: 13 * n, (10**4,), (10**3,)),
    Workload("memory", "B / node", 1.0, lambda nodes: 1, (10**5,), (10**4,), engines=("stepgrad", "micrograd")),
]}

#: Runs skipped to keep a full run within minutes (not failures): PyTorch drives
#: one tiny C++ op at a time and takes ~15 s for the 10^6 chain.
TOO_SLOW = {("torch", "chain", 10**6)}


@dataclass
class Plan:
    """What to run."""

    workloads: list[str]
    engines: list[str]
    rounds: int = 5
    gc_modes: tuple[bool, ...] = (True, False)
    quick: bool = False
    sizes: dict[str, tuple[int, ...]] = field(default_factory=dict)  # overrides, e.g. for tests

    def sizes_of(self, workload: str) -> tuple[int, ...]:
        spec = WORKLOADS[workload]
        return self.sizes.get(workload) or (spec.quick if self.quick else spec.sizes)


@dataclass
class Series:
    """One engine's runs of one workload at one size, one GC mode: a number per round."""

    workload: str
    size: int
    engine: str
    gc: bool
    values: list[float] = field(default_factory=list)  # in the workload's unit, round by round
    check: Optional[dict] = None
    error: Optional[str] = None
    skipped: Optional[str] = None


@dataclass
class Results:
    plan: Plan
    series: list[Series] = field(default_factory=list)
    limits: dict[tuple[str, str], dict] = field(default_factory=dict)  # (engine, workload) -> where it fails

    def find(self, workload: str, size: int, engine: str, gc: bool = True) -> Optional[Series]:
        for s in self.series:
            if (s.workload, s.size, s.engine, s.gc) == (workload, size, engine, gc):
                return s
        return None


def spawn(spec: dict) -> dict:
    """Run one measurement in a fresh interpreter and return its JSON answer."""
    done = subprocess.run([sys.executable, "-m", "tests.benchmarks.worker", json.dumps(spec)],
                          cwd=ROOT, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"worker exited with {done.returncode}: {tail[:160]}"}
    return json.loads(lines[-1])


def run(plan: Plan, progress: Callable[[str], None] = lambda line: None) -> Results:
    """Measure everything in `plan`, round-robin over engines inside each round."""
    results = Results(plan)
    for name in plan.workloads:
        spec = WORKLOADS[name]
        taking_part = [e for e in plan.engines if spec.engines is None or e in spec.engines]
        failed_at: dict[str, int] = {}  # engine -> smallest size it failed at
        for size in plan.sizes_of(name):
            for gc_on in (plan.gc_modes if name != "memory" else (True,)):
                rounds = plan.rounds if name != "memory" else 1  # bytes are deterministic
                row = {e: Series(name, size, e, gc_on) for e in taking_part}
                results.series.extend(row.values())
                for e, s in row.items():
                    if (e, name, size) in TOO_SLOW and not plan.quick:
                        s.skipped = "skipped: too slow for the time budget"
                    elif e in failed_at:
                        s.skipped = f"not run: fails already at {failed_at[e]:,}"
                for r in range(rounds):
                    for e, s in row.items():
                        if s.skipped or s.error:
                            continue
                        answer = spawn({"engine": e, "workload": name, "size": size, "gc": gc_on,
                                        "reps": spec.reps(size)})
                        _record(s, answer, spec, size)
                        progress(_progress_line(s, r))
                for e, s in row.items():
                    if s.error and e not in failed_at:
                        failed_at[e] = size
                        if name == "chain":
                            results.limits[(e, name)] = _locate_failure(e, plan, size)
    return results


def _record(s: Series, answer: dict, spec: Workload, size: int) -> None:
    if "error" in answer:
        s.error = answer["error"]
    elif spec.name == "memory":
        s.values.append(answer["bytes_per_node"])
        s.check = {"nodes": answer["nodes"]}
    else:
        s.values.append(answer["seconds"] / spec.units(size) * spec.scale)
        s.check = s.check or answer["check"]


def _locate_failure(engine: str, plan: Plan, failing: int) -> dict:
    """The deepest chain `engine` survives, bisected between the last size that
    worked (or 1) and the first that failed."""
    sizes = [d for d in plan.sizes_of("chain") if d < failing]
    answer = spawn({"engine": engine, "workload": "chain", "probe": [sizes[-1] if sizes else 1, failing]})
    return answer


def _progress_line(s: Series, r: int) -> str:
    gc = "gc on " if s.gc else "gc off"
    shown = s.error or (f"{s.values[-1]:,.3f}" if s.values else "")
    return f"  {s.workload:<14} {s.size:>9,} {gc} round {r + 1}  {s.engine:<10} {shown}"


def known_engines() -> list[str]:
    """Every engine whose package is importable here (torch is optional)."""
    names = []
    for name in engines.ENGINE_MODULES:
        module = {"micrograd": "micrograd", "torch": "torch"}.get(name)
        if module is None or _importable(module):
            names.append(name)
    return names


def _importable(module: str) -> bool:
    from importlib.util import find_spec
    return find_spec(module) is not None
