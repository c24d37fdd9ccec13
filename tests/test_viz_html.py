"""The step-through page, read as a file: the numbers in it, escaping, errors.

The page is checked in a real browser in test_viz_html_browser.py; here we read
the JSON it carries and compare it with an independent replay of the engine and
with closed-form derivatives.
"""

import html
import json
import math
import re

import pytest

import base64
import hashlib

import engine.files
from engine import Value, backward_steps, topological_order
from engine.names import number, operand, visible
from viz import describe
from viz.html import page_data, stepper_html, written


def neuron():
    """micrograd's neuron: o = tanh(x1·w1 + x2·w2 + b), n = 0.8814, o = 1/√2."""
    x1, x2, w1, w2 = Value(2.0, "x1"), Value(0.0, "x2"), Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, n=n)


def data_in(path) -> dict:
    """The JSON the page carries (the page's own script reads the same element)."""
    text = path.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="stepgrad-data">(.*?)</script>', text, re.S)
    return json.loads(found.group(1))


def test_final_gradients_are_the_closed_form_ones(tmp_path, dot_program):
    o, v = neuron()
    data = data_in(stepper_html(o, tmp_path / "n.html"))
    slope = 1 - math.tanh(0.8813735870195432) ** 2  # do/dn = 1 − tanh², = 0.5
    expected = {"o": 1.0, "n": slope, "b": slope, "x1": -3.0 * slope, "w1": 2.0 * slope, "x2": 1.0 * slope, "w2": 0.0}
    grads = {node["name"]: g for node, g in zip(data["nodes"], data["backward"]["grads"])}
    for step in data["backward"]["steps"]:  # the page's state after the last step
        grads[data["nodes"][step["target"]]["name"]] = step["grad"]
    for name, value in expected.items():
        assert float(grads[name][1]) == pytest.approx(value, abs=1e-12), name
        assert grads[name][0] == number(value)


def test_every_backward_step_matches_an_independent_replay(tmp_path, dot_program):
    o, _ = neuron()
    data = data_in(stepper_html(o, tmp_path / "n.html"))
    replay, _ = neuron()  # a second, separate graph, stepped through here
    steps = list(backward_steps(replay))
    assert len(data["backward"]["steps"]) == len(steps) == 9
    before = {}
    for shown, step in zip(data["backward"]["steps"], steps):
        name = data["nodes"][shown["target"]]["name"]
        assert name == step.parent.label or not step.parent.label  # a label, or (unlabelled) its formula
        assert float(shown["grad"][1]) == step.parent_grad
        # "p.grad += ... = local × upstream = contribution  →  p.grad = before + contribution = after"
        old = before.get(step.parent, 0.0)
        assert shown["caption"].startswith(f"{operand(name)}.grad += ∂")
        bracket = lambda x: f"({number(x)})" if x < 0 else number(x)  # noqa: E731
        assert shown["caption"].endswith(
            f"= {bracket(step.local_grad)} × {bracket(step.upstream)} = {number(step.contribution)}  →  "
            f"{operand(name)}.grad = {number(old)} + {bracket(step.contribution)} = {number(step.parent_grad)}")
        before[step.parent] = step.parent_grad


def test_forward_steps_follow_the_topological_order_with_blackboard_captions(tmp_path, dot_program):
    o, _ = neuron()
    data = data_in(stepper_html(o, tmp_path / "n.html", mode="forward"))
    assert data["mode"] == "forward"
    steps = data["forward"]["steps"]
    assert [s["target"] for s in steps] == list(range(len(data["nodes"])))
    assert steps[0]["caption"] == "x1 = 2   (an input)"
    assert steps[2]["caption"] == "x1·w1 = 2 × (-3) = -6"  # unlabelled: named by its formula
    assert steps[-1]["caption"] == "o = tanh(n) = tanh(0.8814) = 0.7071"  # tanh(0.8814) = 1/√2


def test_written_puts_each_kind_of_op_the_blackboard_way():
    assert written("×", ["a", "b"]) == "a × b"
    assert written("×", ["2", "-3"]) == "2 × (-3)"
    assert written("**2", ["-2"]) == "(-2)**2"
    assert written("**2", ["a"]) == "a**2"
    assert written("tanh", ["n"]) == "tanh(n)"
    assert written("Σ", ["a", "b", "c"]) == "Σ(a, b, c)"


def test_the_graphs_own_gradients_are_left_as_they_were(tmp_path, dot_program):
    o, v = neuron()
    o.backward()
    o.backward()  # leaves have accumulated twice
    before = {name: value.grad for name, value in v.items()}
    data = data_in(stepper_html(o, tmp_path / "n.html"))
    assert {name: value.grad for name, value in v.items()} == before
    # and the page shows ONE fresh pass, not the accumulated (doubled) gradients
    final = {data["nodes"][step["target"]]["name"]: float(step["grad"][1]) for step in data["backward"]["steps"]}
    assert final["w1"] == pytest.approx(2.0 * 0.5, abs=1e-12) == pytest.approx(before["w1"] / 2, abs=1e-12)
    assert before["w1"] == pytest.approx(2 * 2.0 * 0.5, abs=1e-12)  # twice x1 · (1 − o²)


def test_a_shared_input_lights_each_of_its_two_edges(tmp_path, dot_program):
    a = Value(3.0, "a")
    b = a + a
    b.label = "b"
    data = data_in(stepper_html(b, tmp_path / "b.html"))
    first, second = data["backward"]["steps"]
    assert "v1in0" in first["lit"] and "v1in1" not in first["lit"]
    assert "v1in1" in second["lit"] and "v1in0" not in second["lit"]
    assert [first["grad"][1], second["grad"][1]] == ["1.0", "2.0"]


HOSTILE = '</script><script>window.pwned = 1</script><!-- & "quotes" \u2028'


def test_a_label_with_script_in_it_stays_text(tmp_path, dot_program):
    x = Value(1.5, HOSTILE)
    y = x.exp()
    y.label = "y"
    path = stepper_html(y, tmp_path / "x.html", title=HOSTILE)
    text = path.read_text(encoding="utf-8")
    # The page's own two script elements, and no third one from the label.
    assert len(re.findall(r"<script\b", text)) == 2
    assert "<script>window.pwned" not in text and "</script><script>" not in text
    assert data_in(path)["nodes"][0]["name"] == visible(HOSTILE)
    assert f"<title>{html.escape(visible(HOSTILE, 200))}</title>" in text  # \u2028 made visible


def test_deep_graphs_need_no_recursion():
    x = Value(0.5, "x")
    y = x
    for _ in range(3000):  # deeper than Python's default recursion limit
        y = y * 1.0001
    data = page_data(describe(y, max_nodes=None))
    assert len(data["backward"]["steps"]) == 3000  # the 3000 constants get no step


def test_bad_input_is_a_clear_error(tmp_path, dot_program):
    o, _ = neuron()
    with pytest.raises(TypeError, match="Value"):
        stepper_html(3.0, tmp_path / "x.html")
    with pytest.raises(ValueError, match="'backward', 'forward'"):
        stepper_html(o, tmp_path / "x.html", mode="sideways")
    with pytest.raises(IsADirectoryError, match="folder"):
        stepper_html(o, tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        stepper_html(o, tmp_path / "no-such-folder" / "x.html")


def test_a_failed_write_leaves_the_old_page(tmp_path, dot_program, monkeypatch):
    o, _ = neuron()
    path = tmp_path / "n.html"
    path.write_text("the old page")

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(engine.files.os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        stepper_html(o, path)
    assert path.read_text() == "the old page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.html"]  # no temporary file left


def test_the_page_runs_only_its_own_script_and_style(tmp_path, dot_program):
    o, _ = neuron()
    text = stepper_html(o, tmp_path / "n.html").read_text(encoding="utf-8")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text).group(1)
    assert "unsafe-inline" not in policy and "default-src 'none'" in policy
    script = re.search(r"<script>(.*?)</script>", text, re.S).group(1)
    style = re.search(r"<style>(.*?)</style>", text, re.S).group(1)
    for kind, body in (("script-src", script), ("style-src", style)):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        assert f"{kind} 'sha256-{digest}'" in policy
    assert ' style="' not in text  # an inline style attribute would be blocked: none is used


def test_an_op_name_is_drawn_as_text_never_as_markup(tmp_path, dot_program):
    x = Value(2.0, "x")
    evil = Value(3.0, op='<lambda> URL="javascript:alert(1)" x=<b>', parents=(x,), local_grads=(1.0,))
    text = stepper_html(evil, tmp_path / "e.html").read_text(encoding="utf-8")
    assert "javascript:alert" not in text.split('id="stepgrad-data"')[0].replace("javascript:alert(1)&quot;", "")
    assert 'href="javascript' not in text and "<b>" not in text
    assert "&lt;lambda&gt;" in text
