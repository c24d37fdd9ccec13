"""The demos: each runs to the end with its checks passing, steps on demand, draws
its pictures, and exits non-zero when a derivative is wrong."""

import io
import math
import operator
import re

import pytest

import engine
from demos import NAMES, registry
from demos.articles import ARTICLES
from demos.cli import main
from tests.test_demos_graphs import columns
from demos.topo_order import build, naive_backward

#: Demos small enough to run in full here; the trainers get fewer steps where the
#: article's count is not what their checks are about (moons runs in the tour test).
#: Demos that need an optional extra (to_pytorch: torch) are tested with it elsewhere.
QUICK = {name: [] for name in NAMES if name not in ("moons", "to_pytorch")}
QUICK["tiny_net"] = ["--steps", "200"]
#: The demos that reproduce no article.
NO_ARTICLE = {name for name in NAMES if registry.article_of(name) is None}


def run(argv, stdin=""):
    """Run `python -m demos argv` in-process; return (exit status, printed text)."""
    out = io.StringIO()
    status = main(list(argv), stdin=io.StringIO(stdin), stdout=out)
    return status, out.getvalue()


@pytest.mark.parametrize("name", sorted(QUICK))
def test_each_demo_runs_names_its_article_and_passes(name, tmp_path):
    status, text = run([name, "--no-render", "--out", str(tmp_path), *QUICK[name]])
    assert status == 0, text
    assert "checks pass" in text and "✗" not in text
    number = registry.article_of(name)
    if number is None:  # a demo with no article never claims to agree with one
        assert "article" not in text.lower(), text
    else:
        assert f"from article {number}: {ARTICLES[number].title}" in text
    assert not list(tmp_path.iterdir()), "--no-render must not write pictures"


def test_listing_names_every_demo_and_every_article():
    status, text = run([])
    assert status == 0
    for name in NAMES:
        assert f"  {name} " in text
    assert "f = x·y at x = 4, y = −3" in text
    for article in ARTICLES.values():
        assert article.title in text
    assert "https://www.coursera.org/specializations/deep-learning" in text  # the one link a text gives
    assert "reverse_network" in text and "[article 002]" in text and "l_layer" in text
    assert all(columns(line) <= 80 for line in text.splitlines())  # Chinese titles count two columns a character


def test_an_unknown_demo_is_refused_with_the_list():
    status, text = run(["chian_rule"])
    assert status == 2
    assert "no demo called 'chian_rule'" in text and "chain_rule" in text


def test_chain_rule_prints_the_articles_numbers():
    status, text = run(["chain_rule", "--no-render"])
    assert status == 0
    assert re.search(r"✓ ∂f/∂x = y = −3 +article +-3 +engine +-3\n", text)
    assert re.search(r"✓ ∂f/∂y = x = 4 +article +4 +engine +4\n", text)
    assert "x.grad += ∂f/∂x × f.grad = y × 1 = (-3) × 1 = -3" in text
    assert "y.grad += ∂f/∂y × f.grad = x × 1 = 4 × 1 = 4" in text
    assert "h = ε·max(1, |θ_i|), ε = 1e-06" in text  # the gradient check says its step


# ---- a wrong derivative is caught ------------------------------------------------


def broken(name, forward, derivatives, arity=1):
    """An op like the engine's, with a wrong derivative rule, not put in engine.OPS."""
    return engine.define_op(name, forward, derivatives, arity=arity, register=False,
                            activation=engine.OPS[name].activation)


#: The Value operators and methods each op is (its reflected operator too: sum() starts with 0 + v).
METHODS = {"mul": ("__mul__", "__rmul__"), "sub": ("__sub__", "__rsub__"), "add": ("__add__", "__radd__"),
           "sigmoid": ("sigmoid",), "tanh": ("tanh",)}


def use_broken(monkeypatch, op, bad):
    """Make every way to the op run the broken one: Value's operator (and its reflected
    twin), and the op table (where nn's activations and formulas find it)."""
    method, *reflected = METHODS[op]
    monkeypatch.setattr(engine.Value, method, bad.apply)
    for name in reflected:
        monkeypatch.setattr(engine.Value, name, lambda self, other: bad.apply(other, self))
    monkeypatch.setitem(engine.OPS, op, bad)


def _sigmoid(x):
    return 1 / (1 + math.exp(-x))


# Each breaks one derivative: mul's ∂/∂x, sub's ∂/∂x, sigmoid's σ′ (σ instead of σ(1 − σ)), tanh's.
BREAKS = {
    "mul": broken("mul", operator.mul, lambda x, y, out: (y + 1.0, x), arity=2),
    "sub": broken("sub", operator.sub, lambda x, y, out: (2.0, -1.0), arity=2),
    "sigmoid": broken("sigmoid", _sigmoid, lambda x, out: (out,)),
    "tanh": broken("tanh", math.tanh, lambda x, out: (1 - out,)),
}


@pytest.mark.parametrize("op, name", [
    ("mul", "chain_rule"), ("mul", "neuron"), ("tanh", "neuron"),
    ("sigmoid", "delta_rule"), ("sigmoid", "logistic"), ("sigmoid", "tiny_net"), ("sigmoid", "window_ner"),
    ("sigmoid", "symmetry"), ("sub", "linear_chain"), ("sigmoid", "reverse_network"), ("sigmoid", "l_layer"),
])
def test_a_wrong_derivative_makes_the_demo_cross_and_exit_non_zero(op, name, monkeypatch):
    use_broken(monkeypatch, op, BREAKS[op])
    status, text = run([name, "--no-render", *QUICK[name]])
    assert status == 1, text
    assert "✗" in text and "DISAGREE" in text


def test_a_wrong_add_derivative_breaks_topo_order(monkeypatch):
    use_broken(monkeypatch, "add", broken("add", operator.add, lambda x, y, out: (1.0, 0.5), arity=2))
    status, text = run(["topo_order", "--no-render"])
    assert status == 1
    assert "✗ dc/da = 4" in text


def test_the_naive_walk_counts_shared_paths_again():
    a, b, c = build()
    c.grad = 1.0
    naive_backward(c)
    # by hand: b gets 1 then 1 more; a gets 1 + 1 from b's first visit, 2 + 2 from its second
    assert (b.grad, a.grad) == (2.0, 6.0)
    x = engine.Value(3.0)
    y = (x * 2.0).tanh()  # no shared node: the naive walk is right
    y.grad = 1.0
    naive_backward(y)
    assert x.grad == pytest.approx(2 * (1 - math.tanh(6.0) ** 2))


# ---- stepping ------------------------------------------------------------------------


def test_step_pauses_at_every_backward_step():
    status, text = run(["chain_rule", "--step", "--no-render"], stdin="\n\n")
    assert status == 0
    assert text.count("Enter: next, b: back, q: quit") == 2
    assert "[step 1/2:" in text and "[step 2/2:" in text
    assert "checks pass" in text


def test_q_quits_at_the_pause():
    status, text = run(["neuron", "--step", "--no-render"], stdin="\n\nq\n")
    assert status == 0
    assert text.count("Enter: next, b: back, q: quit") == 3
    assert "    3. " in text and "    4. " not in text
    assert "quit." in text and "checks pass" not in text


def test_end_of_input_stops_pausing_and_runs_to_the_end():
    status, text = run(["neuron", "--step", "--no-render"], stdin="\n")
    assert status == 0
    assert text.count("Enter: next, b: back, q: quit") == 2
    assert "    9. " in text and "checks pass" in text


def test_b_goes_back_a_step_and_shows_it_again():
    # step 1, Enter -> step 2, b -> step 1 again, Enter -> step 2, Enter -> done
    status, text = run(["chain_rule", "--step", "--no-render"], stdin="\nb\n\n\n")
    assert status == 0, text
    typed = text.replace("quit] ", "quit]\n")  # in a terminal the Enter typed ends the line
    shown = [line.split(".", 1)[0].strip() for line in typed.splitlines() if re.match(r"    [12]\. ", line)]
    assert shown == ["1", "2", "1", "2"]
    assert text.count("[step 1/2: Enter: next, b: back, q: quit]") == 2
    assert text.count("[step 2/2: Enter: next, b: back, q: quit]") == 2
    assert "checks pass" in text


@pytest.mark.parametrize("key", ["b", "p", "back", "B"])
def test_back_at_the_first_step_shows_it_again_and_says_so(key):
    status, text = run(["neuron", "--step", "--no-render"], stdin=f"{key}\nq\n")
    assert status == 0, text
    typed = text.replace("quit] ", "quit]\n")
    assert [line[:7] for line in typed.splitlines() if re.match(r"    \d\. ", line)] == ["    1. ", "    1. "]
    assert "(step 1 is the first)" in text
    assert "quit." in text


def test_back_where_there_is_no_step_to_go_back_to_says_so_and_waits_again():
    # delta_rule pauses after its forward pass, before any backward step
    status, text = run(["delta_rule", "--step", "--no-render"], stdin="b\nq\n")
    assert status == 0, text
    assert text.count("[forward done: Enter: next, q: quit]") == 2
    assert "(no step to go back to here)" in text
    assert "quit." in text


def test_the_step_prompts_fit_80_columns_with_the_back_key():
    status, text = run(["neuron", "--step", "--no-render"], stdin="\n" * 40)
    assert status == 0, text
    typed = text.replace("quit] ", "quit]\n")  # in a terminal the Enter typed ends the line
    assert "b: back" in text
    assert all(columns(line) <= 80 for line in typed.splitlines())


def test_step_pauses_between_sections_of_a_big_demo():
    status, text = run(["delta_rule", "--step", "--no-render"], stdin="\n" * 40)
    assert status == 0
    assert "[forward done:" in text and "[layer 2 done:" in text


def test_delta_rule_steps_read_as_the_formulas_they_compute():
    status, text = run(["delta_rule", "--no-render"])
    assert status == 0, text
    # y (the label) and ½ are constants: no gradient step into them
    assert "½.grad" not in text and " y.grad" not in text
    assert "the 2 steps into constants, not shown" in text
    # ŷ−y is one node: bracketed wherever it is put into a bigger expression
    assert "(ŷ−y).grad += ∂((ŷ−y)²)/∂(ŷ−y) × ((ŷ−y)²).grad = 2·(ŷ−y) × 0.5 =" in text
    assert "2·ŷ−y" not in text


# ---- pictures ------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n"


def test_chain_rule_writes_its_graph_and_a_frame_per_step(tmp_path, dot_program):
    status, text = run(["chain_rule", "--out", str(tmp_path)])
    assert status == 0, text
    frames = sorted((tmp_path / "frames").glob("frame_*.png"))
    assert [f.name for f in frames] == ["frame_000.png", "frame_001.png", "frame_002.png"]
    for path in [*frames, tmp_path / "graph.png"]:
        assert path.read_bytes().startswith(PNG)
        assert str(path) in text


def test_frames_leave_exactly_one_backward_pass_of_gradients(tmp_path, dot_program):
    """Frames run a backward pass of their own; the printed pass must not add to it."""
    status, text = run(["neuron", "--out", str(tmp_path)])
    assert status == 0, text
    assert "do/dw1 = x1·(1 − o²)" in text and "✗" not in text
    assert len(list((tmp_path / "frames").glob("frame_*.png"))) == 10


@pytest.mark.parametrize("name, pictures", [
    ("forward_vs_reverse", ["cost.png", "graph.png"]),
    ("tiny_net", ["loss.png", "graph.png"]),
    ("symmetry", ["xor.png"]),
    ("linear_chain", ["loss.png", "graph.png"]),
    ("window_ner", ["margin.png"]),
    ("reverse_network", ["graph.png", "reverse_network.png", "frames/frame_001.png"]),
    ("l_layer", ["two_layer.png", "l_layer.png"]),
    ("logistic", ["one_sample.png", "zero_init_loss.png"]),
    ("delta_rule", ["graph.png"]),
])
def test_every_demo_writes_its_pictures(name, pictures, tmp_path, dot_program):
    status, text = run([name, "--out", str(tmp_path), *QUICK[name]])
    assert status == 0, text
    for picture in pictures:
        assert (tmp_path / picture).read_bytes().startswith(PNG)


def test_without_graphviz_the_demo_says_so_and_still_checks(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no `dot` anywhere
    status, text = run(["chain_rule", "--out", str(tmp_path / "out")])
    assert status == 0, text
    assert "cannot draw" in text and "Graphviz" in text
    assert "graph pictures were skipped" in text
    assert "checks pass" in text
    assert not list((tmp_path / "out").rglob("*.png"))


def test_html_writes_the_step_through_page(tmp_path):
    page = tmp_path / "chain.html"
    status, text = run(["chain_rule", "--no-render", "--html", str(page)])
    assert status == 0, text
    html = page.read_text(encoding="utf-8")
    assert "<html" in html.lower() and "-12" in html


# ---- the article-vs-engine rows ---------------------------------------------------


def test_the_moons_page_steps_through_a_named_score_with_named_hidden_values(tmp_path):
    """The page's root is the score of the first point: named s₀ in the title, the
    captions and the terminal line; the hidden values are z1[j], h1[j], z2[j], h2[j]."""
    import html as html_module

    page = tmp_path / "moons.html"
    status, text = run(["moons", "--no-render", "--steps", "3", "--html", str(page)])
    assert status == 0, text
    assert f"step-through page: {page}\n  it steps through s₀, the model's score of the first point" in text
    assert all(len(line) <= 80 for line in text.splitlines() if str(tmp_path) not in line)
    shown = html_module.unescape(page.read_text(encoding="utf-8"))
    assert "<title>stepgrad: stepping through s₀, the model's score of the first point, X[0]</title>" in shown
    assert "∂s₀/∂layers.2.neurons.0.w.0 × s₀.grad = h2[0] × 1 = " in shown
    assert "z1[0].grad" in shown and "h1[15]" in shown and "z2[15]" in shown
    # no node of the graph is left to a made-up name like v401 in what a student reads
    assert not re.search(r"∂v\d+|\bv\d+\.grad|= v\d+ ", shown)


def test_a_row_is_ticked_only_when_every_entry_agrees():
    import numpy as np

    from demos.checks import Checks

    checks = Checks(io.StringIO())
    assert checks.compare("same up to rounding", np.array([[0.1 + 0.2, 1.0]]), [[0.3, 1.0]])
    assert not checks.compare("off by a millionth", 1.0, 1.000001)
    assert not checks.compare("one entry off", [1.0, 2.0, 3.0], [1.0, 2.0, 3.5])
    assert not checks.compare("an entry missing", [1.0, 2.0], [1.0])
    assert not checks.compare("nan never agrees", math.nan, math.nan)
    assert [row.what for row in checks.failed] == ["off by a millionth", "one entry off", "an entry missing",
                                                    "nan never agrees"]
    assert "4 of 5 checks DISAGREE" in checks.summary()


def test_steps_must_be_positive():
    with pytest.raises(SystemExit) as exit_:
        run(["tiny_net", "--steps", "0"])
    assert exit_.value.code == 2


# ---- output paths are checked before the demo runs -----------------------------------


@pytest.mark.parametrize("argv, problem", [
    (["--html", "/no/such/folder/p.html"], "--html: cannot write '/no/such/folder/p.html': the folder"),
    (["--out", "/dev/null"], "--out: cannot write pictures into '/dev/null': it is not a folder"),
    (["--out", "/proc/no_such_folder"], "--out: cannot make the folder '/proc/no_such_folder': "),
])
def test_a_bad_output_path_exits_2_with_one_line_before_running(argv, problem):
    status, text = run(["chain_rule", *argv])
    assert status == 2
    assert text.startswith(problem) and text.count("\n") == 1, text  # one line, and nothing ran


def test_an_out_folder_under_a_file_is_refused(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("mine")
    status, text = run(["neuron", "--out", str(afile / "sub")])
    assert status == 2 and text.count("\n") == 1 and "is not a folder" in text
    assert afile.read_text() == "mine"


def test_step_names_the_frame_file_of_each_step(tmp_path, dot_program):
    status, text = run(["chain_rule", "--step", "--out", str(tmp_path)], stdin="\n\n")
    assert status == 0, text
    assert "a picture of each step is in" in text and f"{tmp_path / 'frames'}/" in text
    for k in (1, 2):
        frame = tmp_path / "frames" / f"frame_00{k}.png"
        assert f"picture: {frame.name}" in text and frame.read_bytes().startswith(PNG)


def test_a_frames_folder_holding_someone_elses_files_is_refused_before_running(tmp_path):
    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / "frame_000.png").write_bytes(b"a student's own picture")
    status, text = run(["chain_rule", "--out", str(tmp_path)])
    assert status == 2 and text.count("\n") == 1, text
    assert "frame_000.png" in text and "did not write" in text
    assert (frames / "frame_000.png").read_bytes() == b"a student's own picture"


def test_small_matrices_are_printed_in_full_and_say_whose_numbers_they_are():
    from demos.checks import Checks

    out = io.StringIO()
    checks = Checks(out)
    checks.compare("dW (2×2)", [[0.5, -0.25], [1e-9, 3.0]], [[0.5, -0.25], [1e-9, 3.0]], source="article")
    checks.compare("a big one", list(range(9)), list(range(9)))
    checks.compare("by differences", 2.0, 2.000000001, source="numeric", rtol=1e-6)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("  ✓ dW (2×2)  (2×2)")
    assert lines[1].split() == ["article", "0.5", "-0.25"] and lines[2].split() == ["engine", "0.5", "-0.25"]
    assert lines[3].split() == ["article", "1e-09", "3"] and lines[4].split() == ["engine", "1e-09", "3"]
    assert "9 entries, largest |closed form − engine| = 0.0e+00" in lines[5]
    assert lines[6].split()[-4:] == ["numeric", "2", "engine", "2.000000001"]
    assert checks.summary() == "✓ all 3 checks pass (1 against the article's own formulas)"
