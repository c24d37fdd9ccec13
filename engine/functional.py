"""Derivatives as functions: `grad(f)`, `hvp`, `hessian`.

Small wrappers over `backward(create_graph=True)`, in the style of JAX and HIPS
autograd: `grad(f)` is a new function, and because its result is a `Value` whose
graph computes the derivative, it can be differentiated again:

>>> from engine import grad
>>> f = lambda x: x ** 3
>>> grad(f)(2.0).data, grad(grad(f))(2.0).data, grad(grad(grad(f)))(2.0).data
(12.0, 12.0, 6.0)

Each wrapper leaves every `.grad` as it found it: it saves the gradients of the
graph it walks, runs its own backward pass from zero, reads the derivatives and
puts the saved gradients back. So an inner `grad` inside an outer one (a closure
over the outer input) cannot leak its gradients into the outer pass.
"""

from __future__ import annotations

from typing import Callable, Sequence

from .core import Value, add_all, topological_order


def grad(f: Callable[..., Value], argnum: int = 0) -> Callable[..., Value]:
    """The function x ↦ d f(…, x, …) / dx, for f's argument number `argnum`.

    The derivative is returned as a `Value`: `.data` is the number, and it can
    be differentiated again (`grad(grad(f))`). An argument that is a plain number
    becomes a fresh leaf; one that is a `Value` is used as it is, so the
    derivative stays connected to whatever that value was computed from.
    """
    if isinstance(argnum, bool) or not isinstance(argnum, int):
        raise TypeError(f"grad: argnum must be an int, got {type(argnum).__name__}")

    def derivative(*args) -> Value:
        if not -len(args) <= argnum < len(args):
            raise TypeError(f"grad: argnum={argnum}, but the function was called with {len(args)} argument(s)")
        args = list(args)
        args[argnum] = _as_value(args[argnum])
        out = _checked_output(f(*args), f)
        return derivatives(out, [args[argnum]])[0]

    derivative.__name__ = f"grad_{getattr(f, '__name__', 'f')}"
    derivative.__doc__ = f"d {getattr(f, '__name__', 'f')} / d(argument {argnum}), as a Value."
    return derivative


def hvp(f: Callable[..., Value], inputs: Sequence, vector: Sequence) -> list[Value]:
    """The Hessian of f at `inputs` times `vector`, H·v, without forming H.

    H·v is the gradient of (∇f · v): one backward pass for ∇f (as Values), one
    more for the gradient of its dot product with v. So it costs two passes,
    however many inputs there are.
    """
    xs = [_as_value(x) for x in inputs]
    if len(vector) != len(xs):
        raise ValueError(f"hvp: {len(xs)} inputs but a vector of {len(vector)}")
    first = derivatives(_checked_output(f(*xs), f), xs)
    directional = add_all([g * v for g, v in zip(first, vector)])
    return derivatives(directional, xs)


def hessian(f: Callable[..., Value], inputs: Sequence) -> list[list[Value]]:
    """All second derivatives ∂²f / ∂xᵢ∂xⱼ of f(*inputs), as rows of `Value`s.

    One backward pass for the gradient, then one per input for its row: meant
    for a few inputs (a small network's parameters, say).
    """
    xs = [_as_value(x) for x in inputs]
    first = derivatives(_checked_output(f(*xs), f), xs)
    return [derivatives(g, xs) for g in first]


def derivatives(out: Value, wrt: Sequence[Value]) -> list[Value]:
    """d out / d w for each w in `wrt` (as `Value`s, differentiable again),
    leaving every `.grad` in `out`'s graph as it was.

    A `w` that `out` does not depend on gets a constant 0.
    """
    order = _nodes_of(out, wrt)
    saved = [node.grad for node in order]
    for node in order:
        node.grad = 0.0
    try:
        out.backward(create_graph=True)
        return [w.grad if isinstance(w.grad, Value) else Value(w.grad) for w in wrt]
    finally:
        for node, before in zip(order, saved):
            node.grad = before


def _nodes_of(out: Value, wrt: Sequence[Value]) -> list[Value]:
    """Every node of `out`'s graph, and the `wrt` values (which may lie outside it)."""
    order = topological_order(out)
    seen = set(order)
    return order + [w for w in wrt if w not in seen]


def _as_value(x) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _checked_output(out, f) -> Value:
    if not isinstance(out, Value):
        name = getattr(f, "__name__", "f")
        raise TypeError(f"{name} must return a Value to be differentiated, got {type(out).__name__}: {out!r}")
    return out
