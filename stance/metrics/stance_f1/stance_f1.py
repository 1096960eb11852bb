"""Stance metrics as a local `evaluate` module: per-label P/R/F1, macro-F1 and F_avg.

Loaded by path, so no hub access is needed::

    >>> import evaluate
    >>> metric = evaluate.load("stance/metrics/stance_f1")  # doctest: +SKIP
    >>> metric.compute(predictions=["favor", "none"], references=["favor", "against"])  # doctest: +SKIP

F_avg is the SemEval-2016 Task 6 convention: the mean of the F1 of ``favor`` and ``against``.
Macro-F1 averages F1 over ``labels`` (default: the four stance labels), whether or not a label
occurs, so a model that never predicts a label scores 0 on it.
"""

import datasets
import evaluate

_DESCRIPTION = "Per-label precision, recall and F1, macro-F1 and F_avg (mean F1 of favor and against) for stance labels."
_KWARGS = """
Args:
    predictions (list of str): predicted labels.
    references (list of str): gold labels.
    labels (list of str, optional): labels to report and average over; default none, favor, against, neutral.
    favor_label, against_label (str, optional): the two labels F_avg averages; default favor and against.
Returns:
    dict with macro_f1, f_avg, accuracy, support, per_label {label: {precision, recall, f1, support}},
    confusion (rows gold, columns predicted, in `labels` order) and labels.
"""
_CITATION = """@inproceedings{mohammad-etal-2016-semeval, title={SemEval-2016 Task 6: Detecting Stance in Tweets},
author={Mohammad, Saif and Kiritchenko, Svetlana and Sobhani, Parinaz and Zhu, Xiaodan and Cherry, Colin}, year={2016}}"""
DEFAULT_LABELS = ["none", "favor", "against", "neutral"]


def _safe_div(a, b):
    return a / b if b else 0.0


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class StanceF1(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS,
            features=datasets.Features({"predictions": datasets.Value("string"), "references": datasets.Value("string")}),
        )

    def _compute(self, predictions, references, labels=None, favor_label="favor", against_label="against"):
        labels = list(labels) if labels is not None else list(DEFAULT_LABELS)
        index = {label: i for i, label in enumerate(labels)}
        unknown = sorted({x for x in list(predictions) + list(references) if x not in index})
        if unknown:
            raise ValueError(f"labels {unknown} are not among {labels}")
        confusion = [[0] * len(labels) for _ in labels]
        for p, r in zip(predictions, references):
            confusion[index[r]][index[p]] += 1
        per_label = {}
        for label, i in index.items():
            tp = confusion[i][i]
            predicted = sum(row[i] for row in confusion)
            gold = sum(confusion[i])
            precision, recall = _safe_div(tp, predicted), _safe_div(tp, gold)
            per_label[label] = {
                "precision": precision,
                "recall": recall,
                "f1": _safe_div(2 * precision * recall, precision + recall),
                "support": gold,
            }
        n = len(references)
        f_avg_labels = [l for l in (favor_label, against_label) if l in per_label]
        return {
            "macro_f1": sum(v["f1"] for v in per_label.values()) / len(labels),
            "f_avg": _safe_div(sum(per_label[l]["f1"] for l in f_avg_labels), len(f_avg_labels)),
            "accuracy": _safe_div(sum(confusion[i][i] for i in range(len(labels))), n),
            "support": n,
            "per_label": per_label,
            "confusion": confusion,
            "labels": labels,
        }
