import json
import logging

import pytest

from training.config import load_config
from stance.encoder import EncoderError, resolve_encoder
from training import train as train_module
from training.train import class_weights, run

from .conftest import ROOT, tiny_overrides


def test_run_directory_is_complete(tiny_run):
    for name in ("config.json", "model.safetensors", "tokenizer.json", "stance.json", "actors.yaml", "targets.yaml",
                 "config.yaml", "metrics.json", "README.md", "eval_dev.json", "eval_tiny.json", "confusion_tiny.png"):
        assert (tiny_run / name).is_file(), name
    metrics = json.loads((tiny_run / "metrics.json").read_text())
    assert set(metrics) == {"training", "dev", "tiny"}
    assert metrics["training"]["train_pairs"] == 195
    card = (tiny_run / "README.md").read_text()
    assert "| tiny | 195 |" in card and "base_model:" in card
    assert not list(tiny_run.parent.glob(".tiny.staging-*")) and not (tiny_run.parent / "tiny.work").exists()


def test_resolved_config_is_saved(tiny_run):
    saved = load_config(tiny_run / "config.yaml")
    assert saved.training.epochs == 2 and saved.run.output_dir == str(tiny_run)


def test_interrupted_training_keeps_the_last_good_run(tiny_encoder, tmp_path, monkeypatch):
    out = tmp_path / "run"
    cfg = load_config(ROOT / "configs" / "default.yaml", tiny_overrides(tiny_encoder, out, **{"training.epochs": "1"}))
    run(cfg)
    before = (out / "model.safetensors").read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("simulated interruption")

    monkeypatch.setattr(train_module, "evaluate_run", crash)
    with pytest.raises(KeyboardInterrupt):
        run(load_config(ROOT / "configs" / "default.yaml", tiny_overrides(tiny_encoder, out, **{"run.seed": "3", "training.epochs": "1"})))
    assert (out / "model.safetensors").read_bytes() == before
    assert (out / "stance.json").is_file()
    assert not list(tmp_path.glob(".run.staging-*"))


def test_encoder_hash_mismatch_is_refused(tiny_encoder, tmp_path):
    with pytest.raises(EncoderError, match="sha256"):
        resolve_encoder(str(tiny_encoder), "0" * 64)
    cfg = load_config(ROOT / "configs" / "default.yaml",
                      tiny_overrides(tiny_encoder, tmp_path / "r", **{"model.scorers.transformer.encoder_sha256": "0" * 64}))
    with pytest.raises(EncoderError):
        run(cfg)
    assert not (tmp_path / "r").exists()


def test_default_encoder_is_verified():
    path = resolve_encoder("default")
    assert path.endswith("model")
    with pytest.raises(EncoderError, match="does not exist"):
        resolve_encoder("./no/such/encoder")


@pytest.mark.parametrize("recipe", [{}, {"model.scorers.transformer.pooling": "mean", "training.head_learning_rate": "5e-3"}],
                         ids=["cls", "mean pooling with a head rate"])
def test_resume_from_checkpoint(tiny_encoder, tmp_path, caplog, recipe):
    out = tmp_path / "run"
    first = tiny_overrides(tiny_encoder, out, **{"training.epochs": "1", "run.keep_checkpoints": "true", **recipe})
    run(load_config(ROOT / "configs" / "default.yaml", first))
    assert list((tmp_path / "run.work").glob("checkpoint-*"))
    resumed = tiny_overrides(tiny_encoder, out, **{"training.epochs": "2", "run.resume": "true", **recipe})
    with caplog.at_level(logging.INFO, logger="stance.train"):
        run(load_config(ROOT / "configs" / "default.yaml", resumed))
    assert any("resuming from" in r.message and "checkpoint-" in r.message for r in caplog.records)


def test_bad_data_fails_before_training(tiny_encoder, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n')
    cfg = load_config(ROOT / "configs" / "default.yaml", tiny_overrides(tiny_encoder, tmp_path / "r", **{"data.test": f"[{bad}]"}))
    with pytest.raises(Exception, match=r"bad.jsonl:1"):
        run(cfg)


def test_class_weights_favour_rare_labels():
    labels = ["none"] * 80 + ["favor"] * 10 + ["against"] * 5 + ["neutral"] * 5
    balanced, sqrt, flat = (class_weights(labels, m) for m in ("balanced", "sqrt", "none"))
    assert balanced[0] < sqrt[0] < 1 and balanced[2] > sqrt[2] > 1
    assert flat == [1.0] * 4


def test_baseline_run(baseline_run):
    assert (baseline_run / "tfidf.joblib").is_file()
    metrics = json.loads((baseline_run / "metrics.json").read_text())
    # The baseline fits its own training data: far above the all-none macro-F1 of about 0.24.
    assert metrics["tiny"]["macro_f1"] > 0.5


def test_subsample_none_keeps_stances_and_prefers_hard_negatives():
    from stance.data import PairExample
    from training.train import subsample_none

    examples = [PairExample("t", "a", "neutrality", label="favor", record_id="s1")]
    examples += [PairExample("t", f"b{i}", "neutrality", label="none", record_id="s1") for i in range(200)]
    examples += [PairExample("t", f"c{i}", "neutrality", label="none", record_id="s2") for i in range(200)]
    kept = subsample_none(examples, keep=0.1, hard_keep=0.9, seed=0)
    assert kept[0].label == "favor"
    hard = sum(e.record_id == "s1" and e.label == "none" for e in kept)
    easy = sum(e.record_id == "s2" for e in kept)
    assert 160 < hard < 200 and 5 < easy < 40
    assert subsample_none(examples, 1.0, 1.0, 0) == examples


def test_none_offset_is_chosen_on_dev_and_stored_in_the_checkpoint(tiny_run):
    import numpy as np

    from training.train import choose_none_offset

    # Logits that over-predict favor: shifting none up by ~2 recovers the gold labels.
    labels = np.array([0] * 8 + [1] * 2)
    logits = np.zeros((10, 4))
    logits[:, 1] = 1.0
    logits[8:, 1] = 3.0
    offset, before, after = choose_none_offset(logits, labels)
    assert 1.0 <= offset < 3.0 and after > before
    assert choose_none_offset(np.eye(4)[labels] * 5, labels)[0] == 0.0  # already right: no shift
    metrics = json.loads((tiny_run / "metrics.json").read_text())["training"]["scorers"]["transformer"]
    assert "none_logit_offset" in metrics


def test_selection_metric_f_avg_picks_epochs_and_calibrates_by_f_avg(tiny_encoder, tmp_path):
    import numpy as np

    from training.config import load_config
    from training.train import choose_none_offset, run

    # F_avg ignores none's own F1: with none over-predicted on stance pairs, shifting none down helps it.
    labels = np.array([0] * 6 + [1] * 2 + [2] * 2)
    logits = np.zeros((10, 4))
    logits[:, 0] = 1.0
    logits[6:8, 1] = 0.5
    logits[8:, 2] = 0.5
    offset, before, after = choose_none_offset(logits, labels, "f_avg")
    assert offset < 0 and after > before
    out = tmp_path / "run"
    run(load_config(ROOT / "configs" / "default.yaml",
                      tiny_overrides(tiny_encoder, out, **{"training.selection_metric": "f_avg"})))
    info = json.loads((out / "metrics.json").read_text())["training"]["scorers"]["transformer"]
    assert "best_dev_f_avg" in info and "best_dev_macro_f1" not in info
    assert "dev_f_avg_before_calibration" in info
    assert "best dev F_avg" in (out / "README.md").read_text()
