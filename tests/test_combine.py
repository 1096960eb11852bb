"""Ensembles: temperature and weights fitted on dev, saved once, applied on load; new scorer types."""

import json

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from stance.baseline import TfidfStanceClassifier
from stance.combine import apply_temperature, fit_temperature, mix, select_weights, weight_grid
from stance.data import record_pairs
from stance.model import RunError, StanceModel
from stance.schema import LABELS, read_records
from stance.scorers import Ensemble, register_scorer
from training.config import ConfigError, load_config
from training.train import run

from .conftest import ROOT, TINY_DATA, tiny_overrides


def test_temperature_softens_an_overconfident_model():
    # Right 60% of the time, always 99% sure: the fitted temperature must soften it, keeping the argmax.
    proba = np.tile([0.005, 0.99, 0.004, 0.001], (10, 1))
    gold = ["favor"] * 6 + ["against"] * 4
    t = fit_temperature(proba, gold)
    assert t > 1.5
    soft = apply_temperature(proba, t)
    assert np.allclose(soft.sum(axis=1), 1) and (soft.argmax(axis=1) == 1).all() and soft[0, 1] < 0.9
    combined = mix([soft, np.tile([0.1, 0.1, 0.8, 0.0], (10, 1))], [0.5, 0.5])
    assert np.allclose(combined.sum(axis=1), 1)


def test_select_weights_follows_the_score_and_breaks_ties_towards_uniform():
    transformer = np.array([[0.0, 1.0, 0.0, 0.0]])
    tfidf = np.array([[0.0, 0.0, 1.0, 0.0]])
    # The score rewards predicting against (column 2): any TF-IDF weight above 0.5 wins; 0.6 is nearest 0.5.
    weights, curve = select_weights([[transformer, tfidf]], lambda p: float(p.argmax(axis=1)[0] == 2))
    assert weights == (0.4, 0.6) and curve[(0.0, 1.0)] == 1.0 and curve[(1.0, 0.0)] == 0.0
    weights, _ = select_weights([[transformer, tfidf]], lambda p: 1.0)  # all equal: uniform
    assert weights == (0.5, 0.5)
    assert len(weight_grid(3)) == 66 and all(abs(sum(w) - 1) < 1e-9 for w in weight_grid(3))


def test_ensemble_config_is_checked():
    with pytest.raises(ConfigError, match="model.ensemble_weights"):
        load_config(ROOT / "configs" / "default.yaml", ["model.ensemble_weights={transformer: 0.7, tfidf: 0.7}"])
    with pytest.raises(ConfigError, match="model.scorers.bert.type.*unknown scorer type"):
        load_config(None, ["model.scorers.bert.encoder=x"])
    with pytest.raises(ConfigError, match="'model.scorers.tfidf.c'.*valid keys of a tfidf scorer"):
        load_config(ROOT / "configs" / "baseline.yaml", ["model.scorers.tfidf.c=2"])
    with pytest.raises(ConfigError, match="'model.scorers.tfidf.C': expected a number"):
        load_config(ROOT / "configs" / "baseline.yaml", ["model.scorers.tfidf.C=lots"])
    with pytest.raises(ConfigError, match="at least one scorer"):
        load_config(ROOT / "configs" / "baseline.yaml", ["model.scorers.tfidf=null"])


def test_tfidf_scorer_is_a_scikit_learn_estimator():
    examples = record_pairs(read_records(TINY_DATA))
    labels = [e.label for e in examples]
    clf = TfidfStanceClassifier(C=2.0)
    assert clf.get_params()["C"] == 2.0 and clone(clf).get_params() == clf.get_params()
    pipe = Pipeline([("tfidf", clone(clf))]).fit(examples, labels)
    assert list(pipe.classes_) == list(LABELS) and len(pipe.predict(examples[:5])) == 5
    assert pipe.predict_proba(examples[:5]).shape == (5, 4)


def test_run_with_ensemble_saves_once_and_applies_it(tiny_encoder, tmp_path):
    out = tmp_path / "run"
    run(load_config(ROOT / "configs" / "default.yaml",
                    tiny_overrides(tiny_encoder, out, **{"model.scorers.tfidf": "{C: 4.0}"})))
    entry = json.loads((out / "stance.json").read_text())["scorer"]
    assert entry["type"] == "ensemble" and [m["name"] for m in entry["members"]] == ["transformer", "tfidf"]
    assert abs(sum(entry["weights"]) - 1) < 1e-9 and entry["temperatures"][0] > 0 and entry["temperatures"][1] == 1.0
    info = json.loads((out / "metrics.json").read_text())["training"]["ensemble"]
    assert len(info["dev_curve"]) == 11
    assert "ensemble: `transformer`" in (out / "README.md").read_text()

    model = StanceModel.from_pretrained(out)
    examples = record_pairs(read_records(TINY_DATA, model.targets))[:40]
    transformer, tfidf = model.scorer.scorers
    expected = mix([apply_temperature(transformer.predict_proba(examples), entry["temperatures"][0]),
                    tfidf.predict_proba(examples)], entry["weights"])
    got = model.predict_proba(examples)
    assert np.allclose(got, expected) and np.allclose(got.sum(axis=1), 1)
    # the dev scores the ensemble was fitted on are the saved members' own scores on dev
    from stance.evaluate import compute_metrics
    from stance.scorers import labels_of

    dev = record_pairs(read_records(TINY_DATA, model.targets))
    alone = compute_metrics(labels_of(transformer.predict_proba(dev)), [e.label for e in dev])["macro_f1"]
    assert abs(info["dev_macro_f1_transformer"] - alone) < 1e-6

    (out / "tfidf.joblib").write_bytes(b"not a joblib file")
    with pytest.raises(RunError, match="tfidf.joblib has 17 bytes"):
        StanceModel.from_pretrained(out)


@register_scorer("target_prior")
class TargetPrior:
    """A new scorer type for the test: each target's label frequencies in training (one class, registered)."""

    def __init__(self, smoothing: float = 1.0):
        self.smoothing = smoothing

    def fit(self, examples, labels):
        counts = {}
        for e, label in zip(examples, labels):
            counts.setdefault(e.target, np.full(len(LABELS), self.smoothing))[LABELS.index(label)] += 1
        self.prior_ = {t: c / c.sum() for t, c in counts.items()}
        return self

    def predict_proba(self, examples):
        uniform = np.full(len(LABELS), 1 / len(LABELS))
        return np.array([self.prior_.get(e.target, uniform) for e in examples])


def test_a_new_scorer_type_joins_an_ensemble_from_config(tmp_path):
    out = tmp_path / "two"
    cfg = load_config(ROOT / "configs" / "baseline.yaml",
                      [f"data.train={TINY_DATA}", f"data.dev={TINY_DATA}", f"data.test=[{TINY_DATA}]",
                       f"run.output_dir={out}", "model.scorers.prior={type: target_prior, smoothing: 0.5}"])
    run(cfg)
    model = StanceModel.from_pretrained(out)
    assert isinstance(model.scorer, Ensemble) and [type(s).__name__ for s in model.scorer.scorers] == [
        "TfidfStanceClassifier", "TargetPrior"]
    assert model.scorer.scorers[1].smoothing == 0.5 and "prior: target_prior" in model.kind
    examples = record_pairs(read_records(TINY_DATA, model.targets))
    assert model.predict_proba(examples).shape == (len(examples), 4)
