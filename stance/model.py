"""A trained stance model: input formatter + actor registry + targets + scorer, and its run directory.

A run directory holds everything needed to use a model without its config:

- ``stance.json``: format version, labels, the input contract (``InputSettings``) and the scorer
  entry (an ensemble lists its members, see :mod:`stance.scorers`);
- the scorers' files: a standard Hugging Face checkpoint at the top (``config.json`` with the four
  labels in ``id2label``, ``model.safetensors``, tokenizer files), so
  ``AutoModelForSequenceClassification.from_pretrained`` and ``transformers.pipeline`` load it, and
  ``<name>.joblib`` for scikit-learn scorers;
- ``actors.yaml`` and ``targets.yaml``: the registry and targets it was trained with;
- ``config.yaml`` (the resolved run config), ``metrics.json`` and ``README.md`` (model card).

Example:
    >>> model = StanceModel.from_pretrained("runs/default")  # doctest: +SKIP
    >>> model.predict([PairExample("Moscow wants Kyiv neutral.", "russia", "neutrality", "Moscow")])  # doctest: +SKIP
    ['favor']
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Sequence

import numpy as np

from .actors import ActorRegistry
from .data import InputFormatter, InputSettings, PairExample
from .integrity import MANIFEST, check_manifest, write_manifest
from .schema import LABELS, DataError, Target, load_targets
from .scorers import Ensemble, RunError, scorer_proba, labels_of, load_scorer, save_scorer, type_name

RUN_META = "stance.json"
FORMAT_VERSION = 2


class StanceModel:
    """Scores (sentence, actor, target) pairs: an input formatter (with the registry and targets the
    model was trained with) and a scorer.

    Args:
        formatter: The input contract, registry and targets.
        scorer: Any scorer (:mod:`stance.scorers`): a transformer, a TF-IDF model, an ensemble.
        path: The run directory it was loaded from, if any.
    """

    def __init__(self, formatter: InputFormatter, scorer, path: str | None = None):
        self.formatter = formatter
        self.scorer = scorer
        self.path = path

    @property
    def registry(self) -> ActorRegistry:
        return self.formatter.registry

    @property
    def targets(self) -> list[Target]:
        return list(self.formatter.targets.values())

    @property
    def kind(self) -> str:
        """The scorer in words: "transformer", "tfidf" or "ensemble(transformer: transformer x 0.50, ...)"."""
        return self.scorer.describe() if isinstance(self.scorer, Ensemble) else type_name(self.scorer)

    def predict_proba(self, examples: Sequence[PairExample], batch_size: int | None = None) -> np.ndarray:
        """Probabilities, shape ``(len(examples), 4)``, columns in ``LABELS`` order."""
        if not examples:
            return np.zeros((0, len(LABELS)))
        return scorer_proba(self.scorer, examples, batch_size)

    def predict(self, examples: Sequence[PairExample], batch_size: int | None = None) -> list[str]:
        """The most probable label of each example."""
        return labels_of(self.predict_proba(examples, batch_size))

    def save_pretrained(self, directory: str | Path) -> Path:
        """Write the model (scorer files, ``stance.json``, ``actors.yaml``, ``targets.yaml``) into
        ``directory``; :meth:`from_pretrained` reads it back."""
        import yaml

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        before = {p: p.stat().st_mtime_ns for p in directory.rglob("*") if p.is_file()}
        entry = save_scorer(self.scorer, directory, type_name(self.scorer))
        meta = {"format_version": FORMAT_VERSION, "labels": list(LABELS),
                "input": dataclasses.asdict(self.formatter.settings), "scorer": entry}
        (directory / RUN_META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        (directory / "actors.yaml").write_text(self.registry.to_yaml(), encoding="utf-8")
        (directory / "targets.yaml").write_text(
            yaml.safe_dump([{"id": t.id, "description": t.description} for t in self.targets], sort_keys=False,
                           allow_unicode=True), encoding="utf-8")
        written = [p for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST
                   and before.get(p) != p.stat().st_mtime_ns]
        write_manifest(directory, [str(p.relative_to(directory)) for p in written])
        return directory

    @classmethod
    def from_pretrained(cls, path: str | Path, device: str | None = None, quantize: str | None = None,
                        verify: bool = True) -> "StanceModel":
        """Load a run directory written by ``stance train`` (or :meth:`save_pretrained`).

        Every file the model needs is checked against the run's ``manifest.json`` first (sizes
        always; SHA-256 once per process and file, ``verify=False`` skips the hashes): a missing or
        changed file is a RunError naming it.

        ``quantize="int8"`` applies torch's dynamic int8 quantization to transformer scorers: about
        twice as fast on CPU, at a small cost in accuracy; other scorers are unaffected.

        Raises:
            RunError: the directory does not exist, lacks ``stance.json``, or its files do not load.
        """
        if quantize not in (None, "int8"):
            raise ValueError(f"quantize must be None or 'int8', got {quantize!r}")
        path = Path(path)
        if not path.is_dir():
            raise RunError(f"run directory {path} does not exist")
        meta_path = path / RUN_META
        if not meta_path.is_file():
            raise RunError(f"{path} is not a stance run directory: {RUN_META} is missing")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if meta.get("format_version", 1) >= 2:  # format 1 runs predate the manifest
                check_manifest(path, hashes=verify)
            meta = _upgrade(meta)
            settings = InputSettings(**meta["input"])
            registry = ActorRegistry.load(path=path / "actors.yaml")
            targets = load_targets(path / "targets.yaml")
            entry = meta["scorer"]
        except (json.JSONDecodeError, KeyError, TypeError, DataError) as err:
            raise RunError(f"{path}: corrupt run metadata: {err}") from err
        formatter = InputFormatter(settings, registry, targets)
        return cls(formatter, load_scorer(path, entry, formatter, device, quantize), str(path))


def _upgrade(meta: dict) -> dict:
    """Read a format-1 ``stance.json`` (model type, loose max_length, a TF-IDF partner) as format 2."""
    if meta.get("format_version", 1) >= 2:
        return meta
    kind = meta["type"]
    scorer = {"type": "tfidf", "file": "baseline.joblib"} if kind == "tfidf" else {"type": kind, "path": "."}
    partner = meta.get("tfidf_partner")
    if partner:
        weight = float(partner["weight"])
        scorer = {"type": "ensemble", "weights": [1 - weight, weight], "temperatures": [float(partner["temperature"]), 1.0],
                  "members": [{"name": "transformer", **scorer}, {"name": "tfidf", "type": "tfidf", "file": partner["file"]}]}
    return {**meta, "format_version": 2, "input": {**meta["input"], "max_length": int(meta.get("max_length", 128))},
            "scorer": scorer}


__all__ = ["FORMAT_VERSION", "RUN_META", "RunError", "StanceModel"]
