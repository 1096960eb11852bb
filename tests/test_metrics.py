import random

import pytest
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from stance.evaluate import compute_metrics, load_metric
from stance.schema import LABELS


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metric_module_matches_scikit_learn(seed):
    rng = random.Random(seed)
    gold = rng.choices(LABELS, weights=[70, 10, 10, 10], k=300)
    pred = [g if rng.random() < 0.6 else rng.choice(LABELS) for g in gold]
    m = compute_metrics(pred, gold)
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=list(LABELS), zero_division=0)
    for i, label in enumerate(LABELS):
        assert m["per_label"][label]["precision"] == pytest.approx(p[i])
        assert m["per_label"][label]["recall"] == pytest.approx(r[i])
        assert m["per_label"][label]["f1"] == pytest.approx(f[i])
        assert m["per_label"][label]["support"] == s[i]
    assert m["macro_f1"] == pytest.approx(f1_score(gold, pred, labels=list(LABELS), average="macro", zero_division=0))
    assert m["f_avg"] == pytest.approx((f[1] + f[2]) / 2)
    assert m["confusion"] == confusion_matrix(gold, pred, labels=list(LABELS)).tolist()


def test_all_none_predictions_score_low_macro_f1():
    gold = ["none"] * 90 + ["favor"] * 5 + ["against"] * 5
    m = compute_metrics(["none"] * 100, gold)
    assert m["accuracy"] == 0.9 and m["f_avg"] == 0 and m["macro_f1"] < 0.25


def test_unknown_label_is_rejected():
    with pytest.raises(ValueError, match="maybe"):
        compute_metrics(["maybe"], ["none"])


def test_module_loads_by_path_with_evaluate():
    metric = load_metric()
    out = metric.compute(predictions=["favor", "against"], references=["favor", "favor"], labels=["favor", "against"])
    assert out["per_label"]["favor"]["recall"] == 0.5
