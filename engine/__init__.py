"""stepgrad's engine: scalar reverse-mode autodiff you can step through.

Standard library only. Read it in this order (about 30 minutes; line counts):

1. __init__.py      (this map)
2. value.py         `Value`: a number that remembers its parents and local derivatives
3. primitives.py    the op table: one row per op (forward, local derivatives, domain, kinks)
4. op.py            `Op.__call__`: lift the inputs, check the domain, run forward,
                    record the local derivatives; below it, the same steps for speed
5. walk.py          the backward pass on one page: topological order + chain rule,
                    and `backward_steps`, the same walk reporting each edge
6. fused.py         `add_all`, `dot`: many inputs, one node
7. forward_mode.py  `forward_grad`: the same local derivatives, walked upwards
8. gradcheck.py     central differences against `backward()`

Then `demos/topo_order.py` shows why the order matters. Also here: strategies.py
(hypothesis strategies for random graphs) and files.py (the one atomic writer).
The only import loop: value.py <-> primitives.py/op.py (a `Value`'s operators are
ops, and ops make `Value`s).
"""

from .value import Value, as_float, lift
from .op import OPS, Op, define_op, generic_exp, generic_log
from .fused import add_all, dot
from .walk import BackwardStep, backward, backward_steps, topological_order, zero_grad
from .forward_mode import forward_grad
from .gradcheck import GradcheckError, GradcheckReport, gradcheck
from .parse import FormulaError, parse

__all__ = [
    "Value", "Op", "OPS", "define_op", "generic_exp", "generic_log", "add_all", "dot",
    "topological_order", "forward_grad", "zero_grad", "backward", "backward_steps", "BackwardStep",
    "gradcheck", "GradcheckReport", "GradcheckError", "lift", "as_float", "parse", "FormulaError",
]
