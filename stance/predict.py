"""``predict``: the stance each actor of a sentence takes on each target.

Example:
    >>> from stance import predict
    >>> predict("Russia demands that Ukraine never join NATO.")  # doctest: +SKIP
    [Prediction(actor='russia', mention='Russia', target='nato_membership', stance='against', score=0.97, ...)]
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Sequence, overload

from .model import RunError, StanceModel
from .schema import InputError, check_target, check_text, parse_date, warn_if_not_english
from .scoring import Prediction, SentenceInput, score_sentences

DEFAULT_MODEL_ENV = "STANCE_MODEL"
DEFAULT_RUN = Path("runs") / "default"
_CREATE_HINT = "train it with `stance train configs/default.yaml` (from the repository root), or set STANCE_MODEL to a run directory"
_cache: dict[str, StanceModel] = {}
_cache_lock = threading.Lock()  # threads making their first call at once load the model once


def default_model_path() -> Path:
    """Where ``predict`` looks when no model is given: $STANCE_MODEL, else ./runs/default, else the
    runs/default of the source checkout this package is installed from."""
    if os.environ.get(DEFAULT_MODEL_ENV):
        return Path(os.environ[DEFAULT_MODEL_ENV])
    for candidate in (Path.cwd() / DEFAULT_RUN, Path(__file__).resolve().parent.parent / DEFAULT_RUN):
        if candidate.is_dir():
            return candidate
    return Path.cwd() / DEFAULT_RUN


def load_model(model: str | Path | StanceModel | None = None, quantize: str | None = None) -> StanceModel:
    """Return a loaded model: the given one, a run directory (cached), or the default run.

    ``quantize="int8"`` loads the faster dynamically quantized variant (CPU).

    Example:
        >>> model = load_model("runs/default", quantize="int8")  # doctest: +SKIP
    """
    if isinstance(model, StanceModel):
        return model
    path = Path(model) if model is not None else default_model_path()
    key = f"{path.resolve()}|{quantize}"
    with _cache_lock:
        if key not in _cache:
            if not path.exists():
                where = "the default model" if model is None else "model"
                raise RunError(f"{where} {path} does not exist; {_CREATE_HINT}")
            _cache[key] = StanceModel.from_pretrained(path, quantize=quantize)
        return _cache[key]


@overload
def predict(text: str, **kwargs) -> list[Prediction]: ...
@overload
def predict(text: Sequence[str], **kwargs) -> list[list[Prediction]]: ...


def predict(text, *, actor: str | None = None, target: str | None = None, context=None,
            model: str | Path | StanceModel | None = None, include_none: bool = False,
            batch_size: int = 32, date: str | None = None, quantize: str | None = None):
    """Stances of the actors in ``text``: a list of :class:`Prediction` for a string, a list of such
    lists for a list of strings (scored in batches).

    Args:
        text: A sentence, or a list of sentences.
        actor: Score only this actor: a registry id, an alias or role phrase ("the Kremlin"), or any
            free string (the model reads it as given). Scored even if the text never names it.
            Without it, registry actors are detected in the text (and pronouns resolved through
            ``context``).
        target: Score only this target id (default: every target of the model).
        context: The text preceding the sentence (a list, one per sentence, when ``text`` is a list).
        model: A run directory or a loaded :class:`StanceModel`; default :func:`default_model_path`.
        include_none: Keep ``none`` predictions (dropped by default).
        batch_size: Pairs per forward pass.
        date: YYYY-MM-DD of the text, to resolve dated role phrases ("NATO secretary general").
        quantize: ``"int8"`` scores with the dynamically quantized model (about 2x faster on CPU).

    Example:
        >>> predict(["Putin demands Crimea be recognised as Russian.", "Kyiv refuses."], target="crimea_recognition")  # doctest: +SKIP
        [[Prediction(actor='putin', ...)], [Prediction(actor='ukraine', ...)]]
    """
    single = isinstance(text, str)
    if single:
        texts = [check_text(text, "predict: text")]
        contexts = [context]
        if context is not None and not isinstance(context, str):
            raise TypeError(f"predict: context must be a string when text is a string, got {type(context).__name__}")
    else:
        if not isinstance(text, (list, tuple)):
            raise TypeError(f"predict: text must be a string or a list of strings, got {type(text).__name__}")
        texts = [check_text(t, f"predict: text[{i}]") for i, t in enumerate(text)]
        if context is None:
            contexts = [None] * len(texts)
        elif isinstance(context, (list, tuple)) and len(context) == len(texts):
            contexts = list(context)
            for i, c in enumerate(contexts):
                if c is not None and not isinstance(c, str):
                    raise TypeError(f"predict: context[{i}] must be a string or None")
        else:
            raise TypeError("predict: when text is a list, context must be a list of the same length (or None)")
    if batch_size < 1:
        raise InputError(f"predict: batch_size must be at least 1, got {batch_size}")
    date = parse_date(date, "predict: date")
    for i, t in enumerate(texts):
        if warn_if_not_english(t, "predict: text" if single else f"predict: text[{i}]"):
            break
    loaded = load_model(model, quantize=quantize)
    targets = [check_target(target, loaded.targets)] if target is not None else [t.id for t in loaded.targets]
    registry = loaded.registry

    sentences = []
    for t, c in zip(texts, contexts):
        sentence = SentenceInput(t, c, date)
        if actor is not None:
            if not isinstance(actor, str) or not actor.strip():
                raise InputError("predict: actor must be a non-empty string")
            actor_id = registry.resolve(actor) or actor.strip()
            found = [m for m in registry.detect(t, date=date, context=c) if m.actor == actor_id]
            sentence.actors = [(actor_id, found[0].text if found else (actor if actor in t else None))]
        sentences.append(sentence)
    results = score_sentences(loaded, sentences, targets, include_none=include_none, batch_size=batch_size)
    return results[0] if single else results


__all__ = ["Prediction", "predict", "load_model", "default_model_path", "RunError"]
