"""PyTorch on 0-d float64 tensors: a C++ graph engine driven one scalar at a time."""

from __future__ import annotations

import torch

from .graph_engine import GraphEngine

torch.set_default_dtype(torch.float64)


class Torch(GraphEngine):
    name = "torch"

    def leaf(self, x: float):
        return torch.tensor(x, requires_grad=True)

    def total(self, nodes):
        return sum(nodes)  # autograd walks the chain iteratively: no depth limit

    def mlp(self, weights, fused: bool):
        layers = [[(list(map(self.leaf, w)), self.leaf(b)) for w, b in layer] for layer in weights]
        params = [p for layer in layers for w, b in layer for p in (*w, b)]
        last = len(layers) - 1

        def model(x):
            for i, layer in enumerate(layers):
                pre = [sum((wi * xi for wi, xi in zip(w, x)), b) for w, b in layer]
                x = pre if i == last else [z.relu() for z in pre]
            return x[0]

        return model, params

    def value(self, node) -> float:
        return node.item()

    def grad(self, node) -> float:
        return node.grad.item()

    def zero_grad(self, params) -> None:
        for p in params:
            p.grad = None

    def sgd(self, params, lr: float) -> None:
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad

    def parents(self, node):
        raise NotImplementedError("torch's graph lives in C++; tracemalloc cannot see it")


ENGINE = Torch()
