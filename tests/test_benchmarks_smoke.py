"""The benchmark suite's adapters compute the same numbers, and its pipeline works.

No timing is asserted here: only that every engine agrees with closed forms and
with the hand-derived floor on tiny sizes, that failures are located, and that
the report is written safely. (`python -m tests.benchmarks` does the timing.)
"""

import math
import os

import pytest

from tests.benchmarks import agreement, as_written, engines, report, runner, workloads
from tests.benchmarks.engines import floor

TINY = {"chain": 50, "wide": 200, "ops": 100}


def _agree_with_floor(adapter) -> None:
    for workload, size in TINY.items():
        got = adapter.run(workload, size).check
        want = floor.ENGINE.run(workload, size).check
        assert agreement.differences(got, want) <= agreement.RTOL, (adapter.name, workload)
    for fused in (True, False):  # two SGD steps on 20 points: the second loss checks the update too
        got = workloads.moons(adapter, 2, fused, points=20).check
        want = floor.moons(2, fused, points=20).check
        assert agreement.differences(got, want) <= agreement.RTOL, (adapter.name, fused)


def test_the_floor_chain_matches_the_closed_form():
    # x_D = a^D (x0 + c/(a-1)) - c/(a-1) and d x_D / d x0 = a^D, for x <- a·x + c
    a, c, depth = workloads.CHAIN_SCALE, workloads.CHAIN_SHIFT, 50
    fixed = c / (a - 1)
    check = floor.chain(depth).check
    assert check["value"] == pytest.approx(a**depth * (1.0 + fixed) - fixed, rel=1e-9)
    assert check["grads"] == [pytest.approx(a**depth, rel=1e-12)]


def test_the_floor_moons_gradients_match_central_differences():
    """The hand-derived floor is the reference for every engine, so check it first."""
    X, y = workloads.moons_data()
    weights = workloads.moons_weights()
    flat = workloads.flat_parameters(weights)
    grads = floor.moons(1).check["grads"]

    def loss(params):
        it = iter(params)
        layers = [[([next(it) for _ in w], next(it)) for w, _ in layer] for layer in weights]
        total = 0.0
        for x, yi in zip(X, y):
            score = floor._forward(layers, x)[1][-1][0]
            total += max(0.0, 1 - yi * score)
        return total / len(X) + workloads.MOONS_ALPHA * sum(p * p for p in params)

    eps = 1e-6
    for i in range(0, len(flat), 17):  # a spread of weights and biases from every layer
        up, down = list(flat), list(flat)
        up[i] += eps
        down[i] -= eps
        numeric = (loss(up) - loss(down)) / (2 * eps)
        assert grads[i] == pytest.approx(numeric, rel=1e-4, abs=1e-7), i


def test_stepgrad_agrees_with_the_floor_on_every_workload():
    _agree_with_floor(engines.load("stepgrad"))


def test_micrograd_agrees_with_the_floor_where_its_recursion_allows():
    pytest.importorskip("micrograd", reason="micrograd is not installed (pip install 'stepgrad[bench]')")
    _agree_with_floor(engines.load("micrograd"))


@pytest.mark.parity
def test_torch_agrees_with_the_floor(torch):
    _agree_with_floor(engines.load("torch"))


def test_micrograd_s_demo_as_written_agrees_with_the_floor_on_stepgrad_and_micrograd():
    pytest.importorskip("micrograd", reason="micrograd is not installed (pip install 'stepgrad[bench]')")
    want = floor.moons(2, points=20).check  # two steps: the second loss checks the SGD update too
    for name in ("stepgrad", "micrograd"):
        got = as_written.moons_as_written(engines.load(name), 2, points=20).check
        assert agreement.differences(got, want) <= agreement.RTOL, name


def test_microgpt_s_engine_gets_central_differences_of_its_own_model():
    """microgpt's engine is the reference for the microgpt workloads: check it first,
    against central differences of the loss it computes (no backward pass involved)."""
    E = engines.load("microgpt")
    weights = as_written.gpt_weights()

    def loss(changed: dict) -> float:
        moved = {name: [list(row) for row in rows] for name, rows in weights.items()}
        for (name, i, j), w in changed.items():
            moved[name][i][j] = w
        return as_written.GPT(E.Value, moved).loss("ava").data

    model = as_written.GPT(E.Value, weights)
    model.loss("ava").backward()
    eps = 1e-6
    letters, _ = as_written.gpt_alphabet()
    for name, i, j in [("wte", letters.index("v"), 3), ("layer0.attn_wq", 5, 7), ("layer0.mlp_fc2", 2, 40),
                       ("lm_head", letters.index("a"), 0)]:
        w = weights[name][i][j]
        numeric = (loss({(name, i, j): w + eps}) - loss({(name, i, j): w - eps})) / (2 * eps)
        assert model.state[name][i][j].grad == pytest.approx(numeric, rel=1e-5, abs=1e-8), name


@pytest.mark.parametrize("workload", ["microgpt", "microgpt_idioms"])
def test_stepgrad_agrees_with_microgpt_s_engine_on_microgpt(workload):
    """Two training steps (the second loss checks Adam too), every parameter's gradient."""
    want = workloads.microgpt(engines.load("microgpt"), 2).check
    got = getattr(workloads, workload)(engines.load("stepgrad"), 2).check
    parameters = sum(len(row) for rows in as_written.gpt_weights().values() for row in rows)
    assert len(want["grads"]) == parameters and len(want["losses"]) == 2
    # an untrained model guesses about uniformly over its vocabulary: loss ≈ log(vocab)
    assert want["losses"][0] == pytest.approx(math.log(len(as_written.gpt_alphabet()[0]) + 1), rel=0.05)
    assert agreement.differences(got, want) <= agreement.RTOL
    assert agreement.compare({"stepgrad": got, "microgpt": want})[0] == "microgpt"  # the reference


def test_microgpt_s_engine_runs_only_the_workloads_written_around_a_value_class():
    plan = runner.Plan(workloads=["chain", "microgpt"], engines=["stepgrad", "microgpt", "floor"], rounds=1,
                       gc_modes=(True,), sizes={"chain": (10,), "microgpt": (1,)})
    assert [s.engine for s in runner._new_row(plan, "chain", 10, True, {})] == ["stepgrad", "floor"]
    assert [s.engine for s in runner._new_row(plan, "microgpt", 1, True, {})] == ["stepgrad", "microgpt"]


def test_a_disagreement_is_reported_not_hidden():
    good = {"losses": [1.0, 0.5], "grads": [0.25, -3.0]}
    bad = {"losses": [1.0, 0.5], "grads": [0.25, -3.001]}
    assert agreement.differences(good, good) == 0.0
    assert agreement.differences(bad, good) == pytest.approx(0.001 / 3.0)
    assert agreement.differences({"losses": [1.0], "grads": [0.25, -3.0]}, good) == math.inf
    assert agreement.differences({}, {"value": 1.0}) == math.inf  # a missing number is a disagreement
    _, diffs = agreement.compare({"floor": good, "stepgrad": good, "micrograd": bad})
    assert diffs["stepgrad"] <= agreement.RTOL < diffs["micrograd"]


def test_the_pipeline_runs_workers_locates_micrograd_s_failure_and_reports(tmp_path):
    pytest.importorskip("micrograd", reason="micrograd is not installed (pip install 'stepgrad[bench]')")
    plan = runner.Plan(workloads=["chain", "memory"], engines=["stepgrad", "micrograd", "floor"], rounds=1,
                       gc_modes=(True,), sizes={"chain": (50, 2000, 4000), "memory": (2000,)})
    results = runner.run(plan)

    deep = results.find("chain", 2000, "micrograd")
    assert deep.error.startswith("RecursionError")
    assert results.find("chain", 4000, "micrograd").skipped  # not run: it already failed shallower
    limit = results.limits[("micrograd", "chain")]
    assert 50 <= limit["deepest"] < 2000 and limit["fails_at"] == limit["deepest"] + 1
    deepest_stepgrad = results.find("chain", 4000, "stepgrad")  # stepgrad has no depth limit
    assert deepest_stepgrad.values and 0 <= deepest_stepgrad.collector[0] <= deepest_stepgrad.values[0]
    assert agreement.all_agree(results)
    stepgrad_bytes = results.find("memory", 2000, "stepgrad").values[0]
    micrograd_bytes = results.find("memory", 2000, "micrograd").values[0]
    assert 50 < stepgrad_bytes < micrograd_bytes

    text = report.markdown(results)
    assert f"the deepest chain it runs is {limit['deepest']:,} steps" in text
    assert "| chain | 4,000 deep | µs / step |" in text and "Python" in text
    path = tmp_path / "bench.md"
    report.write_atomically(str(path), text)
    assert path.read_text(encoding="utf-8") == text


def test_the_targets_are_judged_on_the_median_of_per_round_ratios():
    plan = runner.Plan(workloads=["wide", "memory"], engines=["stepgrad", "micrograd"], rounds=2, gc_modes=(True,))
    results = runner.Results(plan)
    size = runner.WORKLOADS["wide"].sizes[0]
    in_collector = {"collector": [0.0, 0.0], "full_collections": [0, 0]}
    results.series += [
        runner.Series("wide", size, "stepgrad", True, values=[2.0, 1.0], **in_collector),
        runner.Series("wide", size, "micrograd", True, values=[60.0, 5.0], **in_collector),  # ratios 30, 5: median 17.5
        runner.Series("memory", runner.WORKLOADS["memory"].sizes[0], "stepgrad", True, values=[250.0]),
    ]
    text = report.markdown(results)
    assert "| wide: micrograd ÷ stepgrad | 17.5× (5–30) | ≥ 10× | yes |" in text
    assert "| memory: stepgrad bytes per node | 250 B (250–250) | ≤ 200 B | **no** |" in text
    assert "| moons (fused): micrograd ÷ stepgrad | – | ≥ 40× | not measured |" in text


def test_a_failed_write_leaves_the_old_report(tmp_path, monkeypatch):
    path = tmp_path / "bench.md"
    path.write_text("old table\n")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        report.write_atomically(str(path), "new table\n")
    assert path.read_text() == "old table\n"
    assert os.listdir(tmp_path) == ["bench.md"]  # no temporary file left behind


@pytest.mark.parametrize("argv, message", [
    (["--rounds", "0"], "--rounds must be at least 1"),
    (["--only", "moons,sprint"], "unknown workload(s) sprint"),
    (["--engines", "jax"], "unknown engine(s) jax"),
])
def test_bad_command_lines_say_what_is_wrong(argv, message, capsys):
    from tests.benchmarks.__main__ import parse
    with pytest.raises(SystemExit):
        parse(argv)
    assert message in capsys.readouterr().err
