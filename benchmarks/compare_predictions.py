"""Do two runs (or two versions of the code) predict the same? Dump predictions, then compare dumps.

    python benchmarks/compare_predictions.py dump runs/default data/test.jsonl data/test_shift.jsonl --out a.json
    python benchmarks/compare_predictions.py diff a.json b.json

``dump`` writes, for every data file, the label of every gold (sentence, actor, target) pair and the
non-``none`` triples the model finds end to end (actors detected from the raw text). It calls only
``StanceModel.from_pretrained``, ``predict_proba`` and ``predict``, so an older checkout of the
package can write a dump to compare with. ``diff`` counts the pairs and triples that differ; it
exits 1 when any do. A refactoring that must not change behaviour shows 0 differences.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def dump(run: str, files: list[str], out: str) -> None:
    from stance.data import record_pairs
    from stance.model import StanceModel
    from stance.predict import predict
    from stance.schema import LABELS, read_records

    model = StanceModel.from_pretrained(run)
    result = {}
    for path in files:
        records = read_records(path, model.targets)
        examples = record_pairs(records)
        proba = model.predict_proba(examples, batch_size=64)
        pairs = {f"{e.record_id}|{e.actor}|{e.target}": LABELS[int(row.argmax())] for e, row in zip(examples, proba)}
        triples = sorted(f"{r['id']}|{p.actor}|{p.target}|{p.stance}" for r in records
                         for p in predict(r["text"], context=r.get("context"), date=r.get("date"), model=model, batch_size=64))
        result[Path(path).name] = {"pairs": pairs, "triples": triples}
    Path(out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"{out}: " + ", ".join(f"{k} {len(v['pairs'])} pairs, {len(v['triples'])} triples" for k, v in result.items()))


def diff(a: str, b: str) -> int:
    left, right = (json.loads(Path(p).read_text(encoding="utf-8")) for p in (a, b))
    differences = 0
    for name in sorted(set(left) | set(right)):
        if name not in left or name not in right:
            print(f"{name}: only in {'the first' if name in left else 'the second'} dump")
            differences += 1
            continue
        pl, pr = left[name]["pairs"], right[name]["pairs"]
        pairs = sum(pl.get(k) != pr.get(k) for k in set(pl) | set(pr))
        tl, tr = set(left[name]["triples"]), set(right[name]["triples"])
        triples = len(tl ^ tr)
        print(f"{name}: {pairs} of {len(pl)} pair labels differ; {triples} of {len(tl | tr)} end-to-end triples differ")
        differences += pairs + triples
    print(f"{differences} difference(s)")
    return 1 if differences else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("dump")
    p.add_argument("run")
    p.add_argument("files", nargs="+")
    p.add_argument("--out", required=True)
    p = sub.add_parser("diff")
    p.add_argument("a")
    p.add_argument("b")
    args = parser.parse_args(argv)
    if args.cmd == "dump":
        dump(args.run, args.files, args.out)
        return 0
    return diff(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
