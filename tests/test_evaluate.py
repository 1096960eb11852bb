import json

from stance.evaluate import actor_detection, evaluate_run, format_confusion, format_report, multi_target_actors, plot_confusion
from stance.schema import read_records
from stance.schema import LABELS

from .conftest import TINY_DATA


def test_report_has_every_breakdown(tiny_run):
    report = evaluate_run(tiny_run, TINY_DATA)
    assert report["pairs"] == 195 and report["sentences"] == 30
    assert set(report["overall"]["per_label"]) == set(LABELS)
    assert sum(map(sum, report["overall"]["confusion"])) == 195
    assert set(report["per_target"]) == {"nato_membership", "neutrality", "crimea_recognition", "donbas_independence", "demilitarization"}
    assert "ukraine" in report["per_actor"]
    assert "pronoun" in report["per_phenomenon"]
    multi = multi_target_actors(read_records(TINY_DATA))
    assert report["multi_target"]["support"] == 5 * len(multi) > 0  # every target of each such actor
    e2e = report["end_to_end"]
    assert e2e["triples"]["gold"] == 195 - report["overall"]["per_label"]["none"]["support"]
    assert 0.9 < e2e["actor_detection"]["recall"] <= 1
    json.dumps(report)


def test_side_by_side_table_and_png(tiny_run, baseline_run, tmp_path):
    reports = [evaluate_run(tiny_run, TINY_DATA), evaluate_run(baseline_run, TINY_DATA)]
    table = format_report(reports, names=["transformer", "baseline"])
    lines = table.splitlines()
    assert "transformer" in lines[1] and "baseline" in lines[1]
    macro = next(l for l in lines if l.startswith("macro-F1"))
    assert f"{reports[1]['overall']['macro_f1']:.3f}" in macro
    assert len({len(l) for l in lines[1:4]}) == 1  # aligned columns
    assert "gold" in format_confusion(reports[0])
    png = plot_confusion(reports[0], tmp_path / "c.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_multi_target_actors_counts_positions_not_mentions():
    pairs = [{"actor": "putin", "target": "donbas_independence", "stance": "favor"},
             {"actor": "putin", "target": "demilitarization", "stance": "favor"},
             {"actor": "ukraine", "target": "demilitarization", "stance": "against"},
             {"actor": "ukraine", "target": "neutrality", "stance": "none"}]
    assert multi_target_actors([{"id": "a", "pairs": pairs}]) == {("a", "putin")}


def test_records_that_name_a_slice_are_scored_apart(baseline_run, tmp_path):
    import json

    from stance.evaluate import actor_detection, evaluate_run, format_report

    from .conftest import TINY_DATA

    lines = TINY_DATA.read_text().splitlines()
    sliced = tmp_path / "sliced.jsonl"
    sliced.write_text("".join(json.dumps({**json.loads(l), "slice": "old" if i % 2 else "new"}) + "\n"
                              for i, l in enumerate(lines)))
    report = evaluate_run(baseline_run, sliced, end_to_end=False)
    assert set(report["per_slice"]) == {"old", "new"}
    assert sum(v["support"] for v in report["per_slice"].values()) == report["pairs"]
    assert "slice old" in format_report([report])


def test_actor_detection_counts_found_missed_and_false_actors(capsys):
    from stance.actors import ActorRegistry
    from benchmarks.actor_detection import main
    records = [
        {"id": "d-s1", "text": "Peskov said Kyiv must accept.", "phenomena": ["role_mention"],
         "pairs": [{"actor": "peskov", "mention": "Peskov"}, {"actor": "ukraine", "mention": "Kyiv"}]},
        {"id": "d-s2", "text": "He added that the talks would go on.", "context": "Lavrov spoke.", "phenomena": ["pronoun"],
         "pairs": [{"actor": "peskov", "mention": "He"}]},
    ]
    report = actor_detection(ActorRegistry.load(), records)
    assert (report["all"]["correct"], report["all"]["predicted"], report["all"]["gold"]) == (2, 3, 3)
    assert report["by_via"]["pronoun"] == {"precision": 0.0, "predicted": 1}
    assert report["by_phenomenon"]["pronoun"]["recall"] == 0.0 and report["by_phenomenon"]["role_mention"]["recall"] == 1.0
    assert sorted(report["errors"]) == [("d-s2", "false", "lavrov", "He"), ("d-s2", "missed", "peskov", "He")]
    assert main([str(TINY_DATA), "--errors", "2"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert 0 < json.loads(last)[str(TINY_DATA)]["recall"] <= 1
