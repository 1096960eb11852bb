"""From articles to actor–stance networks: statements and their aggregation.

``analyze`` takes a document (plain text, or a dict with ``doc_id``, ``date``, ``text``), splits it
into sentences with their context and resolved actors (:mod:`stance.documents`), and predicts
every actor × target stance through the one scoring path (:mod:`stance.scoring`). ``aggregate``
turns statements into an actor × target table with counts, a confidence-weighted position and the
evidence sentences; persons can be rolled up to their affiliation (putin → russia). Tables,
exports and figures: :mod:`stance.reports`.

Example:
    >>> from stance.analyze import analyze, aggregate
    >>> doc = analyze(open("article.txt").read())  # doctest: +SKIP
    >>> table = aggregate(doc.statements)  # doctest: +SKIP
"""

from __future__ import annotations

import collections
from dataclasses import asdict, dataclass
from typing import Callable, Iterable, Iterator

from . import scoring
from .documents import Sentence, resolve_actors, split_sentences
from .predict import load_model
from .schema import check_text, parse_date, warn_if_not_english


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
                 batch_size: int = 64, docs_per_batch: int = 32, sentences_per_chunk: int = 64,
                 progress: Callable[[int, list], None] | None = None) -> Iterator[DocumentAnalysis]:
    """Analyse a stream of documents lazily, ``docs_per_batch`` at a time.

    Memory stays bounded: sentences are scored ``sentences_per_chunk`` at a time, also inside one
    long document. ``progress(n, statements)`` is called after each chunk with the number of
    sentences it scored and the statements found in them, so a caller can write results as they
    come (a long document then loses nothing already scored when the job is stopped).
    """
    loaded = load_model(model)
    batch: list[DocumentAnalysis] = []
    for n, doc in enumerate(documents):
        if isinstance(doc, str):
            doc = {"text": doc}
        if not isinstance(doc, dict) or not isinstance(doc.get("text"), str):
            raise TypeError(f"document #{n + 1}: expected a string or a dict with a 'text' string")
        where = doc.get("_where") or f"document #{n + 1}" + (f" ({doc['doc_id']})" if doc.get("doc_id") else "")
        date = parse_date(doc.get("date"), f"{where}: date")
        if doc["text"].strip():
            check_text(doc["text"], f"{where}: text")
            warn_if_not_english(doc["text"], where)
        doc_id = str(doc.get("doc_id", f"doc{n + 1}"))
        parts = split_sentences(doc["text"])
        texts = [t for _, t in parts]
        sentences = [Sentence(i, t, " ".join(texts[max(0, i - context_sentences):i]), p) for i, (p, t) in enumerate(parts)]
        resolve_actors(sentences, loaded.registry, date)
        batch.append(DocumentAnalysis(doc_id, date, sentences, []))
        if len(batch) >= docs_per_batch or sum(len(d.sentences) for d in batch) >= sentences_per_chunk:
            yield from _score(batch, loaded, include_none, batch_size, sentences_per_chunk, progress)
            batch = []
    if batch:
        yield from _score(batch, loaded, include_none, batch_size, sentences_per_chunk, progress)


def _score(docs: list[DocumentAnalysis], model, include_none: bool, batch_size: int, chunk: int,
           progress: Callable[[int], None] | None) -> list[DocumentAnalysis]:
    # The speaker of a quote block is listed for every sentence of the quote, but scored once, on
    # the attribution sentence that names them: the model was trained on sentences that name their
    # actors, and a bare "This is a slow process." misleads it.
    owners = [(doc, s) for doc in docs for s in doc.sentences]
    for start in range(0, len(owners), chunk):
        part = owners[start:start + chunk]
        found: list[Statement] = []
        inputs = [scoring.SentenceInput(s.text, s.context, doc.date,
                                        [(a["actor"], a["mention"]) for a in s.actors if a["via"] != "quote"])
                  for doc, s in part]
        for (doc, s), predictions in zip(part, scoring.score_sentences(model, inputs, include_none=True, batch_size=batch_size)):
            for p in predictions:
                if p.stance != "none" or include_none:
                    s.predictions.append({"actor": p.actor, "mention": p.mention, "target": p.target, "stance": p.stance,
                                          "score": p.score})
                if p.stance != "none":
                    found.append(Statement(doc.doc_id, doc.date, s.index, s.text, p.actor, p.mention,
                                           model.registry.affiliation(p.actor), p.target, p.stance, p.score))
                    doc.statements.append(found[-1])
        if progress:
            progress(len(part), found)
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


__all__ = ["Cell", "DocumentAnalysis", "Statement", "aggregate", "analyze", "analyze_batch", "analyze_dataset",
           "analyze_many"]
