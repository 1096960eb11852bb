"""The package's layering: the library never imports training/ (only the CLI dispatches to it), the
input contract sits below the model, and no training knob lives in the library."""

import ast
import dataclasses
from pathlib import Path

import stance
from training.config import RunSettings, TrainingSettings

LIBRARY = Path(stance.__file__).parent


def imports(path: Path) -> set[str]:
    """Absolute names of the modules a file imports (relative imports resolved inside stance)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            out.add(("stance." + (node.module or "")) if node.level else node.module)
    return out


def test_only_the_cli_imports_training():
    offenders = [p.name for p in LIBRARY.rglob("*.py") if p.name != "cli.py"
                 and any(m == "training" or m.startswith("training.") for m in imports(p))]
    assert offenders == []


def test_the_input_contract_is_below_the_model():
    below = imports(LIBRARY / "data.py")
    assert not below & {"stance.model", "stance.scorers", "stance.predict", "stance.scoring", "stance.evaluate"}
    assert "stance.data" in imports(LIBRARY / "model.py")


def test_no_training_knob_in_the_library():
    knobs = {f.name for cls in (TrainingSettings, RunSettings) for f in dataclasses.fields(cls)} - {"seed", "batch_size"}  # inference has batches too
    for path in LIBRARY.rglob("*.py"):
        names = {n.arg for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.arg)}
        assert not names & knobs, f"{path.name} takes training settings {sorted(names & knobs)}"


def test_public_api_has_real_signatures():
    import inspect

    for name in stance.__all__:
        obj = getattr(stance, name)
        if inspect.isfunction(obj):
            params = inspect.signature(obj).parameters.values()
            assert not any(p.kind is p.VAR_POSITIONAL for p in params), name
