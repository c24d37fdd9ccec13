"""save/load: exact round trips, atomic writes, and every bad file refused by name."""

import json
import os
import random
import stat

import pytest

from nn import MLP, Layer, Neuron, load, save


def files_in(directory):
    return sorted(os.listdir(directory))


@pytest.mark.parametrize("make", [
    lambda: MLP(2, [16, 16, 1], seed=3),
    lambda: MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", init="glorot", seed=1, fused=False),
    lambda: MLP(1, [1], activation="sigmoid", seed=2),
    lambda: Layer(3, 2, activation="tanh", rng=random.Random(4)),
    lambda: Neuron(4, nonlin=False, rng=random.Random(5)),
])
def test_round_trip_is_exact(tmp_path, make):
    model = make()
    for p in model.parameters():  # awkward floats: ones that a %.6f or %g writer would round
        p.data = p.data / 3 + 1e-17
    path = tmp_path / "model.json"
    save(model, path)
    state = random.getstate()
    again = load(str(path))
    assert random.getstate() == state  # loading does not disturb the global random stream
    assert type(again) is type(model) and repr(again) == repr(model)
    assert again.config() == model.config()
    assert again.state_dict() == model.state_dict()  # bit for bit
    x = [0.5, -0.25, 0.125, 2.0][: model.config()["nin"]]
    assert output_numbers(again, x) == output_numbers(model, x)


def output_numbers(model, x):
    out = model(x)
    return [v.data for v in out] if isinstance(out, list) else [out.data]


def test_the_file_says_what_it_is(tmp_path):
    path = tmp_path / "m.json"
    save(MLP(2, [3, 1], seed=0), path)
    document = json.loads(path.read_text())
    assert document["format"] == "stepgrad.nn" and document["version"] == 1 and document["class"] == "MLP"
    assert document["config"]["nouts"] == [3, 1]
    assert len(document["state"]) == 13
    assert files_in(tmp_path) == ["m.json"]  # no temporary file left behind
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644  # readable by others, not mkstemp's private 0o600


def good_file(tmp_path):
    path = tmp_path / "model.json"
    save(MLP(2, [3, 1], seed=0), path)
    return path


def rewrite(path, change):
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


BAD_FILES = {
    "missing": (lambda p: p.unlink(), "no such file"),
    "empty": (lambda p: p.write_text(""), "file is empty"),
    "truncated": (lambda p: p.write_text(p.read_text()[: len(p.read_text()) // 2]), r"not valid JSON \(truncated\?\)"),
    "not JSON": (lambda p: p.write_text("weights: [1, 2, 3]"), "not valid JSON"),
    "binary": (lambda p: p.write_bytes(b"\xff\xfe\x00\x81"), "cannot read it"),
    "a JSON list": (lambda p: p.write_text("[1, 2]"), "not a stepgrad model file"),
    "other format": (lambda p: rewrite(p, lambda d: d.update(format="keras")), "not a stepgrad model file"),
    "newer version": (lambda p: rewrite(p, lambda d: d.update(version=2)), "version 2 was written by a newer"),
    "bad version": (lambda p: rewrite(p, lambda d: d.update(version="1")), "bad format version"),
    "no state": (lambda p: rewrite(p, lambda d: d.pop("state")), "missing state"),
    "unknown class": (lambda p: rewrite(p, lambda d: d.update({"class": "Transformer"})),
                      "unknown class 'Transformer'"),
    "class not a name": (lambda p: rewrite(p, lambda d: d.update({"class": ["MLP"]})), r"unknown class \['MLP'\]"),
    "bad config": (lambda p: rewrite(p, lambda d: d["config"].update(nouts=[3, 0])), "does not fit together"),
    "unknown config": (lambda p: rewrite(p, lambda d: d["config"].update(dropout=0.5)), "does not fit together"),
    "missing weight": (lambda p: rewrite(p, lambda d: d["state"].pop("layers.1.neurons.0.b")),
                       r"missing: layers\.1\.neurons\.0\.b"),
    "string weight": (lambda p: rewrite(p, lambda d: d["state"].update({"layers.0.neurons.0.w.0": "0.1"})),
                      r"not finite numbers: layers\.0\.neurons\.0\.w\.0='0\.1'"),
    "NaN weight": (lambda p: rewrite(p, lambda d: d["state"].update({"layers.0.neurons.0.b": float("nan")})),
                   r"not finite numbers: layers\.0\.neurons\.0\.b=nan"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_are_refused_naming_path_and_problem(tmp_path, name):
    spoil, problem = BAD_FILES[name]
    path = good_file(tmp_path)
    spoil(path)
    with pytest.raises(ValueError, match=problem) as caught:
        load(path)
    assert str(path) in str(caught.value)


def break_during_write(monkeypatch, where):
    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, where, fail)


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_a_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch, where):
    path = good_file(tmp_path)
    old_text = path.read_text()
    with monkeypatch.context() as patched:
        break_during_write(patched, where)
        with pytest.raises(OSError, match="No space left"):
            save(MLP(2, [3, 1], seed=99), path)
    assert path.read_text() == old_text
    assert files_in(tmp_path) == ["model.json"]  # the temporary file is cleaned up
    assert load(path).state_dict() == MLP(2, [3, 1], seed=0).state_dict()


def test_a_model_with_nan_is_refused_and_the_old_file_kept(tmp_path):
    path = good_file(tmp_path)
    old_text = path.read_text()
    model = MLP(2, [3, 1], seed=1)
    model.layers[0].neurons[0].b.data = float("nan")
    with pytest.raises(ValueError, match=r"nan or infinity, found in layers\.0\.neurons\.0\.b"):
        save(model, path)
    assert path.read_text() == old_text


def test_only_known_modules_can_be_saved(tmp_path):
    class Custom(MLP):
        pass

    with pytest.raises(TypeError, match="Custom"):
        save(Custom(2, [1]), tmp_path / "x.json")
