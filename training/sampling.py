"""Which training pairs a transformer sees: ``none`` subsampling, fixed or drawn anew each epoch.

None pairs are about 92% of the corpus's pairs; training on all of them costs ten times the steps.
:func:`subsample_none` keeps every stance pair and a seeded share of the none pairs, the same share
for the whole run. :class:`EpochPairs` (``training.resample_none``) keeps the epoch's size but
gives each epoch the next slice of a seeded shuffle of the none pairs, so that five epochs show
the model up to five times as many different none pairs, at the same cost (the default: 14,284
instead of 4,360).

Example:
    >>> from stance.data import PairExample
    >>> pairs = [PairExample("t", "a", "nato", label="favor", record_id="s1")]
    >>> pairs += [PairExample("t", f"b{i}", "nato", label="none", record_id=f"s{i + 2}") for i in range(10)]
    >>> schedule = none_schedule(pairs, keep=0.2, hard_keep=1.0, seed=0, epochs=3)
    >>> [len(epoch) for epoch in schedule], len({i for epoch in schedule for i in epoch})
    ([3, 3, 3], 7)
"""

from __future__ import annotations

import random
from typing import Sequence

from stance.data import PairExample


def records_with_stance(examples: Sequence[PairExample]) -> set:
    """Records where some actor takes a position: their none pairs are the hard ones."""
    return {e.record_id for e in examples if e.label != "none"}


def subsample_none(examples: list[PairExample], keep: float, hard_keep: float, seed: int) -> list[PairExample]:
    """Keep every stance pair, ``hard_keep`` of the none pairs of sentences where someone takes a
    position, and ``keep`` of the none pairs of sentences where nobody does."""
    if keep >= 1.0 and hard_keep >= 1.0:
        return examples
    with_stance = records_with_stance(examples)
    rng = random.Random(seed)
    return [e for e in examples
            if e.label != "none" or rng.random() < (hard_keep if e.record_id in with_stance else keep)]


def none_schedule(examples: Sequence[PairExample], keep: float, hard_keep: float, seed: int,
                  epochs: int) -> list[list[int]]:
    """Indices into ``examples`` for each epoch: every stance pair, then the epoch's slice of a
    seeded shuffle of the hard none pairs (``hard_keep`` of them; sentences where someone takes a
    position) and of the easy ones (``keep``). Slices follow each other through the shuffle and
    wrap around, so every none pair is seen before any is seen twice."""
    with_stance = records_with_stance(examples)
    stance = [i for i, e in enumerate(examples) if e.label != "none"]
    hard = [i for i, e in enumerate(examples) if e.label == "none" and e.record_id in with_stance]
    easy = [i for i, e in enumerate(examples) if e.label == "none" and e.record_id not in with_stance]
    rng = random.Random(seed)
    rng.shuffle(hard)
    rng.shuffle(easy)

    def slice_of(pool: list[int], share: float, epoch: int) -> list[int]:
        size = min(len(pool), round(share * len(pool)))
        return [pool[(epoch * size + k) % len(pool)] for k in range(size)] if size else []

    return [stance + slice_of(hard, hard_keep, e) + slice_of(easy, keep, e) for e in range(epochs)]


class EpochPairs:
    """A map-style training dataset whose rows change with the epoch (set by :meth:`callback`).

    ``rows`` are the encoded pairs (dicts with ``input_ids``), ``schedule`` the indices of each epoch
    (:func:`none_schedule`, all of equal length). A length-grouping sampler reads the lengths of the
    first epoch once; each later epoch puts its pairs into the positions of the first epoch's
    pairs of the same length rank, so that batches stay grouped by length and padding stays low.
    """

    def __init__(self, rows: Sequence[dict], schedule: list[list[int]]):
        if len({len(epoch) for epoch in schedule}) != 1:
            raise ValueError("every epoch of the schedule must have the same number of pairs")
        self.rows = rows
        self.epoch = 0
        first = schedule[0]
        slots = sorted(range(len(first)), key=lambda k: len(rows[first[k]]["input_ids"]))
        self._epochs = []
        for indices in schedule:
            by_length = sorted(indices, key=lambda i: len(rows[i]["input_ids"]))
            placed = [0] * len(first)
            for slot, index in zip(slots, by_length):
                placed[slot] = index
            self._epochs.append(placed)

    def __len__(self) -> int:
        return len(self._epochs[0])

    def __getitem__(self, k: int) -> dict:
        return self.rows[self._epochs[self.epoch % len(self._epochs)][k]]

    def indices(self, epoch: int) -> list[int]:
        """The rows of ``epoch`` in the dataset's order."""
        return list(self._epochs[epoch % len(self._epochs)])

    def callback(self):
        """A Trainer callback that moves the dataset to the epoch about to start (also on resume)."""
        from transformers import TrainerCallback

        dataset = self

        class FollowEpoch(TrainerCallback):
            def on_epoch_begin(self, args, state, control, **kwargs):
                dataset.epoch = int((state.epoch or 0) + 1e-6)

        return FollowEpoch()
