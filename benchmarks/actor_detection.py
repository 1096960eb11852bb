"""Actor detection alone: the registry's actors found in each record (sentence, context, date) against
the gold actors, per split file, with no model.

A registry extension or a change to the detection rules is measured here before any training:

    python -m benchmarks.actor_detection data/dev.jsonl data/test.jsonl data/test_shift.jsonl
    python -m benchmarks.actor_detection data/dev.jsonl --actors my_actors.yaml --errors 20

Prints precision / recall / F1 per file, the precision of each way an actor is found (name, role,
modifier, pronoun, description), the recall on sentences carrying each phenomenon tag, and with
--errors the first N missed and false actors. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json

from stance.actors import ActorRegistry
from stance.evaluate import actor_detection
from stance.schema import load_targets, read_records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="+", help="JSON Lines split files")
    parser.add_argument("--actors", nargs="*", default=[], help="registry extension files (as actors_files in a config)")
    parser.add_argument("--errors", type=int, default=0, help="list this many missed and false actors per file")
    args = parser.parse_args(argv)
    registry = ActorRegistry.load(*args.actors)
    targets = load_targets()
    summary = {}
    for path in args.data:
        report = actor_detection(registry, read_records(path, targets))
        a = report["all"]
        print(f"{path}: P {a['precision']:.3f}  R {a['recall']:.3f}  F1 {a['f1']:.3f}  "
              f"({a['correct']} right, {a['predicted'] - a['correct']} false, {a['gold'] - a['correct']} missed)")
        print("  precision by how found: " + ", ".join(f"{k} {v['precision']:.3f} ({v['predicted']})"
                                                   for k, v in report["by_via"].items()))
        print("  recall by phenomenon:   " + ", ".join(f"{k} {v['recall']:.3f} ({v['gold']})"
                                                   for k, v in report["by_phenomenon"].items()))
        for record_id, kind, actor, mention in report["errors"][:args.errors]:
            print(f"    {kind:6} {record_id}  {actor}  ({mention!r})")
        summary[path] = {k: a[k] for k in ("precision", "recall", "f1")}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
