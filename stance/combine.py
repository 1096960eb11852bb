"""Combining scorers: temperature, weights, weighted average.

A fine-tuned encoder and an n-gram logistic regression make different mistakes; averaging their
probabilities beats either on the corpus and on SemEval-2016 (see docs/RESULTS.md). The transformer
is over-confident after a few epochs, so its probabilities are first softened by a temperature
fitted on dev; the members' weights are then chosen on dev too. :class:`stance.scorers.Ensemble`
applies the result.

Example:
    >>> import numpy as np
    >>> p = np.array([[0.9, 0.1, 0.0, 0.0]]); q = np.array([[0.5, 0.5, 0.0, 0.0]])
    >>> mix([p, q], [0.5, 0.5]).round(2).tolist()
    [[0.7, 0.3, 0.0, 0.0]]
"""

from __future__ import annotations

import itertools
from typing import Callable, Sequence

import numpy as np

from .schema import LABELS

#: Step of the weight grid searched on dev (0, 0.1, ..., 1 for each member, summing to 1).
WEIGHT_STEP = 0.1


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


def mix(probas: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """``sum(w_i * p_i)``: the weighted average of the members' probabilities."""
    out = None
    for proba, weight in zip(probas, weights):
        out = weight * proba if out is None else out + weight * proba
    return out


def weight_grid(members: int, step: float = WEIGHT_STEP) -> list[tuple[float, ...]]:
    """Every weight vector of ``members`` non-negative multiples of ``step`` that sums to 1.

    >>> weight_grid(2, 0.5)
    [(1.0, 0.0), (0.5, 0.5), (0.0, 1.0)]
    """
    n = round(1 / step)
    grid = [combo for combo in itertools.product(range(n + 1), repeat=members - 1) if sum(combo) <= n]
    return [tuple(round(k / n, 10) for k in (n - sum(combo), *combo)) for combo in grid]


def select_weights(runs: Sequence[Sequence[np.ndarray]], score: Callable[[np.ndarray], float],
                   step: float = WEIGHT_STEP) -> tuple[tuple[float, ...], dict[tuple[float, ...], float]]:
    """The member weights with the best mean ``score`` over runs.

    ``runs`` holds, per run (e.g. per seed), the dev probabilities of every member in the same order;
    ``score`` maps combined probabilities to a number to maximise (e.g. dev macro-F1). Ties go to
    the weights nearest the uniform average. Returns the weights and the mean score of every grid point.
    """
    members = len(runs[0])
    curve = {w: float(np.mean([score(mix(probas, w)) for probas in runs])) for w in weight_grid(members, step)}
    best = max(curve.values())
    return min((w for w, v in curve.items() if v >= best - 1e-9),
               key=lambda w: sum(abs(x - 1 / members) for x in w)), curve
