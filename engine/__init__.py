"""stepgrad's engine: scalar reverse-mode autodiff you can step through.

Standard library only. The core, in reading order (about 30 minutes; lines):

1. __init__.py           43  this map
2. core/value.py        181  `Value`: a number that remembers its parents and local derivatives
3. core/op.py           397  `Op` and `node_maker`: how an op makes a node, in four steps
4. core/ops.py          291  the op table: one row per op (forward, local derivatives, domain)
5. core/walk.py         369  the backward pass on one page: topological order + chain rule
6. core/fused.py        223  `add_all`, `dot`: many inputs, one node
7. core/forward_mode.py  43  `forward_grad`: the same local derivatives, walked upwards

Then `demos/topo_order.py` shows why the order matters. Around the core, each in a
place of its own (each imports the core, the core imports none of them):

- functional.py   `grad(f)`, `hvp`, `hessian`: gradients of gradients as functions
- gradcheck.py    finite differences against `backward()`
- symbolic.py     a derivative rule run on names: its formula, as text
- names/          what a node is called, how numbers and steps are written (captions)
- codegen/        a graph as straight-line Python (`to_python`): plan, emit, split, replay
- parse.py        formulas as text to graphs (`parse`)
- strategies.py   hypothesis strategies for random graphs (needs hypothesis)
- files.py        the one atomic writer
"""

from .core import (
    BUILT_IN, OPS, RECORDED, SUM, BackwardStep, Code, Constant, Dot, Op, Sum, Value, add_all, arctan2, as_float,
    backward, backward_steps, define_op, dot, forward_grad, generic_cos, generic_exp, generic_log, generic_sin,
    lift, power_by, topological_order, zero_grad,
)
from .gradcheck import GradcheckError, GradcheckReport, gradcheck
from .functional import grad, hessian, hvp
from . import names  # BackwardStep.caption() comes from here
from .parse import FormulaError, parse
from .codegen import CompiledGraph, forward_code, step_code, to_python

__all__ = [
    "Value", "Constant", "Op", "OPS", "Code", "define_op", "generic_exp", "generic_log", "generic_sin",
    "generic_cos", "add_all", "dot", "Dot", "Sum", "topological_order", "forward_grad", "zero_grad", "backward",
    "backward_steps", "BackwardStep", "gradcheck", "GradcheckReport", "GradcheckError", "lift", "as_float",
    "grad", "hvp", "hessian", "arctan2", "power_by", "parse", "FormulaError", "to_python", "CompiledGraph",
    "step_code", "forward_code",
]
