"""The adapter interface for an engine that builds a graph of scalar nodes."""

from __future__ import annotations

from typing import Callable

from .. import workloads


class GraphEngine:
    """What a workload needs from an engine beyond + - * / ** and `.relu()`.

    Subclasses fill in the engine-specific parts; the workloads themselves are
    shared (workloads.py), so every engine computes exactly the same thing.
    """

    name = "?"
    #: The engine's `Value` class, for the code written around it (as_written.py).
    Value = None

    # -- the engine-specific parts --
    def leaf(self, x: float):
        """A new input that gradients flow to (by default a new `Value`)."""
        return self.Value(x)

    def total(self, nodes: list):
        """The sum of many nodes, the way this engine sums a wide list."""
        raise NotImplementedError

    def dot(self, weights, inputs):
        """Σ wᵢ·xᵢ over one row of a linear layer, the way this engine writes it."""
        raise NotImplementedError

    def new_mlp(self, fused: bool):
        """This engine's MLP(*workloads.MOONS_LAYERS), with any weights."""
        raise NotImplementedError

    def parents(self, node):
        """The nodes `node` was computed from."""
        raise NotImplementedError

    # -- what most engines share --
    def mlp(self, weights, fused: bool):
        """(model, parameters) of an MLP holding `weights` (see workloads.moons_weights)."""
        model = self.new_mlp(fused)
        params = model.parameters()
        for p, w in zip(params, workloads.flat_parameters(weights), strict=True):
            p.data = w
        return model, params

    def backward(self, root) -> None:
        root.backward()

    def value(self, node) -> float:
        return float(node.data)

    def grad(self, node) -> float:
        return float(node.grad)

    def zero_grad(self, params) -> None:
        for p in params:
            p.grad = 0.0

    def sgd(self, params, lr: float) -> None:
        for p in params:
            p.data -= lr * p.grad

    # -- the workloads, by name --
    def run(self, workload: str, size: int) -> workloads.Result:
        """Run one workload at one size (see `runner.WORKLOADS` for what size counts)."""
        return getattr(workloads, workload)(self, size)

    def prepare(self, workload: str, size: int) -> Callable[[], workloads.Result]:
        """The part of a run that is timed: workloads with a `prepare_<name>` make
        their model first (a training step does not include building the model)."""
        setup = getattr(workloads, f"prepare_{workload}", None)
        return setup(self, size) if setup else lambda: self.run(workload, size)
