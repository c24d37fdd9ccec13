"""The compiled engine of the benchmark suite computes what every other engine does.

Its moons step must give stepgrad's numbers bit for bit (the same floats, in the
same order) and agree with the hand-derived plain-float floor; the suite's runner
must be able to run it in a fresh process, and its report must show issue 15's targets.
"""

from __future__ import annotations

from tests.benchmarks import agreement, engines, report, runner
from tests.benchmarks.engines import floor


def test_compiled_moons_steps_are_stepgrads_bit_for_bit_and_agree_with_the_floor():
    compiled = engines.load("compiled").run("moons", 3).check
    assert compiled == engines.load("stepgrad").run("moons", 3).check
    assert agreement.differences(compiled, floor.moons(3).check) < 1e-9


def test_the_suite_runs_the_compiled_engine_and_reports_its_targets():
    plan = runner.Plan(workloads=["moons", "moons_compile"], engines=["stepgrad", "compiled", "floor"], rounds=1,
                       gc_modes=(True,), quick=True)
    results = runner.run(plan)
    compiled = results.find("moons", 1, "compiled")
    assert compiled is not None and compiled.error is None and len(compiled.values) == 1
    compiling = results.find("moons_compile", 1, "compiled")
    assert compiling is not None and compiling.error is None and compiling.check["lines"] > 20_000
    shown = {t.what: t for t in report.targets(results)}
    assert shown["moons, compiled (to_python): compiled ÷ plain-float floor"].stats is not None
    assert shown["moons: compiling once (to_python) ÷ one stepgrad step"].stats is not None
