"""The training loop: forward, loss, zero_grad, backward, step — `steps` times.

    X, y = make_moons(100, noise=0.1)
    model = MLP(2, [16, 16, 1], seed=1)
    history = fit(model, X, y, loss="hinge", l2_penalty=1e-4, steps=100)

That is micrograd's moons recipe: without an `optimizer`, `fit` uses SGD with
micrograd's learning rate schedule 1.0 − 0.9·k/steps.
"""

from __future__ import annotations

from collections import deque
import math
import random
from numbers import Integral
import signal
import sys
import textwrap
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional, Sequence, Union

from engine import Value

from .losses import (accuracy, binary_cross_entropy, binary_cross_entropy_with_logits, hinge_loss, l2,
                     mean_cross_entropy, mse_loss)
from .module import Module
from .checks import non_negative, positive_int
from .optim import SGD, DivergenceError, Optimizer

LossFunction = Callable[[list, list], Value]


#: The losses `fit` knows by name; each takes (the model's outputs, the labels).
LOSSES: dict[str, LossFunction] = {
    "hinge": hinge_loss,
    "mse": mse_loss,
    "bce": binary_cross_entropy,
    "bce_with_logits": binary_cross_entropy_with_logits,
    "cross_entropy": mean_cross_entropy,
}


@dataclass
class History:
    """What happened in training: the loss and accuracy of every step, and why it stopped early, if it did."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    interrupted: bool = False  #: True if Ctrl-C stopped training early
    diverged: str = ""  #: why training stopped at a nan, an infinity or an overflow ("" if it did not)

    def __len__(self) -> int:
        return len(self.loss)

    def __repr__(self) -> str:
        stopped = ", interrupted" if self.interrupted else ", diverged" if self.diverged else ""
        if not self.loss:
            return f"History(no steps{stopped})"
        steps = f"{len(self)} step" + ("s" if len(self) != 1 else "")
        return f"History({steps}, loss {self.loss[-1]:.4g}, accuracy {self.accuracy[-1]:.1%}{stopped})"


def fit(model: Module, X: Sequence, y: Sequence, loss: Union[str, LossFunction] = "hinge",
        optimizer: Optional[Optimizer] = None, steps: int = 100, batch_size: Optional[int] = None,
        seed: Optional[int] = None, progress: bool = True,
        on_step: Optional[Callable[[int, float, float], None]] = None, l2_penalty: float = 0.0,
        compiled: bool = False) -> History:
    """Train `model` on inputs `X` and labels `y`; return the `History`.

    loss        a name in `LOSSES` or a function (outputs, labels) -> Value
    optimizer   default: SGD with lr 1.0 − 0.9·k/steps (micrograd's)
    batch_size  None: every example every step; else a random batch per step (from `seed`)
    l2_penalty  adds l2_penalty · Σ p² to the loss (micrograd's recipe: 1e-4)
    progress    show a tqdm bar, when stderr is a terminal
    on_step     called as on_step(k, loss, accuracy) after each step
    compiled    build the graph once, turn it into Python (`engine.to_python`) and run
                that every step: the same numbers, faster (full batch only)

    Divergence: a step whose loss is nan or infinite, whose update would make a
    parameter nan or infinite, or in which an op overflows or leaves its domain,
    ends training. `fit` then warns (RuntimeWarning) with a message that names the
    step, keeps the message in `History.diverged`, and returns the history so
    far. The model goes back to the parameters whose loss was the last finite one
    (those before the last update; the initial ones if step 0 diverged), so it
    can still predict; an update is never half applied.
    (An error in the very first forward pass, before any update, is the data's or
    the model's and is raised as it is.)

    Ctrl-C ends training between steps: the step under way finishes, and `fit`
    returns the history so far with `interrupted=True` (a second Ctrl-C stops at once).
    A KeyboardInterrupt raised by `on_step` ends training the same way. If
    Ctrl-C is ignored (SIG_IGN) or not Python's to handle, `fit` leaves it so.
    """
    loss_fn = _loss_function(loss)
    X, y = list(X), list(y)
    if not X or len(X) != len(y):
        raise ValueError(f"fit: need as many labels as inputs, and at least one; got {len(X)} inputs, {len(y)} labels")
    if isinstance(steps, bool) or not isinstance(steps, Integral) or steps < 0:
        raise ValueError(f"fit: steps must be an integer >= 0, got {steps!r}")
    steps = int(steps)  # (a numpy integer is welcome)
    if batch_size is not None:
        batch_size = positive_int(batch_size, "fit: batch_size (or None: every example)")
    l2_penalty = non_negative(l2_penalty, "fit: l2_penalty")
    if on_step is not None and not callable(on_step):
        raise TypeError(f"fit: on_step must be a function (k, loss, accuracy), got {type(on_step).__name__}")
    if optimizer is not None and not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit: optimizer must be an nn Optimizer (SGD, Adam), got {type(optimizer).__name__}")
    params = model.parameters()
    step = _compiled_step(batch_size, len(X)) if compiled else _step
    optimizer = optimizer or SGD(params, lr=lambda k: 1.0 - 0.9 * k / steps)
    rng = random.Random(seed)
    history = History()
    bar = _progress_bar(steps) if progress else None
    # the numbers before the last two updates: on a divergence at step k the model goes
    # back to the ones whose loss was last seen finite (before step k-1's update)
    snapshots: deque = deque(maxlen=2)
    try:
        with _ctrl_c_between_steps() as ctrl_c_pressed:
            for k in range(steps):
                snapshots.append([p.data for p in params])
                try:
                    loss_value, acc = step(model, X, y, loss_fn, optimizer, params, batch_size, l2_penalty, rng)
                except (ArithmeticError, ValueError) as problem:
                    if k == 0 and isinstance(problem, _NonFiniteLoss):
                        raise ValueError(f"fit: the loss at step 0, before any update, is {problem.loss!r}: "
                                         "check the inputs, the labels and the model") from None
                    if k == 0 and not isinstance(problem, DivergenceError):
                        raise  # nothing trained yet: bad data or a bad model, not a diverging run
                    for p, number in zip(params, snapshots[0]):
                        p.data = number
                    history.diverged = _divergence_message(k, steps, problem, history, optimizer)
                    warnings.warn(history.diverged, RuntimeWarning, stacklevel=2)
                    break
                history.loss.append(loss_value)
                history.accuracy.append(acc)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{loss_value:.4f}", acc=f"{acc:.0%}")
                if on_step is not None:
                    on_step(k, loss_value, acc)
                if ctrl_c_pressed():  # checked after the step, so a press during the last step counts too
                    raise KeyboardInterrupt
    except KeyboardInterrupt:
        history.interrupted = True
    finally:
        if bar is not None:
            bar.close()
    return history


def _step(model, X, y, loss_fn, optimizer, params, batch_size, l2_penalty, rng) -> tuple[float, float]:
    """One step of training; returns the loss and accuracy of the batch, before the update.

    A nan or infinite loss raises `_NonFiniteLoss` before anything changes."""
    Xb, yb = _batch(X, y, batch_size, rng)
    scores = [model(x) for x in Xb]
    total = loss_fn(scores, yb)
    if l2_penalty:
        total = total + l2_penalty * l2(params)
    if not math.isfinite(total.data):
        raise _NonFiniteLoss(total.data)
    optimizer.zero_grad()
    total.backward()
    optimizer.step()
    return total.data, accuracy(scores, yb)


class _NonFiniteLoss(ValueError):
    def __init__(self, loss: float):
        super().__init__(f"the loss is {loss!r}")
        self.loss = loss


def _divergence_message(k: int, steps: int, problem: Exception, history: History, optimizer: Optimizer) -> str:
    """What went wrong at step k, what the model holds now, and what to try."""
    if history.loss:
        kept = (f"the model is back at its parameters from before step {k - 1}'s update, the last "
                f"ones with a finite loss ({history.loss[-1]:.4g})")
    else:
        kept = "the model keeps its initial parameters"
    try:
        lr = f" (lr was {optimizer.current_lr():.4g})"
    except ValueError:  # a schedule that cannot say; the problem itself is reported above
        lr = ""
    lines = [f"fit: training diverged at step {k} of {steps}:"]  # wrapped to fit a terminal's 80 columns
    for sentence in (str(problem), f"Stopped; {kept}.", f"Try a smaller learning rate{lr}."):
        lines += textwrap.wrap(sentence, width=78, initial_indent="  ", subsequent_indent="    ")
    return "\n".join(lines)


@contextmanager
def _ctrl_c_between_steps() -> Iterator[Callable[[], bool]]:
    """Catch the first Ctrl-C in a flag that the loop checks between steps, so a
    step is never cut in half (an update half applied). The second Ctrl-C gets
    the handler that was there before (Python's: KeyboardInterrupt).

    Only a Python handler is replaced: an ignored SIGINT (SIG_IGN) stays ignored,
    the system default (SIG_DFL) stays, and outside the main thread, or when
    Python did not install the handler, Ctrl-C behaves as usual."""
    pressed = []
    previous = signal.getsignal(signal.SIGINT) if threading.current_thread() is threading.main_thread() else None
    if not callable(previous):  # None, SIG_IGN or SIG_DFL: not ours to take over
        yield lambda: False
        return

    def remember(signum, frame):
        pressed.append(True)
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, remember)
    try:
        yield lambda: bool(pressed)
    finally:
        signal.signal(signal.SIGINT, previous)


def _loss_function(loss) -> LossFunction:
    if callable(loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"fit: unknown loss {loss!r}; use one of {', '.join(LOSSES)} or a function")
    return LOSSES[loss]


def _batch(X: list, y: list, batch_size: Optional[int], rng: random.Random) -> tuple[list, list]:
    """All the examples, or `batch_size` of them drawn without replacement."""
    if batch_size is None or batch_size >= len(X):
        return X, y
    picked = rng.sample(range(len(X)), batch_size)
    return [X[i] for i in picked], [y[i] for i in picked]


def _progress_bar(steps: int):
    """A tqdm bar on stderr when stderr is a terminal; None (silence) otherwise, e.g. in logs and tests."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm  # only needed when there is a terminal to draw on

    return tqdm(total=steps, file=sys.stderr, unit="step")


# ---- compiled=True: the graph as code, built once (engine.to_python) -------------------


def _compiled_step(batch_size: Optional[int], examples: int) -> Callable[..., tuple[float, float]]:
    """A `_step` that builds the graph on its first call, compiles it, and from then on
    only runs the compiled code and the optimizer.

    The graph must be the same function of the parameters at every step. Full-batch
    training keeps its shape; but a constant computed from the numbers (the max that
    a stable softmax subtracts) makes each step's graph a little different. So the
    second step's graph is built too and compared with the compiled one (ops, joins,
    constants) and its answer with the code's, bit for bit: if they differ, training
    goes on with the graph engine (same results, no speed-up) and says so in a warning."""
    if batch_size is not None and batch_size < examples:
        raise ValueError(f"fit: compiled=True needs full-batch training (batch_size=None), got batch_size={batch_size}: "
                         "a new batch each step is a new graph")
    state: dict = {"calls": 0}  # and "code", "shape" after the first call

    def step(model, X, y, loss_fn, optimizer, params, batch_size, l2_penalty, rng) -> tuple[float, float]:
        if state.get("graph engine"):
            return _step(model, X, y, loss_fn, optimizer, params, batch_size, l2_penalty, rng)
        state["calls"] += 1
        if state["calls"] <= 2:  # the first graph is compiled, the second compared with it
            scores = [model(x) for x in X]
            total = loss_fn(scores, y)
            if l2_penalty:
                total = total + l2_penalty * l2(params)
        if "code" not in state:
            from engine import to_python

            flat = [z for s in scores for z in (s if isinstance(s, (list, tuple)) else [s])]
            state["code"] = to_python(total, params, also=flat)
            state["shape"] = [len(s) if isinstance(s, (list, tuple)) else None for s in scores]
        # No loss check here as in `_step`: the code raises when any forward value (the loss
        # among them) is nan or infinite, and the graph engine redoes the step and raises the
        # op's own error, before this update (tests/test_nn_train.py, ..._same_divergence_...)
        value, grads, flat_scores = state["code"]([p.data for p in params])
        optimizer.zero_grad()
        if state["calls"] == 2:  # the graph engine's answer at these numbers, to compare
            total.backward()
            if not state["code"].matches(total, params) or value != total.data or \
                    any(g != p.grad for p, g in zip(params, grads)):
                warnings.warn("fit(compiled=True): this model's graph changes from step to step (a constant "
                              "computed from its numbers?); training on with the graph engine", stacklevel=4)
                state["graph engine"] = True
                optimizer.step()
                return total.data, accuracy(scores, y)
        for p, g in zip(params, grads):
            p.grad = g
        optimizer.step()
        return value, accuracy(_regrouped(flat_scores, state["shape"]), y)

    return step


def _regrouped(flat: Sequence[float], shape: list) -> list:
    """The scores as `model` gave them (a number, or a list per example), from one flat list."""
    scores, i = [], 0
    for size in shape:
        scores.append(flat[i] if size is None else list(flat[i:i + size]))
        i += 1 if size is None else size
    return scores
