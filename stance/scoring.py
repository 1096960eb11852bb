"""The one scoring path: sentences → actors → (actor, target) pairs → :class:`Prediction` objects.

``predict``, ``analyze`` and ``evaluate`` (end to end) all score sentences here. Each sentence
comes with its context and date; its actors are detected with the model's registry (pronouns
resolved through the context, dated roles through the date) unless the caller gives them.

Example:
    >>> from stance.scoring import SentenceInput, score_sentences
    >>> score_sentences(model, [SentenceInput("Russia demands neutrality.")])  # doctest: +SKIP
    [[Prediction(actor='russia', mention='Russia', target='neutrality', stance='favor', ...)]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from .data import PairExample
from .schema import LABELS


@dataclass(frozen=True)
class Prediction:
    """One actor's stance on one target.

    Attributes:
        actor: Canonical registry id, or the actor string as given when it is not in the registry.
        mention: The characters of the text naming the actor (None if the actor was given but not found).
        target: Target id.
        stance: ``favor``, ``against``, ``neutral`` or ``none``.
        score: Probability of ``stance``.
        scores: Probability of every label.
    """

    actor: str
    mention: str | None
    target: str
    stance: str
    score: float
    scores: dict[str, float] = field(compare=False)


@dataclass
class SentenceInput:
    """A sentence to score.

    Attributes:
        text: The sentence.
        context: The text before it (resolves pronouns; read by models trained with context).
        date: YYYY-MM-DD, resolves dated role phrases ("NATO secretary general").
        actors: ``(actor id, mention)`` pairs to score; None detects the registry's actors in ``text``.
        record_id: The caller's id of the sentence, kept on the pairs.
    """

    text: str
    context: str | None = None
    date: str | None = None
    actors: list[tuple[str, str | None]] | None = None
    record_id: str | None = None


def sentence_actors(model, sentence: SentenceInput) -> list[tuple[str, str | None]]:
    """The (actor, mention) pairs to score in a sentence: the given ones, or those detected."""
    if sentence.actors is not None:
        return list(sentence.actors)
    return [(m.actor, m.text) for m in model.registry.detect(sentence.text, date=sentence.date, context=sentence.context)]


def score_sentences(model, sentences: Sequence[SentenceInput], targets: Sequence[str] | None = None,
                    include_none: bool = False, batch_size: int | None = None,
                    known: dict | None = None) -> list[list[Prediction]]:
    """Score every (actor, target) pair of every sentence; one list of predictions per sentence.

    Args:
        model: A loaded :class:`~stance.model.StanceModel`.
        sentences: The sentences, with their context, date and (optionally) actors.
        targets: Target ids to score (default: every target of the model).
        include_none: Keep ``none`` predictions (dropped by default).
        batch_size: Pairs per forward pass of transformer scorers.
        known: Probabilities already computed for some pairs, by ``(record_id, actor, target,
            mention)``; those pairs are not scored again (evaluation scores gold pairs first).
    """
    targets = list(targets) if targets is not None else [t.id for t in model.targets]
    examples: list[PairExample] = []
    owners: list[int] = []
    for i, s in enumerate(sentences):
        for actor, mention in sentence_actors(model, s):
            for target in targets:
                examples.append(PairExample(s.text, actor, target, mention, s.context, None, s.record_id, s.date))
                owners.append(i)
    known = known or {}
    keys = [(e.record_id, e.actor, e.target, e.mention) for e in examples]
    todo = [i for i, k in enumerate(keys) if k not in known]
    scored = model.predict_proba([examples[i] for i in todo], batch_size=batch_size)
    fresh = dict(zip(todo, scored))
    proba = [fresh[i] if i in fresh else known[k] for i, k in enumerate(keys)]
    results: list[list[Prediction]] = [[] for _ in sentences]
    for ex, owner, row in zip(examples, owners, proba):
        best = int(row.argmax())
        if LABELS[best] == "none" and not include_none:
            continue
        results[owner].append(Prediction(ex.actor, ex.mention, ex.target, LABELS[best], float(row[best]),
                                         {label: float(p) for label, p in zip(LABELS, row)}))
    return results


__all__ = ["Prediction", "SentenceInput", "score_sentences", "sentence_actors"]
