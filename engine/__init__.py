"""stepgrad's engine: scalar reverse-mode autodiff you can step through.

Standard library only. The pieces, in the order a lecture would meet them:

- `Value` (value.py): a number that remembers its parents and local derivatives;
- the ops (op.py, primitives.py): forward + derivative + domain, one row each;
- `topological_order`, `forward_grad`, `zero_grad` (graph.py): walks, no recursion;
- `backward`, `backward_steps` (backward.py): the chain rule, edge by edge;
- `gradcheck` (gradcheck.py): central differences against `backward()`.
"""

from .value import Value
from .op import OPS, Op, define_op, generic_exp, generic_log
from .primitives import add_all, dot
from .graph import forward_grad, topological_order, zero_grad
from .backward import BackwardStep, backward, backward_steps
from .gradcheck import GradcheckError, GradcheckReport, gradcheck
from .parse import FormulaError, parse

__all__ = [
    "Value", "Op", "OPS", "define_op", "generic_exp", "generic_log", "add_all", "dot",
    "topological_order", "forward_grad", "zero_grad", "backward", "backward_steps", "BackwardStep",
    "gradcheck", "GradcheckReport", "GradcheckError", "parse", "FormulaError",
]
