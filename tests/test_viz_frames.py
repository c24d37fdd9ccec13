"""viz.backward_frames and viz.Stepper: one frame per chain-rule step, each
showing exactly the gradients the engine had after that many steps."""

import os
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, reject
from hypothesis import strategies as st

import viz
from engine import Value, backward_steps, topological_order
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
        assert grads == [float(f"{g:.4f}") for g in truth[k]], f"frame {k}"
        assert red == ([] if k == 0 else [edges[k - 1]]), f"frame {k}"
        caption = next(t for t in texts if t.startswith(("start", "step")))
        assert caption.startswith("start" if k == 0 else f"step {k}/{len(edges)}:")


def test_the_caption_carries_the_steps_arithmetic(tmp_path, dot_program):
    x, y = Value(4.0, "x"), Value(-3.0, "y")
    f = x * y
    f.label = "f"
    paths = viz.backward_frames(f, tmp_path, fmt="svg")
    texts = [t for p in paths for t in shown_in_frame(p.read_bytes(), 3)[2]]
    # article 001: f = x·y at x = 4, y = -3 gives ∂f/∂x = -3, ∂f/∂y = 4
    assert ("step 1/2:  x.grad += ∂f/∂x × f.grad = (-3.0000) × (1.0000) = -3.0000  →  x.grad = -3.0000"
            in texts)
    assert "step 2/2:  y.grad += ∂f/∂y × f.grad = (4.0000) × (1.0000) = 4.0000  →  y.grad = 4.0000" in texts


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
    assert sorted(os.listdir(tmp_path)) == [f"frame_{k:03d}.svg" for k in range(5)]


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
    assert s.step.index == 1
    assert s.goto(4).next().k == 4              # stays on the last frame
    with pytest.raises(IndexError, match="0 to 4"):
        s.goto(5)
    bundle = s.goto(3)._repr_mimebundle_()
    assert "step 3/4" in bundle["text/plain"]
    assert ET.fromstring(bundle["image/svg+xml"]).tag == f"{SVG}svg"


def test_stepper_without_graphviz_still_shows_text(monkeypatch, tmp_path):
    s = viz.Stepper(doubled())
    monkeypatch.setenv("PATH", str(tmp_path))
    assert set(s._repr_mimebundle_()) == {"text/plain"}
    with pytest.raises(viz.GraphvizNotFound):
        s._repr_svg_()


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


@given(graphs())
def test_recorded_gradients_are_the_engines_after_every_step(build):
    try:
        truth, edges = engine_film(build())
    except OverflowError:  # repeated squaring can leave the floats
        reject()
    recording = BackwardRecording(build(), max_nodes=None)
    order = recording.order
    assert len(recording) == len(truth)
    for k, grads in enumerate(truth):
        assert [recording.grads_after(k)[node] for node in order] == grads
    assert [(order.index(node), k) for node, k in recording.edges] == edges


def test_a_second_pass_starts_from_the_leaves_old_gradients():
    # Like backward(): interior gradients restart at 0, leaves accumulate.
    root = neuron()
    root.backward()
    order = topological_order(root)
    first = [node.grad for node in order]
    s = viz.Stepper(root)
    start = [s.goto(0).grads[node] for node in order]
    assert start == [1.0 if node is root else (0.0 if node.parents else g) for node, g in zip(order, first)]
    end = s.goto(len(s) - 1).grads
    assert [end[node] for node in order if not node.parents] == [2 * g for node, g in zip(order, first)
                                                                  if not node.parents]
