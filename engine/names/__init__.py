"""What a node is called, and how its numbers and steps are written, everywhere:
text.py (numbers, visible labels, operands), naming.py (one name per node),
captions.py (a backward step as a student writes it)."""

from .text import MAX_LABEL, is_token, number, operand, visible
from .naming import MAX_EXPRESSION, GivenName, identifiers, is_constant, node_names, op_symbol
from .captions import (default_namer, fused_op_name, fused_terms, is_fused, local_formula, step_caption,
                       term_number)

__all__ = [
    "MAX_LABEL", "MAX_EXPRESSION", "GivenName", "identifiers", "is_token", "number", "operand", "visible", "is_constant", "node_names",
    "op_symbol", "default_namer", "fused_op_name", "fused_terms", "is_fused", "local_formula", "step_caption",
    "term_number",
]
