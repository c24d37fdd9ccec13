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


# ---- regressions: the one atomic writer; hostile files refused quickly, by path -----------


def test_save_keeps_a_private_file_private_and_follows_the_umask(tmp_path):
    path = good_file(tmp_path)
    os.chmod(path, 0o600)
    save(MLP(2, [3, 1], seed=5), path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # once forced to 0o644: world-readable
    old_umask = os.umask(0o077)
    try:
        save(MLP(2, [3, 1], seed=5), tmp_path / "new.json")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.json").st_mode) == 0o600


def test_save_writes_through_a_symlink(tmp_path):
    target = good_file(tmp_path)
    link = tmp_path / "latest.json"
    link.symlink_to(target.name)
    save(MLP(2, [3, 1], seed=7), link)
    assert link.is_symlink()  # once replaced by a regular file
    assert load(target).state_dict() == MLP(2, [3, 1], seed=7).state_dict()


def test_save_refuses_a_missing_folder_before_anything(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save(MLP(2, [1], seed=0), tmp_path / "no" / "m.json")


def neuron_file(tmp_path, config, state='{"w.0": 0.5, "b": 0.0}'):
    path = tmp_path / "hostile.json"
    path.write_text('{"format": "stepgrad.nn", "version": 1, "class": "Neuron", '
                    f'"config": {config}, "state": {state}}}')
    return path


HOSTILE = {
    # name: (config, state, the problem named)
    "10**400 as a weight": ('{"nin": 1}', '{"w.0": 1%s, "b": 0}' % ("0" * 400), "an integer of 401 digits"),
    "1e400 as a weight": ('{"nin": 1}', '{"w.0": 1e400, "b": 0}', r"not finite numbers: w\.0=inf"),
    "a 5000-digit int": ('{"nin": 1}', '{"w.0": 1%s, "b": 0}' % ("0" * 4999), "an integer of 5000 digits"),
    "a 5000-digit nin": ('{"nin": 1%s}' % ("0" * 4999), '{}', "an integer of 5000 digits"),
    "fan_out -1": ('{"nin": 1, "init": "glorot", "fan_out": -1}', '{"w.0": 0.5, "b": 0}',
                   "fan_out must be a positive integer, got -1"),
    "fused 'false'": ('{"nin": 1, "fused": "false"}', '{"w.0": 0.5, "b": 0}', "fused must be True or False"),
    "nin 3000000": ('{"nin": 3000000}', '{}', "nin must be an integer from 1 to 2000000, got 3000000"),
    "nin 1e6, no state": ('{"nin": 1000000}', '{}', "declares 1000001 parameters but the state holds 0"),
    "nin as a float": ('{"nin": 2.5}', '{}', "nin must be an integer from 1 to"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_files_give_the_promised_value_error(tmp_path, name):
    config, state, problem = HOSTILE[name]
    path = neuron_file(tmp_path, config, state)
    with pytest.raises(ValueError, match=problem) as caught:
        load(path)
    assert str(caught.value).startswith(f"load {path}: ")
    assert len(str(caught.value)) < 400


def test_deeply_nested_json_is_refused_not_a_recursion_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000)
    with pytest.raises(ValueError, match=f"load {path}: .*nested too deeply"):
        load(path)


def test_a_huge_declared_mlp_is_refused_before_it_is_built(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    path.write_text('{"format":"stepgrad.nn","version":1,"class":"MLP","config":{"nin":1500000,"nouts":[2]},'
                    '"state":{}}')
    assert path.stat().st_size < 100
    built = []
    monkeypatch.setattr(MLP, "__init__", lambda self, *a, **k: built.append(1))
    with pytest.raises(ValueError, match="declares 3000002 parameters, more than load accepts"):
        load(path)
    assert built == []  # once: 1.3 GB and 18 s of building before the refusal


def test_a_state_with_many_wrong_names_gives_a_short_message(tmp_path):
    path = good_file(tmp_path)
    rewrite(path, lambda d: d["state"].update({f"extra.{i}": 0.0 for i in range(50_000)}))
    with pytest.raises(ValueError, match=r"unexpected: extra\.0, .* and 49995 more") as caught:
        load(path)
    assert len(str(caught.value)) < 600


def test_oversized_and_non_regular_files_are_refused(tmp_path, monkeypatch):
    import nn.serialize

    path = good_file(tmp_path)
    monkeypatch.setattr(nn.serialize, "MAX_FILE_BYTES", 100)
    with pytest.raises(ValueError, match=f"load {path}: larger than 100 bytes"):
        load(path)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.json"
        os.mkfifo(fifo)
        with pytest.raises(ValueError, match="not a regular file"):
            load(fifo)


@pytest.mark.parametrize("change", [
    lambda d: d.update({"class": "M" * 1_000_000}),
    lambda d: d.update(version="1" * 1_000_000),
    lambda d: d["config"].update({"k" * 1_000_000: 1}),
])
def test_a_huge_name_anywhere_gives_a_short_message(tmp_path, change):
    path = good_file(tmp_path)
    rewrite(path, change)
    with pytest.raises(ValueError, match=f"load {path}: ") as caught:
        load(path)
    assert len(str(caught.value)) < 600
