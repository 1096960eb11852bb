"""The SemEval-2016 Task 6A reader and benchmark script.

The official files are not part of the repository (no redistribution); the tests that read them look
in the shared folder (tests/conftest.py: SHARED) and are skipped when it is absent.
"""

from __future__ import annotations

import collections
import json

import pytest
import yaml

from benchmarks import semeval2016
from benchmarks.semeval_data import (AUTHOR, OFFICIAL_PAGE, TARGET_IDS, SemEvalDataError, load_semeval, locate,
                                     majority_labels, read_semeval_file, stratified_split, write_semeval)
from stance.evaluate import compute_metrics
from stance.schema import load_targets, read_records, validate_file
from training.config import load_config

from .conftest import ROOT, SHARED

DATA = SHARED / "benchmarks" / "semeval2016"
TARGETS_FILE = ROOT / "configs" / "semeval2016_targets.yaml"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"SemEval-2016 files not found at {DATA} "
                                f"(not redistributable; get them from {OFFICIAL_PAGE})")
HEADER = "ID\tTarget\tTweet\tStance\tOpinion towards\tSentiment\r\n"


@pytest.fixture(scope="module")
def semeval():
    return load_semeval(DATA)


def _pair(rec):
    return rec["pairs"][0]


@needs_data
def test_counts_match_the_official_release(semeval):
    assert len(semeval["train"]) == 2914 and len(semeval["test"]) == 1249
    per_target = {split: collections.Counter(_pair(r)["target"] for r in recs) for split, recs in semeval.items()}
    assert per_target["train"] == {"atheism": 513, "climate_change": 395, "feminist_movement": 664,
                                   "hillary_clinton": 689, "legalization_of_abortion": 653}
    assert per_target["test"] == {"atheism": 220, "climate_change": 169, "feminist_movement": 285,
                                  "hillary_clinton": 295, "legalization_of_abortion": 280}
    test_labels = collections.Counter((_pair(r)["target"], _pair(r)["stance"]) for r in semeval["test"])
    assert (test_labels["atheism", "favor"], test_labels["atheism", "against"], test_labels["atheism", "none"]) == (32, 160, 28)
    assert (test_labels["hillary_clinton", "favor"], test_labels["hillary_clinton", "none"]) == (45, 78)
    assert {_pair(r)["stance"] for recs in semeval.values() for r in recs} == {"favor", "against", "none"}


@needs_data
def test_tweets_are_clean_and_the_latin1_rows_read(semeval):
    records = semeval["train"] + semeval["test"]
    assert not any("#SemST" in r["text"] for r in records)
    assert all(r["text"] == r["text"].strip() for r in records)
    by_id = {r["id"]: r for r in semeval["train"]}
    assert by_id["semeval2016-110"]["text"].endswith("Christopher Hitchens 2/2\" #Funny")
    assert "\xcd\xa2" in by_id["semeval2016-110"]["text"]  # the latin-1 bytes CD A2 of the mojibake run
    assert by_id["semeval2016-1828"]["text"].startswith("Too many women in too many countries")
    assert sum('"' in r["text"] for r in records if r["meta"]["part"] == "train") == 215  # unquoted " kept
    assert {_pair(r)["actor"] for r in records} == {AUTHOR} and {_pair(r)["mention"] for r in records} == {""}


@needs_data
def test_written_files_validate_and_dev_is_a_stratified_tenth(tmp_path):
    paths = write_semeval(DATA, tmp_path)
    targets = load_targets(TARGETS_FILE)
    assert {t.id for t in targets} == set(TARGET_IDS.values())
    for path in paths.values():
        assert validate_file(path, targets) == []  # the empty mention ("not named in the text") is valid
    train, dev, test = (read_records(paths[k], targets) for k in ("train", "dev", "test"))
    assert len(train) + len(dev) == 2914 and len(test) == 1249 and 280 <= len(dev) <= 300
    assert not {r["id"] for r in train} & {r["id"] for r in dev}
    strata = collections.Counter((_pair(r)["target"], _pair(r)["stance"]) for r in train + dev)
    dev_strata = collections.Counter((_pair(r)["target"], _pair(r)["stance"]) for r in dev)
    assert all(dev_strata[k] == round(n * 0.1) for k, n in strata.items())
    again = write_semeval(DATA, tmp_path / "again")
    assert again["dev"].read_text() == paths["dev"].read_text()  # seeded: the same carve-out every time


@needs_data
def test_majority_baseline_reproduces_the_paper(semeval):
    majority = majority_labels(semeval["train"])
    gold = [_pair(r)["stance"] for r in semeval["test"]]
    predicted = [majority[_pair(r)["target"]] for r in semeval["test"]]
    assert round(100 * compute_metrics(predicted, gold)["f_avg"], 2) == 65.22


def test_malformed_rows_are_reported_with_file_and_line(tmp_path):
    path = tmp_path / "trainingdata-all-annotations.txt"
    rows = [HEADER, '1\tAtheism\tGod is "great" #SemST\tAGAINST\tTARGET\tPOSITIVE\r\n',
            "2\tAtheism\tonly three fields\r\n",
            "3\tAstrology\tStars decide #SemST\tFAVOR\tTARGET\tPOSITIVE\r\n",
            "4\tAtheism\tMaybe #SemST\tUNSURE\tTARGET\tNEITHER\r\n"]
    path.write_bytes("".join(rows).encode("latin-1"))
    with pytest.raises(SemEvalDataError) as err:
        read_semeval_file(path)
    message = str(err.value)
    assert f"{path}:3: expected 6 tab-separated fields, found 3" in message
    assert f"{path}:4: unknown target 'Astrology'" in message and f"{path}:5: unknown stance 'UNSURE'" in message
    path.write_bytes("".join(rows[:2]).encode("latin-1"))
    (record,) = read_semeval_file(path)
    assert record["text"] == 'God is "great"' and _pair(record)["stance"] == "against"


def test_missing_data_says_where_to_get_it(tmp_path):
    with pytest.raises(SemEvalDataError, match="saifmohammad.com/WebPages/StanceDataset.htm") as err:
        locate(tmp_path / "nowhere")
    assert "does not exist" in str(err.value) and "Mohammad" in str(err.value)
    (tmp_path / "trainingdata-all-annotations.txt").write_text(HEADER)
    with pytest.raises(SemEvalDataError, match="testdata-taskA-all-annotations.txt"):
        locate(tmp_path)


def test_stratified_split_keeps_every_stratum():
    records = [{"pairs": [{"target": t, "stance": s}], "n": i}
               for i, (t, s) in enumerate([("a", "favor")] * 30 + [("a", "none")] * 10 + [("b", "against")] * 20)]
    train, dev = stratified_split(records, 0.1, seed=1)
    assert collections.Counter(_pair(r)["stance"] for r in dev) == {"favor": 3, "none": 1, "against": 2}
    assert len(train) + len(dev) == 60 and stratified_split(records, 0.1, seed=1)[1] == dev


@pytest.mark.slow
@needs_data
def test_benchmark_script_trains_and_reports(tiny_encoder, tmp_path, capsys):
    """The whole benchmark command, two tiny transformer seeds of 2 steps each, on the real files."""
    data = tmp_path / "data"
    for name, source in (("semeval2016.yaml", "transformer"), ("semeval2016_baseline.yaml", "baseline")):
        raw = yaml.safe_load((ROOT / "configs" / name).read_text())
        raw["data"].update(train=str(data / "train.jsonl"), dev=str(data / "dev.jsonl"), test=[str(data / "test.jsonl")],
                           targets_file=str(TARGETS_FILE))
        raw["run"]["output_dir"] = str(tmp_path / "runs" / source)
        (tmp_path / name).write_text(yaml.safe_dump(raw))
    bench = semeval2016
    sets = [f"model.scorers.transformer.encoder={tiny_encoder}", "model.scorers.transformer.encoder_sha256=null",
            "training.max_steps=2",
            "training.max_train_pairs=64", "training.batch_size=16", "training.eval_batch_size=256"]
    argv = ["--data", str(DATA), "--seeds", "2", "--config", str(tmp_path / "semeval2016.yaml"),
            "--baseline-config", str(tmp_path / "semeval2016_baseline.yaml"), "--threads", "1", "--jobs", "2"]
    for item in sets:
        argv += ["--set", item]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out.strip().splitlines()
    summary = json.loads(out[-1])
    assert set(summary) >= {"f_avg_mean", "f_avg_std", "seeds", "baseline_f_avg", "majority_f_avg"}
    assert summary["seeds"] == 2 and summary["majority_f_avg"] == 65.22 and 0 <= summary["f_avg_mean"] <= 100
    assert any("published: BERTweet" in line for line in out) and any(line.startswith("machine:") for line in out)
    assert summary["tfidf_per_target_f_avg"] > 60  # five TF-IDF runs, one per target, of the baseline config
    assert sorted(p.name for p in (tmp_path / "runs" / "baseline-per-target").iterdir()) == sorted(TARGET_IDS.values())
    saved = load_config(tmp_path / "runs" / "transformer-seed2" / "config.yaml")
    assert saved.run.seed == 2 and saved.training.max_steps == 2  # trained in a worker process (--jobs 2)
    assert (tmp_path / "runs" / "transformer-seed1" / "model.safetensors").is_file()
    assert len(read_records(data / "test.jsonl", load_targets(TARGETS_FILE))) == 1249
