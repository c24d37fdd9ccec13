"""Hostile labels and op names: whatever a user puts in a label or an op name,
every renderer draws it as visible text. The output is well formed, and none
of the text becomes markup, an attribute, a link or a script."""

import json
from html.parser import HTMLParser
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import viz
from engine import Value
from engine.names import visible
from viz.html import stepper_page

SVG = "{http://www.w3.org/2000/svg}"
PIECES = ['<', '>', '&', '"', "'", "\\", "</script>", "<script>alert(1)</script>", 'URL="javascript:alert(1)"',
          "<TABLE>", "]]>", "<!--", "\t", "\n", "\x00", "\x1b[31m", "\ufffe", "\ud800", "\u2028", "{{data}}",
          "<lambda>", 'href="x"', "onload=alert(1)", "\\N", "\\"]
hostile = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), min_size=1, max_size=5).map("".join).filter(bool)
#: What Graphviz's SVG is made of; anything else would be injected.
SVG_TAGS = {"svg", "g", "title", "polygon", "path", "ellipse", "text", "polyline"}


def graph_with(label: str, op: str) -> Value:
    x = Value(2.0, label)
    made = Value(3.0, op=op, parents=(x,), local_grads=(0.5,))
    return made * x


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(label=hostile, op=hostile)
@example(label="\t", op="a\\")
@example(label="a\x00b", op="\x1b[31m")
@example(label="\ud800", op='<lambda> URL="javascript:alert(1)"')
def test_hostile_labels_and_ops_stay_text(dot_program, label, op):
    root = graph_with(label, op)
    svg = viz.graph.graph_bytes(viz.draw_dot(root), "svg")
    tree = ET.fromstring(svg)  # well formed
    assert {el.tag.replace(SVG, "") for el in tree.iter()} <= SVG_TAGS
    for el in tree.iter():
        assert not any("href" in name or name.startswith("on") for name in el.attrib), el.attrib
    texts = ["".join(t.itertext()).strip() for t in tree.iter(f"{SVG}text")]
    assert visible(label).strip() in texts  # drawn as the visible text of the label, not dropped
    page = stepper_page(root)
    assert len(re.findall(r"<script\b", page)) == 2 and len(re.findall(r"</script>", page)) == 2
    data = json.loads(re.search(r'id="stepgrad-data">(.*?)</script>', page, re.S).group(1))
    assert data["nodes"][0]["name"] == visible(label)
    tags = Tags()
    tags.feed(page)
    assert tags.seen <= PAGE_TAGS, tags.seen - PAGE_TAGS
    assert not tags.bad, tags.bad


#: The page's own elements and Graphviz's; a label must never add another.
PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "h1", "section", "fieldset", "legend", "code",
             "label", "input", "div", "button", "span", "p", "figure", "figcaption", "table", "caption",
             "thead", "tbody", "tr", "th", "script", "select", "option"} | SVG_TAGS


class Tags(HTMLParser):
    """Every element of a page, and any attribute that could run script or follow a link."""

    def __init__(self):
        super().__init__()
        self.seen, self.bad = set(), []

    def handle_starttag(self, tag, attrs):
        self.seen.add(tag)
        for name, value in attrs:
            if name.startswith("on") or "href" in name or "javascript:" in (value or "").lower():
                self.bad.append((tag, name, value))


@pytest.mark.parametrize("text", ["\t", "\n", "a\x00b", "\x1b[31m", "\ufffe", "\ud800", "ends in \\"])
def test_each_hostile_label_renders_as_a_png_a_film_and_a_page(tmp_path, dot_program, text):
    root = graph_with(text, text)
    path = viz.render(root, tmp_path / "g.png")
    assert path.read_bytes().startswith(b"\x89PNG")
    frames = viz.backward_frames(root, tmp_path / "film", fmt="svg")
    assert all(ET.fromstring(p.read_bytes()).tag == f"{SVG}svg" for p in frames)
    page = viz.stepper_html(root, tmp_path / "p.html", title=text).read_text(encoding="utf-8")
    assert f"<title>{visible(text, 200)}</title>" in page


def test_visible_escapes_what_cannot_be_seen():
    assert visible("\t") == "\\t" and visible("a\x00b") == "a\\0b"
    assert visible("\x1b[31m") == "\\x1b[31m" and visible("\ufffe") == "\\ufffe" and visible("\ud800") == "\\ud800"
    assert visible("x" * 100).endswith("…") and len(visible("x" * 100)) == 32
