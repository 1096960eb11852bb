"""Scorers: objects that turn (sentence, actor, target) examples into stance probabilities.

Every scorer has ``predict_proba(examples)`` (one row per example, columns in ``LABELS`` order) and
``predict(examples)`` (label strings). Three kinds ship:

- :class:`TransformerScorer`: a fine-tuned encoder with a classification head (a standard Hugging
  Face checkpoint) and the :class:`~stance.data.InputFormatter` that builds its input;
- ``tfidf``: :class:`stance.baseline.TfidfStanceClassifier`, a scikit-learn estimator;
- :class:`Ensemble`: a weighted average of other scorers' temperature-softened probabilities.

A run saves its scorer as one entry of ``stance.json`` (an ensemble lists its members), and
:func:`load_scorer` builds it back. Scorer types are named, like spaCy's factories: a new kind is
one class registered with :func:`register_scorer` (sklearn-style ``fit(examples, labels)`` and
pickling give it training and saving for free).

Example:
    >>> import numpy as np
    >>> class Always:  # any object with predict_proba is a scorer
    ...     def __init__(self, row): self.row = np.array([row])
    ...     def predict_proba(self, examples): return np.repeat(self.row, len(examples), axis=0)
    >>> Ensemble([Always([1., 0, 0, 0]), Always([0., 1, 0, 0])], [0.25, 0.75]).predict(["x"])
    ['favor']
"""

from __future__ import annotations

import importlib
import threading
import warnings
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .combine import apply_temperature, mix
from .schema import LABELS


class RunError(RuntimeError):
    """A run directory is missing, incomplete or corrupt."""


# transformers resolves its classes lazily on first attribute access, which is not safe when
# several threads make their first call at once (an ImportError in all but one): import under a lock.
_import_lock = threading.Lock()


def _auto_classes():
    with _import_lock:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
    return AutoModelForSequenceClassification, AutoTokenizer


def labels_of(proba: np.ndarray) -> list[str]:
    """The most probable label of each row.

    >>> labels_of(np.array([[0.1, 0.7, 0.1, 0.1]]))
    ['favor']
    """
    return [LABELS[i] for i in np.asarray(proba).argmax(axis=1)]


#: Scorer types by name: a class, or "module:Class" imported on first use (keeps scikit-learn out
#: of the import of a transformer-only model).
_SCORER_TYPES: dict[str, type | str] = {
    "transformer": "stance.scorers:TransformerScorer",
    "tfidf": "stance.baseline:TfidfStanceClassifier",
    "ensemble": "stance.scorers:Ensemble",
}


def register_scorer(name: str) -> Callable[[type], type]:
    """Class decorator: make a scorer type available by ``name`` to configs and saved runs.

    Example:
        >>> @register_scorer("prior")
        ... class PriorScorer: ...
        >>> scorer_class("prior").__name__
        'PriorScorer'
    """
    def decorate(cls: type) -> type:
        _SCORER_TYPES[name] = cls
        cls.scorer_type = name
        return cls
    return decorate


def scorer_class(name: str) -> type:
    """The class registered as ``name``; ValueError naming the known types otherwise."""
    if name not in _SCORER_TYPES:
        raise ValueError(f"unknown scorer type {name!r}; known: {', '.join(sorted(_SCORER_TYPES))}")
    cls = _SCORER_TYPES[name]
    if isinstance(cls, str):
        module, attr = cls.split(":")
        cls = _SCORER_TYPES[name] = getattr(importlib.import_module(module), attr)
    return cls


def type_name(scorer) -> str:
    """The registered name of a scorer's type ("transformer", "tfidf", "ensemble", ...)."""
    name = getattr(type(scorer), "scorer_type", None)
    if name is None or scorer_class(name) is not type(scorer):
        raise ValueError(f"{type(scorer).__name__} is not a registered scorer type; use @register_scorer(name)")
    return name


def scorer_proba(scorer, examples, batch_size: int | None = None) -> np.ndarray:
    """Any scorer's probabilities; ``batch_size`` reaches the scorers that batch (transformers, ensembles)."""
    if getattr(scorer, "takes_batch_size", False):
        return scorer.predict_proba(examples, batch_size=batch_size)
    return scorer.predict_proba(examples)


class Ensemble:
    """Weighted average of scorers' probabilities, each first softened by its temperature.

    Args:
        scorers: The member scorers.
        weights: One weight per member (they should sum to 1).
        temperatures: One temperature per member (1.0 leaves a member's probabilities as they are).
        names: Names of the members (from the run config), for reports.
    """

    scorer_type = "ensemble"
    takes_batch_size = True

    def __init__(self, scorers: Sequence, weights: Sequence[float], temperatures: Sequence[float] | None = None,
                 names: Sequence[str] | None = None):
        self.scorers = list(scorers)
        self.weights = [float(w) for w in weights]
        self.temperatures = [float(t) for t in temperatures] if temperatures is not None else [1.0] * len(self.scorers)
        self.names = list(names) if names is not None else [f"scorer{i}" for i in range(len(self.scorers))]
        if not (len(self.scorers) == len(self.weights) == len(self.temperatures) == len(self.names)):
            raise ValueError("Ensemble: scorers, weights, temperatures and names must have the same length")

    def predict_proba(self, examples: Sequence, batch_size: int | None = None) -> np.ndarray:
        return self.combine([scorer_proba(scorer, examples, batch_size) for scorer in self.scorers])

    def combine(self, member_probas: Sequence[np.ndarray]) -> np.ndarray:
        """The ensemble's probabilities from its members' (in member order): tempered, then weighed."""
        return mix([p if t == 1.0 else apply_temperature(p, t) for p, t in zip(member_probas, self.temperatures)],
                   self.weights)

    def predict(self, examples: Sequence) -> list[str]:
        return labels_of(self.predict_proba(examples))

    def dominance_warning(self, threshold: float = 0.9) -> str | None:
        """A warning when one member carries ``threshold`` or more of the weight: the ensemble then
        predicts (almost) as that member alone, and the others' training bought nothing."""
        for name, scorer, weight in zip(self.names, self.scorers, self.weights):
            if weight >= threshold:
                others = ", ".join(n for n in self.names if n != name)
                return (f"member {name!r} ({type_name(scorer)}) carries weight {weight:.2f}: this model predicts almost "
                        f"as {name!r} alone, and {others} add little (did a transformer fail to learn? see its dev scores)")
        return None

    def describe(self) -> str:
        return "ensemble(" + ", ".join(f"{n}: {type_name(s)} x {w:.2f}" for n, s, w in
                                       zip(self.names, self.scorers, self.weights)) + ")"


class TransformerScorer:
    """A sequence-classification checkpoint scoring pairs built by an :class:`InputFormatter`.

    Args:
        model: A ``transformers`` model for sequence classification (its ``id2label`` holds the labels),
            or a :class:`~stance.pooling.MeanPoolingClassifier`.
        tokenizer: Its tokenizer.
        formatter: Builds and encodes the two input segments (the run's input contract).
        batch_size: Pairs per forward pass.
    """

    scorer_type = "transformer"
    takes_batch_size = True
    #: Fine-tuned encoders are over-confident; an ensemble softens them by a temperature fitted on dev.
    fit_temperature = True

    def __init__(self, model, tokenizer, formatter, batch_size: int = 64):
        self.model = model
        self.tokenizer = tokenizer
        self.formatter = formatter
        self.batch_size = batch_size
        self._remembered: tuple[tuple, np.ndarray] | None = None

    def remember(self, examples: Sequence, proba: np.ndarray) -> None:
        """Answer ``predict_proba`` on exactly these ``examples`` (equal, in the same order) with
        ``proba``, computed elsewhere by this same model (training scores dev once; fitting an
        ensemble and writing the dev report reuse it). Not saved with the model."""
        proba = np.asarray(proba, dtype=np.float64)
        if proba.shape != (len(examples), len(LABELS)):
            raise ValueError(f"remember: {proba.shape} probabilities for {len(examples)} examples")
        self._remembered = (tuple(examples), proba)

    def predict_proba(self, examples: Sequence, batch_size: int | None = None) -> np.ndarray:
        with _import_lock:
            import torch

        if not len(examples):
            return np.zeros((0, len(LABELS)))
        if self._remembered is not None and len(examples) == len(self._remembered[0]) \
                and tuple(examples) == self._remembered[0]:
            return self._remembered[1].copy()
        batch_size = batch_size or self.batch_size
        encoded = self.formatter.encode(self.tokenizer, [self.formatter.segments(e) for e in examples])
        lengths = [len(ids) for ids in encoded["input_ids"]]
        # Batches of similar length pad little: sort by length, score, put rows back in order.
        order = np.argsort(lengths, kind="stable")
        id2label = {int(k): v for k, v in self.model.config.id2label.items()}
        columns = [LABELS.index(id2label[i]) for i in range(len(id2label))]
        out = np.zeros((len(examples), len(LABELS)), dtype=np.float64)
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start:start + batch_size]
                batch = self.tokenizer.pad({k: [encoded[k][i] for i in idx] for k in encoded}, return_tensors="pt")
                batch = {k: v.to(device) for k, v in batch.items()}
                logits = self.model(**batch).logits.float()
                out[np.ix_(idx, columns)] = torch.softmax(logits, dim=-1).cpu().numpy()
        return out

    def predict(self, examples: Sequence) -> list[str]:
        return labels_of(self.predict_proba(examples))

    @property
    def pooling(self) -> str:
        """``mean`` for a :class:`~stance.pooling.MeanPoolingClassifier`, ``cls`` for a standard classifier."""
        # by name: importing stance.pooling here would import torch for every scorer
        return "mean" if type(self.model).__name__ == "MeanPoolingClassifier" else "cls"

    def save_pretrained(self, directory: str | Path) -> None:
        self.model.save_pretrained(str(directory))
        self.tokenizer.save_pretrained(str(directory))

    @classmethod
    def from_pretrained(cls, directory: str | Path, formatter, device: str | None = None, quantize: str | None = None,
                        pooling: str = "cls"):
        """Load the checkpoint in ``directory``; ``quantize="int8"`` applies torch's dynamic int8
        quantization to the linear layers (about twice as fast on CPU, slightly less accurate);
        ``pooling="mean"`` loads a :class:`~stance.pooling.MeanPoolingClassifier`."""
        if quantize not in (None, "int8"):
            raise ValueError(f"quantize must be None or 'int8', got {quantize!r}")
        if pooling not in ("cls", "mean"):
            raise RunError(f"{directory}: unknown pooling {pooling!r} (known: cls, mean)")
        AutoModelForSequenceClassification, AutoTokenizer = _auto_classes()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tokenizer = AutoTokenizer.from_pretrained(directory)
                if pooling == "mean":
                    with _import_lock:
                        from .pooling import MeanPoolingClassifier
                    model = MeanPoolingClassifier.from_pretrained(directory)
                else:
                    model = AutoModelForSequenceClassification.from_pretrained(directory)
        except Exception as err:  # OSError, safetensors errors, JSON errors: all mean a damaged run
            raise RunError(f"{directory}: model weights or tokenizer cannot be loaded: {err}") from err
        id2label = {int(k): v for k, v in model.config.id2label.items()}
        if sorted(id2label.values()) != sorted(LABELS):
            raise RunError(f"{directory}: id2label {id2label} does not hold the labels {LABELS}")
        model.eval()
        if quantize == "int8":
            with _import_lock:
                import torch

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch announces the move of eager quantization to torchao
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        elif device:
            model.to(device)
        return cls(model, tokenizer, formatter)


def save_scorer(scorer, directory: str | Path, name: str) -> dict:
    """Write a scorer's files into a run directory; returns its ``stance.json`` entry.

    A transformer is written at the top of the run, so ``transformers`` loads the run directory as
    a checkpoint (at most one transformer per run directory; further ones go to ``<name>/``).
    Other scorers are pickled with joblib to ``<name>.joblib``.
    """
    directory = Path(directory)
    kind = type_name(scorer)
    if isinstance(scorer, Ensemble):
        members, has_root = [], False
        for member_name, member in zip(scorer.names, scorer.scorers):
            sub = "." if isinstance(member, TransformerScorer) and not has_root else member_name
            has_root = has_root or sub == "."
            entry = save_scorer(member, directory if sub == "." or not isinstance(member, TransformerScorer)
                                else directory / sub, member_name)
            if isinstance(member, TransformerScorer):
                entry["path"] = sub
            members.append({"name": member_name, **entry})
        return {"type": kind, "weights": scorer.weights, "temperatures": scorer.temperatures, "members": members}
    if isinstance(scorer, TransformerScorer):
        directory.mkdir(parents=True, exist_ok=True)
        scorer.save_pretrained(directory)
        return {"type": kind, "path": ".", **({"pooling": "mean"} if scorer.pooling == "mean" else {})}
    import joblib

    joblib.dump(scorer, directory / f"{name}.joblib")
    return {"type": kind, "file": f"{name}.joblib"}


def load_scorer(directory: str | Path, entry: dict, formatter, device: str | None = None, quantize: str | None = None):
    """Build the scorer a ``stance.json`` entry describes (see :func:`save_scorer`)."""
    directory = Path(directory)
    try:
        kind = entry["type"]
        if kind == "ensemble":
            members = [load_scorer(directory, m, formatter, device, quantize) for m in entry["members"]]
            return Ensemble(members, entry["weights"], entry.get("temperatures"),
                            [m.get("name", f"scorer{i}") for i, m in enumerate(entry["members"])])
        if kind == "transformer":
            return TransformerScorer.from_pretrained(directory / entry.get("path", "."), formatter, device, quantize,
                                                     entry.get("pooling", "cls"))
        cls = scorer_class(kind)
        path = directory / entry["file"]
    except (KeyError, TypeError, ValueError) as err:
        raise RunError(f"{directory}/stance.json: corrupt scorer entry {entry!r}: {err}") from err
    import joblib

    try:
        scorer = joblib.load(path)
    except Exception as err:  # joblib raises many kinds of errors on a missing or damaged file
        raise RunError(f"{path} cannot be loaded: {err}") from err
    if not isinstance(scorer, cls):
        raise RunError(f"{path}: holds a {type(scorer).__name__}, expected a {cls.__name__} ({kind})")
    return scorer


__all__ = ["Ensemble", "RunError", "TransformerScorer", "labels_of", "scorer_proba", "load_scorer",
           "register_scorer", "save_scorer", "scorer_class", "type_name"]
