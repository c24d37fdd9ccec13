"""The README's code is part of the test suite: its `>>>` examples run as doctests."""

import doctest
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_examples_run_and_print_what_the_readme_says(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # any file the tour writes lands here
    text = README.read_text(encoding="utf-8")
    examples = doctest.DocTestParser().get_examples(text)
    assert len(examples) >= 10, "the README's API tour has gone missing"
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} README example(s) failed (see the output above)"


def test_engine_docstring_examples_run():
    import engine.core.op
    import engine.core.value
    import engine.functional
    import engine.symbolic

    for module in (engine.core.value, engine.core.op, engine.symbolic, engine.functional):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module.__name__
