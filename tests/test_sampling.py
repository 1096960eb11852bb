"""None pairs drawn anew each epoch (training.resample_none): the schedule and what Trainer is fed."""

from __future__ import annotations

from stance.data import PairExample
from tests.conftest import TINY_DATA
from training.sampling import EpochPairs, none_schedule


def corpus():
    pairs = [PairExample("t", "a", "nato", label="favor", record_id=f"s{i}") for i in range(5)]
    pairs += [PairExample("t", f"h{i}", "nato", label="none", record_id=f"s{i % 5}") for i in range(40)]  # hard
    pairs += [PairExample("t", f"e{i}", "nato", label="none", record_id=f"x{i}") for i in range(100)]  # easy
    return pairs


def test_each_epoch_has_every_stance_pair_and_the_next_none_pairs_of_the_shuffle():
    pairs = corpus()
    schedule = none_schedule(pairs, keep=0.1, hard_keep=0.25, seed=3, epochs=5)
    assert [len(epoch) for epoch in schedule] == [5 + 10 + 10] * 5
    for epoch in schedule:
        assert epoch[:5] == [0, 1, 2, 3, 4]
        assert sum(pairs[i].actor.startswith("h") for i in epoch) == 10
    hard_seen = [{i for i in epoch if pairs[i].actor.startswith("h")} for epoch in schedule]
    assert set.union(*hard_seen[:4]) == {i for i, p in enumerate(pairs) if p.actor.startswith("h")}  # 4 x 10 = all 40
    assert hard_seen[4] == hard_seen[0]  # then the shuffle wraps around
    easy_seen = [{i for i in epoch if pairs[i].actor.startswith("e")} for epoch in schedule]
    assert len(set.union(*easy_seen)) == 50
    assert schedule == none_schedule(pairs, 0.1, 0.25, seed=3, epochs=5)
    assert schedule != none_schedule(pairs, 0.1, 0.25, seed=4, epochs=5)


def test_later_epochs_fill_the_first_epochs_positions_by_length_rank():
    rows = [{"input_ids": [0] * n} for n in (5, 9, 2, 7, 3, 8, 4, 6)]
    dataset = EpochPairs(rows, [[0, 1, 2, 3], [4, 5, 6, 7]])
    first = [len(dataset[k]["input_ids"]) for k in range(4)]
    dataset.epoch = 1
    second = [len(dataset[k]["input_ids"]) for k in range(4)]
    assert sorted(second) == [3, 4, 6, 8]
    order = sorted(range(4), key=first.__getitem__)
    assert [second[k] for k in order] == sorted(second)


def test_trainer_is_fed_each_epochs_own_pairs(tiny_encoder, tmp_path, monkeypatch):
    from stance.actors import ActorRegistry
    from stance.data import InputFormatter, InputSettings, record_pairs
    from stance.schema import load_targets, read_records
    from training import train
    from training.config import TrainingSettings

    fed: dict[int, set] = {}
    made = []

    class Recording(EpochPairs):
        def __init__(self, rows, schedule):
            super().__init__(rows, schedule)
            made.append(self)

        def __getitem__(self, k):
            fed.setdefault(self.epoch, set()).add(self.indices(self.epoch)[k])
            return super().__getitem__(k)

    monkeypatch.setattr(train, "EpochPairs", Recording)
    targets = load_targets()
    formatter = InputFormatter(InputSettings(max_length=96), ActorRegistry.load(), targets)
    examples = record_pairs(read_records(TINY_DATA, targets))
    training = TrainingSettings(epochs=3, batch_size=16, eval_batch_size=8, learning_rate=1e-3, collapse_check=False,
                                early_stopping_patience=0, none_keep=0.3, hard_none_keep=0.3, resample_none=True)
    settings = {"type": "transformer", "encoder": str(tiny_encoder), "encoder_sha256": None}
    train.fit(examples, examples, formatter, scorers={"transformer": settings}, training=training,
              work_dir=tmp_path / "work")
    (dataset,) = made
    assert sorted(fed) == [0, 1, 2]
    for epoch in range(3):
        assert fed[epoch] == set(dataset.indices(epoch))
    assert fed[0] != fed[1] != fed[2]
    nones = [{i for i in fed[epoch] if examples[i].label == "none"} for epoch in range(3)]
    assert len(set.union(*nones)) > len(nones[0])  # more different none pairs than one epoch holds
