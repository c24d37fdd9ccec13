"""The results as markdown: where and when, the targets, the tables, the failures.

Every figure is a median over rounds with its min and max; every comparison is
the median of per-round ratios (each round's engines ran side by side).
"""

from __future__ import annotations

import datetime
import platform
import statistics
from importlib import metadata
from typing import NamedTuple, Optional

import engine.files

from . import agreement
from .runner import WORKLOADS, Results, Series


# ---- numbers --------------------------------------------------------------------


def spread(values: list[float]) -> Optional[tuple[float, float, float]]:
    """(median, min, max), or None when there is nothing to summarise."""
    return (statistics.median(values), min(values), max(values)) if values else None


def ratios(top: Optional[Series], bottom: Optional[Series]) -> list[float]:
    """top ÷ bottom, round by round (rounds where both ran)."""
    if top is None or bottom is None:
        return []
    return [a / b for a, b in zip(top.values, bottom.values) if b > 0]


def number(x: float) -> str:
    """Three significant figures, thousands separated."""
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def shown(stats: Optional[tuple[float, float, float]], suffix: str = "") -> str:
    if stats is None:
        return "–"
    mid, lo, hi = stats
    return f"{number(mid)}{suffix} ({number(lo)}–{number(hi)})"


# ---- the targets ---------------------------------------------------------------------


class Target(NamedTuple):
    what: str
    stats: Optional[tuple[float, float, float]]  # the measured ratio or value
    goal: str
    met: Optional[bool]                          # None: not measured
    suffix: str = "×"                            # the unit of `stats` and `goal`


def _target(what: str, values: list[float], at_least: Optional[float] = None,
            at_most: Optional[float] = None, suffix: str = "×") -> Target:
    stats = spread(values)
    goal = f"≥ {number(at_least)}{suffix}" if at_least is not None else f"≤ {number(at_most)}{suffix}"
    if stats is None:
        return Target(what, None, goal, None, suffix)
    met = stats[0] >= at_least if at_least is not None else stats[0] <= at_most
    return Target(what, stats, goal, met, suffix)


def targets(results: Results) -> list[Target]:
    """Issue 7's and issue 14's targets, medians of per-round ratios with the collector on."""
    def sizes(workload) -> tuple[int, ...]:
        return results.plan.sizes_of(workload) if workload in results.plan.workloads else ()

    def series(workload, engine, size=None):
        run = sizes(workload)
        return results.find(workload, size or max(run), engine, gc=True) if run else None

    found = []
    found.append(_target("moons (fused): micrograd ÷ stepgrad",
                         ratios(series("moons", "micrograd"), series("moons", "stepgrad")), at_least=40))
    found.append(_target("moons (fused): stepgrad ÷ plain-float floor",
                         ratios(series("moons", "stepgrad"), series("moons", "floor")), at_most=3))
    # issue 15: the graph as straight-line Python (engine.to_python), compiled once
    found.append(_target("moons, compiled (to_python): compiled ÷ plain-float floor",
                         ratios(series("moons", "compiled"), series("moons", "floor")), at_most=0.75))
    found.append(_target("moons, compiled (to_python): micrograd ÷ compiled",
                         ratios(series("moons", "micrograd"), series("moons", "compiled")), at_least=200))
    found.append(_target("moons: compiling once (to_python) ÷ one stepgrad step",
                         ratios(series("moons_compile", "compiled"), series("moons", "stepgrad")), at_most=20))
    found.append(_target("moons_as_written (micrograd's demo code): micrograd ÷ stepgrad",
                         ratios(series("moons_as_written", "micrograd"), series("moons_as_written", "stepgrad")),
                         at_least=40))
    # issue 21: with no running-sum folding, microgpt's code as written at least as fast as its engine
    found.append(_target("microgpt (its code as written): microgpt's engine ÷ stepgrad",
                         ratios(series("microgpt", "microgpt"), series("microgpt", "stepgrad")), at_least=1.0))
    found.append(_target("microgpt_idioms: microgpt's engine (its code) ÷ stepgrad (add_all, dot)",
                         ratios(series("microgpt_idioms", "microgpt"), series("microgpt_idioms", "stepgrad")),
                         at_least=8))
    found.append(_target("moons fused=False: micrograd ÷ stepgrad",
                         ratios(series("moons_unfused", "micrograd"), series("moons_unfused", "stepgrad")),
                         at_least=12))
    if sizes("chain"):
        deepest, shallowest = max(sizes("chain")), min(sizes("chain"))
        deep = series("chain", "stepgrad", deepest)
        completes = deep is not None and deep.error is None and bool(deep.values)
        found.append(Target(f"chain {deepest:,} deep completes (stepgrad)", None,
                            "completes", completes))
        found.append(_target(f"chain: stepgrad time per step at {deepest:,} ÷ at {shallowest:,}",
                             ratios(deep, series("chain", "stepgrad", shallowest)), at_most=1.5))
    found.append(_target("wide: micrograd ÷ stepgrad",
                         ratios(series("wide", "micrograd"), series("wide", "stepgrad")), at_least=10))
    found.append(_target("ops: micrograd ÷ stepgrad",
                         ratios(series("ops", "micrograd"), series("ops", "stepgrad")), at_least=5))
    memory = series("memory", "stepgrad")
    found.append(_target("memory: stepgrad bytes per node", memory.values if memory else [],
                         at_most=200, suffix=" B"))
    return found


# ---- the document ---------------------------------------------------------------------


def machine() -> list[str]:
    """Date, Python, platform and CPU: the context every figure needs."""
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            models = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        if models:
            cpu = f"{models[0]} × {len(models)}"
    except OSError:
        pass
    versions = []
    for package in ("micrograd", "torch"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            pass
    return [
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), {', '.join(versions)}",
        f"- machine: {platform.platform()}; CPU: {cpu}",
    ]


def _cell(s: Optional[Series], base: Optional[Series]) -> str:
    if s is None:
        return "–"
    if s.skipped:
        return s.skipped
    if s.error:
        return f"**fails**: {s.error.split(':')[0]}"
    cell = shown(spread(s.values))
    if base is not None and s is not base and s.workload != "memory":
        cell += f" · {shown(spread(ratios(s, base)), '×')}"
    return cell


def table(results: Results, gc_on: bool) -> list[str]:
    engines = results.plan.engines
    lines = [
        "| workload | size | unit | " + " | ".join(engines) + " |",
        "|---|---:|---|" + "---|" * len(engines),
    ]
    for name in results.plan.workloads:
        if name == "memory" and not gc_on:
            continue
        for size in results.plan.sizes_of(name):
            row = {e: results.find(name, size, e, gc=gc_on) for e in engines}
            base = row.get("stepgrad")
            cells = [_cell(row[e], base) for e in engines]
            lines.append(f"| {name} | {WORKLOADS[name].describe(size)} | {WORKLOADS[name].unit} | " + " | ".join(cells) + " |")
    return lines


def collector_table(results: Results) -> list[str]:
    engines = [e for e in results.plan.engines if e != "floor"]  # the floor builds no graph
    lines = ["| workload | size | " + " | ".join(engines) + " |", "|---|---:|" + "---|" * len(engines)]
    for name in results.plan.workloads:
        if name == "memory":
            continue
        for size in results.plan.sizes_of(name):
            cells = []
            for e in engines:
                s = results.find(name, size, e, gc=True)
                if s is None or not s.values:
                    cells.append("–")
                    continue
                share = statistics.median(c / t for c, t in zip(s.collector, s.values) if t > 0)
                cells.append(f"{share:.0%} ({statistics.median(s.full_collections):g} full)")
            lines.append(f"| {name} | {WORKLOADS[name].describe(size)} | " + " | ".join(cells) + " |")
    return lines


def markdown(results: Results) -> str:
    plan = results.plan
    mode = "quick" if plan.quick else "full"
    out = ["# stepgrad benchmarks", ""]
    out += machine()
    out += [f"- {mode} run: {plan.rounds} round(s), each engine in a fresh process, engines alternating "
            "within each round; times are the CPU time of the measuring process", ""]
    out += ["## Targets (garbage collector on, median of per-round ratios, min–max)", "",
            "| target | measured | goal | met |", "|---|---|---|---|"]
    for t in targets(results):
        mark = {True: "yes", False: "**no**", None: "not measured"}[t.met]
        measured = shown(t.stats, t.suffix) if t.stats else ("yes" if t.met else "–")
        out.append(f"| {t.what} | {measured} | {t.goal} | {mark} |")
    note = ("Each cell: median (min–max) over rounds; after the dot, that engine's time ÷ stepgrad's, "
            "round by round (above 1×: stepgrad is faster).")
    for gc_on in plan.gc_modes:
        out += ["", f"## Garbage collector {'on (as users run it)' if gc_on else 'off'}", "", note, ""]
        out += table(results, gc_on)
    if True in plan.gc_modes:
        out += ["", "## Time inside the garbage collector (collector on)", "",
                "Each cell: the share of the run spent in collections (median over rounds), "
                "and how many of them were full collections (all generations).", ""]
        out += collector_table(results)
    out += ["", "## Where engines fail", ""]
    out += failures(results) or ["- none"]
    out += ["", "## Do the engines agree?", ""]
    out += [f"- {line}" for line in agreement.verdicts(results)] or ["- nothing to compare"]
    return "\n".join(out) + "\n"


def failures(results: Results) -> list[str]:
    """A line per engine, workload and size that failed (in whichever GC modes it failed)."""
    modes: dict[tuple, list[str]] = {}
    errors: dict[tuple, str] = {}
    for s in results.series:
        if s.error:
            key = (s.engine, s.workload, s.size)
            modes.setdefault(key, []).append("on" if s.gc else "off")
            errors.setdefault(key, s.error)
    lines = []
    for (engine, workload, size), gc_modes in modes.items():
        limit = results.limits.get((engine, workload), {})
        where = (f"; the deepest chain it runs is {limit['deepest']:,} steps, it fails at {limit['fails_at']:,}"
                 if "deepest" in limit else "")
        lines.append(f"- {engine}, {workload} {WORKLOADS[workload].describe(size)} (gc {' and '.join(gc_modes)}): "
                     f"{errors[(engine, workload, size)]}{where}")
    return lines


def write_atomically(path: str, text: str) -> None:
    """Write the report to `path` (the project's one atomic writer): a failed write leaves the old file."""
    engine.files.write_atomically(path, text)
