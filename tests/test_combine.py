import json

import numpy as np
import pytest

from stance.combine import apply_temperature, combine, fit_temperature, select_weight
from stance.config import ConfigError, load_config

from .conftest import ROOT, tiny_overrides


def test_temperature_softens_an_overconfident_model():
    # Right 60% of the time, always 99% sure: the fitted temperature must soften it, keeping the argmax.
    proba = np.tile([0.005, 0.99, 0.004, 0.001], (10, 1))
    gold = ["favor"] * 6 + ["against"] * 4
    t = fit_temperature(proba, gold)
    assert t > 1.5
    soft = apply_temperature(proba, t)
    assert np.allclose(soft.sum(axis=1), 1) and (soft.argmax(axis=1) == 1).all() and soft[0, 1] < 0.9
    combined = combine(soft, np.tile([0.1, 0.1, 0.8, 0.0], (10, 1)), 0.5)
    assert np.allclose(combined.sum(axis=1), 1)


def test_select_weight_follows_the_score_and_breaks_ties_towards_half():
    transformer = np.array([[0.0, 1.0, 0.0, 0.0]])
    tfidf = np.array([[0.0, 0.0, 1.0, 0.0]])
    # The score rewards predicting against (column 2): any weight above 0.5 wins; 0.6 is nearest 0.5.
    weight, curve = select_weight([transformer], tfidf, lambda p: float(p.argmax(axis=1)[0] == 2))
    assert weight == 0.6 and curve[1.0] == 1.0 and curve[0.0] == 0.0
    weight, _ = select_weight([transformer], tfidf, lambda p: 1.0)  # all equal: 0.5
    assert weight == 0.5


def test_partner_needs_a_transformer_and_a_weight_in_range():
    with pytest.raises(ConfigError, match="model.tfidf_partner"):
        load_config(None, ["model.type=tfidf", "model.tfidf_partner=true"])
    with pytest.raises(ConfigError, match="model.tfidf_partner_weight"):
        load_config(None, ["model.tfidf_partner=true", "model.tfidf_partner_weight=1.5"])


def test_run_with_partner_saves_and_applies_it(tiny_encoder, tmp_path):
    from stance.data import record_pairs
    from stance.model import StanceModel
    from stance.schema import read_records
    from training.train import train

    out = tmp_path / "run"
    train(load_config(ROOT / "configs" / "default.yaml", tiny_overrides(tiny_encoder, out, **{"model.tfidf_partner": "true"})))
    meta = json.loads((out / "stance.json").read_text())["tfidf_partner"]
    assert (out / meta["file"]).is_file() and 0 <= meta["weight"] <= 1 and meta["temperature"] > 0
    info = json.loads((out / "metrics.json").read_text())["training"]["tfidf_partner"]
    assert set(info["dev_curve"]) == {str(round(0.1 * i, 1)) for i in range(11)}
    assert "TF-IDF partner" in (out / "README.md").read_text()

    model = StanceModel.from_pretrained(out)
    examples = record_pairs(read_records(ROOT / "tests" / "fixtures" / "tiny.jsonl", model.targets))[:40]
    got = model.predict_proba(examples)
    partner = model.partner
    model.partner = None  # the transformer alone, then the average by hand
    alone = model.predict_proba(examples)
    expected = combine(apply_temperature(alone, meta["temperature"]), partner.predict_proba(examples), meta["weight"])
    assert np.allclose(got, expected) and np.allclose(got.sum(axis=1), 1)


def test_damaged_partner_is_a_clear_error(tiny_encoder, tmp_path):
    from stance.model import RunError, StanceModel
    from training.train import train

    out = tmp_path / "run"
    train(load_config(ROOT / "configs" / "default.yaml",
                      tiny_overrides(tiny_encoder, out, **{"model.tfidf_partner": "true", "model.tfidf_partner_weight": "0.3"})))
    assert json.loads((out / "stance.json").read_text())["tfidf_partner"]["weight"] == 0.3
    (out / "tfidf_partner.joblib").write_bytes(b"not a joblib file")
    with pytest.raises(RunError, match="tfidf_partner.joblib cannot be loaded"):
        StanceModel.from_pretrained(out)
