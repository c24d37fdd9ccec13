"""viz.backward_frames and viz.Stepper: one frame per chain-rule step, each
showing exactly the gradients the engine had after that many steps."""

import os
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, reject
from hypothesis import strategies as st

import viz
import viz.description
import viz.frames
from engine import Value, backward_steps, topological_order
from engine.names import number
from viz.frames import BackwardRecording

SVG = "{http://www.w3.org/2000/svg}"
RED = viz.graph.HIGHLIGHT


def neuron():
    """tanh(x·w + b) · x: x is used twice, so its gradient arrives in two steps."""
    x, w, b = Value(0.5, "x"), Value(-1.5, "w"), Value(0.25, "b")
    return (x * w + b).tanh() * x


def doubled():
    """a = 1, b = a + a, c = b + b: two edges between the same two nodes, twice."""
    a = Value(1.0, "a")
    b = a + a
    c = b + b
    c.label = "c"
    return c


def engine_film(root):
    """The truth, read off the engine itself: every node's .grad after 0, 1, 2, ...
    steps (by topological position), and the edge each step applies as (node, k)."""
    order = topological_order(root)
    grads = [[1.0 if node is root else 0.0 for node in order]]  # a fresh graph: only the seed
    edges, seen = [], {}
    for step in backward_steps(root):
        grads.append([node.grad for node in order])
        k = seen.get(step.node, 0)  # the engine walks a node's parents in argument order
        seen[step.node] = k + 1
        edges.append((order.index(step.node), k))
    return grads, edges


def shown_in_frame(svg_bytes, count):
    """What one SVG frame shows: grad per node, the red in-edge, the caption."""
    root = ET.fromstring(svg_bytes)
    grads, red_edges, texts = {}, [], []
    for g in root.iter(f"{SVG}g"):
        gid = g.get("id") or ""
        words = ["".join(t.itertext()).replace("\u00a0", " ").strip() for t in g.iter(f"{SVG}text")]
        if gid.startswith("v") and gid[1:].isdigit():
            grads[int(gid[1:])] = float(words[words.index("grad") + 1])
        if "in" in gid and any(p.get("stroke") == RED for p in g.iter(f"{SVG}path")):
            i, k = gid[1:].split("in")
            red_edges.append((int(i), int(k)))
        texts += words
    return [grads[i] for i in range(count)], red_edges, texts


@pytest.mark.parametrize("make", [neuron, doubled])
def test_frame_k_shows_the_engines_gradients_after_k_steps(tmp_path, dot_program, make):
    truth, edges = engine_film(make())
    root = make()  # the same graph, built again: nothing shared with the truth
    paths = viz.backward_frames(root, tmp_path, fmt="svg")
    assert len(paths) == len(edges) + 1
    assert [p.name for p in paths] == [f"frame_{k:03d}.svg" for k in range(len(paths))]
    count = len(topological_order(root))
    for k, path in enumerate(paths):
        grads, red, texts = shown_in_frame(path.read_bytes(), count)
        assert grads == [float(number(g)) for g in truth[k]], f"frame {k}"
        assert red == ([] if k == 0 else [edges[k - 1]]), f"frame {k}"
        caption = next(t for t in texts if t.startswith(("start", "step")))
        assert caption.startswith("start" if k == 0 else f"step {k}/{len(edges)}:")


def test_the_caption_carries_the_steps_arithmetic(tmp_path, dot_program):
    x, y = Value(4.0, "x"), Value(-3.0, "y")
    f = x * y
    f.label = "f"
    paths = viz.backward_frames(f, tmp_path, fmt="svg")
    # A frame's caption is wrapped into lines (frames.CAPTION_CHARS): read its words in order.
    words = [" ".join(" ".join(shown_in_frame(p.read_bytes(), 3)[2]).split()) for p in paths]
    # article 001: f = x·y at x = 4, y = -3 gives ∂f/∂x = -3, ∂f/∂y = 4
    assert "step 1/2: x.grad += ∂f/∂x × f.grad = y × 1 = (-3) × 1 = -3 → x.grad = 0 + (-3) = -3" in words[1]
    assert "step 2/2: y.grad += ∂f/∂y × f.grad = x × 1 = 4 × 1 = 4 → y.grad = 0 + 4 = 4" in words[2]


def test_pngs_and_an_animated_gif(tmp_path, dot_program):
    from PIL import Image

    paths = viz.backward_frames(doubled(), tmp_path, gif=True)
    assert len(paths) == 5
    for path in paths:
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(tmp_path / "backward.gif") as gif:
        assert gif.n_frames == 5
        sizes = [Image.open(p).size for p in paths]  # a wide caption can widen a frame
        assert gif.size == (max(w for w, _ in sizes), max(h for _, h in sizes))


def test_a_shorter_film_replaces_a_longer_one(tmp_path, dot_program):
    viz.backward_frames(neuron(), tmp_path, fmt="svg")
    viz.backward_frames(doubled(), tmp_path, fmt="svg")
    assert sorted(os.listdir(tmp_path)) == [".stepgrad-film.json"] + [f"frame_{k:03d}.svg" for k in range(5)]


def test_a_graph_too_big_to_draw_is_refused_before_its_backward_pass(tmp_path):
    x = Value(1.0, "x")
    v = x
    for _ in range(600):
        v = v * 1.0
    with pytest.raises(ValueError, match="max_nodes"):
        viz.backward_frames(v, tmp_path)
    assert x.grad == 0.0 and os.listdir(tmp_path) == []


@pytest.mark.parametrize("opts, error, words", [
    ({"rankdir": "XY"}, ValueError, "rankdir"),
    ({"rankdr": "LR"}, TypeError, "rankdr"),
    ({"parameters": [1.0]}, TypeError, "parameters"),
])
def test_a_bad_drawing_option_is_refused_before_the_backward_pass(tmp_path, opts, error, words):
    x = Value(2.0, "x")
    with pytest.raises(error, match=words):
        viz.backward_frames(x * 3.0, tmp_path / "frames", **opts)
    assert x.grad == 0.0 and os.listdir(tmp_path) == []


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match="fmt"):
        viz.backward_frames(doubled(), tmp_path, fmt="jpeg")
    with pytest.raises(TypeError, match="highlight"):
        viz.backward_frames(doubled(), tmp_path, highlight=None)
    (tmp_path / "a-file").write_text("")
    with pytest.raises(NotADirectoryError, match="a-file"):
        viz.backward_frames(doubled(), tmp_path / "a-file")


def test_a_leaf_alone_has_one_frame(tmp_path, dot_program):
    paths = viz.backward_frames(Value(2.0, "x"), tmp_path, fmt="svg")
    assert len(paths) == 1
    assert shown_in_frame(paths[0].read_bytes(), 1)[0] == [1.0]


# --- the Stepper --------------------------------------------------------------------


def test_stepper_walks_the_frames(dot_program):
    truth, edges = engine_film(doubled())
    s = viz.Stepper(doubled())
    assert len(s) == len(edges) + 1 == 5
    assert s.prev().k == 0                      # stays on the first frame
    assert s.next().next().k == 2
    assert [s.grads[n] for n in topological_order(s.recording.root)] == truth[2]
    assert s.step.record.index == 1
    assert s.goto(4).next().k == 4              # stays on the last frame
    with pytest.raises(IndexError, match="0 to 4"):
        s.goto(5)
    bundle = s.goto(3)._repr_mimebundle_()
    assert "step 3/4" in bundle["text/plain"]
    page = bundle["text/html"]  # the page, and right after it the still picture an untrusted notebook shows instead
    assert '<div class="stepgrad-stepper"><iframe srcdoc=' in page and "stepgrad-data" in page
    assert re.search(r'</iframe><div class="stepgrad-still"><img src="data:image/svg\+xml;base64,', page)
    assert ET.fromstring(s.svg()).tag == f"{SVG}svg"


def test_stepper_without_graphviz_still_shows_text(monkeypatch, tmp_path):
    s = viz.Stepper(doubled())
    monkeypatch.setenv("PATH", str(tmp_path))
    assert set(s._repr_mimebundle_()) == {"text/plain"}
    with pytest.raises(viz.GraphvizNotFound):
        s.svg()


# --- the recording, on random graphs (no pictures: fast) -------------------------------

UNARY = [lambda v: v.tanh(), lambda v: v.sigmoid(), lambda v: v * 2.0, lambda v: -v, lambda v: v ** 2]
BINARY = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b]


@st.composite
def graphs(draw):
    """A random expression over 1-3 leaves, each node free to reuse any earlier one
    (shared sub-expressions and `a + a` included). Returned as a builder, to build twice."""
    leaves = draw(st.lists(st.floats(-2, 2), min_size=1, max_size=3))
    plan = draw(st.lists(st.tuples(st.booleans(), st.integers(0, 4), st.integers(0, 10**6), st.integers(0, 10**6)),
                         min_size=1, max_size=12))

    def build():
        nodes = [Value(x, f"x{i}") for i, x in enumerate(leaves)]
        for binary, which, i, j in plan:
            a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
            nodes.append(BINARY[which % 3](a, b) if binary else UNARY[which](a))
        return nodes[-1]

    return build


def is_constant(node):
    return not node.parents and not node.label


@given(graphs())
def test_recorded_gradients_are_the_engines_after_every_step(build):
    try:
        truth, edges = engine_film(build())
    except OverflowError:  # repeated squaring can leave the floats
        reject()
    root = build()
    order = topological_order(root)
    # Steps into a constant are not shown (a number has no gradient to care about).
    kept = [k for k, (i, j) in enumerate(edges) if not is_constant(order[i].parents[j])]
    recording = BackwardRecording(root, max_nodes=None)
    assert len(recording) == len(kept) + 1
    shown_nodes = [i for i, node in enumerate(order) if not is_constant(node)]
    for frame, k in enumerate([-1] + kept):
        grads = recording.grads_after(frame)
        assert [grads[order[i]] for i in shown_nodes] == [truth[k + 1][i] for i in shown_nodes]
    assert [(order.index(s.node), s.position) for s in recording.steps] == [edges[k] for k in kept]
    assert all(node.grad == 0.0 for node in order), "looking at a pass changed the graph's gradients"


def test_stepping_never_changes_stored_gradients_nor_shows_doubled_ones(tmp_path, dot_program):
    # f.backward(); viz.Stepper(f) used to leave x.grad doubled and show doubled gradients.
    root = neuron()
    root.backward()
    order = topological_order(root)
    stored = [node.grad for node in order]
    fresh_truth, _ = engine_film(neuron())  # one pass on a fresh graph
    for _ in range(2):  # running the notebook cell again changes nothing either
        s = viz.Stepper(root)
        last = s.goto(len(s) - 1).grads
        assert [last[node] for node in order] == fresh_truth[-1]
        assert [node.grad for node in order] == stored
    paths = viz.backward_frames(root, tmp_path / "film", fmt="svg")
    assert [node.grad for node in order] == stored
    assert shown_in_frame(paths[-1].read_bytes(), len(order))[0] == [float(number(g)) for g in fresh_truth[-1]]
    last_step = viz.fresh_backward_pass(root)[-1]
    assert last_step.parent_grad == fresh_truth[-1][order.index(last_step.parent)]
    assert [node.grad for node in order] == stored


def test_a_constant_is_its_number_and_gets_no_step(tmp_path, dot_program):
    x = Value(3.0, "x")
    y = x * 2
    y.label = "y"
    s = viz.Stepper(y)
    assert len(s) == 2  # the seed, then x's step only; the 2 has no gradient step
    assert s.goto(1).caption == "step 1/1:  x.grad += ∂y/∂x × y.grad = 2 × 1 = 2  →  x.grad = 0 + 2 = 2"


def test_the_lit_edge_points_back_and_the_numbers_read_are_shaded(dot_program):
    x2, w2 = Value(0.0, "x2"), Value(1.0, "w2")
    p = x2 * w2
    out = p.tanh()
    out.label = "o"
    s = viz.Stepper(out)
    s.goto(3)  # w2.grad += ∂(x2·w2)/∂w2 × (x2·w2).grad = x2 × 1 = ...
    assert s.caption.startswith("step 3/3:  w2.grad += ∂(x2·w2)/∂w2 × (x2·w2).grad = x2 × 1 = 0 × 1 = 0")
    source = s.graph().source
    edge = next(line for line in source.splitlines() if "id=v2in1" in line)
    assert "dir=back" in edge
    x2_box = next(line for line in source.splitlines() if line.strip().startswith("v0 "))
    assert viz.graph.READ_FILL in x2_box  # x2's data: the local derivative ∂(x2·w2)/∂w2
    w2_box = next(line for line in source.splitlines() if line.strip().startswith("v1 "))
    assert viz.graph.HIGHLIGHT_FILL in w2_box and viz.graph.READ_FILL not in w2_box


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_every_frame_of_a_film_has_the_same_size(tmp_path, dot_program, fmt):
    from PIL import Image

    x, w = Value(0.5, "x"), Value(-123456.75, "a_weight_with_a_long_name")
    paths = viz.backward_frames((x * w).tanh() * x + w, tmp_path, fmt=fmt)
    if fmt == "png":
        sizes = {Image.open(p).size for p in paths}
    else:
        sizes = {(ET.fromstring(p.read_bytes()).get("width"), ET.fromstring(p.read_bytes()).get("height"))
                 for p in paths}
    assert len(sizes) == 1, sizes


def test_a_users_own_files_are_never_deleted(tmp_path, dot_program):
    mine = tmp_path / "frame_0042.png"
    mine.write_bytes(b"my own picture")
    with pytest.raises(FileExistsError, match="frame_0042.png"):
        viz.backward_frames(doubled(), tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["frame_0042.png"] and mine.read_bytes() == b"my own picture"


def test_an_interrupted_film_leaves_the_old_film_whole(tmp_path, dot_program, monkeypatch):
    folder = tmp_path / "film"
    viz.backward_frames(neuron(), folder, fmt="svg")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    real, calls = viz.frames.graph_bytes, []

    def dies_on_the_third(graph, fmt):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(graph, fmt)

    monkeypatch.setattr(viz.frames, "graph_bytes", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        viz.backward_frames(doubled(), folder, fmt="svg")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert os.listdir(tmp_path) == ["film"]  # nothing half-written left beside it


def test_a_folder_under_a_file_fails_before_the_pass(tmp_path, monkeypatch):
    (tmp_path / "afile").write_text("")

    def must_not_run(*args):
        raise AssertionError("ran the backward pass before checking the folder")

    monkeypatch.setattr(viz.description, "backward_steps", must_not_run)
    with pytest.raises(NotADirectoryError, match="afile"):
        viz.backward_frames(doubled(), tmp_path / "afile" / "sub")


def test_captions_name_every_node_the_one_way(dot_program):
    # Constants (2, -1, 0) are numbers, never nodes with a gradient step; nothing is "leaf" or "*".
    x = Value(3.0, "x")
    y = ((x * 2) + (-1)) * x - 0 * x
    s = viz.Stepper(y)
    captions = [s.goto(k).caption for k in range(len(s))]
    text = "\n".join(captions)
    for wrong in ("leaf", "*", "0.grad", "-1.grad", "2.grad", "∂v/∂0", "0.0000"):
        assert wrong not in text, (wrong, text)
    assert all(step.parent is x or step.parent.parents for step in s.recording.steps)
    # an unlabelled result is its formula, bracketed where it stands inside a bigger one
    assert "(x·2+(-1)).grad += " in text and "((x·2+(-1))·x−0·x).grad = 1" in captions[0]
    assert s.goto(len(s) - 1).grads[x] == 4 * 3.0 - 1  # y = 2x² - x: dy/dx = 4x - 1
    assert captions[-1].endswith("x.grad = 5 + 6 = 11")


def test_gradients_that_are_values_are_drawn_and_left_in_place(dot_program):
    # After backward(create_graph=True) every .grad is a Value: drawn by its number, never replaced.
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    y = (x * w).tanh()
    y.label = "y"
    y.backward(create_graph=True)
    stored = {node: node.grad for node in topological_order(y)}
    assert isinstance(x.grad, Value)
    assert f"{number(x.grad.data)}<" in viz.draw_dot(y).source.replace("</FONT>", "<")
    s = viz.Stepper(y)
    assert s.goto(len(s) - 1).grads[x] == x.grad.data  # the fresh pass: plain floats, the same numbers
    assert all(node.grad is grad for node, grad in stored.items())


def test_a_film_of_a_big_graph_shows_each_steps_neighbourhood(tmp_path, dot_program):
    from PIL import Image

    from nn import MLP

    model = MLP(2, [4, 4, 1], seed=1)
    out = model([Value(0.5, "x1"), Value(-0.3, "x2")])
    s = viz.Stepper(out, parameters=model.parameters())
    assert len(s.recording.order) > viz.frames.NEIGHBOURHOOD_ABOVE
    step = s.goto(len(s) // 2).step
    source = s.graph().source
    boxes = set(re.findall(r"^\s*v(\d+) \[label=", source, re.M))
    order = s.recording.order
    assert boxes == {str(order.index(n)) for n in (step.node, *step.node.parents)}  # the op and all its inputs
    assert "values shown: this step" in source
    paths = viz.backward_frames(out, tmp_path / "film", parameters=model.parameters())
    assert len({Image.open(p).size for p in paths}) == 1


def test_a_long_pass_is_cut_to_max_frames_and_says_so(tmp_path, dot_program, capsys):
    x = Value(1.0, label="x")
    f = x * 1.0
    for i in range(2, 9):
        f = f + x * float(i)  # a pass of more steps than the film may draw
    f.label = "f"
    total = len(viz.describe(f).steps)
    paths = viz.backward_frames(f, tmp_path / "film", "svg", max_frames=5)
    assert [p.name for p in paths] == [f"frame_{k:03d}.svg" for k in range(6)]  # frame k is still step k
    assert sorted(os.listdir(tmp_path / "film")) == sorted([".stepgrad-film.json", *(p.name for p in paths)])
    manifest = __import__("json").loads((tmp_path / "film" / ".stepgrad-film.json").read_text())
    assert (manifest["steps"], manifest["frames"]) == (total, 6)
    assert f"has {total} steps; the film shows the first 5" in manifest["cut"]
    assert f"has {total} steps; the film shows the first 5" in capsys.readouterr().err
    # the last frame drawn is step 5's
    assert "step 5/" in paths[-1].read_text()


def test_a_pass_within_max_frames_is_drawn_whole(tmp_path, dot_program, capsys):
    x = Value(2.0, label="x")
    f = x * x + x
    f.label = "f"
    paths = viz.backward_frames(f, tmp_path / "film", "svg", max_frames=len(viz.describe(f).steps))
    assert len(paths) == len(viz.describe(f).steps) + 1
    assert "cut" not in __import__("json").loads((tmp_path / "film" / ".stepgrad-film.json").read_text())
    assert capsys.readouterr().err == ""
