"""Training-data augmentation: the same statement, said by a colleague.

A small encoder fine-tuned on two thousand stance pairs learns who usually holds a position
("Putin" is against NATO membership) as readily as what the sentence says, and real coverage
brings people and positions the corpus has not paired. :func:`swap_names` gives a seeded share of
the pairs whose actor is named in the sentence to another person of the same affiliation and
gender: every name of the actor in the sentence and its context is replaced, the gold stance
stays, because the sentence now says the same of the other person.

Example:
    >>> from stance.actors import ActorRegistry
    >>> ex = PairExample(text="Lavrov said Kyiv must stay neutral.", actor="lavrov", mention="Lavrov",
    ...                  target="neutrality", label="favor")
    >>> swapped = swap_names([ex], ActorRegistry.load(), share=1.0, seed=0)[0]
    >>> swapped.actor != "lavrov" and swapped.mention in swapped.text and "Lavrov" not in swapped.text
    True
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from typing import Sequence

from stance.actors import Actor, ActorRegistry
from stance.data import PairExample


def short_name(actor: Actor) -> str:
    """The shortest alias that ends the actor's name ("Putin", "von der Leyen"); else the name."""
    endings = [a for a in actor.aliases if a != actor.name and actor.name.endswith(" " + a)]
    return min(endings, key=len) if endings else actor.name


def _names_pattern(actor: Actor) -> re.Pattern:
    names = sorted({actor.name, *actor.aliases}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, names)) + r")(?!\w)", re.IGNORECASE)


def swap_names(examples: Sequence[PairExample], registry: ActorRegistry, share: float,
               seed: int) -> list[PairExample]:
    """``examples`` with a seeded ``share`` of those whose actor is a person named in the sentence
    (not a pronoun or a title) handed to another person of the same affiliation and gender who is
    not named in the sentence or its context; the others unchanged, in the same order."""
    if share <= 0:
        return list(examples)
    peers: dict[str, list[Actor]] = {}
    for actor in registry.actors.values():
        if actor.type == "person" and actor.affiliation:
            peers.setdefault(actor.affiliation, []).append(actor)
    patterns: dict[str, re.Pattern] = {}
    rng = random.Random(seed)
    out = []
    for ex in examples:
        if rng.random() >= share or ex.actor not in registry or not ex.mention:
            out.append(ex)
            continue
        actor = registry[ex.actor]
        pattern = patterns.setdefault(actor.id, _names_pattern(actor))
        if actor.type != "person" or not pattern.fullmatch(ex.mention) or not pattern.search(ex.text):
            out.append(ex)  # a pronoun, a title or a name only in the context: nothing to rename
            continue
        around = f"{ex.text} {ex.context or ''}"
        options = [p for p in peers.get(actor.affiliation or "", []) if p.id != actor.id
                   and (not p.gender or not actor.gender or p.gender == actor.gender)
                   and not patterns.setdefault(p.id, _names_pattern(p)).search(around)]
        if not options:
            out.append(ex)
            continue
        other = rng.choice(options)
        full, short = other.name, short_name(other)
        own_short = short_name(actor).lower()

        def rename(match: re.Match) -> str:
            return short if match.group(0).lower() == own_short or " " not in match.group(0) else full

        out.append(replace(ex, actor=other.id, text=pattern.sub(rename, ex.text),
                           context=pattern.sub(rename, ex.context) if ex.context else ex.context,
                           mention=rename(pattern.fullmatch(ex.mention))))
    return out
