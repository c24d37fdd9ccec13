"""stepgrad itself, used the way its README shows."""

from __future__ import annotations

import engine
from nn import MLP
from .graph_engine import GraphEngine
from ..workloads import MOONS_LAYERS, flat_parameters


class Stepgrad(GraphEngine):
    name = "stepgrad"

    def leaf(self, x: float):
        return engine.Value(x)

    def total(self, nodes):
        return engine.add_all(nodes)  # one node with many parents

    def mlp(self, weights, fused: bool):
        model = MLP(MOONS_LAYERS[0], list(MOONS_LAYERS[1:]), fused=fused, seed=0)
        params = model.parameters()
        for p, w in zip(params, flat_parameters(weights), strict=True):
            p.data = w
        return model, params

    def parents(self, node):
        return node.parents


ENGINE = Stepgrad()
