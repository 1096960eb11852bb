"""Inter-annotator agreement: a second, independent annotation of a sample of the corpus.

    python data/agreement.py sample [--n 240]   # write data/agreement/sample.jsonl (raw sentences, no labels)
    python data/agreement.py sample-docs --round round2 --batches 8 9 10 [--share 0.2]
                                                # whole documents: round2/sample.jsonl (raw text) and
                                                #   round2/annotator1.jsonl (the first annotation as sampled)
    python data/agreement.py kappa              # Cohen's kappa: annotator1.jsonl vs annotator2.jsonl
    python data/agreement.py kappa --first corpus   # the second annotation vs the adjudicated corpus

``annotator1.jsonl`` is the first annotation of the sample as it stood before adjudication;
``adjudicate.py`` lists the changes adjudication made to the sources, and why.

The sample is drawn per split (seeded), so every split is represented. The second annotator sees
only data/GUIDELINES.md, the actor registry and the sample (text, context, date), finds the actors
and labels every (actor, target) pair. Kappa is computed over the union of both annotators' pairs
of each sentence (an actor one annotator did not list counts as ``none`` for that annotator), over
the four labels, overall and per target; ``--disagreements`` lists every differing pair.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from stance.schema import LABELS, load_targets, read_records

DATA = ROOT / "data"
OUT = DATA / "agreement"
SAMPLE_SPLITS = ("train", "dev", "test", "test_shift")  # round 1's sample was drawn from these four
SPLITS = SAMPLE_SPLITS + ("dev_shift",)


def cohen_kappa(a: list[str], b: list[str]) -> float:
    n = len(a)
    if n == 0:
        return float("nan")
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = collections.Counter(a), collections.Counter(b)
    expected = sum(ca[l] * cb[l] for l in set(ca) | set(cb)) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def cmd_sample(args) -> int:
    rng = random.Random(args.seed)
    rows = []
    for split in SAMPLE_SPLITS:
        recs = read_records(DATA / f"{split}.jsonl")
        share = max(40, round(args.n * len(recs) / sum(len(read_records(DATA / f"{s}.jsonl")) for s in SAMPLE_SPLITS)))
        for r in rng.sample(recs, min(share, len(recs))):
            rows.append({"id": r["id"], "split": split, "date": r["date"], "context": r["context"], "text": r["text"]})
    rows.sort(key=lambda r: r["id"])
    OUT.mkdir(exist_ok=True)
    (OUT / "sample.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} sentences written to {OUT / 'sample.jsonl'}: " +
          ", ".join(f"{s} {sum(r['split'] == s for r in rows)}" for s in SAMPLE_SPLITS))
    return 0


def cmd_sample_docs(args) -> int:
    """At least ``share`` of the documents of each batch (seeded), whole, for a second annotation."""
    import math

    rng = random.Random(args.seed)
    out_dir = OUT / args.round
    out_dir.mkdir(parents=True, exist_ok=True)
    docs_out, first = [], []
    for batch in args.batches:
        path = DATA / "sources" / f"batch{batch}.jsonl"
        docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for doc in sorted(rng.sample(docs, max(1, math.ceil(args.share * len(docs)))), key=lambda d: d["doc_id"]):
            ids = [f"{doc['doc_id']}-s{i + 1:02d}" for i in range(len(doc["sentences"]))]
            docs_out.append({"doc_id": doc["doc_id"], "date": doc["date"], "kind": doc["kind"], "title": doc["title"],
                             "sentences": [{"id": i, "text": s["text"]} for i, s in zip(ids, doc["sentences"])]})
            first += [{"id": i, "actors": s.get("actors", []), "stances": s.get("stances", [])}
                      for i, s in zip(ids, doc["sentences"])]
    for name, rows in (("sample.jsonl", docs_out), ("annotator1.jsonl", first)):
        (out_dir / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(docs_out)} documents, {len(first)} sentences written to {out_dir}")
    return 0


def load_second(path: Path) -> dict[str, dict]:
    out = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            rec = json.loads(line)
            if "id" not in rec:
                raise SystemExit(f"{path}:{lineno}: missing id")
            out[rec["id"]] = rec
    return out


def cmd_kappa(args) -> int:
    targets = [t.id for t in load_targets()]
    if args.first == "corpus":
        gold = {r["id"]: r for s in SPLITS for r in read_records(DATA / f"{s}.jsonl")}
    else:  # an annotation file in the second annotator's format, turned into records
        gold = {}
        for rid, rec in load_second(Path(args.first)).items():
            stance = {(x["actor"], x["target"]): x["stance"] for x in rec.get("stances", [])}
            gold[rid] = {"id": rid, "text": "", "pairs": [{"actor": a["actor"], "target": t, "stance": stance.get((a["actor"], t), "none")}
                                                         for a in rec.get("actors", []) for t in targets]}
        texts = {r["id"]: r["text"] for s in SPLITS for r in read_records(DATA / f"{s}.jsonl")}
        for rid in gold:
            gold[rid]["text"] = texts.get(rid, "")
    second = load_second(Path(args.second))
    missing = [i for i in second if i not in gold]
    if missing:
        raise SystemExit(f"ids not in the corpus: {missing[:5]}")
    a_all, b_all = [], []
    by_target = collections.defaultdict(lambda: ([], []))
    actor_agree = [0, 0, 0]  # both, first only, second only
    disagreements = []
    for rid, rec2 in sorted(second.items()):
        first = {(p["actor"], p["target"]): p["stance"] for p in gold[rid]["pairs"]}
        stances2 = {(s["actor"], s["target"]): s["stance"] for s in rec2.get("stances", [])}
        actors1 = {p["actor"] for p in gold[rid]["pairs"]}
        actors2 = {a["actor"] for a in rec2.get("actors", [])} | {a for a, _ in stances2}
        actor_agree[0] += len(actors1 & actors2)
        actor_agree[1] += len(actors1 - actors2)
        actor_agree[2] += len(actors2 - actors1)
        for actor in sorted(actors1 | actors2):
            for t in targets:
                x, y = first.get((actor, t), "none"), stances2.get((actor, t), "none")
                a_all.append(x)
                b_all.append(y)
                by_target[t][0].append(x)
                by_target[t][1].append(y)
                if x != y:
                    disagreements.append((rid, actor, t, x, y, gold[rid]["text"]))
    lines = [f"Second annotation: {len(second)} sentences, {len(a_all)} (actor, target) pairs.",
             f"Cohen's kappa overall (4 labels): {cohen_kappa(a_all, b_all):.3f}; raw agreement "
             f"{sum(x == y for x, y in zip(a_all, b_all)) / len(a_all):.3f}.",
             f"Non-none pairs: first annotator {sum(x != 'none' for x in a_all)}, second {sum(y != 'none' for y in b_all)}.",
             f"Actors: listed by both {actor_agree[0]}, first only {actor_agree[1]}, second only {actor_agree[2]}.", "",
             "| target | pairs | kappa | non-none (1st / 2nd) |", "|---|---|---|---|"]
    for t in targets:
        a, b = by_target[t]
        lines.append(f"| {t} | {len(a)} | {cohen_kappa(a, b):.3f} | {sum(x != 'none' for x in a)} / {sum(y != 'none' for y in b)} |")
    labels = list(LABELS)
    lines += ["", "Confusion (rows first annotator, columns second): " + ", ".join(labels)]
    for l in labels:
        lines.append(f"  {l:<8}" + "".join(f"{sum(1 for x, y in zip(a_all, b_all) if x == l and y == m):>7}" for m in labels))
    print("\n".join(lines))
    if args.disagreements:
        with open(args.disagreements, "w", encoding="utf-8") as f:
            for rid, actor, t, x, y, text in disagreements:
                f.write(json.dumps({"id": rid, "actor": actor, "target": t, "first": x, "second": y, "text": text}, ensure_ascii=False) + "\n")
        print(f"\n{len(disagreements)} disagreements written to {args.disagreements}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("sample")
    p.add_argument("--n", type=int, default=240)
    p.add_argument("--seed", type=int, default=13)
    p = sub.add_parser("sample-docs")
    p.add_argument("--round", required=True, help="folder under data/agreement for this round")
    p.add_argument("--batches", nargs="+", required=True, help="batch numbers (data/sources/batchN.jsonl)")
    p.add_argument("--share", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=13)
    p = sub.add_parser("kappa")
    p.add_argument("--first", default=str(OUT / "annotator1.jsonl"), help="an annotation file, or 'corpus'")
    p.add_argument("--second", default=str(OUT / "annotator2.jsonl"))
    p.add_argument("--disagreements")
    args = parser.parse_args(argv)
    return {"sample": cmd_sample, "sample-docs": cmd_sample_docs, "kappa": cmd_kappa}[args.cmd](args)


if __name__ == "__main__":
    raise SystemExit(main())
