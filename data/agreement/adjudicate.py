"""Apply adjudicated decisions to the annotated sources (data/sources/*.jsonl).

    python data/agreement/adjudicate.py data/agreement/round2/adjudication.jsonl [--second data/agreement/round2/annotator2.jsonl]

A decision file has one line per adjudicated (sentence, actor, target): ``id``, ``actor``,
``target``, ``final`` (favor, against, neutral or none) and optionally ``mention`` and ``rule``.
Each decision sets that pair's stance in the sources (``none`` removes it). An actor the first
annotation did not list is added with the decision's ``mention``, or the mention the second
annotation (``--second``) recorded. Applying a file twice changes nothing. Rounds:
``adjudication.jsonl`` (round 1, 11 sentences) and ``round2/adjudication.jsonl`` (77 pairs).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

SOURCES = Path(__file__).resolve().parents[1] / "sources"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("decisions", type=Path)
    parser.add_argument("--second", type=Path, help="the second annotation, for mentions of actors only it listed")
    args = parser.parse_args(argv)
    decisions = [json.loads(line) for line in args.decisions.read_text(encoding="utf-8").splitlines() if line.strip()]
    mentions = {}
    if args.second:
        for line in args.second.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            mentions.update({(rec["id"], a["actor"]): a["mention"] for a in rec.get("actors", [])})
    by_sentence: dict[str, list[dict]] = {}
    for d in decisions:
        by_sentence.setdefault(d["id"], []).append(d)
    done = set()
    for path in sorted(SOURCES.glob("*.jsonl")):
        docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        changed = False
        for doc in docs:
            for i, s in enumerate(doc["sentences"]):
                sid = f"{doc['doc_id']}-s{i + 1:02d}"
                for d in by_sentence.get(sid, []):
                    actors = {a["actor"] for a in s["actors"]}
                    if d["final"] != "none" and d["actor"] not in actors:
                        mention = d.get("mention") or mentions.get((sid, d["actor"]))
                        if not mention or mention not in s["text"]:
                            raise SystemExit(f"{sid}: no mention of {d['actor']!r} to add (give 'mention' in the decision)")
                        s["actors"].append({"actor": d["actor"], "mention": mention})
                    before = list(s["stances"])
                    s["stances"] = [x for x in s["stances"] if (x["actor"], x["target"]) != (d["actor"], d["target"])]
                    if d["final"] != "none":
                        s["stances"].append({"actor": d["actor"], "target": d["target"], "stance": d["final"]})
                    changed |= s["stances"] != before
                    done.add(sid)
        if changed:
            path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    missing = set(by_sentence) - done
    if missing:
        raise SystemExit(f"sentences not found in the sources: {sorted(missing)[:5]}")
    print(f"applied {len(decisions)} decisions to {len(done)} sentences")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
