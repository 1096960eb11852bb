"""An exponential moving average of the weights during fine-tuning, evaluated and kept in their place.

With a few hundred steps on a small corpus, the weights after the last step depend on the last
batches drawn (one reason single seeds differ). The average of the weights over the last steps
sits nearer the middle of the region they visit. :class:`WeightAverage` keeps that average beside
the model; whenever the Trainer is about to evaluate or save, the average takes the place of the
weights, so dev picks the best epoch among averages and the checkpoints (hence the model kept)
hold the average; at the next step the trained weights come back.
"""
from __future__ import annotations

from transformers import TrainerCallback


class WeightAverage(TrainerCallback):
    """A Trainer callback: an exponential moving average of the trainable weights.

    ``decay`` is the weight of the old average at each optimiser step; during the first steps it is
    ``(1 + n) / (10 + n)`` after ``n`` updates when that is smaller, so the fresh head's first
    weights fade fast. A run resumed from a checkpoint continues from the averaged weights that the
    checkpoint holds, and the average starts again from them.

    >>> from transformers import Trainer
    >>> trainer = Trainer(model=model, args=args, train_dataset=rows,
    ...                   callbacks=[WeightAverage(0.995)])  # doctest: +SKIP
    """

    def __init__(self, decay: float):
        if not 0 < decay < 1:
            raise ValueError(f"decay must lie in (0, 1), got {decay!r}")
        self.decay = decay
        self.updates = 0
        self.params: list = []
        self.average: list = []
        self.swapped = False

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        import torch

        self.params = [p for p in model.parameters() if p.requires_grad]
        with torch.no_grad():
            self.average = [p.detach().clone() for p in self.params]
        self.updates = 0
        self.swapped = False

    def on_step_begin(self, args, state, control, **kwargs):
        if self.swapped:  # training goes on from the trained weights, not the average
            self._swap()

    def on_step_end(self, args, state, control, **kwargs):
        import torch

        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))
        with torch.no_grad():
            torch._foreach_lerp_(self.average, [p.detach() for p in self.params], 1 - decay)
        self._swap_in_if_needed(control)

    def on_epoch_end(self, args, state, control, **kwargs):
        self._swap_in_if_needed(control)

    def _swap_in_if_needed(self, control) -> None:
        if (control.should_evaluate or control.should_save) and not self.swapped:
            self._swap()

    def _swap(self) -> None:
        import torch

        with torch.no_grad():
            for param, average in zip(self.params, self.average):
                trained = param.detach().clone()
                param.copy_(average)
                average.copy_(trained)
        self.swapped = not self.swapped
