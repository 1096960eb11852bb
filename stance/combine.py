"""Combining a fine-tuned transformer with the TF-IDF model: temperature, weight, average.

A fine-tuned encoder and an n-gram logistic regression make different mistakes; averaging their
probabilities beats either on the corpus and on SemEval-2016 (see the README). The transformer is
over-confident after a few epochs, so its probabilities are first softened by a temperature fitted
on dev; the weight of the TF-IDF probabilities is then chosen on dev too.

Example:
    >>> import numpy as np
    >>> p = np.array([[0.9, 0.1, 0.0, 0.0]]); q = np.array([[0.5, 0.5, 0.0, 0.0]])
    >>> combine(p, q, 0.5).round(2).tolist()
    [[0.7, 0.3, 0.0, 0.0]]
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .schema import LABELS

#: TF-IDF weights tried when the weight is chosen on dev.
WEIGHT_GRID = tuple(round(0.1 * i, 1) for i in range(11))


def apply_temperature(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities re-scaled as ``softmax(log(p) / T)``: T > 1 softens an over-confident model."""
    logits = np.log(np.clip(proba, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    out = np.exp(logits)
    return out / out.sum(axis=1, keepdims=True)


def fit_temperature(proba: np.ndarray, gold: Sequence[str]) -> float:
    """The temperature (grid 0.25 .. 8) minimising the negative log-likelihood of ``gold``."""
    idx = np.array([LABELS.index(g) for g in gold])
    grid = np.exp(np.linspace(np.log(0.25), np.log(8.0), 81))

    def nll(t):
        p = apply_temperature(proba, t)[np.arange(len(idx)), idx]
        return -float(np.mean(np.log(np.clip(p, 1e-12, 1.0))))

    return float(min(grid, key=nll))


def combine(transformer: np.ndarray, tfidf: np.ndarray, tfidf_weight: float) -> np.ndarray:
    """``(1 - w) * transformer + w * tfidf`` probabilities."""
    return (1 - tfidf_weight) * transformer + tfidf_weight * tfidf


def select_weight(transformer: Sequence[np.ndarray], tfidf: np.ndarray, score: Callable[[np.ndarray], float],
                  grid: Sequence[float] = WEIGHT_GRID) -> tuple[float, dict[float, float]]:
    """The TF-IDF weight of ``grid`` with the best mean ``score`` over the given transformer runs.

    ``score`` maps combined dev probabilities to a number to maximise (e.g. dev macro-F1). Ties go
    to the weight nearest 0.5. Returns the weight and the mean score of every grid weight.
    """
    curve = {w: float(np.mean([score(combine(p, tfidf, w)) for p in transformer])) for w in grid}
    best = max(curve.values())
    return min((w for w, v in curve.items() if v >= best - 1e-9), key=lambda w: abs(w - 0.5)), curve
