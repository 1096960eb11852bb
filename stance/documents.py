"""Documents into sentences: splitting, context, and actor resolution.

A document is plain text, or a dict with ``doc_id``, ``date`` and ``text``. ``split_sentences``
cuts it into sentences by paragraph; ``resolve_actors`` finds the registry's actors of each
sentence — including pronouns and quote attributions that point back to a person named before
("– We continue tomorrow. […] There is room for compromise, he tweets." belongs, whole, to the
adviser named in the sentence before); ``read_documents`` streams documents from files.

Example:
    >>> split_sentences("Talks resumed. The U.S. said so.")
    [(0, 'Talks resumed.'), (0, 'The U.S. said so.')]
"""

from __future__ import annotations

import collections
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .schema import InputError

_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "st", "jr", "sr", "vs", "etc", "no",
                  "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k",
                  "u.n", "e.g", "i.e", "a.m", "p.m", "inc", "co", "corp", "ltd"}
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"”’»)]*\s+(?=[\"“‘«(–—-]?\s*[A-Z0-9ÀÁÂÄÅÆÇÉÈÊËÍÎÏÑÓÔÖØÚÛÜŽŠČ])")
_QUOTE_DASH = ("–", "—", "-", "«", "“", '"')
_ATTRIBUTION = re.compile(
    r"\b(?P<who>he|she|[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*)\s+(?:said|says|tweets|tweeted|wrote|writes|added|adds|"
    r"told|tells|stated|states|insisted|insists|stressed|stresses|emphasized|emphasizes|declared|declares)\b")


@dataclass
class Sentence:
    """One sentence of a document with its resolved actors and (after prediction) its statements."""

    index: int
    text: str
    context: str
    paragraph: int
    actors: list[dict] = field(default_factory=list)  # {actor, mention, via}
    predictions: list[dict] = field(default_factory=list)  # every scored pair, none included


def split_sentences(text: str) -> list[tuple[int, str]]:
    """Split a text into ``(paragraph_number, sentence)`` pairs; lines and blank lines are paragraphs.

    Example:
        >>> split_sentences("Talks resumed. The U.S. said so.\\n\\nNew paragraph")
        [(0, 'Talks resumed.'), (0, 'The U.S. said so.'), (1, 'New paragraph')]
    """
    out = []
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\r?\n", text) if p.strip()]
    for pno, para in enumerate(paragraphs):
        start = 0
        for m in _BOUNDARY.finditer(para):
            head = para[start:m.start()].rstrip()
            last = re.findall(r"([\w.]+)[.!?…][\"”’»)]*$", head)
            if last and last[0].lower().rstrip(".") in _ABBREVIATIONS:
                continue
            if head:
                out.append((pno, head))
            start = m.end()
        if para[start:].strip():
            out.append((pno, para[start:].strip()))
    return out


#: Sentences before a sentence that actor detection reads for pronouns and descriptions; the
#: corpus stores as much as each record's ``context``, so that evaluation sees what analysis sees.
CONTEXT_SENTENCES = 10


def resolve_actors(sentences: list[Sentence], registry, date: str | None, lookback: int = CONTEXT_SENTENCES) -> None:
    for s in sentences:
        # Pronouns look further back than the model's context: a quote of several sentences can
        # stand between the speaker's name and "he tweets".
        before = " ".join(x.text for x in sentences[max(0, s.index - lookback):s.index])
        s.actors = [{"actor": m.actor, "mention": m.text, "via": m.via}
                    for m in registry.detect(s.text, date=date, context=before)]
    # A quoted paragraph ("– We continue tomorrow. … , he tweets.") belongs to the speaker named in
    # its closing attribution; every sentence of the quote gets that speaker.
    by_para = collections.defaultdict(list)
    for s in sentences:
        by_para[s.paragraph].append(s)
    for para in by_para.values():
        if len(para) < 2 or not para[0].text.lstrip().startswith(_QUOTE_DASH):
            continue
        match = _ATTRIBUTION.search(para[-1].text)
        if not match:
            continue
        speakers = [a for a in para[-1].actors if a["mention"] == match.group("who") or a["via"] == "pronoun"]
        if not speakers:
            continue
        speaker = speakers[0]
        for s in para[:-1]:
            if not any(a["actor"] == speaker["actor"] for a in s.actors):
                s.actors.append({"actor": speaker["actor"], "mention": speaker["mention"], "via": "quote"})


def read_documents(path: str | Path) -> Iterator[dict]:
    """Documents from a file, lazily: JSON Lines (``doc_id``, ``date``, ``text``) or one plain-text article.

    Each document carries ``_where`` (``file:line``, or the file) for error messages; problems with
    the file itself (missing, a folder, not UTF-8 text, malformed JSON) are InputErrors naming it.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the files to analyse (e.g. {path}/*.txt)")
    try:
        if path.suffix == ".jsonl":
            with open(path, encoding="utf-8") as f:
                for lineno, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    try:
                        doc = json.loads(line)
                    except json.JSONDecodeError as err:
                        raise InputError(f"{path}:{lineno}: malformed JSON: {err.msg}") from err
                    if not isinstance(doc, dict) or not isinstance(doc.get("text"), str):
                        raise InputError(f"{path}:{lineno}: a document needs a 'text' string")
                    doc.setdefault("doc_id", f"{path.stem}:{lineno}")
                    doc["_where"] = f"{path}:{lineno}"
                    yield doc
        else:
            yield {"doc_id": path.stem, "text": path.read_text(encoding="utf-8"), "_where": str(path)}
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); is it a binary file?") from None


__all__ = ["Sentence", "read_documents", "resolve_actors", "split_sentences"]
