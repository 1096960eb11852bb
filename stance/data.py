"""From records to model inputs: the input contract of a model and its examples.

A record lists every evaluated pair of its sentence; :func:`record_pairs` flattens records into
:class:`PairExample` objects. :class:`InputSettings` is the input contract a model is trained with
and saved with (template, mention markers, context policy, ``max_length``); :class:`InputFormatter`
turns an example into the two text segments the model reads and encodes them into token ids,
truncating in the one way training and inference share. :func:`pairs_to_dataset` builds a
``datasets.Dataset`` whose ``label`` column is a ``ClassLabel`` over the four stances.

Example:
    >>> from stance.actors import ActorRegistry
    >>> from stance.schema import load_targets
    >>> fmt = InputFormatter(InputSettings(), ActorRegistry.load(), load_targets())
    >>> ex = PairExample(text="Moscow wants Kyiv neutral.", actor="russia", mention="Moscow", target="neutrality")
    >>> fmt.segments(ex)[0]
    'Russia on Ukraine adopting a neutral, non-bloc status outside military alliances'
"""

from __future__ import annotations

import copy
import re
import warnings
from dataclasses import dataclass, field
from typing import Iterable, Literal, Sequence

from .actors import PRONOUNS, ActorRegistry
from .schema import LABELS, Target


def setting(default, help: str, **kwargs):
    """A dataclass field with its documentation attached (``metadata["help"]``), written once and
    shown in ``configs/reference.yaml``, which is generated from it."""
    if callable(default):  # a factory (list, a lambda) for mutable defaults
        return field(default_factory=default, metadata={"help": help, **kwargs})
    return field(default=default, metadata={"help": help, **kwargs})


@dataclass
class InputSettings:
    """How an (actor, target, sentence) triple becomes model input: saved with every run.

    The model reads two segments: ``actor_template`` filled with the actor's name and the target's
    description, then the sentence (mention marked) followed by its context.
    """

    actor_template: str = setting("{actor} on {target}", "First segment; {actor} is the actor's registry name (or the "
                                  "string as given), {affiliation} the name of the state or organization a person "
                                  "speaks for (the actor's own name for the others), {target} the target's "
                                  "description.")
    mark_mention: bool = setting(True, "Surround the actor's mention in the sentence with mention_markers, so the model "
                                 "knows which of several actors it is asked about.")
    mention_markers: list[str] = setting(lambda: ["[", "]"], "Opening and closing marker strings; {type} in them "
                                         "becomes the actor's registry type (person, state, organization; actor "
                                         "if unknown): typed markers such as ['@ * {type} * ', ' @'].")
    context: Literal["always", "pronoun", "never"] = setting(
        "always", "always appends the preceding text; pronoun only when the mention is a pronoun or is not in the "
        "sentence; never drops it.")
    context_words: int = setting(40, "At most this many words of context, the ones nearest the sentence.")
    max_length: int = setting(128, "Maximum tokens per (first, second) input; longer inputs lose the end of the "
                              "context first, then of the sentence, with a warning.")

    def check(self) -> list[tuple[str, object]]:
        """(field, value) of every out-of-range setting."""
        bad = []
        if self.context_words < 0:
            bad.append(("context_words", self.context_words))
        try:
            if len(self.mention_markers) != 2 or any(not isinstance(m, str) for m in self.mention_markers):
                raise ValueError
            for marker in self.mention_markers:
                marker.format(type="person")  # raises on a placeholder other than {type}
        except (KeyError, IndexError, ValueError):
            bad.append(("mention_markers", self.mention_markers))
        if not 8 <= self.max_length <= 4096:
            bad.append(("max_length", self.max_length))
        try:
            self.actor_template.format(actor="A", affiliation="F", target="T")
        except (KeyError, IndexError, ValueError):
            bad.append(("actor_template", self.actor_template))
        return bad


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
        self._backends: dict[int, object] = {}  # per tokenizer: its fast backend without padding/truncation
        self._truncation_warned = False

    def segments(self, ex: PairExample) -> tuple[str, str]:
        target = self.targets.get(ex.target)
        description = target.description if target else ex.target
        # {affiliation}: the side a person speaks for, which a name the training data never paired does not show.
        affiliation = self.registry.display_name(self.registry.affiliation(ex.actor))
        first = self.settings.actor_template.format(actor=self.registry.display_name(ex.actor), target=description,
                                                    affiliation=affiliation)
        sentence, found = self._mark(ex.text, ex.mention, ex.actor)
        second = sentence
        use_context = self.settings.context == "always" or (
            self.settings.context == "pronoun" and (not found or (ex.mention or "").lower() in PRONOUNS)
        )
        if use_context and ex.context and self.settings.context_words > 0:
            words = _WORDS.findall(ex.context)[-self.settings.context_words:]
            second = f"{sentence} | {' '.join(words)}"
        return first, second

    def _mark(self, text: str, mention: str | None, actor: str) -> tuple[str, bool]:
        if not mention:
            return text, False
        start = text.find(mention)
        if start < 0:
            start = text.lower().find(mention.lower())
        if start < 0:
            return text, False
        if not self.settings.mark_mention:
            return text, True
        kind = self.registry[actor].type if actor in self.registry else "actor"
        left, right = (m.format(type=kind) for m in self.settings.mention_markers)
        end = start + len(mention)
        return f"{text[:start]}{left}{text[start:end]}{right}{text[end:]}", True

    def encode(self, tokenizer, segments: Sequence[tuple[str, str]]) -> dict[str, list]:
        """Token ids of each (first, second) pair, the second segment truncated to ``max_length``.

        The one truncation of the package: training and inference both call it, and it gives the
        ids of ``tokenizer(first, second, truncation="only_second", max_length=...)``. One sentence
        fans out to (actors x targets) pairs that share their segments, so each distinct segment is
        tokenized once and pairs are assembled with the tokenizer's own post-processor. Tokenizers
        without a fast backend take the plain path.
        """
        max_length = self.settings.max_length
        backend = getattr(tokenizer, "backend_tokenizer", None)
        if backend is None or backend.post_processor is None:
            return dict(tokenizer([a for a, _ in segments], [b for _, b in segments], truncation="only_second",
                                  max_length=max_length))
        if id(tokenizer) not in self._backends:
            plain = copy.deepcopy(backend)
            plain.no_padding()
            plain.no_truncation()
            self._backends[id(tokenizer)] = plain
        backend = self._backends[id(tokenizer)]
        firsts = list(dict.fromkeys(a for a, _ in segments))
        seconds = list(dict.fromkeys(b for _, b in segments))
        first_enc = dict(zip(firsts, backend.encode_batch(firsts, add_special_tokens=False)))
        second_enc = dict(zip(seconds, backend.encode_batch(seconds, add_special_tokens=False)))
        special = backend.num_special_tokens_to_add(True)
        out = {"input_ids": [], "token_type_ids": [], "attention_mask": []}
        truncated = False
        for a, b in segments:
            first, second = first_enc[a], second_enc[b]
            budget = max_length - special - len(first.ids)
            if len(second.ids) > budget:
                truncated = True
                second = backend.encode(b, add_special_tokens=False)  # a fresh copy: truncate() works in place
                second.truncate(max(budget, 0))
            pair = backend.post_processor.process(first, second, add_special_tokens=True)
            out["input_ids"].append(pair.ids)
            out["token_type_ids"].append(pair.type_ids)
            out["attention_mask"].append([1] * len(pair.ids))
        if truncated and not self._truncation_warned:
            self._truncation_warned = True
            warnings.warn(
                f"some inputs exceed the model's max_length of {max_length} tokens; the context, then the end of "
                "the sentence, were truncated. Split long texts into sentences (one sentence per call) for full coverage.",
                stacklevel=3,
            )
        return out


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
