"""Adjudication of the second annotation: apply the accepted changes to data/sources."""
import json, glob
changes = {  # sentence id -> list of (actor, target, new stance or None to remove)
 "b2-01-s13": [("russia", "neutrality", "favor"), ("russia", "crimea_recognition", "favor")],
 "b2-13-s05": [("kuleba", "crimea_recognition", "against"), ("kuleba", "donbas_independence", "against")],
 "b3-04-s08": [("nato", "nato_membership", "neutral")],
 "b3-10-s06": [("zelensky", "crimea_recognition", "against"), ("zelensky", "donbas_independence", "against")],
 "b3-12-s04": [("zelensky", "crimea_recognition", "against"), ("zelensky", "donbas_independence", "against")],
 "b4-02-s10": [("stoltenberg", "crimea_recognition", "neutral")],
 "b4-08-s08": [("hungary", "nato_membership", "against")],
 "b5-03-s03": [("china", "nato_membership", "against")],
 "b5-06-s05": [("zelensky", "donbas_independence", "against")],
 "b5-07-s03": [("nato", "nato_membership", "neutral")],  # "allies" was not listed as an actor
 "b6-05-s05": [("nato", "demilitarization", None)],
}
done = set()
for f in sorted(glob.glob("data/sources/*.jsonl")):
    docs = [json.loads(l) for l in open(f, encoding="utf-8") if l.strip()]
    for d in docs:
        for i, s in enumerate(d["sentences"]):
            sid = f"{d['doc_id']}-s{i + 1:02d}"
            if sid not in changes:
                continue
            actors = {a["actor"] for a in s["actors"]}
            for actor, target, stance in changes[sid]:
                if actor not in actors:
                    mention = {"nato": "allies"}[actor]
                    assert mention in s["text"], (sid, mention)
                    s["actors"].append({"actor": actor, "mention": mention})
                    actors.add(actor)
                s["stances"] = [x for x in s["stances"] if (x["actor"], x["target"]) != (actor, target)]
                if stance:
                    s["stances"].append({"actor": actor, "target": target, "stance": stance})
            done.add(sid)
    with open(f, "w", encoding="utf-8") as out:
        for d in docs:
            out.write(json.dumps(d, ensure_ascii=False) + "\n")
assert done == set(changes), set(changes) - done
print("applied", len(done))
