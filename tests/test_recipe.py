"""Recipe options of transformer scorers: mean pooling and a separate head learning rate."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import ROOT, TINY_DATA, tiny_overrides


@pytest.fixture(scope="module")
def mean_run(tiny_encoder, tmp_path_factory):
    from training.config import load_config
    from training.train import run

    out = tmp_path_factory.mktemp("runs") / "mean"
    overrides = tiny_overrides(tiny_encoder, out, **{"model.scorers.transformer.pooling": "mean",
                                                     "training.head_learning_rate": "5e-3"})
    return run(load_config(ROOT / "configs" / "default.yaml", overrides))


def test_mean_pooling_run_saves_encoder_and_head_and_loads_back_the_same_scores(mean_run):
    from stance.data import record_pairs
    from stance.model import StanceModel
    from stance.pooling import HEAD_FILE, MeanPoolingClassifier
    from stance.schema import read_records

    entry = json.loads((mean_run / "stance.json").read_text())["scorer"]
    assert entry["pooling"] == "mean"
    assert HEAD_FILE in json.loads((mean_run / "manifest.json").read_text())["files"]
    model = StanceModel.from_pretrained(mean_run)
    assert isinstance(model.scorer.model, MeanPoolingClassifier)
    examples = record_pairs(read_records(TINY_DATA, model.targets))[:20]
    first = model.scorer.predict_proba(examples)
    again = StanceModel.from_pretrained(mean_run).scorer.predict_proba(examples)
    np.testing.assert_allclose(first, again, atol=1e-6)
    assert np.allclose(first.sum(axis=1), 1.0)
    # the saved metrics are the scores of the saved model: the card's numbers are reproducible
    assert "head.safetensors" in (mean_run / "README.md").read_text()


def test_mean_pooling_reads_the_mean_of_the_unmasked_tokens(tiny_encoder):
    import torch

    from stance.pooling import MeanPoolingClassifier

    model = MeanPoolingClassifier.from_encoder(tiny_encoder, {0: "a", 1: "b"}).eval()
    ids = torch.tensor([[101, 2000, 2001, 102]])
    padded = torch.tensor([[101, 2000, 2001, 102, 0, 0]])
    short = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
    long = model(input_ids=padded, attention_mask=torch.tensor([[1, 1, 1, 1, 0, 0]])).logits
    torch.testing.assert_close(short, long, atol=1e-5, rtol=1e-5)  # padding changes nothing


def test_head_learning_rate_gives_the_head_its_own_rate(tiny_encoder):
    from stance.pooling import MeanPoolingClassifier
    from training.config import TrainingSettings
    from training.train import head_and_body_optimizer

    model = MeanPoolingClassifier.from_encoder(tiny_encoder, {0: "a", 1: "b"})
    optimizer = head_and_body_optimizer(model, TrainingSettings(learning_rate=1e-4, head_learning_rate=2e-3))
    head = {id(p) for p in model.classifier.parameters()}
    for group in optimizer.param_groups:
        in_head = {id(p) in head for p in group["params"]}
        assert len(in_head) == 1, "a group mixes head and encoder parameters"
        assert group["lr"] == (2e-3 if in_head.pop() else 1e-4)
        assert group["weight_decay"] == (0.0 if all(p.ndim == 1 for p in group["params"]) else 0.01)
    assert sum(len(g["params"]) for g in optimizer.param_groups) == len(list(model.parameters()))
    assert optimizer.defaults["fused"], "as Trainer's own default optimizer (adamw_torch_fused)"


def test_layer_lr_decay_scales_each_encoder_layer_below_the_top(tiny_encoder):
    from stance.pooling import MeanPoolingClassifier
    from training.config import TrainingSettings
    from training.train import head_and_body_optimizer

    model = MeanPoolingClassifier.from_encoder(tiny_encoder, {0: "a", 1: "b"})
    optimizer = head_and_body_optimizer(model, TrainingSettings(learning_rate=1e-4, head_learning_rate=2e-3,
                                                               layer_lr_decay=0.5))
    rate = {id(p): g["lr"] for g in optimizer.param_groups for p in g["params"]}
    names = dict(model.named_parameters())
    top = max(int(n.split(".layer.")[1].split(".")[0]) for n in names if ".layer." in n)
    for name, param in names.items():
        if name.startswith("classifier."):
            expected = 2e-3
        elif ".layer." in name:
            expected = 1e-4 * 0.5 ** (top - int(name.split(".layer.")[1].split(".")[0]))
        elif "embeddings." in name:
            expected = 1e-4 * 0.5 ** (top + 1)
        else:
            expected = 1e-4
        assert rate[id(param)] == pytest.approx(expected), name
    assert top >= 1, "the tiny encoder needs two layers for this test to mean anything"


def test_pooling_is_checked_in_the_config():
    from training.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="model.scorers.transformer.pooling"):
        load_config(ROOT / "configs" / "default.yaml", ["model.scorers.transformer.pooling=max"])
    with pytest.raises(ConfigError, match="training.head_learning_rate"):
        load_config(ROOT / "configs" / "default.yaml", ["training.head_learning_rate=-1"])
    with pytest.raises(ConfigError, match="training.layer_lr_decay"):
        load_config(ROOT / "configs" / "default.yaml", ["training.layer_lr_decay=0"])


@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_dev_scores_kept_from_training_are_the_models_own_scores(tiny_encoder, pooling, tmp_path):
    """Training scores dev once (sorted by length) and hands the scores on; they must be the
    scores the model gives the dev pairs in their own order, and only those pairs."""
    from stance.actors import ActorRegistry
    from stance.data import InputFormatter, InputSettings, record_pairs
    from stance.schema import load_targets, read_records
    from training.config import TrainingSettings
    from training.train import fit

    targets = load_targets()
    formatter = InputFormatter(InputSettings(max_length=96), ActorRegistry.load(), targets)
    examples = record_pairs(read_records(TINY_DATA, targets))
    training = TrainingSettings(epochs=1, batch_size=16, eval_batch_size=8, learning_rate=1e-3,
                                collapse_check=False, early_stopping_patience=0)
    settings = {"type": "transformer", "encoder": str(tiny_encoder), "encoder_sha256": None, "pooling": pooling}
    model, _ = fit(examples, examples, formatter, scorers={"transformer": settings}, training=training,
                   work_dir=tmp_path)
    kept = model.scorer.predict_proba(examples)
    reordered = model.scorer.predict_proba(examples[::-1])  # not the remembered list: scored afresh
    np.testing.assert_allclose(reordered[::-1], kept, atol=1e-5)
    model.scorer._remembered = None
    np.testing.assert_allclose(model.scorer.predict_proba(examples), kept, atol=1e-5)


def test_evaluate_from_epoch_skips_early_dev_passes(tiny_encoder, tmp_path):
    """Epochs before training.evaluate_from_epoch are trained and saved but not scored on dev."""
    from stance.actors import ActorRegistry
    from stance.data import InputFormatter, InputSettings, record_pairs
    from stance.schema import load_targets, read_records
    from training.config import TrainingSettings
    from training.train import fit

    targets = load_targets()
    formatter = InputFormatter(InputSettings(max_length=96), ActorRegistry.load(), targets)
    examples = record_pairs(read_records(TINY_DATA, targets))
    training = TrainingSettings(epochs=3, batch_size=16, eval_batch_size=8, learning_rate=1e-3, collapse_check=False,
                                early_stopping_patience=0, evaluate_from_epoch=3)
    settings = {"type": "transformer", "encoder": str(tiny_encoder), "encoder_sha256": None}
    _, info = fit(examples, examples, formatter, scorers={"transformer": settings}, training=training,
                  work_dir=tmp_path / "work")
    member = info["scorers"]["transformer"]
    assert [h["epoch"] for h in member["dev_history"]] == [3.0]
    assert member["best_checkpoint"].endswith(f"checkpoint-{member['train_steps']}")


def test_evaluate_from_epoch_is_checked():
    from training.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="training.evaluate_from_epoch"):
        load_config(None, ["training.evaluate_from_epoch=0"])
