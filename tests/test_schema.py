import json

import pytest

from stance.schema import DataError, LABELS, check_target, load_targets, read_records, validate_file

from .conftest import TINY_DATA


def write(tmp_path, lines):
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(l if isinstance(l, str) else json.dumps(l) for l in lines) + "\n", encoding="utf-8")
    return path


def record(**over):
    rec = {"id": "a-1", "doc_id": "a", "date": "2022-03-15", "text": "Russia demands neutrality.", "context": "",
           "pairs": [{"actor": "russia", "mention": "Russia", "target": "neutrality", "stance": "favor"}]}
    rec.update(over)
    return rec


def test_fixture_corpus_is_valid():
    assert validate_file(TINY_DATA) == []
    assert len(read_records(TINY_DATA)) == 30


def test_malformed_json_reports_file_and_line(tmp_path):
    path = write(tmp_path, [record(), "{not json"])
    problems = validate_file(path)
    assert len(problems) == 1 and f"{path}:2: malformed JSON" in problems[0]


def test_missing_field_and_unknown_stance_are_located(tmp_path):
    bad_pair = {"actor": "russia", "mention": "Russia", "target": "neutrality", "stance": "pro"}
    path = write(tmp_path, [record(), {k: v for k, v in record(id="a-2").items() if k != "text"}, record(id="a-3", pairs=[bad_pair])])
    problems = validate_file(path)
    assert any(p.startswith(f"{path}:2:") and "'text'" in p for p in problems)
    assert any(p.startswith(f"{path}:3:") and "unknown stance 'pro'" in p for p in problems)


def test_unknown_target_mention_and_duplicate_id(tmp_path):
    pair = {"actor": "russia", "mention": "Moscow", "target": "sanctions", "stance": "none"}
    path = write(tmp_path, [record(), record(pairs=[pair])])
    problems = validate_file(path)
    assert any("unknown target 'sanctions'" in p and "nato_membership" in p for p in problems)
    assert any("'Moscow' does not occur" in p for p in problems)
    assert any("duplicate id 'a-1'" in p for p in problems)


def test_empty_text_and_missing_pair_field(tmp_path):
    path = write(tmp_path, [record(text="   "), record(id="a-2", pairs=[{"actor": "russia", "target": "neutrality", "stance": "favor"}])])
    problems = validate_file(path)
    assert any(":1:" in p and "empty" in p for p in problems)
    assert any(":2:" in p and "mention" in p for p in problems)


def test_read_records_raises_with_all_problems(tmp_path):
    path = write(tmp_path, [record(pairs=[{"actor": "x", "mention": "Russia", "target": "neutrality", "stance": "maybe"}])])
    with pytest.raises(DataError, match=r"data.jsonl:1"):
        read_records(path)


def test_targets_extend_and_unknown_target_lists_valid_ids():
    targets = load_targets(extra=[{"id": "sanctions_relief", "description": "lifting sanctions on Russia"}])
    assert [t.id for t in targets][-1] == "sanctions_relief" and len(targets) == 6
    with pytest.raises(ValueError, match="valid targets: nato_membership, neutrality"):
        check_target("nato", load_targets())
    with pytest.raises(DataError, match="exactly the keys"):
        load_targets(extra=[{"id": "x"}])


def test_labels_are_fixed():
    assert LABELS == ("none", "favor", "against", "neutral")
