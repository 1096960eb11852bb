"""One real end-to-end run on the packaged all-MiniLM-L6-v2 encoder: train, save, reload, evaluate,
predict. Small enough for CI (the fixture corpus, a few epochs on two cores)."""

import json

import pytest

from stance import predict
from stance.evaluate import compute_metrics, evaluate_run
from training.config import load_config
from training.train import run

from .conftest import ROOT, TINY_DATA


@pytest.mark.slow
def test_real_encoder_learns_the_fixture(tmp_path):
    overrides = [f"data.train={TINY_DATA}", f"data.dev={TINY_DATA}", f"data.test=[{TINY_DATA}]",
                 f"run.output_dir={tmp_path / 'real'}", "training.epochs=6", "training.batch_size=16",
                 "training.learning_rate=2e-4", "training.class_weights=balanced", "training.early_stopping_patience=0",
                 "training.none_keep=1.0", "training.hard_none_keep=1.0"]
    run_dir = run(load_config(ROOT / "configs" / "default.yaml", overrides))
    report = evaluate_run(run_dir, TINY_DATA)
    gold = [p["stance"] for line in TINY_DATA.read_text().splitlines() for p in json.loads(line)["pairs"]]
    all_none = compute_metrics(["none"] * len(gold), gold)["macro_f1"]
    # A model that collapsed to all-none scores about 0.24; fitting its training data must beat that clearly.
    assert report["overall"]["macro_f1"] > all_none + 0.2
    assert report["overall"]["per_label"]["favor"]["f1"] > 0
    # The shipped config is an ensemble with a TF-IDF model; the transformer alone must learn too.
    from stance.model import StanceModel

    model = StanceModel.from_pretrained(run_dir)
    transformer = model.scorer.scorers[model.scorer.names.index("transformer")]
    alone = StanceModel(model.formatter, transformer)
    assert evaluate_run(alone, TINY_DATA)["overall"]["macro_f1"] > all_none + 0.2
    preds = predict("Putin also demands that Ukraine be demilitarized.", model=run_dir, include_none=True)
    assert {p.actor for p in preds} == {"putin", "ukraine"}
