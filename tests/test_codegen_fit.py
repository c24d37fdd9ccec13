"""`nn.fit(..., compiled=True)`: the graph is built once and run as code; training is unchanged.

The reference is `compiled=False`, the graph engine step by step: every step's
loss and accuracy and every final parameter must be the same floats.
"""

from __future__ import annotations

import warnings

import pytest

from nn import MLP, Adam, fit, make_moons, make_spirals


def train(compiled: bool, **options):
    X, y = options.pop("data")
    model = MLP(2, options.pop("layers"), seed=3, **options.pop("model", {}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # these graphs keep their shape: no fall back to the graph engine
        history = fit(model, X, y, progress=False, compiled=compiled, **options)
    return history, [p.data for p in model.parameters()]


@pytest.mark.parametrize("options", [
    # micrograd's recipe, smaller: hinge loss, L2 1e-4, SGD with its schedule
    dict(data=make_moons(40, noise=0.1, seed=1), layers=[8, 8, 1], loss="hinge", l2_penalty=1e-4, steps=12),
    # tanh units, Adam, a smooth loss through exp and log
    dict(data=make_moons(30, noise=0.2, seed=2), layers=[6, 1], model=dict(activation="tanh"), loss="bce_with_logits",
         steps=8),
])
def test_compiled_training_has_the_same_history_and_parameters(options):
    if options["loss"] == "bce_with_logits":
        X, y = options["data"]
        options["data"] = (X, [1.0 if label > 0 else 0.0 for label in y])
    if options.get("model", {}).get("activation") == "tanh":
        options["optimizer_factory"] = True
    factory = options.pop("optimizer_factory", False)
    plain_options, compiled_options = dict(options), dict(options)
    if factory:  # each run needs its own optimizer, over its own model's parameters
        plain_options["optimizer"] = compiled_options["optimizer"] = None
    plain_history, plain_params = train(False, **plain_options)
    compiled_history, compiled_params = train(True, **compiled_options)
    assert compiled_history.loss == plain_history.loss
    assert compiled_history.accuracy == plain_history.accuracy
    assert compiled_params == plain_params
    assert plain_history.loss[-1] < plain_history.loss[0]  # it trained: the comparison is not of two idle runs


def test_a_graph_that_changes_between_steps_is_noticed_and_trained_by_the_graph_engine():
    """cross_entropy subtracts the largest logit, a number taken from the graph: each
    step's graph differs in that constant, so compiled code would drift from the engine."""
    X, y = make_spirals(30, classes=3, seed=4)
    results = []
    for compiled in (False, True):
        model = MLP(2, [8, 3], seed=5)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = fit(model, X, y, loss="cross_entropy", optimizer=Adam(model.parameters(), lr=0.05), steps=6,
                          progress=False, compiled=compiled)
        results.append((history.loss, history.accuracy, [p.data for p in model.parameters()]))
        assert [str(w.message) for w in caught if "compiled" in str(w.message)] == (
            ["fit(compiled=True): this model's graph changes from step to step (a constant computed from its "
             "numbers?); training on with the graph engine"] if compiled else [])
    assert results[0] == results[1]


def test_compiled_training_refuses_mini_batches():
    X, y = make_moons(20, seed=1)
    with pytest.raises(ValueError, match="full-batch"):
        fit(MLP(2, [4, 1], seed=1), X, y, batch_size=5, compiled=True, progress=False)
