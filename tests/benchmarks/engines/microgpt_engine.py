"""microgpt's own engine (Karpathy, 2026-02), restated: the reference for the
microgpt workloads.

microgpt trains its GPT with a 40-line scalar engine. It is restated here
as it is written there: a `Value` with `__slots__`, each op recording its
children and the local gradient of each; subtraction, negation and division
built from + and * (so they make two nodes, and a plain-number operand
becomes a `Value` leaf); a recursive topological sort.
"""

from __future__ import annotations

import math

from .graph_engine import GraphEngine


class Value:
    __slots__ = ("data", "grad", "_children", "_local_grads")

    def __init__(self, data, children=(), local_grads=()):
        self.data = data                  # the scalar this node holds
        self.grad = 0                     # d loss / d this node, filled in by backward
        self._children = children         # the nodes this one was computed from
        self._local_grads = local_grads   # d this / d each child, recorded in the forward pass

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, other):
        return Value(self.data**other, (self,), (other * self.data**(other - 1),))

    def log(self):
        return Value(math.log(self.data), (self,), (1 / self.data,))

    def exp(self):
        return Value(math.exp(self.data), (self,), (math.exp(self.data),))

    def relu(self):
        return Value(max(0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def backward(self):
        topo = []
        visited = set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._children:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1
        for v in reversed(topo):
            for child, local_grad in zip(v._children, v._local_grads):
                child.grad += local_grad * v.grad


class Microgpt(GraphEngine):
    name = "microgpt"
    Value = Value

    def total(self, nodes):
        return sum(nodes)  # how microgpt sums

    def dot(self, weights, inputs):
        return sum(wi * xi for wi, xi in zip(weights, inputs))  # how microgpt writes a linear row

    def parents(self, node):
        return node._children

    def zero_grad(self, params) -> None:
        for p in params:
            p.grad = 0


ENGINE = Microgpt()
