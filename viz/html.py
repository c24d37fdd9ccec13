"""Placeholder: the self-contained step-through HTML page (issue 8) goes here."""


def stepper_html(root, path, mode="backward"):
    raise NotImplementedError("stepper_html is not written yet")
