"""Fault injection: a damaged run never predicts, and every such case is an error naming the file."""

import shutil

import pytest

from stance.model import StanceModel
from stance.scorers import RunError


@pytest.fixture
def damaged(tiny_run, tmp_path):
    """A fresh copy of the tiny run to damage."""
    copy = tmp_path / "run"
    shutil.copytree(tiny_run, copy)
    return copy


@pytest.mark.parametrize("name", ["tokenizer.json", "config.json", "model.safetensors", "actors.yaml", "targets.yaml",
                                  "tokenizer_config.json"])
def test_a_missing_file_is_named(damaged, name):
    (damaged / name).unlink()
    with pytest.raises(RunError, match=rf"{name} is missing"):
        StanceModel.from_pretrained(damaged)


def test_same_size_overwrite_inside_the_weights_is_caught(damaged):
    weights = damaged / "model.safetensors"
    data = bytearray(weights.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 4096] = bytes(4096)  # zeros where weights were: same size, other content
    weights.write_bytes(bytes(data))
    with pytest.raises(RunError, match="model.safetensors does not match the sha256"):
        StanceModel.from_pretrained(damaged)
    StanceModel.from_pretrained(damaged, verify=False)  # sizes only: the user can opt out of hashing


def test_truncated_and_edited_files_are_caught(damaged):
    tok = damaged / "tokenizer.json"
    tok.write_bytes(tok.read_bytes()[:100])
    with pytest.raises(RunError, match="tokenizer.json has 100 bytes"):
        StanceModel.from_pretrained(damaged)


def test_edited_registry_is_caught(damaged):
    actors = damaged / "actors.yaml"
    text = actors.read_text()
    actors.write_text(text.replace("Kremlin", "Kremlim", 1))  # same length, other content
    with pytest.raises(RunError, match="actors.yaml does not match"):
        StanceModel.from_pretrained(damaged)


def test_missing_manifest_is_an_incomplete_run(damaged):
    (damaged / "manifest.json").unlink()
    with pytest.raises(RunError, match="manifest.json is missing"):
        StanceModel.from_pretrained(damaged)


def test_run_outputs_may_change_without_breaking_the_model(damaged):
    (damaged / "README.md").write_text("my notes")
    (damaged / "metrics.json").unlink()
    StanceModel.from_pretrained(damaged)
