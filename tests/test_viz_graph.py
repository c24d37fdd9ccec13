"""viz.draw_dot and viz.render: what the picture holds, that it is the same every
time, that big graphs are refused fast, and that failures are clean."""

import os
import re
import xml.etree.ElementTree as ET

import pytest

import engine.files
import viz
import viz.description
import viz.graph
from engine import Constant, Value, add_all, topological_order
from engine.names import node_names, number

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"


def neuron():
    """o = tanh(x1·w1 + x2·w2 + b) · 2: inputs, parameters, a constant, the output."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2, b = Value(-3.0, "w1"), Value(1.0, "w2"), Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh() * 2
    o.backward()
    return o, [w1, w2, b]


def long_chain(values):
    """A chain of exactly `values` Values: x, Σ(x), Σ(Σ(x)), ... (no constants)."""
    v = Value(1.0, "x")
    for _ in range(values - 1):
        v = add_all([v])
    return v


def svg_texts(svg_bytes):
    """The text of every <text> element in an SVG, per element-id of its group."""
    root = ET.fromstring(svg_bytes)
    groups = {}
    for g in root.iter(f"{SVG}g"):
        texts = ["".join(t.itertext()).replace("\u00a0", " ").strip() for t in g.iter(f"{SVG}text")]
        groups[g.get("id")] = texts
    return groups


# --- the DOT -------------------------------------------------------------------------


def test_the_same_graph_gives_byte_identical_dot():
    first, params1 = neuron()
    second, params2 = neuron()  # built again from scratch: different objects, same graph
    assert viz.draw_dot(first, parameters=params1).source == viz.draw_dot(second, parameters=params2).source
    assert viz.draw_dot(first).source == viz.draw_dot(first).source


def test_every_value_op_and_edge_has_an_id_from_its_topological_position():
    o, _ = neuron()
    source = viz.draw_dot(o).source
    order = topological_order(o)
    for i, node in enumerate(order):
        assert f'id=v{i} ' in source or f"id=v{i}]" in source
        if node.parents:
            assert f"id=v{i}op" in source and f"id=v{i}out" in source
            for k in range(len(node.parents)):
                assert f"id=v{i}in{k}" in source


def test_roles_come_from_the_graph_and_the_parameters_argument():
    x = Value(1.5, "x")
    w = Value(-2.0)          # unlabelled, but a parameter
    c = Constant(3.0)        # a number of the formula: a constant
    h = x * w
    out = h + c
    roles = viz.node_roles(topological_order(out), parameters=[w])
    assert roles == {x: "input", w: "parameter", c: "constant", h: "intermediate", out: "output"}
    # without parameters=, the unlabelled w is a variable like x: an input (it gets a gradient)
    assert viz.node_roles(topological_order(out))[w] == "input"


def test_each_box_is_filled_with_its_roles_colour_and_the_legend_never_changes():
    x, w = Value(1.5, "x"), Value(-2.0)
    out = x * w + 3
    source = viz.draw_dot(out, parameters=[w]).source
    boxes = dict(re.findall(r"\b(v\d+) \[label=<<TABLE[^>]*BGCOLOR=\"(#[0-9a-f]{6})\"", source))
    fills = {role: fill for role, (fill, _) in viz.graph.ROLE_COLOURS.items()}
    assert len(set(fills.values())) == 5, "every role needs its own colour"
    # order: x, w, x*w, 3, out
    assert [boxes[f"v{i}"] for i in range(5)] == [
        fills["input"], fills["parameter"], fills["intermediate"], fills["constant"], fills["output"]
    ]
    legend = re.search(r'label=(<<TABLE BORDER="0".*?</TABLE>>)', source).group(1)
    for role in viz.graph.ROLES:
        assert f">{role}</TD>" in legend


def test_the_legend_lists_only_the_roles_present():
    other = viz.draw_dot(Value(1.0, "lonely"), caption="some caption").source
    legend = re.search(r'label=(<<TABLE BORDER="0".*?</TABLE>>)', other).group(1)
    assert re.findall(r">(\w+)</TD>", legend) == ["output"]
    x = Value(2.0, "x")
    legend = re.search(r'label=(<<TABLE BORDER="0".*?</TABLE>>)', viz.draw_dot(x * 3).source).group(1)
    assert re.findall(r">(\w+)</TD>", legend) == ["input", "constant", "output"]


def test_highlighting_an_edge_picks_that_edge_even_between_the_same_two_nodes():
    a = Value(1.0, "a")
    b = a + a  # two edges a -> (+), told apart by position
    source = viz.draw_dot(b, highlight=(b, 1)).source
    red = viz.graph.HIGHLIGHT
    edge_line = {m.group(1): m.group(0) for m in re.finditer(r".*id=(v1in\d).*", source)}
    assert red in edge_line["v1in1"] and red not in edge_line["v1in0"]
    assert viz.graph.HIGHLIGHT_FILL in source  # a's gradient is the one this edge feeds


def test_a_graph_deeper_than_the_recursion_limit_is_drawn():
    root = long_chain(20_000)
    source = viz.draw_dot(root, max_nodes=None).source
    assert "id=v19999 " in source or "id=v19999]" in source


# --- refusing big graphs, quickly ------------------------------------------------------


def test_max_nodes_is_a_limit_on_values_exactly():
    viz.draw_dot(long_chain(50), max_nodes=50)
    with pytest.raises(ValueError, match=r"more than max_nodes=49 .*max_nodes=None"):
        viz.draw_dot(long_chain(50), max_nodes=49)


def test_max_nodes_refuses_a_huge_graph_without_walking_it(monkeypatch):
    root = long_chain(100_000)
    # The full topological walk (and the DOT) is never started.
    def must_not_walk(_):
        raise AssertionError("walked the whole graph before refusing it")

    monkeypatch.setattr(viz.description, "topological_order", must_not_walk)
    with pytest.raises(ValueError, match="500"):
        viz.draw_dot(root)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"rankdir": "XY"}, ValueError, "rankdir"),
    ({"fmt": "%d"}, ValueError, "fmt"),
    ({"max_nodes": 0}, ValueError, "max_nodes"),
    ({"highlight": Value(1.0)}, ValueError, "not in this graph"),
    ({"highlight": "x"}, TypeError, "highlight"),
    ({"parameters": [1.0]}, TypeError, "parameters"),
])
def test_bad_options_are_named(kwargs, error, words):
    o, _ = neuron()
    with pytest.raises(error, match=words):
        viz.draw_dot(o, **kwargs)


def test_draw_dot_needs_a_value():
    with pytest.raises(TypeError, match="float"):
        viz.draw_dot(3.0)


# --- the files ------------------------------------------------------------------------


def test_svg_is_xml_with_every_name_number_and_op(tmp_path, dot_program):
    o, params = neuron()
    path = viz.render(o, tmp_path / "graph.svg", parameters=params)
    groups = svg_texts(path.read_bytes())
    order = topological_order(o)
    names = node_names(order, params)
    for i, node in enumerate(order):
        if node.parents or node.label:
            assert groups[f"v{i}"] == [names[node], "data", number(node.data), "grad", number(node.grad)]
        else:  # a constant is its number, and nothing else
            assert groups[f"v{i}"] == [number(node.data)] == ["2"]
        if node.parents:
            assert groups[f"v{i}op"] == [node.op.symbol]
    texts = {t for texts in groups.values() for t in texts}
    assert {"x1", "w1", "n", "tanh", "×", "x1·w1", "0.7071"} <= texts
    assert "*" not in texts and "-0" not in texts


def test_png_has_the_signature_and_decodes_to_a_picture(tmp_path, dot_program):
    from PIL import Image

    o, _ = neuron()
    path = viz.render(o, tmp_path / "graph.png")
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    with Image.open(path) as image:
        image.load()
        assert image.width > 200 and image.height > 100
        low, high = image.convert("L").getextrema()
        assert low < 100 and high > 200, "a blank picture"


def test_pdf_and_dot_follow_the_suffix(tmp_path, dot_program):
    o, _ = neuron()
    assert viz.render(o, tmp_path / "g.pdf").read_bytes().startswith(b"%PDF")
    assert viz.render(o, tmp_path / "g.dot").read_text(encoding="utf-8") == viz.draw_dot(o).source


def test_without_dot_rendering_says_how_to_install_and_draw_dot_still_works(tmp_path, monkeypatch):
    o, _ = neuron()
    target = tmp_path / "graph.png"
    target.write_bytes(b"the old picture")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    assert "digraph" in viz.draw_dot(o).source
    with pytest.raises(viz.GraphvizNotFound) as caught:
        viz.render(o, target)
    message = str(caught.value)
    assert isinstance(caught.value, RuntimeError)
    for how in ("apt-get install graphviz", "brew install graphviz", "winget install graphviz"):
        assert how in message
    assert target.read_bytes() == b"the old picture"
    assert sorted(os.listdir(tmp_path)) == ["graph.png"]


def test_graphviz_refusing_to_start_is_also_graphviz_not_found(tmp_path, monkeypatch):
    # `which` says dot is there, but it cannot be started.
    monkeypatch.setattr(viz.graph.shutil, "which", lambda name: str(tmp_path / "gone" / "dot"))
    with pytest.raises(viz.GraphvizNotFound):
        viz.render(Value(1.0, "x"), tmp_path / "x.svg")


def test_unknown_suffix_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match=r"\.png.*\.svg"):
        viz.render(Value(1.0, "x"), tmp_path / "graph.jpeg")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("where", ["under a file", "in a missing folder", "onto a folder"])
def test_an_unwritable_path_fails_cleanly(tmp_path, where):
    (tmp_path / "file.txt").write_text("not a folder")
    (tmp_path / "g.svg").mkdir()
    path = {"under a file": tmp_path / "file.txt" / "g.svg", "in a missing folder": tmp_path / "no" / "g.svg",
            "onto a folder": tmp_path / "g.svg"}[where]
    with pytest.raises(OSError, match="cannot write"):
        viz.render(Value(1.0, "x"), path)
    assert sorted(os.listdir(tmp_path)) == ["file.txt", "g.svg"]
    assert os.listdir(tmp_path / "g.svg") == []


def test_a_write_that_fails_midway_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "graph.dot"
    target.write_text("old")

    def failing_replace(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(engine.files.os, "replace", failing_replace)
    with pytest.raises(PermissionError, match="cannot write"):
        viz.render(Value(1.0, "x"), target)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["graph.dot"]


# --- big graphs: neurons collapsed, pictures never a wall ---------------------------------


def network():
    from nn import MLP

    model = MLP(2, [16, 16, 1], seed=1)
    out = model([Value(0.5, "x1"), Value(-0.3, "x2")])
    return (1 - out).relu(), model.parameters()


def test_a_big_network_is_drawn_a_neuron_to_a_box(tmp_path, dot_program):
    from PIL import Image

    loss, params = network()
    source = viz.draw_dot(loss, parameters=params).source
    boxes = re.findall(r"^\s*(v\d+) \[label=", source, re.M)
    assert len(boxes) == 2 + 16 + 16 + 1 + 3  # x1, x2, 33 neurons, then the constant 1, 1 - out, loss
    assert source.count("= ReLU(Σw·x+b)") == 32 and "17 parameters" in source
    assert ">parameter</TD>" not in source and ">neuron</TD>" in source  # the legend: what is drawn
    full = viz.draw_dot(loss, parameters=params, collapse=False).source
    assert len(re.findall(r"^\s*(v\d+) \[label=", full, re.M)) == len(topological_order(loss))
    with Image.open(viz.render(loss, tmp_path / "net.png", parameters=params)) as image:
        assert max(image.size) <= viz.graph.PNG_MAX_INCHES * viz.graph.PNG_DPI


def test_a_neuron_without_a_bias_is_drawn_without_one():
    """Article 003's neurons have no bias: the box says σ(Σw·x), the note speaks of
    weights only; a neuron with a bias in the same picture still says Σw·x+b."""
    from engine import dot

    x = [Value(1.0, "x0"), Value(0.5, "x1")]
    ws = [[Value(0.1 * (i + j + 1), f"W[{i},{j}]") for j in range(2)] for i in range(3)]
    hidden = [dot(w, x).sigmoid() for w in ws]  # no bias
    for j, h in enumerate(hidden):
        h.label = f"Z{j}"
    params = [w for row in ws for w in row]
    source = viz.draw_dot(add_all(hidden), parameters=params, collapse=True).source
    assert source.count("= σ(Σw·x)") == 3
    assert "+b" not in source
    assert "a neuron box is Σw·x and its activation, with the weights only it uses" in source
    v, c = [Value(0.3, "v0"), Value(-0.2, "v1"), Value(0.4, "v2")], Value(0.05, "c")
    biased = dot(v, hidden, c).tanh()
    biased.label = "out"
    source = viz.draw_dot(biased, parameters=params + v + [c], collapse=True).source
    assert source.count("= σ(Σw·x)") == 3 and source.count("= tanh(Σw·x+b)") == 1
    assert "a neuron box is Σw·x or Σw·x+b and its activation, with the weights (and bias) only it uses" in source


def test_the_edge_guard_counts_edges_too():
    x = Value(1.0, "x")
    with pytest.raises(ValueError, match="edges"):
        viz.draw_dot(add_all([x] * 3000))  # 2 values, 3000 edges


def test_a_slow_layout_is_stopped_with_a_clear_error(dot_program):
    with pytest.raises(viz.GraphvizTimeout, match="took more than"):
        viz.graph.graph_bytes(viz.draw_dot(long_chain(400)), "svg", timeout=0.001)
