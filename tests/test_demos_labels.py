"""What a student reads beside each number says where it comes from, and every
picture shows what its article means: targets drawn as constants, every node
named, a formula attributed to an article only when the article writes it
(quoted as it writes it), plots whose legends and ticks cover nothing."""

import io
import math
import random
import re

import numpy as np
import pytest

import engine
import viz
from demos.cli import main
from tests.test_demos_graphs import columns

#: What the demos quote from the articles, exactly as the articles write them
#: (checked by hand against /work/shared/seeds/; whitespace runs count as one space).
ARTICLE_002 = {
    "count": "end - 2 + end - 3 + end - 4 + … + end-0",
    "BP": "用和前向传播相同的计算量计算出所有w的梯度",
    "last p": "[0.3417333  0.39486274 0.57580922 0.46745137]",
    "p before": "[0.3510625  0.40112821 0.58337076 0.47380298]",
    "start": "p_B = 2*p_F",
}
ARTICLE_004 = {
    "dZ2": r"\frac{dJ}{dZ^{[2]}} = A^{[2]} - Y",
    "dZ1": r"\frac{dJ}{dZ^{[2]}}W^{[2]T}g'(Z^{[1]})",
    "dZl": r"\frac{dJ}{dZ^{[l+1]}}W^{[l+1]T}g'(Z^{[l]})",
    "Z1 entry": r"W_1^{[1]T}X^{(1)} + z_1^{[1]}",
    "dw": r"\frac{1}{m}X(A-Y)^T",
    "J": r"J =   - Y  \log(A) - (1-Y )  \log(1-A)",
    "sample index": r"W^{[1] (1)}",
    "sample's parameters": "这里指第一层第一个训练样本的参数",
    "Z1": r"Z^{[1]} = W^{[1]}X +B^{[1]}",
    "dZL": r"\frac{dJ}{dZ^{[L]}} = A^{[L]} - Y",
    "forward loop": r"Z^{[l]} = W^{[l]}X +B^{[l]}",
}


def run(argv, stdin=""):
    out = io.StringIO()
    status = main(list(argv), stdin=io.StringIO(stdin), stdout=out)
    return status, out.getvalue()


def squeezed(text: str) -> str:
    """`text` with every run of white space one space: a wrapped line reads as one."""
    return " ".join(text.split())


def quotes(text: str) -> list[str]:
    """Everything the output puts in “ ”: the articles' own words."""
    return re.findall(r"“([^”]*)”", squeezed(text))


def section(text: str, heading: str) -> str:
    """The lines of `text` from the heading that starts with `heading` to the next heading."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    end = next((i for i in range(start + 2, len(lines)) if set(lines[i]) == {"─"}), len(lines)) - 1
    return "\n".join(lines[start:end])


def row_numbers(text: str, what: str) -> tuple[str, list[float], list[float]]:
    """A printed comparison row: its source and its expected and engine numbers."""
    lines = text.splitlines()
    i = next(k for k, line in enumerate(lines) if re.match(r"\s*[✓✗] ", line) and line.lstrip(" ✓✗").startswith(what))
    source, expected, engine_ = None, [], []
    one = r"(article's formula|article|closed form|numeric)\s+(\S+)\s+engine\s+(\S+)$"  # a single number, on one line or two
    single = re.search(one, lines[i]) or (i + 1 < len(lines) and re.fullmatch(r"\s+" + one, lines[i + 1]))
    if single:
        return single.group(1), [float(single.group(2))], [float(single.group(3))]
    for line in lines[i + 1:]:
        m = re.match(r"\s{6}(article's formula|article|closed form|numeric|engine)\s+(.*)$", line)
        if not m:
            break
        numbers = [float(x) for x in m.group(2).split()]
        if m.group(1) == "engine":
            engine_ += numbers
        else:
            source = m.group(1)
            expected += numbers
    return source, expected, engine_


@pytest.fixture
def drawn(monkeypatch):
    """Every graph a demo hands to viz (render, frames, page), with its options,
    described at that moment (a demo trains on after drawing: its nodes go stale);
    and for a picture its Graphviz source. Nothing is drawn."""
    graphs = []

    def render(root, path, **options):
        source = viz.draw_dot(root, **options).source if str(path).endswith(".png") else ""
        graphs.append((described(root, options), str(path), options, source))
        return path

    monkeypatch.setattr(viz, "render", render)
    monkeypatch.setattr(viz, "backward_frames", lambda root, folder, **options: render(root, folder, **options)
                        and [])
    monkeypatch.setattr(viz, "stepper_html", lambda root, path, **options: render(
        root, path, **{k: v for k, v in options.items() if k in ("parameters", "constants")}))
    return graphs


def described(root, options):
    return viz.describe(root, options.get("parameters", ()), max_nodes=None, constants=options.get("constants", ()))


def assert_readable(d, targets: re.Pattern, where: str) -> None:
    """Targets are constants (no gradient step into them); every node has a name of
    its own, none made up (v30) and none in two pairs of brackets (((y0−Y)²))."""
    leaves = [n for n in d.order if not n.parents and n.label and targets.fullmatch(n.label)]
    assert leaves, f"{where}: no target drawn"
    assert all(d.roles[n] == "constant" for n in leaves), f"{where}: a target is drawn as an input"
    assert not [s for s in d.steps if s.parent in leaves], f"{where}: a step into a target"
    made_up = [name for name in d.names.values() if re.fullmatch(r"v\d+", name)]
    assert not made_up, f"{where}: nodes without a name: {made_up}"
    doubled = [name for name in d.names.values() if "((" in name or re.match(r"\(−\(", name)]
    assert not doubled, f"{where}: names in doubled brackets: {doubled}"


# ---- 1. forward_vs_reverse ------------------------------------------------------------


def edges_below(root, weight) -> int:
    """Edges a forward (tangent) pass from `weight` visits: those out of a node that depends on it."""
    reached, edges = {weight}, 0
    for node in engine.topological_order(root):
        hits = sum(1 for parent in node.parents if parent in reached)
        if hits and node is not weight:
            reached.add(node)
            edges += hits
    return edges


def test_forward_vs_reverse_says_the_articles_count_leaves_out_a_pass_per_weight():
    from demos.forward_vs_reverse import network

    status, text = run(["forward_vs_reverse", "--no-render"])
    assert status == 0, text
    flat = squeezed(text)
    assert "without a count" not in flat  # the article gives one
    assert ARTICLE_002["count"] in quotes(text) and ARTICLE_002["BP"] in quotes(text)
    assert set(quotes(text)) <= set(ARTICLE_002.values()), "a quote the article does not hold"
    table = section(text, "the article's count")
    rows = {int(m[0]): (int(m[1]), int(m[2]), m[3]) for m in
            re.findall(r"^\s+(\d+)\s+(\d+)\s+(\d+)(.*)$", table, re.M)}
    assert sorted(rows) == [2, 3, 4, 5, 6, 7]
    for end, (article_sum, reverse, remark) in rows.items():
        assert article_sum == sum(end - k for k in range(2, end + 1)) and reverse == end - 1
        assert ("worse" in remark) == (end < 4) and ("no better" in remark) == (end == 4)
    assert "x→y→z→p" in rows[4][2]
    # the article's own x→y→z→p net is 3 weight layers deep: counted edge by edge
    layers, loss = network(random.Random(0), 3)
    reverse = sum(len(node.parents) for node in engine.topological_order(loss))
    forward = sum(edges_below(loss, w) for row in (r for W in layers for r in W) for w in row)
    assert (forward, reverse) == (864, 96)
    assert f"{forward} edges forward against {reverse} reverse: {forward / reverse:.1f} times as many" in flat
    assert "one forward pass per weight" in flat


def covered_points(fig) -> list:
    """Data points (their markers) and stretches of line, in every panel, that
    a legend's box covers."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    assert legends, "no legend at all"
    pixels_per_point = fig.dpi / 72
    covered = []
    for ax in fig.axes:
        shapes = []  # (points on the picture, how far a marker reaches from each)
        for line in ax.lines:
            corners = ax.transData.transform(line.get_xydata())
            along = [a + (b - a) * k / 20 for a, b in zip(corners, corners[1:]) for k in range(20)]
            shapes.append((list(corners), line.get_markersize() / 2 * pixels_per_point))
            if line.get_linestyle() not in ("None", ""):
                shapes.append((along, line.get_linewidth() / 2 * pixels_per_point))
        for collection in ax.collections:
            offsets = collection.get_offsets()
            if len(offsets) and hasattr(collection, "get_sizes") and len(collection.get_sizes()):
                reach = math.sqrt(max(collection.get_sizes())) / 2 * pixels_per_point
                shapes.append((list(collection.get_offset_transform().transform(offsets)), reach))
        for legend in legends:
            box = legend.get_window_extent(renderer)
            for points, reach in shapes:
                covered += [tuple(p.round()) for p in points if box.x0 - reach <= p[0] <= box.x1 + reach
                            and box.y0 - reach <= p[1] <= box.y1 + reach]
    return covered


def overlapping_ticks(fig) -> list:
    """Visible tick labels of one panel that run into another panel."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    clashes = []
    for ax in fig.axes:
        labels = [t for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_visible() and t.get_text()]
        for other in fig.axes:
            if other is ax:
                continue
            area = other.get_window_extent(renderer)
            clashes += [(t.get_text(), other.get_title()) for t in labels
                        if t.get_window_extent(renderer).overlaps(area)]
    return clashes


def test_the_cost_plots_legend_covers_no_point():
    from demos.forward_vs_reverse import DEPTHS, WIDTH, forward_edges_formula, reverse_edges_formula
    from demos.plots import cost_figure

    rows = [(d, WIDTH * WIDTH * d, reverse_edges_formula(WIDTH, d), forward_edges_formula(WIDTH, d),
             WIDTH * WIDTH * d * reverse_edges_formula(WIDTH, d)) for d in DEPTHS]
    fig = cost_figure(rows)
    assert not covered_points(fig)
    assert not overlapping_ticks(fig)


# ---- 2. l_layer ----------------------------------------------------------------------


def test_l_layer_labels_its_dZ_as_ours_with_the_articles_form_beside_it():
    status, text = run(["l_layer", "--no-render"])
    assert status == 0, text
    for L, part in ((2, section(text, "the article's 2-layer net")), (3, section(text, "L = 3 layers"))):
        source, ours, engine_ours = row_numbers(part, f"dZ^[{L}] = (A^[{L}] − Y)/m")
        assert source == "closed form"
        assert "ours" in part.split(f"dZ^[{L}] = (A^[{L}] − Y)/m", 1)[1].splitlines()[0]
        source, article, engine_article = row_numbers(part, f"the article's dZ^[{L}] = A^[{L}] − Y")
        assert source == "article's formula"
        assert len(article) == 4 and np.allclose(article, 4 * np.array(ours), rtol=1e-6)  # m = 4 times ours
        assert np.allclose(engine_article, article, rtol=1e-6)


def test_l_layer_names_the_articles_slips_quoting_it():
    status, text = run(["l_layer", "--no-render"])
    assert status == 0, text
    said = quotes(text)
    for what in ("dZ2", "dZL", "dw", "dZ1", "dZl", "Z1 entry", "Z1", "J", "sample index", "forward loop"):
        assert squeezed(ARTICLE_004[what]) in said, what
    assert set(said) <= {squeezed(q) for q in ARTICLE_004.values()}, "a quote the article does not hold"
    flat = squeezed(text)
    assert "✓ dZ^[2]·W^[2]ᵀ has no matching shapes (1×4 times 3×1)" in flat  # the 2-layer formula's order
    assert "✓ dZ^[3]·W^[3]ᵀ has no matching shapes (1×4 times 2×1)" in flat
    assert re.search(r"✓ Z\^\[1\] = W\^\[1\]X \+ b\^\[1\], b meant where it writes z", flat)
    source, article, engine_ = row_numbers(text, "the article's J, a row of m losses")
    assert source == "article's formula" and len(article) == 4 and np.allclose(article, engine_)
    source, mean, engine_mean = row_numbers(text, "J = (1/m)·Σ_i J_i")
    assert source == "closed form" and math.isclose(mean[0], sum(article) / 4, rel_tol=1e-6)
    assert "✓ every W^[1] entry is one node, used by all m = 4 samples" in flat


def test_l_layer_draws_targets_and_m_as_constants_and_names_every_node(drawn, tmp_path):
    status, text = run(["l_layer", "--out", str(tmp_path), "--html", str(tmp_path / "page.html")])
    assert status == 0, text
    shown = {path.rsplit("/", 1)[-1]: d for d, path, _, _ in drawn}
    assert {"two_layer.png", "l_layer.png", "page.html"} <= set(shown)
    for name, d in shown.items():
        assert_readable(d, re.compile(r"y\d*"), name)
    d = shown["page.html"]
    m = [n for n in d.order if n.label == "m"]
    assert len(m) == 1 and d.roles[m[0]] == "constant" and m[0].data == 4
    assert not [s for s in d.steps if s.parent is m[0]]


# ---- 3. tiny_net --------------------------------------------------------------------


def test_tiny_net_draws_targets_as_constants_and_neurons_without_a_bias(drawn, tmp_path):
    status, text = run(["tiny_net", "--steps", "5", "--out", str(tmp_path), "--html", str(tmp_path / "page.html")])
    assert status == 0, text
    shown = {path.rsplit("/", 1)[-1]: (d, options, source) for d, path, options, source in drawn}
    assert {"graph.png", "page.html"} <= set(shown)
    for name, (d, _, _) in shown.items():
        assert_readable(d, re.compile(r"y\d"), name)
    _, options, source = shown["graph.png"]
    assert source.count("= σ(Σw·x)") == 16 and "+b" not in source  # 12 hidden, 4 output neurons
    assert "no bias" in options.get("caption", "")


# ---- 4. window_ner ------------------------------------------------------------------


def test_window_ner_prints_the_update_gradient_beside_the_8_steps():
    from demos import window_ner

    status, text = run(["window_ner", "--no-render"])
    assert status == 0, text
    part = section(text, "error sharing")
    _, step8, _ = row_numbers(part, "step 8: ∂s/∂W₁₄⁽¹⁾")
    source, dJ, engine_dJ = row_numbers(part, "∂J/∂W₁₄⁽¹⁾ = −∂s/∂W₁₄⁽¹⁾ + ∂s_c/∂W₁₄⁽¹⁾")
    assert source == "closed form"
    # central differences of J in numpy, from the demo's numbers (its seed)
    vectors, W, b, U = window_ner.build(random.Random(window_ner.SEED))
    W, b, U = np.array([[w.data for w in row] for row in W]), np.array([v.data for v in b]), \
        np.array([u.data for u in U])
    x, x_c = (np.array([v.data for word in words for v in vectors[word]])
              for words in (window_ner.WINDOW, window_ner.CORRUPT))

    def J(W):
        f = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
        return max(0.0, 1 - U @ f(W @ x + b) + U @ f(W @ x_c + b))

    h = 1e-6
    up, down = W.copy(), W.copy()
    up[0, 3] += h
    down[0, 3] -= h
    numeric = (J(up) - J(down)) / (2 * h)
    assert math.isclose(dJ[0], numeric, rel_tol=1e-6) and math.isclose(engine_dJ[0], numeric, rel_tol=1e-6)
    assert not math.isclose(step8[0], numeric, rel_tol=0.1)  # the 8 steps are ∂s, not the update
    source, by_differences, _ = row_numbers(part, "∂J/∂W₁₄⁽¹⁾ by central differences")
    assert source == "numeric" and math.isclose(by_differences[0], numeric, rel_tol=1e-6)
    flat = squeezed(part)
    assert "W₁₄⁽¹⁾ also feeds s_c" in flat and "not the update" in flat


def test_window_ner_draws_the_margin_as_a_constant(drawn, tmp_path):
    status, text = run(["window_ner", "--out", str(tmp_path), "--html", str(tmp_path / "page.html")])
    assert status == 0, text
    assert {path.rsplit("/", 1)[-1] for _, path, _, _ in drawn} == {"margin.png", "page.html"}
    for d, path, _, _ in drawn:
        margin = [n for n in d.order if n.label == "d" and not n.parents]
        assert len(margin) == 1 and d.roles[margin[0]] == "constant", path


# ---- 5. linear_chain ----------------------------------------------------------------


def test_linear_chain_calls_the_backward_start_the_starting_gradient_and_reads_the_articles_printout():
    status, text = run(["linear_chain", "--no-render"])
    assert status == 0, text
    flat = squeezed(text)
    assert not re.search(r"seed 2p|seed fixed|seeds? the backward|article's seed", flat)
    assert "starting gradient 2p" in flat and "starting gradient 2(p − target)" in flat
    said = quotes(text)
    article = {squeezed(q) for q in ARTICLE_002.values()}
    assert {squeezed(ARTICLE_002[k]) for k in ("last p", "p before", "start")} <= set(said) <= article
    assert f"“{ARTICLE_002['last p']}”" in text  # as it printed it, numpy's spacing and all
    assert "✓ its printout: p₀ = 0.3417 < 0.5 and p₁ = 0.3949 < 0.7, both still falling" in flat


def test_the_linear_chain_plot_speaks_of_the_starting_gradient():
    from demos.plots import two_loss_curves_figure

    fig = two_loss_curves_figure([1.0, 0.1, 0.01], 5e-3, [3.0, 1.0, 2.0], 2e-4, 0.84)
    texts = [ax.get_title() for ax in fig.axes] + [t.get_text() for ax in fig.axes if ax.get_legend()
                                                   for t in ax.get_legend().get_texts()]
    assert not [t for t in texts if "seed" in t]
    assert any("starting gradient 2(p − target)" in t for t in texts)
    assert any("starting gradient 2p" in t for t in texts)


# ---- 6. the symmetry plot ------------------------------------------------------------


def test_the_xor_plot_has_no_colliding_ticks_and_no_legend_over_a_point():
    import nn
    from demos.plots import boundaries_figure
    from demos.symmetry import HIDDEN, T, X

    models = [(nn.MLP(2, [HIDDEN, 1], activation="sigmoid", init="glorot", seed=k), f"net {k}") for k in (0, 1)]
    fig = boundaries_figure(models, X, T, title="two nets")
    assert not overlapping_ticks(fig)
    assert not covered_points(fig)


# ---- every line within 80 columns ----------------------------------------------------


@pytest.mark.parametrize("name", ["forward_vs_reverse", "l_layer", "window_ner", "linear_chain"])
def test_the_new_lines_fit_80_columns(name):
    status, text = run([name, "--no-render"])
    assert status == 0, text
    assert not [line for line in text.splitlines() if columns(line) > 80]


# ---- where each number comes from ----------------------------------------------------

#: The demos that reproduce an article and run in seconds (moons and to_pytorch reproduce none).
ARTICLE_DEMOS = ["chain_rule", "reverse_network", "delta_rule", "logistic", "symmetry", "l_layer",
                 "tiny_net", "linear_chain", "forward_vs_reverse", "window_ner"]


@pytest.mark.parametrize("name", ARTICLE_DEMOS)
def test_a_column_says_article_only_for_a_number_the_article_prints(name):
    """`article`: a number the article itself gives (only the cs224n notes' f = x·y
    example gives any); `article's formula`: its formula worked out at our numbers."""
    argv = [name, "--no-render"] + (["--steps", "200"] if name == "tiny_net" else [])
    status, text = run(argv)
    assert status == 0, text
    sources = re.findall(r"^\s{6}(article's formula|article)\s{2,}\S", text, re.M)
    sources += re.findall(r"\s(article's formula|article)\s+\S+\s+engine\s+\S+$", text, re.M)
    sources += re.findall(r"largest \|(article's formula|article) − engine\|", text)
    if name == "chain_rule":
        assert set(sources) == {"article"}, sources  # −12, −3 and 4: the notes' own numbers
    else:
        assert "article" not in sources, f"{name} labels a worked-out number 'article'"
    if name not in ("chain_rule", "symmetry", "forward_vs_reverse"):  # no formula of the article worked out
        assert "article's formula" in sources


def test_rows_of_the_articles_formula_line_up_with_the_engines():
    from demos.checks import FORMULA, Checks

    out = io.StringIO()
    Checks(out).compare("a row", [[0.5, -0.25, 1.0, 2.0]], [[0.5, -0.25, 1.0, 2.0]], source=FORMULA)
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("      article's formula") and lines[2].startswith("      engine")
    assert [m.start() for m in re.finditer(r"\S+", lines[1])][2:] == [m.start() for m in re.finditer(r"\S+", lines[2])][1:]
    assert all(columns(line) <= 80 for line in lines)
