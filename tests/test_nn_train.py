"""fit(): micrograd's moons recipe, XOR, batches, the progress bar and Ctrl-C."""

import io
import math
import os
import random
import signal
import subprocess
import sys
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Value
from nn import MLP, SGD, Adam, fit, hinge_loss, make_moons, make_spirals, make_xor


def training_accuracy(model, X, y):
    """Counted here, from the trained model's own outputs, not taken from the History."""
    return sum((model(x).data > 0) == (label > 0) for x, label in zip(X, y)) / len(X)


def test_micrograds_moons_recipe_reaches_100_percent():
    X, y = make_moons(100, noise=0.1)
    model = MLP(2, [16, 16, 1], seed=1)
    history = fit(model, X, y, loss="hinge", l2_penalty=1e-4, steps=100, progress=False)
    assert len(history) == 100 and not history.interrupted
    assert training_accuracy(model, X, y) == 1.0
    assert history.loss[-1] < 0.05 < history.loss[0]


def micrograds_demo_loop(Value, MLP, X, y, steps):
    """The training loop of micrograd's demo.ipynb, as a student would have it
    (only the batch is fixed); it gets `Value` and `MLP` from whichever library."""
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    losses = []
    for k in range(steps):
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        data_losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(data_losses) * (1.0 / len(data_losses))
        alpha = 1e-4
        reg_loss = alpha * sum((p * p for p in model.parameters()))
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(total_loss.data)
    return losses, [p.data for p in model.parameters()]


def test_micrograds_demo_code_runs_unchanged_and_fit_takes_the_same_steps(micrograd):
    X, y = make_moons(16, noise=0.1, seed=3)
    their_losses, their_weights = micrograds_demo_loop(micrograd.Value, micrograd.MLP, X, y, steps=3)
    our_losses, our_weights = micrograds_demo_loop(Value, MLP, X, y, steps=3)
    assert our_losses == pytest.approx(their_losses, rel=1e-9)
    assert our_weights == pytest.approx(their_weights, rel=1e-9, abs=1e-12)

    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    history = fit(model, X, y, loss="hinge", l2_penalty=1e-4, progress=False, steps=3,
                  optimizer=SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / 100))
    assert history.loss == pytest.approx(their_losses, rel=1e-9)
    assert [p.data for p in model.parameters()] == pytest.approx(their_weights, rel=1e-9, abs=1e-12)


def test_xor_is_learned_by_a_two_layer_tanh_net():
    X, y = make_xor(4, noise=0.0)
    model = MLP(2, [4, 1], activation="tanh", output_activation="tanh", seed=0)
    history = fit(model, X, y, loss="mse", optimizer=Adam(model.parameters(), lr=0.1), steps=150, progress=False)
    assert training_accuracy(model, X, y) == 1.0
    assert history.loss[-1] < 0.05


def test_cross_entropy_on_spirals_learns_something():
    X, y = make_spirals(30, classes=3, seed=2)
    model = MLP(2, [8, 8, 3], activation="tanh", seed=0)
    history = fit(model, X, y, loss="cross_entropy", optimizer=Adam(model.parameters(), lr=0.05), steps=60,
                  progress=False)
    assert history.loss[-1] < 0.3 * history.loss[0]
    assert history.accuracy[-1] > 0.8  # chance is 1/3


def test_history_records_the_loss_on_step():
    X, y = make_moons(20)
    seen = []
    history = fit(MLP(2, [4, 1], seed=0), X, y, steps=5, progress=False,
                  on_step=lambda k, loss, acc: seen.append((k, loss, acc)))
    assert seen == list(zip(range(5), history.loss, history.accuracy))
    assert all(0.0 <= a <= 1.0 for a in history.accuracy)


def test_batches_follow_the_seed():
    X, y = make_moons(40)
    runs = [fit(MLP(2, [4, 1], seed=0), X, y, steps=5, batch_size=8, seed=s, progress=False).loss for s in (1, 1, 2)]
    assert runs[0] == runs[1] != runs[2]


def constant_sgd(model):
    return SGD(model.parameters(), lr=0.05)


def test_keyboard_interrupt_from_on_step_stops_cleanly_with_the_history_so_far():
    X, y = make_moons(20)

    def stop_at_3(k, loss, acc):
        if k == 3:
            raise KeyboardInterrupt

    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, optimizer=constant_sgd(model), steps=50, progress=False, on_step=stop_at_3)
    assert history.interrupted and len(history) == 4
    # the model holds exactly the weights of 4 finished steps
    reference = MLP(2, [4, 1], seed=0)
    fit(reference, X, y, optimizer=constant_sgd(reference), steps=4, progress=False)
    assert model.state_dict() == reference.state_dict()


POSIX_SIGNALS = pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="needs POSIX signals")


@pytest.fixture
def interactive_ctrl_c():
    """Python's own Ctrl-C handler, as in a terminal, for the length of a test.

    A job a shell starts in the background (`make test &`, a script, some CI
    runners) begins with SIGINT ignored, and Python then installs no handler:
    fit() rightly leaves an ignored Ctrl-C ignored, so a test that presses
    Ctrl-C must first put back what an interactive session has."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@POSIX_SIGNALS
def test_ctrl_c_finishes_the_step_under_way_then_stops(interactive_ctrl_c):
    X, y = make_moons(20)
    before = signal.getsignal(signal.SIGINT)

    def press_ctrl_c_during_step_2(k, loss, acc):
        if k == 2:
            os.kill(os.getpid(), signal.SIGINT)

    history = fit(MLP(2, [4, 1], seed=0), X, y, steps=50, progress=False, on_step=press_ctrl_c_during_step_2)
    assert history.interrupted and len(history) == 3
    assert signal.getsignal(signal.SIGINT) is before  # Python's own handler is back
    fit(MLP(2, [4, 1], seed=0), X, y, steps=2, progress=False)
    assert signal.getsignal(signal.SIGINT) is before  # ... also after a run nobody interrupted


@POSIX_SIGNALS
def test_a_second_ctrl_c_interrupts_at_once(interactive_ctrl_c):
    X, y = make_moons(20)
    second_raised = []

    def press_twice(k, loss, acc):
        if k == 1:
            os.kill(os.getpid(), signal.SIGINT)  # noted; the step finishes
            try:
                os.kill(os.getpid(), signal.SIGINT)  # the impatient second press
            except KeyboardInterrupt:
                second_raised.append(k)

    history = fit(MLP(2, [4, 1], seed=0), X, y, steps=50, progress=False, on_step=press_twice)
    assert second_raised == [1]
    assert history.interrupted and len(history) == 2


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal(monkeypatch):
    X, y = make_moons(10)
    quiet = io.StringIO()
    monkeypatch.setattr(sys, "stderr", quiet)
    fit(MLP(2, [2, 1], seed=0), X, y, steps=3)
    assert quiet.getvalue() == ""

    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    fit(MLP(2, [2, 1], seed=0), X, y, steps=3)
    assert "3/3" in terminal.getvalue() and "loss=" in terminal.getvalue()

    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    fit(MLP(2, [2, 1], seed=0), X, y, steps=3, progress=False)
    assert terminal.getvalue() == ""


@pytest.mark.parametrize("kwargs, message", [
    (dict(X=[[1.0, 2.0]], y=[1, -1]), "as many labels as inputs"),
    (dict(X=[], y=[]), "at least one"),
    (dict(steps=-1), "steps"),
    (dict(batch_size=0), "batch_size"),
    (dict(loss="huber"), "unknown loss 'huber'"),
])
def test_bad_arguments_are_refused(kwargs, message):
    args = dict(X=[[1.0, 2.0], [0.0, 1.0]], y=[1, -1])
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        fit(MLP(2, [2, 1], seed=0), progress=False, **args)


# ---- regressions: divergence is reported, never recorded as a good loss -------------


def test_a_huge_learning_rate_stops_training_with_the_history_so_far():
    X, y = make_moons(20, seed=0)
    model = MLP(2, [8, 1], seed=1)
    with pytest.warns(RuntimeWarning, match=r"(?s)diverged at step \d+ of 5:\n.*smaller learning rate"):
        history = fit(model, X, y, optimizer=SGD(model.parameters(), lr=1e300), steps=5, progress=False)
    k = len(history)  # once: losses [0.37, 0.0, 0.0, 0.0, 0.0] while the model output nan
    assert 1 <= k < 5 and all(math.isfinite(x) for x in history.loss)
    assert history.diverged.startswith(f"fit: training diverged at step {k} of 5")
    assert max(len(line) for line in history.diverged.splitlines()) <= 80
    assert repr(history).endswith(", diverged)") and not history.interrupted
    # the model is back at the parameters whose loss was the last finite one: those after
    # k - 1 updates (after k, the next forward pass overflowed), so it can still predict
    reference = MLP(2, [8, 1], seed=1)
    fit(reference, X, y, optimizer=SGD(reference.parameters(), lr=1e300), steps=k - 1, progress=False)
    assert model.state_dict() == reference.state_dict()
    assert all(math.isfinite(p.data) for p in model.parameters())
    assert hinge_loss([model(x) for x in X], y).data == history.loss[-1]
    assert "back at its parameters from before step" in history.diverged


def test_an_update_that_overflows_in_the_first_step_changes_nothing():
    X, y = [(1.0, 2.0), (-1.0, 0.5)], [100.0, -100.0]
    model = MLP(2, [3, 1], seed=2)
    before = model.state_dict()
    with pytest.warns(RuntimeWarning, match=r"(?s)diverged at step 0 of 3:\n  SGD step 0: params\[\d+\] \(layers\..*"
                                            r"would become\s+-?inf.*initial parameters.*smaller learning rate"):
        history = fit(model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=1e308), steps=3, progress=False)
    assert len(history) == 0 and history.diverged
    assert model.state_dict() == before


def test_bad_data_in_the_first_step_is_raised_not_called_divergence():
    X, y = make_moons(10)
    with pytest.raises(ValueError, match="got nan"):
        fit(MLP(2, [3, 1], seed=0), [(math.nan, 0.5)] + X[1:], y, steps=3, progress=False)
    with pytest.raises((ValueError, ArithmeticError)):  # an infinite loss before any update
        fit(MLP(2, [3, 1], seed=0), X, y, loss=lambda s, t: hinge_loss(s, t) * math.inf, steps=3, progress=False)


def squares_times_1e300(scores, labels):
    return sum((s * s for s in scores), Value(0.0)) * 1e300


@pytest.mark.parametrize("lr, loss", [(1e300, hinge_loss), (1e-300, squares_times_1e300)])
def test_compiled_training_stops_at_the_same_divergence_as_the_graph_engine(lr, loss):
    """No loss-check of its own in the compiled step: the generated code raises NotFinite
    when any forward value (the loss among them) is nan or infinite, and the graph engine
    redoes that step and raises the op's own error. So a diverging run stops at the same
    step, with the same message and the same parameters, before any update with a bad loss.
    (lr 1e300: a forward value becomes nan; the squares × 1e300: the loss itself overflows.)"""
    X, y = make_moons(20, seed=0)
    runs = []
    for compiled in (False, True):
        model = MLP(2, [8, 1], seed=1)
        with pytest.warns(RuntimeWarning, match="diverged at step"):
            history = fit(model, X, y, loss=loss, steps=5, progress=False,
                          optimizer=SGD(model.parameters(), lr=lr), compiled=compiled)
        assert 1 <= len(history) < 5 and all(math.isfinite(x) for x in history.loss)
        assert all(math.isfinite(p.data) for p in model.parameters())
        runs.append((history.loss, history.diverged, model.state_dict()))
    assert runs[0] == runs[1]


@pytest.mark.parametrize("l2_penalty", [math.nan, -1e-4, math.inf, "1e-4", None])
def test_a_bad_l2_penalty_is_refused(l2_penalty):
    X, y = make_moons(10)
    with pytest.raises(ValueError, match="fit: l2_penalty must be a finite number >= 0"):
        fit(MLP(2, [3, 1], seed=0), X, y, steps=1, progress=False, l2_penalty=l2_penalty)


def test_any_real_number_is_an_l2_penalty():
    X, y = make_moons(10)
    runs = [fit(MLP(2, [3, 1], seed=0), X, y, steps=3, progress=False, l2_penalty=penalty).loss
            for penalty in (0.5, np.float64(0.5), Fraction(1, 2))]
    assert runs[0] == runs[1] == runs[2]


@POSIX_SIGNALS
def test_ctrl_c_in_the_last_step_is_reported(interactive_ctrl_c):
    X, y = make_moons(20)

    def press_ctrl_c_during_the_last_step(k, loss, acc):
        if k == 2:
            os.kill(os.getpid(), signal.SIGINT)

    history = fit(MLP(2, [4, 1], seed=0), X, y, steps=3, progress=False, on_step=press_ctrl_c_during_the_last_step)
    assert history.interrupted and len(history) == 3  # once: interrupted stayed False


@POSIX_SIGNALS
def test_the_ctrl_c_tests_pass_in_a_run_started_in_the_background():
    """`make test &` starts Python with SIGINT ignored: the Ctrl-C tests must still
    pass there (they failed in such full runs, and passed when run alone)."""
    ctrl_c_tests = [f"{__file__}::{name}" for name in (
        "test_ctrl_c_finishes_the_step_under_way_then_stops", "test_a_second_ctrl_c_interrupts_at_once",
        "test_ctrl_c_in_the_last_step_is_reported")]
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *ctrl_c_tests],
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:]
    assert "3 passed" in run.stdout


@POSIX_SIGNALS
def test_an_ignored_ctrl_c_does_not_stop_training():
    X, y = make_moons(20)
    presses = []

    def press_ctrl_c(k, loss, acc):
        if k == 1:
            os.kill(os.getpid(), signal.SIGINT)
            presses.append(k)

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # e.g. a job started with nohup
    try:
        history = fit(MLP(2, [4, 1], seed=0), X, y, steps=5, progress=False, on_step=press_ctrl_c)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    assert presses == [1]
    assert not history.interrupted and len(history) == 5


@settings(max_examples=30)
@given(log_lr=st.floats(-3, 308), optimizer=st.sampled_from(["sgd", "momentum", "adam"]),
       loss=st.sampled_from(["hinge", "mse", "bce_with_logits"]))
def test_whatever_the_learning_rate_fit_never_records_a_non_finite_loss(log_lr, optimizer, loss):
    X, y = make_xor(8, seed=3)
    if loss == "bce_with_logits":
        y = [(label + 1) // 2 for label in y]

    def run(steps):
        model = MLP(2, [3, 1], seed=4)
        make = {"sgd": lambda p: SGD(p, lr=10 ** log_lr), "momentum": lambda p: SGD(p, lr=10 ** log_lr, momentum=0.9),
                "adam": lambda p: Adam(p, lr=10 ** log_lr)}[optimizer]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = fit(model, X, y, loss=loss, optimizer=make(model.parameters()), steps=steps, progress=False)
        return model, history, caught

    model, history, caught = run(6)
    assert all(math.isfinite(x) for x in history.loss)
    assert all(math.isfinite(p.data) for p in model.parameters())
    assert bool(history.diverged) == (len(history) < 6) == bool(caught)
    if history.diverged:  # stopped cleanly: exactly the parameters of the steps it reports
        reference, _, _ = run(len(history))
        assert model.state_dict() == reference.state_dict()


def test_numpy_integers_are_step_counts_and_batch_sizes():
    X, y = make_moons(20)
    history = fit(MLP(2, [3, 1], seed=0), X, y, steps=np.int64(3), batch_size=np.int32(5), seed=1, progress=False)
    assert len(history) == 3
