"""From articles to actor–stance networks: sentence splitting, actor resolution, aggregation, exports.

``analyze`` takes a document (plain text, or a dict with ``doc_id``, ``date``, ``text``), splits it
into sentences, carries each sentence's preceding context, resolves actors — including pronouns and
quote attributions that point back to a person named before ("– We continue tomorrow. […] There
is room for compromise, he tweets." belongs, whole, to the adviser named in the sentence before) —
and predicts every actor × target stance.

``aggregate`` turns statements into an actor × target table with counts, a confidence-weighted
position and the evidence sentences; persons can be rolled up to their affiliation (putin → russia).

Example:
    >>> from stance.analyze import analyze, aggregate
    >>> doc = analyze(open("article.txt").read())  # doctest: +SKIP
    >>> table = aggregate(doc.statements)  # doctest: +SKIP
"""

from __future__ import annotations

import collections
import csv
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .data import PairExample
from .predict import load_model
from .schema import LABELS

# --- sentence splitting ------------------------------------------------------------------------
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


@dataclass
class Statement:
    """A non-``none`` stance: who holds which position on which target, and the evidence sentence."""

    doc_id: str
    date: str | None
    sentence_index: int
    sentence: str
    actor: str
    mention: str
    affiliation: str
    target: str
    stance: str
    score: float


@dataclass
class DocumentAnalysis:
    doc_id: str
    date: str | None
    sentences: list[Sentence]
    statements: list[Statement]


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


# --- analysis ----------------------------------------------------------------------------------
def _resolve_actors(sentences: list[Sentence], registry, date: str | None, lookback: int = 10) -> None:
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


def analyze(document: str | dict, model=None, *, context_sentences: int = 3, include_none: bool = False,
            batch_size: int = 64) -> DocumentAnalysis:
    """Analyse one document: sentences, resolved actors, and every actor × target stance.

    Args:
        document: Plain text, or a dict with ``text`` and optionally ``doc_id`` and ``date``.
        model: Run directory or loaded model (default: the default run, see ``stance.predict``).
        context_sentences: How many preceding sentences form each sentence's context.
        include_none: Keep ``none`` predictions in each sentence's ``predictions``.

    Example:
        >>> result = analyze({"doc_id": "a1", "date": "2022-03-16", "text": "Russia demands neutrality."})  # doctest: +SKIP
    """
    return next(iter(analyze_many([document], model, context_sentences=context_sentences,
                                  include_none=include_none, batch_size=batch_size)))


def analyze_many(documents: Iterable[str | dict], model=None, *, context_sentences: int = 3, include_none: bool = False,
                 batch_size: int = 64, docs_per_batch: int = 32) -> Iterator[DocumentAnalysis]:
    """Analyse a stream of documents lazily, ``docs_per_batch`` at a time (bounded memory)."""
    loaded = load_model(model)
    batch: list[DocumentAnalysis] = []
    for n, doc in enumerate(documents):
        if isinstance(doc, str):
            doc = {"text": doc}
        if not isinstance(doc, dict) or not isinstance(doc.get("text"), str):
            raise TypeError(f"document #{n + 1}: expected a string or a dict with a 'text' string")
        doc_id, date = str(doc.get("doc_id", f"doc{n + 1}")), doc.get("date")
        parts = split_sentences(doc["text"])
        texts = [t for _, t in parts]
        sentences = [Sentence(i, t, " ".join(texts[max(0, i - context_sentences):i]), p) for i, (p, t) in enumerate(parts)]
        _resolve_actors(sentences, loaded.registry, date)
        batch.append(DocumentAnalysis(doc_id, date, sentences, []))
        if len(batch) >= docs_per_batch:
            yield from _score(batch, loaded, include_none, batch_size)
            batch = []
    if batch:
        yield from _score(batch, loaded, include_none, batch_size)


def _score(docs: list[DocumentAnalysis], model, include_none: bool, batch_size: int) -> list[DocumentAnalysis]:
    targets = [t.id for t in model.targets]
    examples, owners = [], []
    for doc in docs:
        for s in doc.sentences:
            for a in s.actors:
                if a["via"] == "quote":
                    # The speaker of a quote block is listed for every sentence of the quote, but
                    # scored once, on the attribution sentence that names them: the model was trained
                    # on sentences that name their actors, and a bare "We understand that." misleads it.
                    continue
                for t in targets:
                    examples.append(PairExample(s.text, a["actor"], t, a["mention"], s.context, date=doc.date))
                    owners.append((doc, s, a))
    proba = model.predict_proba(examples, batch_size=batch_size)
    for ex, (doc, s, a), row in zip(examples, owners, proba):
        best = int(row.argmax())
        stance = LABELS[best]
        if stance != "none" or include_none:
            s.predictions.append({"actor": ex.actor, "mention": a["mention"], "target": ex.target, "stance": stance,
                                  "score": float(row[best])})
        if stance != "none":
            doc.statements.append(Statement(doc.doc_id, doc.date, s.index, s.text, ex.actor, a["mention"],
                                            model.registry.affiliation(ex.actor), ex.target, stance, float(row[best])))
    return docs


# --- aggregation -------------------------------------------------------------------------------
_SIGN = {"favor": 1.0, "against": -1.0, "neutral": 0.0}


@dataclass
class Cell:
    """One actor × target cell: counts, a confidence-weighted position in [-1, 1] and its evidence."""

    actor: str
    target: str
    counts: dict[str, int]
    position: float
    stance: str
    evidence: list[dict]


def aggregate(statements: Iterable[Statement], rollup: bool = False, max_evidence: int = 5) -> list[Cell]:
    """Actor × target table. ``position`` = Σ score·sign / Σ score (favor +1, against −1, neutral 0);
    ``stance`` is favor above +0.33, against below −0.33, neutral otherwise. ``rollup`` counts each
    person under its affiliation. Evidence: the highest-scoring sentences first.
    """
    groups: dict[tuple[str, str], list[Statement]] = collections.defaultdict(list)
    for st in statements:
        groups[(st.affiliation if rollup else st.actor, st.target)].append(st)
    cells = []
    for (actor, target), sts in sorted(groups.items()):
        weight = sum(s.score for s in sts)
        position = sum(s.score * _SIGN[s.stance] for s in sts) / weight if weight else 0.0
        stance = "favor" if position > 0.33 else "against" if position < -0.33 else "neutral"
        counts = collections.Counter(s.stance for s in sts)
        evidence = [{"doc_id": s.doc_id, "sentence": s.sentence, "actor": s.actor, "stance": s.stance, "score": round(s.score, 3)}
                    for s in sorted(sts, key=lambda s: -s.score)[:max_evidence]]
        cells.append(Cell(actor, target, {l: counts.get(l, 0) for l in ("favor", "against", "neutral")}, position, stance, evidence))
    return cells


def format_table(cells: Sequence[Cell], evidence: bool = True) -> str:
    """Aligned text table of an aggregation, one row per cell, with its best evidence sentence."""
    rows = [["actor", "target", "stance", "position", "favor", "against", "neutral"]]
    for c in cells:
        rows.append([c.actor, c.target, c.stance, f"{c.position:+.2f}", *(str(c.counts[l]) for l in ("favor", "against", "neutral"))])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(v.ljust(widths[i]) for i, v in enumerate(r)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
        elif evidence and cells[n - 1].evidence:
            ev = cells[n - 1].evidence[0]["sentence"]
            lines.append("    evidence: " + (ev if len(ev) < 160 else ev[:157] + "..."))
    return "\n".join(lines)


def format_sentences(doc: DocumentAnalysis) -> str:
    """Per-sentence listing: every sentence with its resolved actors and non-none stances."""
    lines = []
    for s in doc.sentences:
        actors = ", ".join(f"{a['actor']} ({a['via']}: {a['mention']!r})" for a in s.actors) or "-"
        lines.append(f"[{s.index}] {s.text}")
        lines.append(f"     actors: {actors}")
        for p in s.predictions:
            if p["stance"] != "none":
                lines.append(f"     {p['actor']} / {p['target']}: {p['stance']} ({p['score']:.2f})")
    return "\n".join(lines)


# --- exports -----------------------------------------------------------------------------------
def write_jsonl(statements: Iterable[Statement], path: str | Path) -> int:
    """One JSON object per statement; returns how many were written."""
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for st in statements:
            f.write(json.dumps(asdict(st), ensure_ascii=False) + "\n")
            n += 1
    return n


DNA_COLUMNS = ["document", "date", "actor", "affiliation", "concept", "agreement", "text"]


def write_dna_csv(statements: Iterable[Statement], path: str | Path, include_neutral: bool = False) -> int:
    """Statements in the shape discourse network analysis tools import: one row per statement with
    document, date, actor (person), affiliation (organization), concept (target), agreement (yes/no)
    and the sentence. DNA's agreement qualifier is binary, so neutral statements are left out unless
    ``include_neutral`` (then written as ``neutral``)."""
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(DNA_COLUMNS)
        for st in statements:
            if st.stance == "neutral" and not include_neutral:
                continue
            agreement = {"favor": "yes", "against": "no"}.get(st.stance, "neutral")
            writer.writerow([st.doc_id, st.date or "", st.actor, st.affiliation, st.target, agreement, st.sentence])
            n += 1
    return n


def plot_heatmap(cells: Sequence[Cell], path: str | Path, title: str = "actor × target positions") -> Path:
    """Actor × target heat map of confidence-weighted positions (−1 against … +1 favor) as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    actors = sorted({c.actor for c in cells})
    targets = sorted({c.target for c in cells})
    grid = np.full((len(actors), len(targets)), np.nan)
    counts = {}
    for c in cells:
        grid[actors.index(c.actor), targets.index(c.target)] = c.position
        counts[(c.actor, c.target)] = sum(c.counts.values())
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * max(1, len(targets)), 1.0 + 0.38 * max(1, len(actors))), dpi=120)
    image = ax.imshow(np.ma.masked_invalid(grid), cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
    ax.set_xticks(range(len(targets)), [t.replace("_", "\n") for t in targets], fontsize=8)
    ax.set_yticks(range(len(actors)), actors, fontsize=8)
    for (a, t), n in counts.items():
        ax.text(targets.index(t), actors.index(a), f"{grid[actors.index(a), targets.index(t)]:+.1f}\n(n={n})",
                ha="center", va="center", fontsize=6)
    fig.colorbar(image, ax=ax, label="against  ←  position  →  favor", shrink=0.8)
    ax.set_title(title, fontsize=9)
    from .evaluate import save_figure

    return save_figure(fig, path)


def document_summary(docs: Sequence[DocumentAnalysis]) -> str:
    """Per-document summary table: sentences, actors, statements, and stance counts."""
    rows = [["doc_id", "date", "sentences", "actors", "statements", "favor", "against", "neutral"]]
    for d in docs:
        c = collections.Counter(s.stance for s in d.statements)
        rows.append([d.doc_id, d.date or "-", str(len(d.sentences)), str(len({a['actor'] for s in d.sentences for a in s.actors})),
                     str(len(d.statements)), str(c["favor"]), str(c["against"]), str(c["neutral"])])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(v.ljust(widths[i]) for i, v in enumerate(r)) for r in rows)


def read_documents(path: str | Path) -> Iterator[dict]:
    """Documents from a file, lazily: JSON Lines (``doc_id``, ``date``, ``text``) or one plain-text article."""
    path = Path(path)
    if path.suffix == ".jsonl":
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    doc = json.loads(line)
                except json.JSONDecodeError as err:
                    raise ValueError(f"{path}:{lineno}: malformed JSON: {err.msg}") from err
                if not isinstance(doc, dict) or not isinstance(doc.get("text"), str):
                    raise ValueError(f"{path}:{lineno}: a document needs a 'text' string")
                doc.setdefault("doc_id", f"{path.stem}:{lineno}")
                yield doc
    else:
        yield {"doc_id": path.stem, "text": path.read_text(encoding="utf-8")}


__all__ = ["Cell", "DocumentAnalysis", "Sentence", "Statement", "aggregate", "analyze", "analyze_many",
           "document_summary", "format_sentences", "format_table", "plot_heatmap", "read_documents",
           "split_sentences", "write_dna_csv", "write_jsonl"]


# --- scale-out: a pure batch function for datasets.map, Ray Data or Spark ----------------------
def analyze_batch(batch: dict[str, list], model: str | None = None, context_sentences: int = 3) -> dict[str, list]:
    """Columnar batch in (``text`` and optional ``doc_id``, ``date``), one row per statement out.

    This is the unit of work for any engine: ``datasets.Dataset.map(analyze_batch, batched=True,
    remove_columns=...)``, Ray Data's ``map_batches`` or a Spark ``mapInPandas`` call the same
    function; each worker process loads the model once (``load_model`` caches it).
    """
    n = len(batch["text"])
    docs = [{"text": batch["text"][i], "doc_id": (batch.get("doc_id") or [None] * n)[i] or f"row{i}",
             "date": (batch.get("date") or [None] * n)[i]} for i in range(n)]
    columns = {k: [] for k in ("doc_id", "date", "sentence_index", "sentence", "actor", "mention", "affiliation",
                               "target", "stance", "score")}
    for result in analyze_many(docs, model, context_sentences=context_sentences, docs_per_batch=n or 1):
        for st in result.statements:
            for k, v in asdict(st).items():
                columns[k].append(v)
    return columns


def analyze_dataset(dataset, model: str | None = None, num_proc: int | None = None, batch_size: int = 16):
    """Statements of every document of a ``datasets.Dataset`` (columns ``text``, optional ``doc_id``,
    ``date``), computed with ``Dataset.map(batched=True, num_proc=...)``; returns a Dataset of statements.

    Example:
        >>> from datasets import load_dataset
        >>> docs = load_dataset("json", data_files="articles.jsonl", split="train")  # doctest: +SKIP
        >>> statements = analyze_dataset(docs, "runs/default", num_proc=4)  # doctest: +SKIP
    """
    from functools import partial

    from datasets import Features, Value

    features = Features({"doc_id": Value("string"), "date": Value("string"), "sentence_index": Value("int32"),
                         "sentence": Value("string"), "actor": Value("string"), "mention": Value("string"),
                         "affiliation": Value("string"), "target": Value("string"), "stance": Value("string"),
                         "score": Value("float32")})
    return dataset.map(partial(analyze_batch, model=str(model) if model else None), batched=True, batch_size=batch_size,
                       num_proc=num_proc, remove_columns=dataset.column_names, features=features, desc="analyzing")
