"""The core of the engine: a `Value`, the op table, the backward walk, fused ops,
forward mode. Read in the order of engine/__init__.py's map."""

from .value import Constant, Value, as_float, lift
from .op import BUILT_IN, OPS, Code, NoDerivative, Op, define_op, generic_cos, generic_exp, generic_log, generic_sin
from . import ops
from .ops import arctan2, power_by
from .walk import BackwardStep, backward, backward_steps, topological_order, zero_grad
from .fused import RECORDED, SUM, Dot, Sum, add_all, dot
from .forward_mode import forward_grad
