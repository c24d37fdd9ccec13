"""The engine's shape (issue 21): an op is one object that every surface reads; what
runs is what a student reads; the core imports nothing around it and no module imports
in a circle; the graph is a function of the program alone."""

import ast
import copy
import pickle
import re
from pathlib import Path

import pytest

import engine
from engine import OPS, Op, Value, power_by
from engine.core import ops, walk

ENGINE = Path(engine.__file__).resolve().parent


def test_a_node_holds_its_op_object_which_prints_as_its_symbol():
    x = Value(3.0)
    y = x * 2.0 + x.tanh()
    assert y.op is OPS["add"] and y.parents[0].op is OPS["mul"] and y.parents[1].op is OPS["tanh"]
    assert str(y.op) == "+" and str(y.parents[0].op) == "×" and f"[{y.op}]" == "[+]"
    assert y.op.derivatives(1.0, 2.0, 3.0) == (1.0, 1.0)
    assert x.op is None
    assert OPS["sub"] is not OPS["neg"] and str(OPS["sub"]) == str(OPS["neg"]) == "−"
    assert OPS["sub"] != "−"  # ops are told apart by identity, never by comparing strings
    hand_made = Value(1.0, op="mine", parents=(x,), local_grads=(2.0,))
    assert hand_made.op == "mine"


def test_an_op_cannot_be_changed_after_nodes_use_it():
    with pytest.raises(AttributeError, match="cannot be changed.*define_op"):
        OPS["tanh"].derivatives = lambda x, out: (1 - out,)
    assert OPS["tanh"].derivatives(0.0, 0.5) == (0.75,)


def test_the_engines_own_op_names_cannot_be_taken_by_define_op():
    """Issue 24, item 3: a leaky relu registered as "relu" was compiled with relu's template
    (value 0, gradient 0 at negative inputs), and nn.fit(compiled=True) trained on those."""
    with pytest.raises(ValueError, match="'relu' is taken by the engine's own op"):
        engine.define_op("relu", lambda x: x if x > 0 else 0.01 * x, lambda x, out: (1.0 if x > 0 else 0.01,))
    assert OPS["relu"].name == "relu" and OPS["relu"].forward(-2.0) == 0.0
    leaky = engine.define_op("leaky_relu_structure_test", lambda x: x if x > 0 else 0.01 * x,
                             lambda x, out: (1.0 if x > 0 else 0.01,))
    try:
        x = Value(-2.0, "x")
        y = leaky(x)
        compiled = engine.to_python(y, [x])
        assert compiled([-3.0]) == (-0.03, (0.01,))  # its own rules, not relu's
    finally:
        del OPS["leaky_relu_structure_test"]


def test_copies_and_pickles_of_a_graph_keep_working():
    x = Value(2.0, "x")
    y = (x * x).tanh()
    clone = copy.deepcopy(y)
    assert clone.op is OPS["tanh"] and clone.parents[0] is not y.parents[0]
    again = pickle.loads(pickle.dumps(y))
    assert again.op is OPS["tanh"] and again.data == y.data
    cube = pickle.loads(pickle.dumps(x ** 3))  # x ** n is found again by its exponent
    assert cube.op is power_by(3.0) and cube.data == 8.0


def test_what_runs_is_what_is_read():
    """`x * y` runs the op's node_maker (op.py), `x.backward()` runs walk.py's `_chain_rule`:
    there is no second, faster copy of either."""
    assert Value.__mul__ is OPS["mul"].apply and Value.tanh is OPS["tanh"].apply
    assert Value.backward is walk.backward
    calls = []
    original = walk._chain_rule

    def counting(*args, **kwargs):
        calls.append(kwargs.get("record", args[2] if len(args) > 2 else None))
        return original(*args, **kwargs)

    walk._chain_rule = counting
    try:
        x = Value(2.0)
        (x * x).backward()
        list(engine.backward_steps(x * x))
    finally:
        walk._chain_rule = original
    assert calls == [False, True] and x.grad == 8.0  # the leaf accumulated both passes
    assert not (ENGINE / "hot_paths.py").exists()


def test_the_graph_never_depends_on_reference_counts_frames_or_bytecode():
    for path in ENGINE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ("getrefcount", "_getframe", "f_lasti", "import dis", "co_code"):
            assert needle not in text, f"{path.relative_to(ENGINE)} uses {needle}"


def _imports() -> dict[str, set[str]]:
    """engine module -> the engine modules it imports, at any level (inside functions too)."""
    graph = {}
    for path in ENGINE.rglob("*.py"):
        parts = list(path.relative_to(ENGINE.parent).with_suffix("").parts)
        package = parts[:-1]
        if parts[-1] == "__init__":
            parts = package
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[:len(package) - node.level + 1]
                if node.module:
                    found.add(_module_of(base + node.module.split(".")))
                else:
                    found.update(_module_of(base + [a.name]) for a in node.names)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("engine"):
                found.add(_module_of(node.module.split(".")))
            elif isinstance(node, ast.Import):
                found.update(_module_of(a.name.split(".")) for a in node.names if a.name.startswith("engine"))
        module = ".".join(parts)
        graph[module] = found - {module}
    return graph


def _module_of(parts: list[str]) -> str:
    """The engine module a dotted name is (or is in): `engine.core.ops.power_by` is engine.core.ops."""
    while parts:
        if ENGINE.parent.joinpath(*parts).with_suffix(".py").exists() or \
                ENGINE.parent.joinpath(*parts, "__init__.py").exists():
            return ".".join(parts)
        parts = parts[:-1]
    return ""


def test_no_engine_module_imports_another_in_a_circle_not_even_inside_a_function():
    graph = _imports()
    assert len(graph) > 20 and graph["engine.core.walk"] >= {"engine.core.value", "engine.core.op"}
    for start in graph:  # an explicit-stack search for a path back to `start`
        stack = [(start, (start,))]
        while stack:
            module, path = stack.pop()
            for nxt in graph.get(module, ()):
                assert nxt != start, f"import circle: {' -> '.join(path + (start,))}"
                if nxt not in path:
                    stack.append((nxt, path + (nxt,)))


def test_the_core_imports_nothing_around_it():
    for module, imported in _imports().items():
        if module.startswith("engine.core"):
            outside = {m for m in imported if not m.startswith("engine.core") and m != "engine"}
            assert not outside, f"{module} imports {outside}"
            assert "engine" not in imported or module == "engine.core", module


def _reading_path_in_readme() -> list[tuple[str, int]]:
    text = (ENGINE.parent / "README.md").read_text(encoding="utf-8")
    section = text.split("## Read the engine in 30 minutes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| \d \| `engine/([\w/]+\.py)` \| (\d+) lines \|", section, flags=re.M)
    return [(name, int(lines)) for name, lines in rows]


def _reading_path_in_the_map() -> list[tuple[str, int]]:
    rows = re.findall(r"^\d\. ([\w/]+\.py) +(\d+) ", engine.__doc__, flags=re.M)
    return [(name, int(lines)) for name, lines in rows]


def test_the_reading_path_is_true_in_the_readme_and_the_map():
    readme, the_map = _reading_path_in_readme(), _reading_path_in_the_map()
    assert len(readme) == 7 and readme == the_map
    assert [name for name, _ in readme] == ["__init__.py", "core/value.py", "core/op.py", "core/ops.py",
                                            "core/walk.py", "core/fused.py", "core/forward_mode.py"]
    for name, said in readme:
        lines = len((ENGINE / name).read_text(encoding="utf-8").splitlines())
        assert lines == said, f"{name}: the README says {said} lines, it has {lines}"


def test_every_public_name_is_importable_from_the_top_level():
    for name in ("Value", "Constant", "Op", "OPS", "define_op", "generic_exp", "generic_log", "add_all", "dot",
                 "topological_order", "forward_grad", "zero_grad", "backward", "backward_steps",
                 "BackwardStep", "gradcheck", "GradcheckReport", "GradcheckError", "lift", "as_float",
                 "to_python", "parse", "grad", "hessian", "hvp"):
        assert hasattr(engine, name) and name in engine.__all__


def test_every_row_of_the_table_is_an_operator_or_method_of_value():
    methods = {"add": "__add__", "sub": "__sub__", "mul": "__mul__", "div": "__truediv__", "mod": "__mod__",
               "neg": "__neg__", "abs": "__abs__", "floor": "__floor__", "ceil": "__ceil__", "trunc": "__trunc__"}
    for name, op in OPS.items():
        if name in ("pow", "round") or op.name != name or name not in vars(ops):
            continue  # x ** y and round(x, n) pick their op from the exponent / the digits
        method = methods.get(name, name)
        assert getattr(Value, method) is op.apply, f"the row {name} is not Value.{method}"
