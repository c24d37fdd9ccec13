"""One measurement in a fresh process: `python -m tests.benchmarks.worker SPEC`.

SPEC is JSON: {"engine", "workload", "size", "reps", "gc"} (or "probe": [lo, hi]
to find the deepest chain an engine survives). Prints one JSON line: seconds per
run and the numbers to cross-check, or the error that stopped the engine.
"""

from __future__ import annotations

import gc
import json
import sys
import time
import tracemalloc

from . import engines, workloads


def timed(E, workload: str, size: int, reps: int) -> dict:
    """Mean CPU seconds of `reps` runs; each graph is freed after its clock stops,
    and whatever a workload prepares (a model to train) is made before it starts.

    CPU time of this process, not wall time: the machine may be shared, and
    time spent waiting for another job's turn on the CPU is not the engine's.
    Also reports how much of that time the garbage collector took.
    """
    total = 0.0
    with CollectorClock() as collector:
        for _ in range(reps):
            job = E.prepare(workload, size)  # e.g. a model to train: made before the clock starts
            collector.on = True  # count only the collections inside the timed run, not the preparing
            start = time.process_time()
            result = job()
            total += time.process_time() - start
            collector.on = False
            check = result.check
            del result
    return {"seconds": total / reps, "check": check, "gc_seconds": collector.seconds / reps,
            "full_collections": collector.full_collections / reps}


class CollectorClock:
    """CPU time spent inside the cyclic garbage collector, via `gc.callbacks`
    (it only watches; the collector runs exactly as it would without it)."""

    def __init__(self):
        self.seconds, self.full_collections, self._started = 0.0, 0, 0.0
        self.on = False  #: True only while the timed run goes (not while a workload prepares)

    def __call__(self, phase: str, info: dict) -> None:
        if not self.on:
            return
        if phase == "start":
            self._started = time.process_time()
        else:
            self.seconds += time.process_time() - self._started
            self.full_collections += info["generation"] == 2

    def __enter__(self) -> "CollectorClock":
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self)


def memory(E, nodes: int) -> dict:
    """Bytes the chain's graph holds per node, traced while building ~`nodes` nodes."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    _, x = workloads.build_chain(E, nodes // 4)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    count = workloads.count_nodes(E, x)
    return {"bytes_per_node": held / count, "nodes": count}


def deepest_chain(E, lo: int, hi: int) -> dict:
    """Bisect for the largest depth in [lo, hi) whose chain runs: `lo` works, `hi` fails."""
    error = None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            E.run("chain", mid)
            lo = mid
        except Exception as exc:  # the failure we are locating
            hi, error = mid, describe(exc)
    return {"deepest": lo, "fails_at": hi, "error": error}


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:120]}"


def main(spec: dict) -> dict:
    if not spec.get("gc", True):
        gc.disable()  # the benchmark's own process: measuring with the collector off
    E = engines.load(spec["engine"])
    try:
        if "probe" in spec:
            return deepest_chain(E, *spec["probe"])
        if spec["workload"] == "memory":
            return memory(E, spec["size"])
        return timed(E, spec["workload"], spec["size"], spec.get("reps", 1))
    except Exception as exc:  # RecursionError and MemoryError included
        return {"error": describe(exc)}


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
