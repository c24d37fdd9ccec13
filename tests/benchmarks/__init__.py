"""stepgrad's benchmark suite: `python -m tests.benchmarks` (or `make bench`).

Every engine computes the same workloads (workloads.py) behind a small adapter
(engines/). Each measurement runs in its own fresh Python process (worker.py),
engines alternating A B A B over several rounds, once with the garbage collector
on (as users run it) and once with it off (runner.py). The result is a markdown
table of medians, spreads and per-round ratios against stepgrad, with every
speed target marked met or missed (report.py).

    python -m tests.benchmarks            # the full run, a few minutes
    python -m tests.benchmarks --quick    # a smoke test, seconds
"""
