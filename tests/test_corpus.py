"""Checks on the shipped corpus: schema, split hygiene (no sentence or near-duplicate in two
splits, no document across splits) and the sizes the datasheet promises."""

import collections
import json

import pytest

from data import corpus
from stance.actors import ActorRegistry
from stance.schema import LABELS, PHENOMENA, load_targets, read_records, validate_file

from .conftest import ROOT, SEED_ARTICLE

DATA = ROOT / "data"
SPLITS = corpus.SPLITS


@pytest.fixture(scope="module")
def splits():
    return {s: read_records(DATA / f"{s}.jsonl") for s in SPLITS}


def test_every_file_validates_with_registry_actors():
    known = set(ActorRegistry.load().actors)
    for s in SPLITS:
        assert validate_file(DATA / f"{s}.jsonl", load_targets(), known) == [], s


def test_split_files_are_what_the_sources_build(tmp_path, monkeypatch):
    docs = corpus.load_sources()
    assert corpus.check_sources(docs) == []
    split = corpus.assign_splits(docs)
    target_ids = [t.id for t in load_targets()]
    for s in SPLITS:
        built = [r for d in sorted(docs, key=lambda d: (d["date"], d["doc_id"])) if split[d["doc_id"]] == s
                 for r in corpus.to_records(d, target_ids)]
        shipped = [json.loads(l) for l in (DATA / f"{s}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert built == shipped, f"data/{s}.jsonl is stale: run python data/corpus.py build"


def test_no_document_or_sentence_in_two_splits(splits):
    doc_split = {}
    for s, recs in splits.items():
        for r in recs:
            assert doc_split.setdefault(r["doc_id"], s) == s, r["doc_id"]
    seen = {}
    for s, recs in splits.items():
        for r in recs:
            key = " ".join(r["text"].lower().split())
            assert seen.setdefault(key, s) == s, f"{r['id']} also in {seen[key]}"


def test_no_near_duplicates_across_splits(splits):
    recs = [(s, r) for s, rs in splits.items() for r in rs]
    for a, b, run in corpus.shared_runs([r["text"] for _, r in recs]):
        assert recs[a][0] == recs[b][0], f"{recs[a][1]['id']} ({recs[a][0]}) and {recs[b][1]['id']} ({recs[b][0]}) share {run} words"


def test_sizes_and_balance(splits):
    all_recs = [r for recs in splits.values() for r in recs]
    assert len(all_recs) >= 4500 and len({r["doc_id"] for r in all_recs}) >= 320
    stance_pairs = {s: sum(p["stance"] != "none" for r in recs for p in r["pairs"]) for s, recs in splits.items()}
    assert len(splits["dev"]) >= 500 and stance_pairs["dev"] >= 450
    assert len(splits["test"]) >= 700 and stance_pairs["test"] >= 600
    assert len(splits["test_shift"]) >= 500
    assert len(splits["dev_shift"]) >= 500 and stance_pairs["dev_shift"] >= 300  # enough to decide on the later period
    pairs = [p for r in all_recs for p in r["pairs"] if p["stance"] != "none"]
    by_target = collections.Counter(p["target"] for p in pairs)
    assert all(by_target[t.id] >= 300 for t in load_targets()), by_target
    by_label = collections.Counter(p["stance"] for p in pairs)
    assert all(by_label[l] >= 0.15 * len(pairs) for l in LABELS if l != "none"), by_label
    phenomena = collections.Counter(p for r in all_recs for p in r.get("phenomena", []))
    assert all(phenomena[p] >= 40 for p in PHENOMENA), phenomena
    # realistic text: most sentences of the realistic documents state no position
    realistic = [r for r in all_recs if r.get("slice") == "realistic"]
    silent = sum(all(p["stance"] == "none" for p in r["pairs"]) for r in realistic)
    assert len(realistic) >= 3000 and silent >= 0.5 * len(realistic)


def test_first_round_documents_keep_their_splits():
    """Documents of batches 1-9 are split by the original shares, so the old test sets stay a slice."""
    docs = corpus.load_sources()
    first = [d for d in docs if corpus.slice_of(d["doc_id"]) == "first_round" and d["doc_id"] != corpus.SEED_DOC]
    assert len(first) == 105 and all(corpus.split_shares(d["doc_id"]) == (0.62, 0.16) for d in first)
    realistic = [d for d in docs if corpus.slice_of(d["doc_id"]) == "realistic"]
    assert realistic and {corpus.assign_splits(realistic)[d["doc_id"]] for d in realistic if d["date"] < "2024"} == {
        "train", "dev", "test"}


def test_time_shift_and_seed(splits):
    assert all(r["date"] >= "2024-01-01" for s in ("dev_shift", "test_shift") for r in splits[s])
    assert all(r["date"] < "2024-01-01" for s in ("train", "dev", "test") for r in splits[s])
    seed = [r for r in splits["test"] if r["doc_id"] == "seed"]
    text = (ROOT / "data" / "sources" / "seed.jsonl").read_text(encoding="utf-8")
    assert len(seed) == len(json.loads(text)["sentences"]) == 24
    assert seed[0]["text"].startswith("Home » today » World")


SEED_FILE = SEED_ARTICLE


@pytest.mark.skipif(not SEED_FILE.exists(), reason=f"the seed article ({SEED_ARTICLE}) is not present")
def test_seed_article_is_in_the_corpus_whole():
    seed = json.loads((DATA / "sources" / "seed.jsonl").read_text(encoding="utf-8"))
    original = "".join(SEED_FILE.read_text(encoding="utf-8").split())
    assert "".join("".join(s["text"] for s in seed["sentences"]).split()) == original


def test_check_compares_a_new_batch_with_the_corpus(tmp_path, capsys):
    first = corpus.load_sources([DATA / "sources" / "batch1.jsonl"])[0]
    copied = first["sentences"][1]
    doc = {"doc_id": "new-01", "date": "2022-05-01", "kind": "wire", "title": "t", "description": "d",
           "sentences": [{"text": "Talks resumed on Monday.", "actors": [], "stances": []}, copied]}
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps(doc) + "\n", encoding="utf-8")
    assert corpus.main(["check", str(batch)]) == 1
    out = capsys.readouterr().out
    assert f"new-01 sentence 2 and {first['doc_id']} sentence 2" in out or f"{first['doc_id']} sentence 2 and new-01 sentence 2" in out


def test_a_document_may_declare_train_or_dev_shift_only(tmp_path):
    base = {"doc_id": "x-01", "date": "2022-05-01", "kind": "wire", "title": "t", "description": "d",
            "sentences": [{"text": f"Talks resumed on day {i}.", "actors": [], "stances": []} for i in range(3)],
            "_where": "x.jsonl:1"}
    assert corpus.check_sources([base | {"split": "train"}]) == []
    assert corpus.assign_splits([base | {"split": "train"}]) == {"x-01": "train"}
    assert "may only be" in corpus.check_sources([base | {"split": "test"}])[0]
    assert "not allowed" in corpus.check_sources([base | {"split": "train", "date": "2024-02-01"}])[0]
    assert "unknown document field" in corpus.check_sources([base | {"splt": "train"}])[0]
    # dev_shift: only for the later period, which otherwise goes to test_shift
    late = base | {"date": "2025-02-01"}
    assert corpus.check_sources([late | {"split": "dev_shift"}]) == []
    assert corpus.assign_splits([late | {"split": "dev_shift"}, late | {"doc_id": "x-02"}]) == {"x-01": "dev_shift", "x-02": "test_shift"}
    assert "only for documents dated" in corpus.check_sources([base | {"split": "dev_shift"}])[0]
    # a declared training document never lands in dev or test, whatever its hash says
    ids = [d["doc_id"] for d in corpus.load_sources() if d.get("split") == "train"]
    train = {json.loads(l)["doc_id"] for l in (DATA / "train.jsonl").read_text(encoding="utf-8").splitlines()}
    assert ids and set(ids) <= train
