"""Run stepgrad's benchmarks against micrograd, PyTorch and the plain-float floor;
print the markdown report and write it (atomically) to --out. Exit status 1 if
the engines disagree on any loss, value or gradient."""

from __future__ import annotations

import argparse
import os
import sys
import time

import engine.files

from . import agreement, report, runner

DEFAULT_OUT = os.path.join("out", "bench.md")


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    p.add_argument("--quick", action="store_true", help="one round, small sizes, GC on only: a smoke test in seconds")
    p.add_argument("--rounds", type=int, help="rounds per measurement (default 5, quick 1)")
    p.add_argument("--only", help=f"comma-separated workloads, from: {', '.join(runner.WORKLOADS)}")
    p.add_argument("--engines", help="comma-separated engines (default: every one installed)")
    p.add_argument("--gc", choices=("both", "on", "off"), help="collector on, off or both (default both, quick on)")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"where to write the markdown (default {DEFAULT_OUT})")
    args = p.parse_args(argv)
    if args.rounds is not None and args.rounds < 1:
        p.error(f"--rounds must be at least 1, got {args.rounds}")
    args.workloads = _names(p, args.only, list(runner.WORKLOADS), "workload")
    args.engine_names = _names(p, args.engines, runner.known_engines(), "engine")
    return args


def _names(p: argparse.ArgumentParser, given, known: list[str], what: str) -> list[str]:
    if not given:
        return known
    names = [n.strip() for n in given.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        p.error(f"unknown {what}(s) {', '.join(unknown)}; choose from {', '.join(known)}")
    return names


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.out == DEFAULT_OUT:
        os.makedirs(os.path.dirname(DEFAULT_OUT), exist_ok=True)  # our own folder; a user's must exist
    engine.files.check_target(args.out)  # a bad path fails now, not after minutes of measuring
    plan = runner.Plan(
        workloads=args.workloads,
        engines=args.engine_names,
        rounds=args.rounds or (1 if args.quick else 5),
        gc_modes={"both": (True, False), "on": (True,), "off": (False,)}[args.gc or ("on" if args.quick else "both")],
        quick=args.quick,
    )
    started = time.perf_counter()
    results = runner.run(plan, progress=lambda line: print(line, file=sys.stderr, flush=True))
    text = report.markdown(results)
    text += f"\n_{time.perf_counter() - started:.0f} s for the whole run._\n"
    report.write_atomically(args.out, text)
    print(text)
    print(f"(written to {args.out})", file=sys.stderr)
    return 0 if agreement.all_agree(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
