"""Document-level check: the actor x target table `stance analyze` builds from raw text, against gold.

Analysts read the table, not the pairs. For every document of a split file this script joins the
document's sentences back into one text (one sentence a line, as the seed article's lines are),
runs the full analysis (sentence splitting, actor resolution with pronouns and quote attributions,
prediction, aggregation) and compares the cells (actor, target, stance) with the cells the gold
annotation aggregates to. A cell counts as correct
when the actor, the target and the aggregated stance all match.

    python benchmarks/document_tables.py --model runs/default --data data/test.jsonl
    python benchmarks/document_tables.py --model runs/default --compare runs/baseline --data data/test.jsonl --doc seed

Prints per-document and micro-averaged cell precision / recall / F1 for each model; with --doc, the
cells of that document: right, missed (gold only) and false (predicted only), with evidence.
The last line is JSON.
"""

from __future__ import annotations

import argparse
import collections
import json

from stance.analyze import Statement, aggregate, analyze_many
from stance.model import StanceModel
from stance.schema import read_records


def documents(path: str) -> list[dict]:
    """The split file's sentences regrouped into documents, in file order."""
    by_doc: dict[str, list[dict]] = collections.OrderedDict()
    for rec in read_records(path):
        by_doc.setdefault(rec["doc_id"], []).append(rec)
    return [{"doc_id": d, "date": recs[0].get("date"), "text": "\n".join(r["text"] for r in recs), "records": recs}
            for d, recs in by_doc.items()]


def gold_cells(doc: dict, model: StanceModel) -> dict[tuple[str, str], str]:
    statements = [Statement(doc["doc_id"], doc["date"], i, r["text"], p["actor"], p["mention"],
                            model.registry.affiliation(p["actor"]),
                            p["target"], p["stance"], 1.0)
                  for i, r in enumerate(doc["records"]) for p in r["pairs"] if p["stance"] != "none"]
    return {(c.actor, c.target): c.stance for c in aggregate(statements)}


def score_cells(gold: dict, predicted: dict) -> dict:
    correct = sum(predicted.get(k) == v for k, v in gold.items())
    p = correct / len(predicted) if predicted else 0.0
    r = correct / len(gold) if gold else 0.0
    return {"correct": correct, "predicted": len(predicted), "gold": len(gold), "precision": p, "recall": r,
            "f1": 2 * p * r / (p + r) if p + r else 0.0}


def run(model_path: str, docs: list[dict]) -> tuple[dict, dict]:
    model = StanceModel.from_pretrained(model_path)
    analyses = {a.doc_id: a for a in analyze_many([{k: d[k] for k in ("doc_id", "date", "text")} for d in docs], model)}
    per_doc, cells = {}, {}
    for d in docs:
        predicted_cells = aggregate(analyses[d["doc_id"]].statements)
        predicted = {(c.actor, c.target): c.stance for c in predicted_cells}
        gold = gold_cells(d, model)
        per_doc[d["doc_id"]] = score_cells(gold, predicted)
        cells[d["doc_id"]] = (gold, predicted, {(c.actor, c.target): c.evidence for c in predicted_cells})
    total = collections.Counter()
    for s in per_doc.values():
        total.update({k: s[k] for k in ("correct", "predicted", "gold")})
    p = total["correct"] / total["predicted"] if total["predicted"] else 0.0
    r = total["correct"] / total["gold"] if total["gold"] else 0.0
    micro = {**total, "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}
    return {"micro": micro, "per_document": per_doc}, cells


def show_document(doc_id: str, cells: tuple[dict, dict, dict]) -> None:
    gold, predicted, evidence = cells
    for key in sorted(set(gold) | set(predicted)):
        g, p = gold.get(key), predicted.get(key)
        mark = "right " if g == p else "missed" if p is None else "false " if g is None else "wrong "
        line = f"  {mark} {key[0]:<14} {key[1]:<20} gold {g or '-':<8} predicted {p or '-':<8}"
        if p is not None and evidence.get(key):
            line += f" | {evidence[key][0]['sentence'][:90]}"
        print(line)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="runs/default")
    parser.add_argument("--compare", help="a second run directory (e.g. runs/baseline)")
    parser.add_argument("--data", default="data/test.jsonl")
    parser.add_argument("--doc", action="append", default=[], help="list this document's cells (repeatable)")
    args = parser.parse_args(argv)
    docs = documents(args.data)
    known = {d["doc_id"] for d in docs}
    for d in args.doc:
        if d not in known:
            parser.error(f"--doc {d!r} is not a document of {args.data}")
    results = {}
    for path in [args.model] + ([args.compare] if args.compare else []):
        report, cells = run(path, docs)
        results[path] = report
        m = report["micro"]
        print(f"{path}: {len(docs)} documents of {args.data}: cells P/R/F1 {m['precision']:.3f} / {m['recall']:.3f} / "
              f"{m['f1']:.3f} ({m['correct']} right of {m['predicted']} predicted, {m['gold']} gold)")
        for d in args.doc:
            s = report["per_document"][d]
            print(f" {d}: P/R/F1 {s['precision']:.3f} / {s['recall']:.3f} / {s['f1']:.3f}")
            show_document(d, cells[d])
    print(json.dumps({path: {"micro": r["micro"], **{f"doc:{d}": r["per_document"][d] for d in args.doc}}
                      for path, r in results.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
