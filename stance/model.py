"""A trained stance classifier and its run directory.

A run directory holds everything needed to use a model without its config:

- a standard Hugging Face checkpoint (``config.json`` with the four labels in ``id2label``,
  ``model.safetensors``, tokenizer files), so ``AutoModelForSequenceClassification.from_pretrained``
  and ``transformers.pipeline`` load it — or ``baseline.joblib`` for the TF-IDF baseline;
- ``stance.json``: model type, input format and maximum length;
- ``actors.yaml`` and ``targets.yaml``: the registry and targets it was trained with;
- ``config.yaml`` (the resolved run config), ``metrics.json`` and ``README.md`` (model card).

Example:
    >>> model = StanceModel.from_pretrained("runs/default")  # doctest: +SKIP
    >>> model.predict_proba([PairExample("Moscow wants Kyiv neutral.", "russia", "neutrality", "Moscow")])  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from .actors import ActorRegistry
from .config import InputSettings
from .data import InputFormatter, PairExample
from .schema import LABELS, DataError, Target, load_targets

logger = logging.getLogger(__name__)
RUN_META = "stance.json"
FORMAT_VERSION = 1


class RunError(RuntimeError):
    """A run directory is missing, incomplete or corrupt."""


class StanceModel:
    """Scores (sentence, actor, target) pairs with a trained transformer or the TF-IDF baseline.

    Load one with :meth:`from_pretrained`; ``predict_proba`` returns probabilities in
    ``stance.schema.LABELS`` order. ``registry`` and ``targets`` are those the model was trained with.
    """

    def __init__(self, kind: str, classifier, formatter: InputFormatter, tokenizer=None, max_length: int = 128, path: str | None = None):
        self.kind = kind
        self.classifier = classifier
        self.formatter = formatter
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.path = path
        self._truncation_warned = False
        self._backend = None  # the tokenizer's fast backend without padding/truncation, made on first use
        self.quantized: str | None = None
        #: Optional TF-IDF model averaged with the transformer (``model.tfidf_partner``), with the
        #: transformer's temperature and the TF-IDF weight fitted on dev.
        self.partner = None
        self.partner_weight = 0.0
        self.partner_temperature = 1.0

    @property
    def registry(self) -> ActorRegistry:
        return self.formatter.registry

    @property
    def targets(self) -> list[Target]:
        return list(self.formatter.targets.values())

    @classmethod
    def from_pretrained(cls, path: str | Path, device: str | None = None, quantize: str | None = None) -> "StanceModel":
        """Load a run directory written by ``stance train``.

        ``quantize="int8"`` applies torch's dynamic int8 quantization to the transformer's linear
        layers: about twice as fast on CPU, at a small cost in accuracy (see the README's
        performance section); it is ignored for the TF-IDF baseline.

        Raises:
            RunError: the directory does not exist, lacks ``stance.json``, or its weights do not load.
        """
        path = Path(path)
        if not path.is_dir():
            raise RunError(f"run directory {path} does not exist")
        meta_path = path / RUN_META
        if not meta_path.is_file():
            raise RunError(f"{path} is not a stance run directory: {RUN_META} is missing")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            settings = InputSettings(**meta["input"])
            registry = ActorRegistry.load(path=path / "actors.yaml")
            targets = load_targets(path / "targets.yaml")
        except (json.JSONDecodeError, KeyError, TypeError, DataError) as err:
            raise RunError(f"{path}: corrupt run metadata: {err}") from err
        formatter = InputFormatter(settings, registry, targets)
        kind = meta.get("type")
        if kind == "tfidf":
            return cls("tfidf", _load_joblib(path / "baseline.joblib"), formatter, path=str(path))
        if kind != "transformer":
            raise RunError(f"{path}/{RUN_META}: unknown model type {kind!r}")
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tokenizer = AutoTokenizer.from_pretrained(path)
                model = AutoModelForSequenceClassification.from_pretrained(path)
        except Exception as err:  # OSError, safetensors errors, JSON errors: all mean a damaged run
            raise RunError(f"{path}: model weights or tokenizer cannot be loaded: {err}") from err
        id2label = {int(k): v for k, v in model.config.id2label.items()}
        if sorted(id2label.values()) != sorted(LABELS):
            raise RunError(f"{path}: id2label {id2label} does not hold the labels {LABELS}")
        model.eval()
        if quantize not in (None, "int8"):
            raise ValueError(f"quantize must be None or 'int8', got {quantize!r}")
        if quantize == "int8":
            import torch

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch announces the move of eager quantization to torchao
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        elif device:
            model.to(device)
        instance = cls("transformer", model, formatter, tokenizer, int(meta.get("max_length", 128)), str(path))
        instance.quantized = quantize
        partner = meta.get("tfidf_partner")
        if partner:
            try:
                instance.partner_weight = float(partner["weight"])
                instance.partner_temperature = float(partner["temperature"])
                instance.partner = _load_joblib(path / partner["file"])
            except (KeyError, TypeError, ValueError) as err:
                raise RunError(f"{path}/{RUN_META}: corrupt tfidf_partner entry {partner!r}: {err}") from err
        return instance

    def predict_proba(self, examples: Sequence[PairExample], batch_size: int = 64) -> np.ndarray:
        """Probabilities, shape ``(len(examples), 4)``, columns in ``LABELS`` order."""
        if not examples:
            return np.zeros((0, len(LABELS)))
        if self.kind == "tfidf":
            return self.classifier.predict_proba(examples)
        proba = self._transformer_proba(examples, batch_size)
        if self.partner is not None:
            from .combine import apply_temperature, combine

            proba = combine(apply_temperature(proba, self.partner_temperature),
                            self.partner.predict_proba(examples), self.partner_weight)
        return proba

    def _transformer_proba(self, examples: Sequence[PairExample], batch_size: int) -> np.ndarray:
        import torch

        segments = [self.formatter.segments(e) for e in examples]
        encoded = self._encode_pairs(segments)
        lengths = [len(ids) for ids in encoded["input_ids"]]
        self._warn_truncation(segments, lengths)
        # Batches of similar length pad little: sort by length, score, put rows back in order.
        order = np.argsort(lengths, kind="stable")
        id2label = {int(k): v for k, v in self.classifier.config.id2label.items()}
        columns = [LABELS.index(id2label[i]) for i in range(len(id2label))]
        out = np.zeros((len(examples), len(LABELS)), dtype=np.float64)
        device = next(self.classifier.parameters()).device
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start:start + batch_size]
                batch = self.tokenizer.pad({k: [encoded[k][i] for i in idx] for k in encoded}, return_tensors="pt")
                batch = {k: v.to(device) for k, v in batch.items()}
                logits = self.classifier(**batch).logits.float()
                out[np.ix_(idx, columns)] = torch.softmax(logits, dim=-1).cpu().numpy()
        return out

    def _encode_pairs(self, segments: list[tuple[str, str]]) -> dict[str, list]:
        """Token ids of each (first, second) pair, truncating the second segment to ``max_length``.

        One sentence fans out to (actors x targets) pairs that share their segments, so each distinct
        segment is tokenized once and pairs are assembled with the tokenizer's own post-processor
        (same ids as calling the tokenizer on each pair). Tokenizers without a fast backend take the
        plain path.
        """
        backend = getattr(self.tokenizer, "backend_tokenizer", None)
        if backend is None or backend.post_processor is None:
            return dict(self.tokenizer([a for a, _ in segments], [b for _, b in segments], truncation="only_second",
                                       max_length=self.max_length))
        if self._backend is None:
            import copy

            self._backend = copy.deepcopy(backend)
            self._backend.no_padding()
            self._backend.no_truncation()
        backend = self._backend
        firsts = list(dict.fromkeys(a for a, _ in segments))
        seconds = list(dict.fromkeys(b for _, b in segments))
        first_enc = dict(zip(firsts, backend.encode_batch(firsts, add_special_tokens=False)))
        second_enc = dict(zip(seconds, backend.encode_batch(seconds, add_special_tokens=False)))
        special = backend.num_special_tokens_to_add(True)
        out = {"input_ids": [], "token_type_ids": [], "attention_mask": []}
        for a, b in segments:
            first, second = first_enc[a], second_enc[b]
            budget = self.max_length - special - len(first.ids)
            if len(second.ids) > budget:
                second = backend.encode(b, add_special_tokens=False)  # a fresh copy: truncate() works in place
                second.truncate(max(budget, 0))
            pair = backend.post_processor.process(first, second, add_special_tokens=True)
            out["input_ids"].append(pair.ids)
            out["token_type_ids"].append(pair.type_ids)
            out["attention_mask"].append([1] * len(pair.ids))
        return out

    def _warn_truncation(self, segments, lengths) -> None:
        if self._truncation_warned or max(lengths) < self.max_length:
            return
        full = self.tokenizer([segments[i][0] for i in range(len(segments)) if lengths[i] >= self.max_length],
                              [segments[i][1] for i in range(len(segments)) if lengths[i] >= self.max_length])
        if any(len(ids) > self.max_length for ids in full["input_ids"]):
            self._truncation_warned = True
            warnings.warn(
                f"some inputs exceed the model's max_length of {self.max_length} tokens; the context, then the end of "
                "the sentence, were truncated. Split long texts into sentences (one sentence per call) for full coverage.",
                stacklevel=4,
            )


def _load_joblib(path: Path):
    import joblib

    try:
        return joblib.load(path)
    except Exception as err:  # joblib raises many kinds of errors on a missing or damaged file
        raise RunError(f"{path} cannot be loaded: {err}") from err


def write_run_metadata(run_dir: str | Path, kind: str, settings: InputSettings, registry: ActorRegistry,
                       targets: Sequence[Target], max_length: int, extra: dict | None = None) -> None:
    """Write ``stance.json``, ``actors.yaml`` and ``targets.yaml`` into a run directory."""
    import dataclasses

    import yaml

    run_dir = Path(run_dir)
    meta = {"format_version": FORMAT_VERSION, "type": kind, "labels": list(LABELS),
            "input": dataclasses.asdict(settings), "max_length": max_length, **(extra or {})}
    (run_dir / RUN_META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    (run_dir / "actors.yaml").write_text(registry.to_yaml(), encoding="utf-8")
    (run_dir / "targets.yaml").write_text(
        yaml.safe_dump([{"id": t.id, "description": t.description} for t in targets], sort_keys=False, allow_unicode=True),
        encoding="utf-8")
