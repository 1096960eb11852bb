"""Build, check and describe the labeled corpus.

The annotated source of truth is ``data/sources/*.jsonl``: one news document a line,

    {"doc_id": "b3-07", "date": "2022-03-29", "kind": "wire", "title": "...",
     "description": "events the document covers",
     "sentences": [{"text": "...", "actors": [{"actor": "russia", "mention": "Moscow"}],
                    "stances": [{"actor": "russia", "target": "neutrality", "stance": "favor"}],
                    "phenomena": ["role_mention"]}]}

where ``stances`` lists only the non-``none`` positions. ``build`` expands every sentence to the
record format of the package (every actor x every target, ``none`` included), adds the preceding
sentences as ``context``, assigns each document to a split and writes ``data/{split}.jsonl``.

    python data/corpus.py check [FILES...] [--against DIR]
                                             # check sources: ids, mentions, labels, near-duplicates,
                                             #   and word runs shared with the coverage read (DIR)
    python data/corpus.py build              # write data/train|dev|test|test_shift.jsonl + documents.jsonl
    python data/corpus.py report             # sizes, label distributions, diversity (markdown)

The split is deterministic: documents dated 2024-01-01 or later form ``test_shift`` (a period
absent from training), except those that declare ``"split": "dev_shift"`` (the same period, written
later, to decide between models on it without looking at test_shift); the seed article is in
``test``; a document before 2024 that declares ``"split": "train"`` goes to train (documents written
to fill a gap that error analysis found, so that dev and test stay the same sets and scores before
and after stay comparable); every other
document goes to train, dev or test by the SHA-256 hash of its doc_id read as a number in [0, 1):
below 0.62 train, below 0.78 dev, else test — so adding documents never moves existing ones.
Documents of batch 10 on (written after studying published coverage, to read like it) use the
shares 0.45 / 0.25 / 0.30, so that dev and test grow enough to decide and measure on realistic text.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from stance.actors import ActorRegistry
from stance.documents import CONTEXT_SENTENCES
from stance.schema import LABELS, PHENOMENA, load_targets, validate_file

DATA = ROOT / "data"
SOURCES = DATA / "sources"
SPLITS = ("train", "dev", "test", "dev_shift", "test_shift")
SHIFT_FROM = "2024-01-01"
SEED_DOC = "seed"
TRAIN_SHARE, DEV_SHARE = 0.62, 0.16  # of documents before SHIFT_FROM; the rest is test
REALISTIC_FROM_BATCH = 10  # batches written after studying published coverage ("b10-01" on)
REALISTIC_TRAIN_SHARE, REALISTIC_DEV_SHARE = 0.45, 0.25  # more of them to dev and test
MAX_SENTENCES = 30  # published articles run longer than the first batches' 10-20 sentences
SOURCE_RUN_LIMIT = 8  # longest word run a sentence may share with coverage the writer read
KINDS = {"wire", "analysis", "live-blog", "interview", "statement", "feature", "explainer", "seed"}
NEAR_DUP_RUN = 8  # sentences sharing a run of this many words (outside quotes) are near-duplicates

WORD = re.compile(r"[\w'’-]+", re.UNICODE)
QUOTED = re.compile(r"[\"“”«»][^\"“”«»]*[\"“”«»]")


def load_sources(files=None) -> list[dict]:
    files = [Path(f) for f in files] if files else sorted(SOURCES.glob("*.jsonl"))
    docs = []
    for f in files:
        for lineno, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as err:
                raise SystemExit(f"{f}:{lineno}: malformed JSON: {err}")
            doc["_where"] = f"{f.name}:{lineno}"
            docs.append(doc)
    return docs


def words(text: str, drop_quotes: bool = True) -> list[str]:
    if drop_quotes:
        text = QUOTED.sub(" ", text)
    return [w.lower() for w in WORD.findall(text)]


def check_sources(docs: list[dict]) -> list[str]:
    registry = ActorRegistry.load()
    target_ids = {t.id for t in load_targets()}
    problems = []
    seen_docs = {}
    for doc in docs:
        w = doc["_where"]
        for key in ("doc_id", "date", "kind", "title", "description", "sentences"):
            if not doc.get(key):
                problems.append(f"{w}: document lacks {key!r}")
        if doc.get("doc_id") in seen_docs:
            problems.append(f"{w}: doc_id {doc['doc_id']!r} also at {seen_docs[doc['doc_id']]}")
        seen_docs[doc.get("doc_id")] = w
        extra = set(doc) - {"doc_id", "date", "kind", "title", "description", "sentences", "split", "_where"}
        if extra:
            problems.append(f"{w}: unknown document field(s) {sorted(extra)}")
        late = str(doc.get("date", "")) >= SHIFT_FROM
        if "split" in doc and doc["split"] not in ("train", "dev_shift"):
            problems.append(f"{w}: 'split' may only be \"train\" or \"dev_shift\" (dev and test are drawn by hash), "
                            f"got {doc['split']!r}")
        elif doc.get("split") == "train" and (late or doc.get("doc_id") == SEED_DOC):
            problems.append(f"{w}: 'split': 'train' is not allowed for the seed article or documents dated {SHIFT_FROM} or later")
        elif doc.get("split") == "dev_shift" and not late:
            problems.append(f"{w}: 'split': 'dev_shift' is only for documents dated {SHIFT_FROM} or later")
        if doc.get("kind") not in KINDS:
            problems.append(f"{w}: kind {doc.get('kind')!r} not in {sorted(KINDS)}")
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", str(doc.get("date", ""))):
            problems.append(f"{w}: date must be YYYY-MM-DD")
        sents = doc.get("sentences") or []
        if doc.get("doc_id") != SEED_DOC and not 3 <= len(sents) <= MAX_SENTENCES:
            problems.append(f"{w}: {len(sents)} sentences; documents have 3-{MAX_SENTENCES}")
        for i, s in enumerate(sents):
            sw = f"{w} sentence {i + 1}"
            text = s.get("text", "")
            if not text.strip():
                problems.append(f"{sw}: empty text")
            actors = {}
            for a in s.get("actors", []):
                if a.get("actor") not in registry:
                    problems.append(f"{sw}: actor {a.get('actor')!r} not in the registry")
                if not a.get("mention") or a["mention"] not in text:
                    problems.append(f"{sw}: mention {a.get('mention')!r} not found in text")
                if a.get("actor") in actors:
                    problems.append(f"{sw}: actor {a['actor']!r} listed twice")
                actors[a.get("actor")] = a
            seen = set()
            for st in s.get("stances", []):
                if st.get("actor") not in actors:
                    problems.append(f"{sw}: stance for {st.get('actor')!r}, who is not in the sentence's actors")
                if st.get("target") not in target_ids:
                    problems.append(f"{sw}: unknown target {st.get('target')!r}")
                if st.get("stance") not in LABELS or st.get("stance") == "none":
                    problems.append(f"{sw}: stance {st.get('stance')!r} must be favor, against or neutral")
                if (st.get("actor"), st.get("target")) in seen:
                    problems.append(f"{sw}: two stances for {st.get('actor')}/{st.get('target')}")
                seen.add((st.get("actor"), st.get("target")))
            for p in s.get("phenomena", []):
                if p not in PHENOMENA:
                    problems.append(f"{sw}: unknown phenomenon {p!r}; valid: {', '.join(PHENOMENA)}")
            extra = set(s) - {"text", "actors", "stances", "phenomena"}
            if extra:
                problems.append(f"{sw}: unknown keys {sorted(extra)}")
    return problems


def shared_runs(texts: list[str], min_run: int = NEAR_DUP_RUN) -> list[tuple[int, int, int]]:
    """Pairs of sentences sharing a run of >= min_run words outside quotes: (i, j, run length)."""
    toks = [words(t) for t in texts]
    index = collections.defaultdict(set)
    for i, ws in enumerate(toks):
        for k in range(len(ws) - 4):
            index[tuple(ws[k:k + 5])].add(i)
    candidates = set()
    for ids in index.values():
        if 1 < len(ids) < 50:
            ids = sorted(ids)
            candidates.update((a, b) for n, a in enumerate(ids) for b in ids[n + 1:])
    out = []
    for a, b in candidates:
        x, y = toks[a], toks[b]
        best, prev = 0, [0] * (len(y) + 1)
        for i in range(1, len(x) + 1):
            cur = [0] * (len(y) + 1)
            for j in range(1, len(y) + 1):
                if x[i - 1] == y[j - 1]:
                    cur[j] = prev[j - 1] + 1
                    best = max(best, cur[j])
            prev = cur
        if best >= min_run:
            out.append((a, b, best))
    return sorted(out, key=lambda r: -r[2])


def longest_shared_run(texts: list[str]) -> tuple[int, tuple[int, int] | None]:
    runs = shared_runs(texts, min_run=1)
    return (runs[0][2], runs[0][:2]) if runs else (0, None)


def source_overlaps(texts: list[str], coverage: list[str], limit: int = SOURCE_RUN_LIMIT) -> list[tuple[int, int, str]]:
    """Sentences sharing a run of more than ``limit`` words with the coverage: (index, run, words).

    Quotes count too: a quotation copied from coverage is still a copied sentence.

    >>> source_overlaps(["Kyiv said on Friday that it would never cede land"], ["Kyiv said on Friday that it would never cede land or people"], 8)
    [(0, 10, 'kyiv said on friday that it would never cede land')]
    """
    k = 4
    index = collections.defaultdict(list)
    cov = [words(t, drop_quotes=False) for t in coverage]
    for d, ws in enumerate(cov):
        for i in range(len(ws) - k + 1):
            index[tuple(ws[i:i + k])].append((d, i))
    out = []
    for n, text in enumerate(texts):
        ws = words(text, drop_quotes=False)
        best, best_at = 0, 0
        for i in range(len(ws) - k + 1):
            for d, j in index.get(tuple(ws[i:i + k]), ()):
                run = k
                while i + run < len(ws) and j + run < len(cov[d]) and ws[i + run] == cov[d][j + run]:
                    run += 1
                if run > best:
                    best, best_at = run, i
        if best > limit:
            out.append((n, best, " ".join(ws[best_at:best_at + best])))
    return out


def split_shares(doc_id: str) -> tuple[float, float]:
    if slice_of(doc_id) == "realistic":
        return REALISTIC_TRAIN_SHARE, REALISTIC_DEV_SHARE
    return TRAIN_SHARE, DEV_SHARE


def assign_splits(docs: list[dict]) -> dict[str, str]:
    split = {}
    rest = []
    for d in docs:
        if d["doc_id"] == SEED_DOC:
            split[d["doc_id"]] = "test"
        elif d["date"] >= SHIFT_FROM:
            split[d["doc_id"]] = "dev_shift" if d.get("split") == "dev_shift" else "test_shift"
        elif d.get("split") == "train":
            split[d["doc_id"]] = "train"
        else:
            rest.append(d)
    # Each document's place depends on its own id alone, so adding documents never moves others.
    for d in rest:
        u = int(hashlib.sha256(d["doc_id"].encode()).hexdigest(), 16) / 16 ** 64
        train_share, dev_share = split_shares(d["doc_id"])
        split[d["doc_id"]] = "train" if u < train_share else "dev" if u < train_share + dev_share else "test"
    return split


def slice_of(doc_id: str) -> str:
    """``realistic`` for documents written after studying published coverage (batch 10 on), else
    ``first_round``: evaluation reports score the two apart, so old and new test sets stay comparable."""
    batch = re.match(r"^b(\d+)-", doc_id)
    return "realistic" if batch and int(batch.group(1)) >= REALISTIC_FROM_BATCH else "first_round"


def to_records(doc: dict, target_ids: list[str]) -> list[dict]:
    records = []
    texts = [s["text"] for s in doc["sentences"]]
    for i, s in enumerate(doc["sentences"]):
        stance = {(st["actor"], st["target"]): st["stance"] for st in s.get("stances", [])}
        pairs = [
            {"actor": a["actor"], "mention": a["mention"], "target": t, "stance": stance.get((a["actor"], t), "none")}
            for a in s.get("actors", [])
            for t in target_ids
        ]
        records.append({
            "id": f"{doc['doc_id']}-s{i + 1:02d}",
            "doc_id": doc["doc_id"],
            "date": doc["date"],
            "text": s["text"],
            "context": " ".join(texts[max(0, i - CONTEXT_SENTENCES):i]),
            "pairs": pairs,
            "phenomena": sorted(set(s.get("phenomena", []))),
            "slice": slice_of(doc["doc_id"]),
        })
    return records


def cmd_check(args) -> int:
    docs = load_sources(args.files or None)
    problems = check_sources(docs)
    # Files outside data/sources (a batch being written) are compared with the corpus as well.
    checked = {Path(f).resolve() for f in args.files or []}
    all_docs = docs + [d for f in sorted(SOURCES.glob("*.jsonl")) if f.resolve() not in checked
                       for d in load_sources([f])] if args.files else docs
    texts, where = [], []
    for d in all_docs:
        for i, s in enumerate(d["sentences"]):
            texts.append(s.get("text", ""))
            where.append(f"{d['doc_id']} sentence {i + 1}")
    mine = {f"{d['doc_id']} sentence {i + 1}" for d in docs for i in range(len(d["sentences"]))}
    # Short lines repeated word for word in two documents (subheads, bylines) would sit in two splits.
    first_seen = {}
    for w, t in zip(where, texts):
        key = " ".join(words(t, drop_quotes=False))
        other = first_seen.setdefault(key, w)
        if key and other != w and other.split(" ")[0] != w.split(" ")[0] and (w in mine or other in mine):
            problems.append(f"duplicate sentence: {other} and {w} are the same text")
    for a, b, run in shared_runs(texts):
        same_seed = where[a].startswith(SEED_DOC + " ") and where[b].startswith(SEED_DOC + " ")
        if (where[a] in mine or where[b] in mine) and not same_seed:  # the seed article goes in whole
            problems.append(f"near-duplicate: {where[a]} and {where[b]} share {run} words in a row")
    if args.against:
        coverage = [f.read_text(encoding="utf-8", errors="replace") for f in sorted(Path(args.against).rglob("*.txt"))]
        if not coverage:
            problems.append(f"--against {args.against}: no .txt files of coverage found")
        mine_texts = [(f"{d['doc_id']} sentence {i + 1}", s.get("text", "")) for d in docs for i, s in enumerate(d["sentences"])]
        for n, run, shared in source_overlaps([t for _, t in mine_texts], coverage):
            problems.append(f"{mine_texts[n][0]}: shares {run} words in a row with the coverage read "
                            f"(at most {SOURCE_RUN_LIMIT}): {shared!r}")
        print(f"compared with {len(coverage)} coverage file(s) under {args.against}")
    for p in problems:
        print(p)
    n_sent = sum(len(d["sentences"]) for d in docs)
    stances = [st for d in docs for s in d["sentences"] for st in s.get("stances", [])]
    by_label = collections.Counter(st.get("stance") for st in stances)
    by_target = collections.Counter(st.get("target") for st in stances)
    phen = collections.Counter(p for d in docs for s in d["sentences"] for p in s.get("phenomena", []))
    n = max(1, len(stances))
    print("non-none pairs by label: " + ", ".join(f"{l} {by_label[l]} ({by_label[l] / n:.0%})" for l in ("favor", "against", "neutral")))
    print("non-none pairs by target: " + ", ".join(f"{t.id} {by_target[t.id]}" for t in load_targets()))
    print("sentences by phenomenon: " + ", ".join(f"{p} {phen[p]}" for p in PHENOMENA))
    print(f"{len(docs)} documents, {n_sent} sentences, {len(problems)} problem(s)")
    return 1 if problems else 0


def cmd_build(args) -> int:
    docs = load_sources()
    problems = check_sources(docs)
    if problems:
        print("\n".join(problems))
        return 1
    target_ids = [t.id for t in load_targets()]
    split = assign_splits(docs)
    out = {s: [] for s in SPLITS}
    for d in sorted(docs, key=lambda d: (d["date"], d["doc_id"])):
        out[split[d["doc_id"]]].extend(to_records(d, target_ids))
    for s, recs in out.items():
        path = DATA / f"{s}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
        bad = validate_file(path)
        if bad:
            print("\n".join(bad))
            return 1
        print(f"{path.relative_to(ROOT)}: {len(recs)} sentences, {sum(len(r['pairs']) for r in recs)} pairs")
    meta = [{k: d[k] for k in ("doc_id", "date", "kind", "title", "description")} | {"split": split[d["doc_id"]], "sentences": len(d["sentences"])}
            for d in sorted(docs, key=lambda d: (d["date"], d["doc_id"]))]
    (DATA / "documents.jsonl").write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in meta), encoding="utf-8")
    return 0


def cmd_report(args) -> int:
    from stance.schema import read_records

    lines = []
    split_records = {s: read_records(DATA / f"{s}.jsonl") for s in SPLITS}
    docs = [json.loads(l) for l in (DATA / "documents.jsonl").read_text().splitlines()]
    lines.append("| split | documents | sentences | pairs | non-none pairs | favor | against | neutral | none |")
    lines.append("|---|---|---|---|---|---|---|---|---|")
    total = collections.Counter()
    for s, recs in split_records.items():
        c = collections.Counter(p["stance"] for r in recs for p in r["pairs"])
        nd = len({r["doc_id"] for r in recs})
        nonnone = sum(c[l] for l in ("favor", "against", "neutral"))
        lines.append(f"| {s} | {nd} | {len(recs)} | {sum(c.values())} | {nonnone} | {c['favor']} | {c['against']} | {c['neutral']} | {c['none']} |")
        total.update(c)
        total["docs"] += nd
        total["sents"] += len(recs)
    nonnone = sum(total[l] for l in ("favor", "against", "neutral"))
    lines.append(f"| **all** | {total['docs']} | {total['sents']} | {sum(total[l] for l in LABELS)} | {nonnone} | {total['favor']} | {total['against']} | {total['neutral']} | {total['none']} |")
    lines.append("")
    lines.append(f"Share of non-none pairs: favor {total['favor'] / nonnone:.1%}, against {total['against'] / nonnone:.1%}, neutral {total['neutral'] / nonnone:.1%}.")
    lines.append("")
    all_recs = [r for recs in split_records.values() for r in recs]
    lines.append("| target | favor | against | neutral | none | non-none |")
    lines.append("|---|---|---|---|---|---|")
    for t in load_targets():
        c = collections.Counter(p["stance"] for r in all_recs for p in r["pairs"] if p["target"] == t.id)
        lines.append(f"| {t.id} | {c['favor']} | {c['against']} | {c['neutral']} | {c['none']} | {c['favor'] + c['against'] + c['neutral']} |")
    lines.append("")
    actor_counts = collections.Counter()
    actor_stance = collections.Counter()
    for r in all_recs:
        for a in {p["actor"] for p in r["pairs"]}:
            actor_counts[a] += 1
        for p in r["pairs"]:
            if p["stance"] != "none":
                actor_stance[p["actor"]] += 1
    lines.append("| actor | sentences | non-none pairs |")
    lines.append("|---|---|---|")
    for a, n in actor_counts.most_common(25):
        lines.append(f"| {a} | {n} | {actor_stance[a]} |")
    lines.append(f"\n{len(actor_counts)} distinct actors; the table lists the 25 most frequent.\n")
    phen = collections.Counter(p for r in all_recs for p in r.get("phenomena", []))
    lines.append("| phenomenon | sentences |")
    lines.append("|---|---|")
    for p in PHENOMENA:
        lines.append(f"| {p} | {phen[p]} |")
    lines.append("")
    # Derived from the labels, not tagged: an actor with positions on two or more targets in one
    # sentence ("demands recognition of the republics and a demilitarised Ukraine").
    lines.append("| split | actors with a position in a sentence | of them on 2+ targets |")
    lines.append("|---|---|---|")
    for s, recs in split_records.items():
        held = collections.Counter((r["id"], p["actor"]) for r in recs for p in r["pairs"] if p["stance"] != "none")
        lines.append(f"| {s} | {len(held)} | {sum(n >= 2 for n in held.values())} |")
    lines.append("")
    texts = [r["text"] for r in all_recs]
    grams = [tuple(ws[k:k + 3]) for t in texts for ws in [words(t, drop_quotes=False)] for k in range(len(ws) - 2)]
    run, pair = longest_shared_run(texts)
    outside_seed = [(a, b, n) for a, b, n in shared_runs(texts, min_run=1)
                    if not (all_recs[a]["doc_id"] == SEED_DOC and all_recs[b]["doc_id"] == SEED_DOC)]
    run2 = max(outside_seed, key=lambda r: r[2]) if outside_seed else (0, 0, 0)
    lengths = sorted(len(words(t, drop_quotes=False)) for t in texts)
    kinds = collections.Counter(d["kind"] for d in docs)
    lines.append(f"Diversity: {len(set(grams))} distinct word 3-grams of {len(grams)} ({len(set(grams)) / len(grams):.3f}); "
                 f"longest word run shared by two sentences outside quotes: {run} words"
                 + (f" ({all_recs[pair[0]]['id']} / {all_recs[pair[1]]['id']})" if pair else "")
                 + f", {run2[2]} words outside the seed article's headline repeated as its breadcrumb"
                 + (f" ({all_recs[run2[0]]['id']} / {all_recs[run2[1]]['id']})" if run2[2] else "") + "; "
                 f"sentence length in words: min {lengths[0]}, median {lengths[len(lengths) // 2]}, max {lengths[-1]}; "
                 f"document kinds: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()) + ".")
    cross = []
    split_of = [s for s, recs in split_records.items() for _ in recs]
    for a, b, n in shared_runs(texts):
        if split_of[a] != split_of[b]:
            cross.append((all_recs[a]["id"], all_recs[b]["id"], n))
    lines.append(f"Near-duplicates across splits (>= {NEAR_DUP_RUN} shared words): {len(cross)}.")
    print("\n".join(lines))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("check")
    p.add_argument("files", nargs="*")
    p.add_argument("--against", metavar="DIR", help="folder of .txt files: the coverage the writer read; "
                   f"no sentence may share more than {SOURCE_RUN_LIMIT} words in a row with it")
    sub.add_parser("build")
    sub.add_parser("report")
    args = parser.parse_args(argv)
    return {"check": cmd_check, "build": cmd_build, "report": cmd_report}[args.cmd](args)


if __name__ == "__main__":
    raise SystemExit(main())
