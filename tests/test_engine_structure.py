"""The engine's shape: the written-out copies of `Op.__call__` build the same nodes,
an op's node reaches its `Op`, and the modules import each other in one loop only."""

import ast
import re
import copy
import pickle
from pathlib import Path

import pytest

import engine
from engine import OPS, Op, Value
from engine.core.ops import power_by

ENGINE = Path(engine.__file__).resolve().parent


def _same_node(a: Value, b: Value) -> None:
    assert (a.data, a.grad, a.label) == (b.data, b.grad, b.label)
    assert a.op is b.op and isinstance(a.op, Op)
    assert a.parents == b.parents and a.local_grads == b.local_grads
    assert [type(g) for g in a.local_grads] == [type(g) for g in b.local_grads]


CASES = [
    ("add", (Value(2.0), Value(-3.0))), ("add", (2, Value(-3.0))), ("sub", (Value(2.0), 0.5)),
    ("mul", (Value(2.0), Value(-3.0))), ("div", (Value(1.0), Value(4.0))), ("div", (7, Value(2.0))),
    ("neg", (Value(2.0),)), ("abs", (Value(-2.0),)), ("exp", (Value(0.5),)), ("log", (Value(3.0),)),
    ("sqrt", (Value(4.0),)), ("sqrt", (Value(0.0),)), ("tanh", (Value(0.3),)), ("sigmoid", (Value(-40.0),)),
    ("relu", (Value(-1.0),)), ("relu", (Value(2.0),)), ("pow", (Value(2.0), Value(3.0))), ("pow", (Value(0.0), Value(0.0))),
]


@pytest.mark.parametrize("name, inputs", CASES, ids=[f"{n}{i}" for i, (n, _) in enumerate(CASES)])
def test_the_written_out_copies_build_the_same_node_as_the_four_general_steps(name, inputs):
    op = OPS[name]
    general, fast = op(*inputs), op.apply(*inputs)
    constants = [i for i, x in enumerate(inputs) if not isinstance(x, Value)]
    for i in constants:  # a lifted constant is a fresh leaf each time: compare it, then share it
        assert general.parents[i].data == fast.parents[i].data and not general.parents[i].parents
    kept = tuple(p if i not in constants else fast.parents[i] for i, p in enumerate(general.parents))
    general.parents = kept
    _same_node(general, fast)


@pytest.mark.parametrize("n", [2.0, -1.0, 0.5, 0.0])
def test_the_fixed_power_copies_agree_too(n):
    x = Value(1.5)
    _same_node(power_by(n)(x), power_by(n).apply(x))


def test_both_paths_refuse_the_same_inputs_with_the_same_message():
    for op, bad in ((OPS["log"], (-1.0,)), (OPS["div"], (1.0, 0.0)), (OPS["exp"], (1000.0,))):
        messages = []
        for call in (op, op.apply):
            with pytest.raises((ValueError, ZeroDivisionError, OverflowError)) as caught:
                call(*bad)
            messages.append((type(caught.value), str(caught.value)))
        assert messages[0] == messages[1]


def test_a_node_reaches_its_op_and_still_reads_as_its_symbol():
    x = Value(3.0)
    y = x * 2.0 + x.tanh()
    assert y.op == "+" and y.op is OPS["add"] and y.parents[0].op is OPS["mul"]
    assert y.op.derivatives(1.0, 2.0, 3.0) == (1.0, 1.0)
    assert str(y.op) == "+" and type(str(y.op)) is str and f"[{y.op}]" == "[+]"
    hand_made = Value(1.0, op="mine", parents=(x,), local_grads=(2.0,))
    assert type(hand_made.op) is str


def test_ops_with_one_symbol_are_told_apart_by_identity_and_name():
    assert OPS["sub"] == OPS["neg"] == "-" and OPS["sub"] is not OPS["neg"]
    assert (OPS["sub"].name, OPS["neg"].name) == ("sub", "neg")


def test_copies_and_pickles_of_a_graph_keep_working():
    x = Value(2.0, "x")
    y = (x * x).tanh()
    clone = copy.deepcopy(y)
    assert clone.op is OPS["tanh"] and clone.parents[0] is not y.parents[0]
    again = pickle.loads(pickle.dumps(y))
    assert again.op is OPS["tanh"] and again.data == y.data
    cube = pickle.loads(pickle.dumps(x**3))  # an unregistered op comes back as its symbol
    assert cube.op == "**3" and cube.data == 8.0


def _engine_imports() -> dict[str, set[str]]:
    """module -> the engine modules it imports at module level (not inside functions)."""
    graph = {}
    for path in ENGINE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = set()
        for node in tree.body:  # module level only, including the bottom-of-file import
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                found.update([node.module] if node.module else [a.name for a in node.names])
        graph[path.stem] = found - {"__init__"}
    return graph


def test_the_only_import_loop_is_value_and_its_ops():
    graph = _engine_imports()
    loops = set()
    for start in graph:  # every cycle through `start`, by an explicit-stack search
        stack = [(start, (start,))]
        while stack:
            module, path = stack.pop()
            for nxt in graph.get(module, ()):
                if nxt == start:
                    loops.add(frozenset(path))
                elif nxt not in path:
                    stack.append((nxt, path + (nxt,)))
    assert loops <= {frozenset({"value", "primitives"}), frozenset({"value", "primitives", "op"})}, loops
    assert "walk" not in graph["value"] and "primitives" not in graph["walk"]


def test_every_public_name_is_importable_from_the_top_level():
    for name in ("Value", "Op", "OPS", "define_op", "generic_exp", "generic_log", "add_all", "dot",
                 "topological_order", "forward_grad", "zero_grad", "backward", "backward_steps",
                 "BackwardStep", "gradcheck", "GradcheckReport", "GradcheckError", "lift", "as_float"):
        assert hasattr(engine, name) and name in engine.__all__


def _reading_path_in_readme() -> list[tuple[str, int]]:
    text = (ENGINE.parent / "README.md").read_text(encoding="utf-8")
    section = text.split("## Read the engine in 30 minutes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| \d \| `engine/(\w+\.py)` \| (\d+) lines \|", section, flags=re.M)
    return [(name, int(lines)) for name, lines in rows]


def _reading_path_in_the_map() -> list[tuple[str, int]]:
    rows = re.findall(r"^\d\. (\w+\.py) +(\d+) ", engine.__doc__, flags=re.M)
    return [(name, int(lines)) for name, lines in rows]


def test_the_reading_path_is_true_in_the_readme_and_the_map():
    readme, the_map = _reading_path_in_readme(), _reading_path_in_the_map()
    assert len(readme) == 7 and readme == the_map
    assert [name for name, _ in readme][:5] == ["__init__.py", "value.py", "primitives.py", "op.py", "walk.py"]
    for name, said in readme:
        lines = len((ENGINE / name).read_text(encoding="utf-8").splitlines())
        assert abs(lines - said) <= max(10, 0.15 * lines), f"{name}: the README says about {said}, it has {lines}"
    assert "the same steps, written out for speed" in (ENGINE / "op.py").read_text(encoding="utf-8")
