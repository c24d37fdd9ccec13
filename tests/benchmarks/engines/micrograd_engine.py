"""micrograd 0.1.0 (PyPI), used the way its moons demo does."""

from __future__ import annotations

from micrograd.engine import Value
from micrograd.nn import MLP

from .graph_engine import GraphEngine
from ..workloads import MOONS_LAYERS


class Micrograd(GraphEngine):
    name = "micrograd"
    Value = Value

    def total(self, nodes):
        # A balanced tree of +: micrograd's backward recurses, so the chain that
        # builtin sum() makes would hit the recursion limit past ~500 terms.
        while len(nodes) > 1:
            pairs = [a + b for a, b in zip(nodes[::2], nodes[1::2])]
            nodes = pairs + nodes[len(pairs) * 2:]
        return nodes[0]

    def new_mlp(self, fused: bool):
        return MLP(MOONS_LAYERS[0], list(MOONS_LAYERS[1:]))  # always unfused: micrograd has no dot

    def parents(self, node):
        return node._prev


ENGINE = Micrograd()
