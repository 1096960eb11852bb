"""Fault injection: a damaged run never predicts, and every such case is an error naming the file."""

import shutil

import pytest

from stance.model import StanceModel
from stance.scorers import RunError


@pytest.fixture
def damaged(tiny_run, tmp_path):
    """A fresh copy of the tiny run to damage."""
    copy = tmp_path / "run"
    shutil.copytree(tiny_run, copy)
    return copy


@pytest.mark.parametrize("name", ["tokenizer.json", "config.json", "model.safetensors", "actors.yaml", "targets.yaml",
                                  "tokenizer_config.json"])
def test_a_missing_file_is_named(damaged, name):
    (damaged / name).unlink()
    with pytest.raises(RunError, match=rf"{name} is missing"):
        StanceModel.from_pretrained(damaged)


def test_same_size_overwrite_inside_the_weights_is_caught(damaged):
    weights = damaged / "model.safetensors"
    data = bytearray(weights.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 4096] = bytes(4096)  # zeros where weights were: same size, other content
    weights.write_bytes(bytes(data))
    with pytest.raises(RunError, match="model.safetensors does not match the sha256"):
        StanceModel.from_pretrained(damaged)
    StanceModel.from_pretrained(damaged, verify=False)  # sizes only: the user can opt out of hashing


def test_truncated_and_edited_files_are_caught(damaged):
    tok = damaged / "tokenizer.json"
    tok.write_bytes(tok.read_bytes()[:100])
    with pytest.raises(RunError, match="tokenizer.json has 100 bytes"):
        StanceModel.from_pretrained(damaged)


def test_edited_registry_is_caught(damaged):
    actors = damaged / "actors.yaml"
    text = actors.read_text()
    actors.write_text(text.replace("Kremlin", "Kremlim", 1))  # same length, other content
    with pytest.raises(RunError, match="actors.yaml does not match"):
        StanceModel.from_pretrained(damaged)


def test_missing_manifest_is_an_incomplete_run(damaged):
    (damaged / "manifest.json").unlink()
    with pytest.raises(RunError, match="manifest.json is missing"):
        StanceModel.from_pretrained(damaged)


def test_run_outputs_may_change_without_breaking_the_model(damaged):
    (damaged / "README.md").write_text("my notes")
    (damaged / "metrics.json").unlink()
    StanceModel.from_pretrained(damaged)


def test_training_guards_stop_before_training(tiny_encoder, tmp_path):
    import json

    from stance.schema import DataError
    from training.config import load_config
    from training.train import run

    from .conftest import ROOT, TINY_DATA, tiny_overrides

    records = [json.loads(line) for line in TINY_DATA.read_text().splitlines()]
    all_none = tmp_path / "none.jsonl"
    all_none.write_text("".join(json.dumps({**r, "pairs": [{**p, "stance": "none"} for p in r["pairs"]]}) + "\n"
                                for r in records))
    for key, message in (("data.train", "every training pair is 'none'"), ("data.dev", "no stance pairs")):
        cfg = load_config(ROOT / "configs" / "default.yaml", tiny_overrides(tiny_encoder, tmp_path / "r", **{key: str(all_none)}))
        with pytest.raises(DataError, match=message):
            run(cfg)
        assert not (tmp_path / "r").exists()


def test_resume_skips_an_incomplete_checkpoint_and_stale_folders_go(tmp_path):
    import os

    from training.train import last_complete_checkpoint, remove_stale_runs

    work = tmp_path / "run.work"
    for n, complete in ((10, True), (20, True), (30, False)):  # checkpoint-30: cut off while saving
        (work / f"checkpoint-{n}").mkdir(parents=True)
        if complete:
            (work / f"checkpoint-{n}" / "trainer_state.json").write_text("{}")
    assert last_complete_checkpoint(work).endswith("checkpoint-20")
    assert last_complete_checkpoint(tmp_path / "none") is None
    dead = tmp_path / ".run.staging-999999999"
    mine = tmp_path / f".run.staging-{os.getpid()}"
    dead.mkdir()
    mine.mkdir()
    assert remove_stale_runs(tmp_path / "run") == [dead] and mine.exists() and not dead.exists()


def test_first_calls_from_several_threads_at_once(tiny_run):
    """In a fresh interpreter (nothing imported yet), four threads make their first predict call together."""
    import subprocess
    import sys

    script = f"""
import threading
from stance import predict
results, errors = [], []
barrier = threading.Barrier(4)
def call():
    barrier.wait()
    try:
        results.append(predict("Russia demands neutrality.", model={str(tiny_run)!r}, include_none=True))
    except Exception as err:
        errors.append(repr(err))
threads = [threading.Thread(target=call) for _ in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
assert not errors, errors
assert len(results) == 4 and all(r == results[0] for r in results)
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]


def test_dates_and_text_arguments_are_checked(baseline_run, tmp_path):
    from stance import predict
    from stance.analyze import analyze_many
    from stance.documents import read_documents
    from stance.schema import InputError

    for bad in ("not-a-date", "2022-13-45", "2022-02-30", 2022):
        with pytest.raises(InputError, match="predict: date must be a calendar date"):
            predict("Russia demands neutrality.", model=baseline_run, date=bad)
    with pytest.raises(InputError, match=r"predict: text\[1\] holds a character that is not valid text"):
        predict(["Russia demands neutrality.", "Kyiv \ud800 refuses."], model=baseline_run)
    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"text": "Russia demands neutrality.", "date": "2022-03-29"}\n'
                    '{"text": "Kyiv refuses.", "date": "29.03.2022"}\n')
    with pytest.raises(InputError, match=r"docs.jsonl:2: date must be a calendar date"):
        list(analyze_many(read_documents(docs), baseline_run))
    with pytest.raises(InputError, match="no such file"):
        list(read_documents(tmp_path / "missing.txt"))
    with pytest.raises(InputError, match="is a folder"):
        list(read_documents(tmp_path))
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\xff\xfe\x00\x81binary")
    with pytest.raises(InputError, match="blob.txt: not UTF-8 text"):
        list(read_documents(binary))


def test_non_english_text_warns(baseline_run):
    from stance import predict

    with pytest.warns(UserWarning, match="non-Latin script.*read\\s+English"):
        predict("Росія вимагає нейтралітету України і визнання Криму російським.", model=baseline_run)


def test_validate_reports_every_line_and_checks_actors(tmp_path, capsys):
    from stance.cli import main

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a"\nnot json\n'
                   '{"id": "b", "doc_id": "d", "text": "Moscow wants it.", "date": "2022-02-30", '
                   '"pairs": [{"actor": "moskva", "mention": "Moscow", "target": "neutrality", "stance": "favor"}]}\n')
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "bad.jsonl:1: malformed JSON" in out and "bad.jsonl:2: malformed JSON" in out
    assert "bad.jsonl:3: field 'date'" in out and "'moskva' not in the actor registry" in out
    assert main(["validate", "--any-actor", str(bad)]) == 1 and "moskva" not in capsys.readouterr().out


def test_a_collapsed_transformer_is_detected_and_stops_training(tiny_encoder, tmp_path, monkeypatch):
    from training import train as train_module
    from training.config import load_config
    from training.train import TrainingError, detect_collapse, run

    from .conftest import ROOT, tiny_overrides

    assert detect_collapse(["none"] * 97 + ["favor"] * 3, ["none"] * 60 + ["favor"] * 40)  # a stance for 3 of 40
    assert detect_collapse(["none"] * 60 + ["favor"] * 40, ["none"] * 60 + ["favor"] * 40) is None
    # Force the collapse: the none calibration pushes the none logit far up, so dev is all-none.
    monkeypatch.setattr(train_module, "choose_none_offset", lambda *a, **k: (100.0, 0.0, 0.0))
    out = tmp_path / "run"
    cfg = load_config(ROOT / "configs" / "default.yaml",
                      tiny_overrides(tiny_encoder, out, **{"training.epochs": "1", "training.collapse_retries": "1",
                                                           "training.collapse_check": "true"}))
    with pytest.raises(TrainingError, match=r"collapsed to \(almost\) all-none on dev with every seed tried \(42, 43\)"):
        run(cfg)
    assert not out.exists()


def test_an_ensemble_dominated_by_one_member_says_so(tmp_path, capsys):
    import json

    from stance.cli import main
    from training.config import load_config
    from training.train import run

    from .conftest import ROOT, TINY_DATA

    out = tmp_path / "run"
    run(load_config(ROOT / "configs" / "baseline.yaml",
                    [f"data.train={TINY_DATA}", f"data.dev={TINY_DATA}", f"data.test=[{TINY_DATA}]", f"run.output_dir={out}",
                     "model.scorers.second={type: tfidf, C: 0.01}", "model.ensemble_weights={tfidf: 0.95, second: 0.05}"]))
    warning = json.loads((out / "metrics.json").read_text())["training"]["ensemble"]["warning"]
    assert "carries weight 0.95" in warning and "**Warning:**" in (out / "README.md").read_text()
    assert main(["evaluate", str(out), "--data", str(TINY_DATA)]) == 0
    assert "carries weight 0.95" in capsys.readouterr().err


def test_long_documents_are_scored_in_chunks_with_progress(baseline_run):
    from stance.analyze import analyze_many

    text = " ".join(f"Russia demands neutrality on day {i}." for i in range(600))
    seen = []
    (result,) = analyze_many([text], baseline_run, sentences_per_chunk=100, progress=lambda n, found: seen.append((n, found)))
    assert len(result.sentences) == 600 and [n for n, _ in seen] == [100] * 6
    assert sum(len(found) for _, found in seen) == len(result.statements)


def test_analyze_checks_outputs_first_and_keeps_work_on_interrupt(baseline_run, tmp_path, monkeypatch, capsys):
    import json

    import stance.analyze
    from stance.cli import main

    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"doc_id": f"d{i}", "text": "Russia demands that Ukraine stay neutral."}) + "\n"
                            for i in range(3)))
    taken = tmp_path / "taken"
    taken.write_text("a file")
    assert main(["analyze", str(docs), "--model", str(baseline_run), "--out", str(taken)]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err

    real = stance.analyze.analyze_many

    def interrupted(*args, **kwargs):
        for i, result in enumerate(real(*args, **kwargs, docs_per_batch=1)):
            if i == 2:
                raise KeyboardInterrupt
            yield result

    monkeypatch.setattr(stance.analyze, "analyze_many", interrupted)
    out = tmp_path / "out"
    assert main(["analyze", str(docs), "--model", str(baseline_run), "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "interrupted; 2 document(s)" in err and str(out) in err
    lines = (out / "statements.jsonl").read_text().splitlines()
    assert {json.loads(l)["doc_id"] for l in lines} <= {"d0", "d1"} and (out / "table.json").is_file()
    assert (out / "statements_dna.csv").read_text().count("document,date") == 1


def test_evaluate_checks_its_outputs_before_the_work(baseline_run, tmp_path, capsys):
    from stance.cli import main

    from .conftest import TINY_DATA

    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["evaluate", str(baseline_run), "--data", str(TINY_DATA), "--png", str(blocker)]) == 2
    assert "--png" in capsys.readouterr().err
    assert main(["evaluate", str(baseline_run), "--data", str(TINY_DATA), "--json", str(tmp_path / "new" / "r.json")]) == 0
    assert (tmp_path / "new" / "r.json").is_file()
