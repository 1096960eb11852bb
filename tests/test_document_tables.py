"""benchmarks/document_tables.py: documents regrouped from a split file, cell scores, the report."""

import json

from benchmarks import document_tables as m

from .conftest import TINY_DATA


def test_cell_scores():
    gold = {("putin", "donbas_independence"): "favor", ("russia", "nato_membership"): "against"}
    predicted = {("putin", "donbas_independence"): "favor", ("russia", "nato_membership"): "favor",
                 ("nato", "nato_membership"): "favor"}
    s = m.score_cells(gold, predicted)
    assert (s["correct"], s["predicted"], s["gold"]) == (1, 3, 2)
    assert abs(s["f1"] - 2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2)) < 1e-9
    assert m.score_cells({}, {})["f1"] == 0.0


def test_report_on_the_fixture(baseline_run, capsys):
    docs = m.documents(str(TINY_DATA))
    assert sum(len(d["records"]) for d in docs) == 30 and len({d["doc_id"] for d in docs}) == len(docs)
    first = docs[0]["doc_id"]
    assert m.main(["--model", str(baseline_run), "--data", str(TINY_DATA), "--doc", first]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    report = json.loads(out[-1])[str(baseline_run)]
    micro = report["micro"]
    assert 0 < micro["gold"] and micro["correct"] <= min(micro["gold"], micro["predicted"])
    assert f"doc:{first}" in report and any(line.startswith(f" {first}:") for line in out)
