"""The README's Python examples and commands run against the current code (with a small model in
place of the default), so they cannot drift from the API. Their printed numbers come from the
default model and are measured in docs/RESULTS.md."""

import re
import shlex

import pytest

from .conftest import ROOT, TINY_DATA

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def _code(block: str) -> str:
    """A doctest-style block becomes its statements; a plain block stays as it is."""
    if ">>>" in block:
        return "\n".join(line[4:] for line in block.splitlines() if line.startswith((">>> ", "... ")))
    return block


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_python_examples_run(index, baseline_run, tmp_path, monkeypatch):
    monkeypatch.setenv("STANCE_MODEL", str(baseline_run))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    for name in ("train", "dev"):  # the fit example reads the corpus: a small stand-in
        (tmp_path / "data" / f"{name}.jsonl").write_text(TINY_DATA.read_text())
    exec(compile(_code(BLOCKS[index]), f"README.md python block {index + 1}", "exec"), {})


def test_cli_examples_parse():
    from stance.cli import build_parser

    parser = build_parser()
    commands = re.findall(r"^stance (\w+ .*?)(?:\s+#.*)?$", README, re.M)
    assert len(commands) >= 6
    for line in commands:
        line = line.rstrip("\\").strip()
        if line.split()[0] == "train":
            continue  # training is exercised in test_train.py; its arguments are a config and overrides
        parser.parse_args(shlex.split(line))
