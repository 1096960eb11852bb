"""The TF-IDF + logistic regression baseline, trained on exactly the pairs the transformer sees.

A bag of words cannot tell which actor of a sentence it is asked about, so the features are
conditioned on the pair: the sentence's n-grams crossed with the target, the words in a window
around the actor's mention crossed with the target, and the actor and target ids. Character
n-grams of the sentence catch spelling variants.

It is a scikit-learn estimator (``get_params``, ``clone``, ``Pipeline`` and grid search work) whose
inputs are :class:`~stance.data.PairExample` objects and whose classes are the four stance labels.

Example:
    >>> from stance.data import PairExample
    >>> X = [PairExample("Moscow demands neutrality.", "russia", "neutrality", "Moscow"),
    ...      PairExample("Kyiv rejects neutrality.", "ukraine", "neutrality", "Kyiv")] * 3
    >>> clf = TfidfStanceClassifier().fit(X, ["favor", "against"] * 3)
    >>> clf.predict(X[:2])
    ['favor', 'against']
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from .data import PairExample
from .schema import LABELS
from .scorers import labels_of

_WORD = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _pair_tokens(ex: PairExample, window: int = 6) -> str:
    """Space-separated symbolic tokens for one pair: target-crossed words and mention window."""
    words = _words(ex.text)
    t = ex.target
    tokens = [f"T={t}", f"A={ex.actor}", f"A={ex.actor}|T={t}"]
    tokens += [f"{t}|{w}" for w in words]
    tokens += [f"{t}|{a}_{b}" for a, b in zip(words, words[1:])]
    mention = _words(ex.mention or "")
    pos = next((i for i in range(len(words)) if words[i:i + len(mention)] == mention), None) if mention else None
    if pos is None:
        tokens.append("MENTION=absent")
    else:
        left = words[max(0, pos - window):pos]
        right = words[pos + len(mention):pos + len(mention) + window]
        tokens += [f"L|{t}|{w}" for w in left] + [f"R|{t}|{w}" for w in right]
        tokens += [f"L|{w}" for w in left] + [f"R|{w}" for w in right]
    return " ".join(tokens)


class TfidfStanceClassifier(ClassifierMixin, BaseEstimator):
    """TF-IDF features + multinomial logistic regression over the four stance labels.

    Parameters are stored as given (scikit-learn convention); learned state ends in ``_``;
    ``classes_`` are the labels in ``LABELS`` order, the columns of ``predict_proba``.

    Args:
        max_features: Vocabulary size of each TF-IDF feature group.
        C: Inverse regularisation strength of the logistic regression.
        class_weight: ``balanced`` re-weights labels by inverse frequency (the ``none`` majority
            would otherwise dominate), or None.
        random_state: Seed of the solver.
    """

    scorer_type = "tfidf"

    def __init__(self, max_features: int = 50000, C: float = 4.0, class_weight: str | None = "balanced", random_state: int | None = 0):
        self.max_features = max_features
        self.C = C
        self.class_weight = class_weight
        self.random_state = random_state

    def _features(self, examples: Sequence[PairExample], fit: bool = False):
        from scipy.sparse import hstack

        pair_docs = [_pair_tokens(e) for e in examples]
        char_docs = [e.text.lower() for e in examples]
        if fit:
            from sklearn.feature_extraction.text import TfidfVectorizer

            self.pair_vectorizer_ = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, sublinear_tf=True,
                                                    max_features=self.max_features, min_df=1)
            self.char_vectorizer_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                                    max_features=self.max_features, min_df=2)
            return hstack([self.pair_vectorizer_.fit_transform(pair_docs), self.char_vectorizer_.fit_transform(char_docs)]).tocsr()
        return hstack([self.pair_vectorizer_.transform(pair_docs), self.char_vectorizer_.transform(char_docs)]).tocsr()

    def fit(self, examples: Sequence[PairExample], labels: Sequence[str]) -> "TfidfStanceClassifier":
        """Fit on pair examples and their gold stance labels; returns self."""
        from sklearn.linear_model import LogisticRegression

        if len(examples) != len(labels) or not examples:
            raise ValueError(f"need as many labels as examples (got {len(examples)} examples, {len(labels)} labels)")
        X = self._features(examples, fit=True)
        y = np.array([LABELS.index(l) for l in labels])
        self.model_ = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=2000, random_state=self.random_state)
        self.model_.fit(X, y)
        self.classes_ = np.array(LABELS)
        return self

    def predict_proba(self, examples: Sequence[PairExample]) -> np.ndarray:
        """Probabilities in ``stance.schema.LABELS`` order, one row per example."""
        if not hasattr(self, "model_"):
            raise RuntimeError("TfidfStanceClassifier is not fitted; call fit() first")
        proba = self.model_.predict_proba(self._features(examples))
        out = np.zeros((len(examples), len(LABELS)))
        out[:, self.model_.classes_] = proba  # a label absent from training keeps probability 0
        return out

    def predict(self, examples: Sequence[PairExample]) -> list[str]:
        """The most probable label of each example."""
        return labels_of(self.predict_proba(examples))
