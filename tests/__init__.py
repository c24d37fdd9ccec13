"""stepgrad's tests (a package, so `tests.benchmarks` imports the same way under `pytest` and `python -m`)."""
