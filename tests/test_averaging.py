"""The moving average of the weights (training.weight_average) inside a real Trainer run."""

from __future__ import annotations

import pytest

from training.averaging import WeightAverage

torch = pytest.importorskip("torch")


class Toy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 2)

    def forward(self, x, labels=None):
        logits = self.linear(x)
        return {"loss": torch.nn.functional.cross_entropy(logits, labels), "logits": logits}


def weights(model) -> torch.Tensor:
    return torch.cat([p.detach().flatten().clone() for p in model.parameters()])


def test_evaluation_and_the_kept_model_see_the_average_and_training_goes_on_from_the_trained_weights(tmp_path):
    from transformers import Trainer, TrainerCallback, TrainingArguments

    decay = 0.9
    generator = torch.Generator().manual_seed(0)
    rows = [{"x": torch.randn(4, generator=generator), "labels": i % 2} for i in range(48)]
    trained, started, evaluated = [], [], []

    class BeforeAverage(TrainerCallback):  # sees the weights the optimiser produced, before any swap
        def on_step_end(self, args, state, control, model=None, **kwargs):
            trained.append(weights(model))

    class AfterAverage(TrainerCallback):
        def on_step_begin(self, args, state, control, model=None, **kwargs):
            started.append(weights(model))

        def on_evaluate(self, args, state, control, model=None, metrics=None, **kwargs):
            evaluated.append((state.global_step, metrics["eval_loss"], weights(model)))

    torch.manual_seed(0)
    model = Toy()
    initial = weights(model)
    args = TrainingArguments(output_dir=str(tmp_path), num_train_epochs=3, per_device_train_batch_size=8,
                             learning_rate=0.5, eval_strategy="epoch", save_strategy="epoch",
                             load_best_model_at_end=True, metric_for_best_model="loss", greater_is_better=False,
                             report_to="none", use_cpu=True, seed=0)
    average = WeightAverage(decay)
    trainer = Trainer(model=model, args=args, train_dataset=rows, eval_dataset=rows,
                      callbacks=[BeforeAverage(), average, AfterAverage()])
    trainer.train()

    expected, ema = [], initial.clone()
    for n, w in enumerate(trained, start=1):
        d = min(decay, (1 + n) / (10 + n))
        ema = d * ema + (1 - d) * w
        expected.append(ema.clone())
    assert len(trained) == 18 and [step for step, _, _ in evaluated] == [6, 12, 18]
    for step, _, seen in evaluated:
        assert torch.allclose(seen, expected[step - 1], atol=1e-6)
        assert not torch.allclose(seen, trained[step - 1], atol=1e-4)  # the average is not the trained weights
    # each step starts from the weights the previous step trained, also right after an evaluation
    for step in range(1, 18):
        assert torch.allclose(started[step], trained[step - 1], atol=1e-6)
    best_step = min(evaluated, key=lambda e: e[1])[0]
    assert torch.allclose(weights(trainer.model), expected[best_step - 1], atol=1e-6)


@pytest.mark.parametrize("decay", [0, 1, -0.5, 1.5])
def test_a_decay_outside_zero_to_one_is_refused(decay):
    with pytest.raises(ValueError, match="decay"):
        WeightAverage(decay)
