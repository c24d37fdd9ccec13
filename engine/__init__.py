"""stepgrad's engine: scalar reverse-mode autodiff you can step through.

Standard library only. Read it in this order (about 30 minutes; lines):

1. __init__.py       45  this map
2. value.py         248  `Value`: a number that remembers its parents and local derivatives
3. primitives.py    201  the op table: one row per op (forward, local derivatives, domain, kinks)
4. op.py            283  `Op.__call__`: lift the inputs, check the domain, run forward,
                         record the local derivatives; below it, the same steps for speed
5. walk.py          329  the backward pass on one page: topological order + chain rule,
                         and `backward_steps`, the same walk reporting each edge;
                         at the end, the same walk on Values (create_graph=True)
6. fused.py         190  `add_all`, `dot`: many inputs, one node
7. forward_mode.py   41  `forward_grad`: the same local derivatives, walked upwards

Then `demos/topo_order.py` shows why the order matters. Also here: gradcheck.py
(finite differences against `backward()`), functional.py (`grad(f)`, `hvp`,
`hessian`: gradients of gradients as functions), strategies.py (hypothesis
strategies for random graphs), files.py (the one atomic writer), names.py (one
name per node, for pictures and captions), parse.py (formulas to graphs),
codegen.py (a graph as straight-line Python) and hot_paths.py (add, mul, relu,
dot and the float backward pass written out for speed: the same steps as op.py
and walk.py, off the reading path).
The only import loop: value.py <-> primitives.py/op.py (a `Value`'s operators are
ops, and ops make `Value`s).
"""

from .value import Value, as_float, lift
from .op import OPS, Op, define_op, generic_cos, generic_exp, generic_log, generic_sin
from .fused import add_all, dot
from .walk import BackwardStep, backward, backward_steps, topological_order, zero_grad
from .forward_mode import forward_grad
from .gradcheck import GradcheckError, GradcheckReport, gradcheck
from .functional import grad, hessian, hvp
from .primitives import arctan2
from .parse import FormulaError, parse
from .codegen import CompiledGraph, forward_code, step_code, to_python

__all__ = [
    "Value", "Op", "OPS", "define_op", "generic_exp", "generic_log", "add_all", "dot",
    "topological_order", "forward_grad", "zero_grad", "backward", "backward_steps", "BackwardStep",
    "gradcheck", "GradcheckReport", "GradcheckError", "lift", "as_float",
    "grad", "hvp", "hessian", "arctan2", "generic_sin", "generic_cos",
    "parse", "FormulaError", "to_python", "CompiledGraph", "step_code", "forward_code",
]
