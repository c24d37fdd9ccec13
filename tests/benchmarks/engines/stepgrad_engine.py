"""stepgrad itself, used the way its README shows."""

from __future__ import annotations

import engine
from nn import MLP
from .graph_engine import GraphEngine
from ..workloads import MOONS_LAYERS


class Stepgrad(GraphEngine):
    name = "stepgrad"
    Value = engine.Value

    def total(self, nodes):
        return engine.add_all(nodes)  # one node with many parents

    def dot(self, weights, inputs):
        return engine.dot(weights, inputs)  # one node for the whole row

    def new_mlp(self, fused: bool):
        return MLP(MOONS_LAYERS[0], list(MOONS_LAYERS[1:]), fused=fused, seed=0)

    def parents(self, node):
        return node.parents


ENGINE = Stepgrad()
