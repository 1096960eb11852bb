"""From records to model inputs: one example per (sentence, actor, target) pair.

A record lists every evaluated pair of its sentence; :func:`record_pairs` flattens records into
:class:`PairExample` objects, :class:`InputFormatter` turns an example into the two text segments
the model reads, and :func:`pairs_to_dataset` builds a ``datasets.Dataset`` whose ``label`` column
is a ``ClassLabel`` over the four stances.

Example:
    >>> from stance.config import InputSettings
    >>> from stance.actors import ActorRegistry
    >>> from stance.schema import load_targets
    >>> fmt = InputFormatter(InputSettings(), ActorRegistry.load(), load_targets())
    >>> ex = PairExample(text="Moscow wants Kyiv neutral.", actor="russia", mention="Moscow", target="neutrality")
    >>> fmt.segments(ex)[0]
    'Russia on Ukraine adopting a neutral, non-bloc status outside military alliances'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from .actors import PRONOUNS, ActorRegistry
from .config import InputSettings
from .schema import LABELS, Target


@dataclass(frozen=True)
class PairExample:
    """One (sentence, actor, target) question; ``label`` is the gold stance when known."""

    text: str
    actor: str
    target: str
    mention: str | None = None
    context: str | None = None
    label: str | None = None
    record_id: str | None = None
    date: str | None = None


def record_pairs(records: Iterable[dict]) -> list[PairExample]:
    """Flatten records into one example per listed (actor, target) pair, gold stance included."""
    out = []
    for rec in records:
        for p in rec["pairs"]:
            out.append(PairExample(
                text=rec["text"], actor=p["actor"], target=p["target"], mention=p.get("mention"),
                context=rec.get("context"), label=p["stance"], record_id=rec["id"], date=rec.get("date"),
            ))
    return out


_WORDS = re.compile(r"\S+")


class InputFormatter:
    """Turns a :class:`PairExample` into ``(actor_segment, sentence_segment)`` strings.

    The sentence comes before its context in the second segment, so truncation from the end
    (``truncation="only_second"``) drops context before it drops the sentence.
    """

    def __init__(self, settings: InputSettings, registry: ActorRegistry, targets: Sequence[Target]):
        self.settings = settings
        self.registry = registry
        self.targets = {t.id: t for t in targets}

    def segments(self, ex: PairExample) -> tuple[str, str]:
        target = self.targets.get(ex.target)
        description = target.description if target else ex.target
        first = self.settings.actor_template.format(actor=self.registry.display_name(ex.actor), target=description)
        sentence, found = self._mark(ex.text, ex.mention)
        second = sentence
        use_context = self.settings.context == "always" or (
            self.settings.context == "pronoun" and (not found or (ex.mention or "").lower() in PRONOUNS)
        )
        if use_context and ex.context and self.settings.context_words > 0:
            words = _WORDS.findall(ex.context)[-self.settings.context_words:]
            second = f"{sentence} | {' '.join(words)}"
        return first, second

    def _mark(self, text: str, mention: str | None) -> tuple[str, bool]:
        if not mention:
            return text, False
        start = text.find(mention)
        if start < 0:
            start = text.lower().find(mention.lower())
        if start < 0:
            return text, False
        if not self.settings.mark_mention:
            return text, True
        left, right = self.settings.mention_markers
        end = start + len(mention)
        return f"{text[:start]}{left}{text[start:end]}{right}{text[end:]}", True


def pairs_to_dataset(examples: Sequence[PairExample], formatter: InputFormatter):
    """A ``datasets.Dataset`` with ``first``, ``second`` and a ``ClassLabel`` ``label`` column."""
    from datasets import ClassLabel, Dataset, Features, Value

    firsts, seconds = zip(*(formatter.segments(e) for e in examples)) if examples else ((), ())
    features = Features({
        "first": Value("string"), "second": Value("string"), "label": ClassLabel(names=list(LABELS)),
        "target": Value("string"), "actor": Value("string"),
    })
    return Dataset.from_dict({
        "first": list(firsts), "second": list(seconds),
        "label": [LABELS.index(e.label) for e in examples],
        "target": [e.target for e in examples], "actor": [e.actor for e in examples],
    }, features=features)
