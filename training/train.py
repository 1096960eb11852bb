"""Train stance models: ``fit`` from examples in Python, ``run`` from a config into a run directory.

    python -m training.train configs/default.yaml [section.key=value ...]
    stance train configs/default.yaml training.epochs=2

``fit`` trains every scorer the settings name (transformers with ``transformers.Trainer``: dev
evaluation each epoch, best epoch kept, early stopping, checkpoints for resuming; scikit-learn-style
scorers with ``fit(examples, labels)``), fits an ensemble's temperatures and weights on dev, and
returns the model in memory. ``run`` reads the config's files, calls ``fit``, saves the model once,
evaluates it on ``data.test`` and writes the model card. The run is assembled in a staging
directory and moved into place only when complete, so an interrupted run never replaces the last
good one.

Multi-GPU: the same config runs under ``torchrun --nproc_per_node N -m training.train CONFIG`` or
``accelerate launch -m training.train CONFIG``; Trainer handles the distribution.

Example (Python, no YAML):
    >>> model, info = fit(train_examples, dev_examples, formatter, scorers={"tfidf": {"type": "tfidf"}})  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import shutil
import string
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from stance.actors import ActorRegistry
from stance.combine import apply_temperature, fit_temperature, select_weights
from stance.data import InputFormatter, PairExample, pairs_to_dataset, record_pairs
from stance.evaluate import compute_metrics, evaluate_run, format_confusion, format_report, plot_confusion, save_report
from stance.model import StanceModel
from stance.schema import LABELS, load_targets, read_records
from stance.scorers import Ensemble, TransformerScorer, labels_of, scorer_class, scorer_proba

from .augment import swap_names
from .config import Config, ConfigError, TrainingSettings, hf_arguments, load_config, resolve_scorer
from .sampling import EpochPairs, none_schedule, subsample_none

logger = logging.getLogger("stance.train")
CARD_TEMPLATE = Path(__file__).with_name("model_card.md")


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:
        pass


def class_weights(labels: list[str], mode: str) -> list[float]:
    """Loss weight per label in LABELS order: inverse frequency (balanced), its square root, or 1."""
    counts = np.array([max(1, labels.count(l)) for l in LABELS], dtype=float)
    if mode == "none":
        return [1.0] * len(LABELS)
    w = counts.sum() / (len(LABELS) * counts)
    if mode == "sqrt":
        w = np.sqrt(w)
    return (w / w.mean()).tolist()


def choose_none_offset(logits: np.ndarray, labels: np.ndarray, metric: str = "macro_f1") -> tuple[float, float, float]:
    """The offset for the ``none`` logit (grid -2..6, step 0.25) that maximises ``metric``
    (``macro_f1`` or ``f_avg``) on ``labels``; ties go to the smallest offset.
    Returns (offset, metric before, after)."""
    none = LABELS.index("none")
    gold = [LABELS[i] for i in labels]

    def score(offset: float) -> float:
        shifted = logits.copy()
        shifted[:, none] += offset
        return compute_metrics(labels_of(shifted), gold)[metric]

    grid = sorted(np.arange(-2.0, 6.0001, 0.25), key=abs)
    scores = {float(b): score(b) for b in grid}
    best = max(grid, key=lambda b: (round(scores[float(b)], 9), -abs(b)))
    return float(best), scores[0.0], scores[float(best)]


def fit_transformer(settings: dict, formatter: InputFormatter, train_ex: Sequence[PairExample],
                    dev_ex: Sequence[PairExample], training: TrainingSettings, seed: int, work_dir: Path,
                    resume: bool = False) -> tuple[TransformerScorer, dict]:
    """Fine-tune an encoder (``settings``: encoder, encoder_sha256) on ``train_ex``; dev picks the
    best epoch and calibrates the ``none`` logit. Returns the scorer (in eval mode) and a summary."""
    import torch
    from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding,
                              EarlyStoppingCallback, Trainer, TrainingArguments)
    from stance.encoder import resolve_encoder

    t = training
    if t.num_threads > 0:
        torch.set_num_threads(t.num_threads)
    encoder = resolve_encoder(settings["encoder"], settings["encoder_sha256"])
    tokenizer = AutoTokenizer.from_pretrained(encoder)
    if settings.get("pooling", "cls") == "mean":
        from stance.pooling import MeanPoolingClassifier

        model = MeanPoolingClassifier.from_encoder(encoder, dict(enumerate(LABELS)))
    else:
        model = AutoModelForSequenceClassification.from_pretrained(
            encoder, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
            label2id={l: i for i, l in enumerate(LABELS)})

    def tokenize(batch):
        return formatter.encode(tokenizer, list(zip(batch["first"], batch["second"])))

    columns = ["first", "second", "target", "actor"]
    train_ds = pairs_to_dataset(train_ex, formatter).map(tokenize, batched=True, remove_columns=columns)
    if t.resample_none:  # train_ex holds every none pair: each epoch draws its own
        schedule = none_schedule(train_ex, t.none_keep, t.hard_none_keep, seed, t.epochs)
        train_ds = EpochPairs(train_ds.to_list(), schedule)
        seen = len({i for epoch in schedule for i in epoch})
        logger.info("none pairs drawn anew each epoch: %d pairs an epoch, %d different ones in %d epochs",
                    len(train_ds), seen, t.epochs)
        train_ex = [train_ex[i] for i in schedule[0]]  # the class weights of one epoch
    # Each epoch is scored on every dev stance pair and a seeded share of the none pairs (a large
    # dev set would otherwise cost more than training); the none calibration, the collapse check,
    # the ensemble and the reports use all dev pairs.
    epoch_dev = subsample_none(list(dev_ex), t.dev_none_keep, t.dev_none_keep, seed)
    epoch_ds = pairs_to_dataset(epoch_dev, formatter).map(tokenize, batched=True, remove_columns=columns)
    weights = torch.tensor(class_weights([e.label for e in train_ex], t.class_weights), dtype=torch.float)
    logger.info("class weights (%s): %s", t.class_weights, dict(zip(LABELS, weights.round(decimals=3).tolist())))

    def weighted_loss(outputs, labels, num_items_in_batch=None):
        logits = outputs["logits"] if isinstance(outputs, dict) else outputs[0]
        return torch.nn.functional.cross_entropy(logits.float(), labels, weight=weights.to(logits.device))

    def metrics(eval_pred):
        logits, labels = eval_pred
        m = compute_metrics(labels_of(logits), [LABELS[i] for i in labels])
        return {"macro_f1": m["macro_f1"], "f_avg": m["f_avg"], "accuracy": m["accuracy"]}

    per_epoch = t.max_steps < 0
    args = TrainingArguments(
        output_dir=str(work_dir),
        **hf_arguments(t),
        eval_strategy="epoch" if per_epoch else "steps",
        save_strategy="epoch" if per_epoch else "steps",
        eval_steps=None if per_epoch else t.max_steps,
        save_steps=None if per_epoch else t.max_steps,
        load_best_model_at_end=True,
        greater_is_better=True,
        save_total_limit=2,
        seed=seed,
        fp16=t.fp16 and torch.cuda.is_available(),
        report_to="none",
        dataloader_pin_memory=torch.cuda.is_available(),
        train_sampling_strategy="group_by_length",
        disable_tqdm=not sys.stderr.isatty() and bool(os.environ.get("CI")),
    )
    callbacks = [EarlyStoppingCallback(t.early_stopping_patience)] if t.early_stopping_patience > 0 else []
    if isinstance(train_ds, EpochPairs):
        callbacks.append(train_ds.callback())
    if per_epoch and t.evaluate_from_epoch > 1:
        callbacks.append(skip_early_evaluation(min(t.evaluate_from_epoch, t.epochs)))
    if t.weight_average > 0:  # last: it swaps the average in when the callbacks before it ask for an evaluation
        from training.averaging import WeightAverage

        callbacks.append(WeightAverage(t.weight_average))
    trainer = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=epoch_ds, processing_class=tokenizer,
                      data_collator=DataCollatorWithPadding(tokenizer), compute_loss_func=weighted_loss,
                      compute_metrics=metrics, callbacks=callbacks,
                      optimizers=(head_and_body_optimizer(model, t), None)
                      if t.head_learning_rate > 0 or t.layer_lr_decay < 1 else (None, None))
    checkpoint = last_complete_checkpoint(work_dir) if resume else None
    if resume:
        logger.info("resuming from %s", checkpoint or "scratch (no checkpoint found)")
    result = trainer.train(resume_from_checkpoint=checkpoint)
    # All dev pairs are scored once, by the scorer itself: Trainer.predict returns rows in its
    # sampler's order (length-grouped, shuffled), not in the order of dev_ex.
    scorer = TransformerScorer(trainer.model.eval(), tokenizer, formatter, batch_size=t.eval_batch_size)
    dev_proba = scorer.predict_proba(dev_ex)
    gold = [e.label for e in dev_ex]
    calibration = {}
    head = getattr(trainer.model, "classifier", None)
    if t.calibrate_none and isinstance(head, torch.nn.Linear) and head.bias is not None:
        # log-probabilities are the logits up to a constant per row: the same offset, the same argmax
        logits = np.log(np.clip(dev_proba, 1e-300, None))
        offset, before, after = choose_none_offset(logits, np.array([LABELS.index(g) for g in gold]), t.selection_metric)
        with torch.no_grad():
            head.bias[LABELS.index("none")] += offset
        logits[:, LABELS.index("none")] += offset
        dev_proba = np.exp(logits - logits.max(axis=1, keepdims=True))
        dev_proba /= dev_proba.sum(axis=1, keepdims=True)
        name = t.selection_metric
        calibration = {"none_logit_offset": offset, f"dev_{name}_before_calibration": before,
                       f"dev_{name}_after_calibration": after}
        logger.info("none calibration: offset %+.2f, dev %s %.3f -> %.3f", offset, name, before, after)
    elif t.calibrate_none:
        logger.warning("calibrate_none: the model has no linear `classifier` head; skipped")
    scorer.remember(dev_ex, dev_proba)  # fitting an ensemble and the dev report reuse these scores
    collapse = detect_collapse(labels_of(dev_proba), gold)
    history = [h for h in trainer.state.log_history if "eval_macro_f1" in h]
    info = {"type": "transformer", "train_runtime_s": result.metrics.get("train_runtime"), "train_pairs": len(train_ex),
            "train_steps": trainer.state.global_step, "best_checkpoint": trainer.state.best_model_checkpoint,
            f"best_dev_{t.selection_metric}": trainer.state.best_metric,
            "dev_history": [{k: h[k] for k in ("epoch", "eval_macro_f1", "eval_f_avg", "eval_loss") if k in h} for h in history],
            "encoder": settings["encoder"], "seed": seed, "collapsed": collapse, **calibration}
    return scorer, info


def skip_early_evaluation(first: int):
    """A Trainer callback: no dev evaluation before epoch ``first``. Checkpoints are still saved (a
    resumed run loses nothing); the best checkpoint is chosen among the evaluated epochs."""
    from transformers import TrainerCallback

    class SkipEarlyEvaluation(TrainerCallback):
        def on_epoch_end(self, args, state, control, **kwargs):
            if state.epoch is not None and round(state.epoch) < first:
                control.should_evaluate = False
            return control

    return SkipEarlyEvaluation()


def head_and_body_optimizer(model, t: TrainingSettings):
    """AdamW with ``t.head_learning_rate`` (0: ``t.learning_rate``) for the ``classifier`` head and
    ``t.learning_rate`` for the encoder, scaled down by ``t.layer_lr_decay`` per layer below the top
    one (the embeddings one step below the lowest layer: the general features the pretrained
    encoder learnt move least); no weight decay on biases and LayerNorm weights (as Trainer's own
    AdamW). Trainer adds its scheduler (warm-up, decay), which scales every rate alike."""
    import torch

    layers = [int(m.group(1)) for name, _ in model.named_parameters() if (m := _LAYER.search(name))]
    top = max(layers, default=0)
    groups: dict[tuple[bool, float, bool], list] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        head = name.startswith("classifier.")
        if head:
            lr = t.head_learning_rate or t.learning_rate
        else:
            layer = _LAYER.search(name)
            depth = top - int(layer.group(1)) if layer else (top + 1 if "embeddings." in name else 0)
            lr = t.learning_rate * t.layer_lr_decay ** depth
        decay = param.ndim > 1  # biases and normalisation weights are the 1-D parameters
        groups.setdefault((head, lr, decay), []).append(param)
    # fused: one kernel for all parameters, as Trainer's own default optimizer (adamw_torch_fused);
    # the same updates (a run reproduces the per-parameter loop's metrics), less optimiser time.
    return torch.optim.AdamW(
        [{"params": params, "lr": lr, "weight_decay": t.weight_decay if decay else 0.0}
         for (_, lr, decay), params in groups.items()],
        lr=t.learning_rate, fused=True)


_LAYER = re.compile(r"\blayers?\.(\d+)\.")  # "encoder.layer.5.attention..." of a BERT-style encoder


class TrainingError(RuntimeError):
    """Training finished but produced no usable model (e.g. a transformer collapsed to all-none)."""


def detect_collapse(predicted: Sequence[str], gold: Sequence[str]) -> str | None:
    """Why a model's dev predictions count as collapsed, or None.

    Collapsed: it predicts a stance for fewer than a tenth as many dev pairs as hold one, or its
    macro-F1 is within 0.02 of predicting ``none`` everywhere (the all-none score).

    >>> detect_collapse(["none"] * 10, ["none"] * 8 + ["favor", "against"]) is not None
    True
    >>> detect_collapse(["none"] * 8 + ["favor", "against"], ["none"] * 8 + ["favor", "against"]) is None
    True
    """
    stances = sum(g != "none" for g in gold)
    if not stances:
        return None
    predicted_stances = sum(p != "none" for p in predicted)
    score = compute_metrics(list(predicted), list(gold))["macro_f1"]
    floor = compute_metrics(["none"] * len(gold), list(gold))["macro_f1"]
    if predicted_stances < 0.1 * stances or score < floor + 0.02:
        return (f"it predicts a stance for {predicted_stances} of {len(gold)} dev pairs ({stances} hold one); "
                f"dev macro-F1 {score:.3f}, all-none {floor:.3f}")
    return None


def fit_transformer_or_retry(name: str, settings: dict, formatter, train_ex, dev_ex, training: TrainingSettings,
                             seed: int, work_dir: Path, resume: bool):
    """``fit_transformer``; a run that collapses to all-``none`` on dev is retried with the next seed
    (``training.collapse_retries`` times), then training stops with a TrainingError saying why."""
    tries = []
    for attempt in range(training.collapse_retries + 1):
        scorer, info = fit_transformer(settings, formatter, train_ex, dev_ex, training, seed + attempt, work_dir,
                                       resume and attempt == 0)
        if not info["collapsed"] or not training.collapse_check:
            if info["collapsed"]:
                logger.warning("transformer %r collapsed (training.collapse_check is off): %s", name, info["collapsed"])
            if tries:
                info["collapsed_seeds"] = tries
            return scorer, info
        tries.append(seed + attempt)
        logger.warning("transformer %r collapsed with seed %d: %s", name, seed + attempt, info["collapsed"])
        if work_dir.exists():
            shutil.rmtree(work_dir)  # the next seed starts from the encoder, not from these checkpoints
    raise TrainingError(
        f"the transformer {name!r} collapsed to (almost) all-none on dev with every seed tried ({', '.join(map(str, tries))}): "
        f"{info['collapsed']}. Try a higher training.learning_rate, more training.epochs, or more stance pairs "
        "(training.none_keep lower); training.collapse_retries sets how many seeds are tried")


def last_complete_checkpoint(work_dir: Path) -> str | None:
    """The newest ``checkpoint-N`` in ``work_dir`` that Trainer finished writing (its
    ``trainer_state.json``, written last, exists); an interrupted save is skipped."""
    if not work_dir.is_dir():
        return None
    complete = [d for d in work_dir.glob("checkpoint-*") if d.name.split("-")[-1].isdigit()
                and (d / "trainer_state.json").is_file()]
    return str(max(complete, key=lambda d: int(d.name.split("-")[-1]))) if complete else None


def check_training_data(train_ex: Sequence[PairExample], dev_ex: Sequence[PairExample], train_file, dev_file) -> None:
    """Stop before training on data that cannot train or select a stance model."""
    from stance.schema import DataError

    if not train_ex:
        raise DataError(f"{train_file}: no (actor, target) pairs to train on")
    labels = sorted({e.label for e in train_ex})
    if len(labels) < 2:
        raise DataError(f"{train_file}: every training pair is {labels[0]!r}; a classifier needs at least two labels")
    if not any(e.label != "none" for e in dev_ex):
        raise DataError(f"{dev_file}: the dev file has no stance pairs (all none), so it cannot pick the best epoch, "
                        "calibrate the none logit or weigh an ensemble")


def remove_stale_runs(output_dir: Path) -> list[Path]:
    """Remove staging folders of runs whose process is gone; returns what was removed."""
    removed = []
    for staging in output_dir.parent.glob(f".{output_dir.name}.staging-*"):
        pid = staging.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(staging, ignore_errors=True)
            removed.append(staging)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fit_estimator(settings: dict, train_ex: Sequence[PairExample], seed: int):
    """Fit a scikit-learn-style scorer (``settings``: type and constructor parameters) on ``train_ex``."""
    params = {k: v for k, v in settings.items() if k != "type"}
    if "random_state" in params and params["random_state"] is None:
        params["random_state"] = seed
    start = time.time()
    scorer = scorer_class(settings["type"])(**params).fit(list(train_ex), [e.label for e in train_ex])
    return scorer, {"type": settings["type"], "train_runtime_s": time.time() - start, "train_pairs": len(train_ex)}


def fit(train_examples: Sequence[PairExample], dev_examples: Sequence[PairExample], formatter: InputFormatter, *,
        scorers: dict | None = None, training: TrainingSettings | None = None, ensemble_weights: dict | None = None,
        seed: int = 42, work_dir: str | Path | None = None, resume: bool = False) -> tuple[StanceModel, dict]:
    """Train a model from examples; returns it (in memory, not saved) and a summary of training.

    Args:
        train_examples: Labelled training pairs. Transformer scorers see them after ``none``
            subsampling (``training.none_keep``, ``hard_none_keep``, ``resample_none``) and name swaps
            (``training.name_swap``); other scorers see all of them as given.
        dev_examples: Labelled dev pairs: best epoch, ``none`` calibration, ensemble weights.
        formatter: The input contract, registry and targets the model reads with.
        scorers: ``{name: {"type": ..., settings}}`` as in a config's ``model.scorers`` (default: one
            transformer). Several scorers form an :class:`~stance.scorers.Ensemble`.
        training: Optimisation settings of transformer scorers.
        ensemble_weights: ``{name: weight}``; None fits them on dev.
        seed: Seed of initialisation, data order and subsampling.
        work_dir: Checkpoints of transformer scorers (default: a temporary directory).
        resume: Continue a transformer from the newest checkpoint in ``work_dir``.
    """
    import tempfile

    training = training or TrainingSettings()
    scorers = {name: resolve_scorer(name, raw) for name, raw in (scorers or {"transformer": {}}).items()}
    _seed_everything(seed)
    subsampled = (list(train_examples) if training.resample_none  # fit_transformer draws each epoch's none pairs
                  else subsample_none(list(train_examples), training.none_keep, training.hard_none_keep, seed))
    subsampled = swap_names(subsampled, formatter.registry, training.name_swap, seed)
    fitted, info = {}, {"scorers": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, settings in scorers.items():
            if settings["type"] == "transformer":
                where = Path(work_dir or tmp) / (name if len(scorers) > 1 else "")
                fitted[name], info["scorers"][name] = fit_transformer_or_retry(
                    name, settings, formatter, subsampled, dev_examples, training, seed, where, resume)
            else:
                fitted[name], info["scorers"][name] = fit_estimator(settings, train_examples, seed)
    if len(fitted) == 1:
        (scorer,) = fitted.values()
        return StanceModel(formatter, scorer), info
    ensemble, info["ensemble"] = fit_ensemble(fitted, dev_examples, training, ensemble_weights)
    return StanceModel(formatter, ensemble), info


def fit_ensemble(members: dict, dev_ex: Sequence[PairExample], training: TrainingSettings,
                 weights: dict | None = None) -> tuple[Ensemble, dict]:
    """Temperatures (for over-confident members such as transformers) and weights fitted on dev."""
    start = time.time()
    gold = [e.label for e in dev_ex]
    metric = training.selection_metric

    def score(proba):
        return compute_metrics(labels_of(proba), gold)[metric]

    names = list(members)
    dev = {n: scorer_proba(m, dev_ex, training.eval_batch_size) for n, m in members.items()}
    temperatures = {n: fit_temperature(dev[n], gold) if getattr(members[n], "fit_temperature", False) else 1.0 for n in names}
    dev = {n: apply_temperature(p, temperatures[n]) if temperatures[n] != 1.0 else p for n, p in dev.items()}
    if weights is None:
        chosen, curve = select_weights([[dev[n] for n in names]], score)
    else:
        chosen, curve = tuple(weights[n] for n in names), {}
    ensemble = Ensemble([members[n] for n in names], chosen, [temperatures[n] for n in names], names)
    summary = {"weights": dict(zip(names, chosen)), "temperatures": temperatures,
               "weights_chosen_on_dev": weights is None,
               **{f"dev_{metric}_{n}": score(dev[n]) for n in names},
               f"dev_{metric}_ensemble": score(ensemble.predict_proba(dev_ex, batch_size=training.eval_batch_size)),
               "dev_curve": {",".join(f"{w:g}" for w in k): v for k, v in curve.items()}, "runtime_s": time.time() - start}
    warning = ensemble.dominance_warning()
    if warning:
        summary["warning"] = warning
        logger.warning("ensemble: %s", warning)
    logger.info("ensemble: weights %s (%s), temperatures %s; dev %s %s", summary["weights"],
                "chosen on dev" if weights is None else "given", temperatures, metric,
                ", ".join(f"{n} {summary[f'dev_{metric}_{n}']:.3f}" for n in [*names, "ensemble"]))
    return ensemble, summary


def _staging_dir(output_dir: Path) -> Path:
    staging = output_dir.parent / f".{output_dir.name}.staging-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return staging


def _commit(staging: Path, output_dir: Path) -> None:
    """Move a complete run into place; the previous run is removed only after the move."""
    old = output_dir.parent / f".{output_dir.name}.old-{os.getpid()}"
    if output_dir.exists():
        output_dir.rename(old)
    staging.rename(output_dir)
    if old.exists():
        shutil.rmtree(old)


def run(cfg: Config) -> Path:
    """Train, save and evaluate the run a config describes; returns the run directory.

    Example:
        >>> run(load_config("configs/baseline.yaml"))  # doctest: +SKIP
        PosixPath('runs/baseline')
    """
    started = time.time()
    registry = ActorRegistry.load(*cfg.data.actors_files)
    targets = load_targets(cfg.data.targets_file, cfg.data.targets)
    formatter = InputFormatter(cfg.input, registry, targets)
    train_ex = record_pairs(read_records(cfg.data.train, targets))
    if cfg.training.max_train_pairs > 0:
        train_ex = random.Random(cfg.run.seed).sample(train_ex, min(cfg.training.max_train_pairs, len(train_ex)))
    dev_ex = record_pairs(read_records(cfg.data.dev, targets))
    for path in cfg.data.test:  # fail before training, not after, on a broken test file
        read_records(path, targets)
    check_training_data(train_ex, dev_ex, cfg.data.train, cfg.data.dev)
    counts = {l: sum(e.label == l for e in train_ex) for l in LABELS}
    logger.info("training pairs: %d %s; dev pairs: %d", len(train_ex), counts, len(dev_ex))

    output_dir = Path(cfg.run.output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    work_dir = output_dir.parent / f"{output_dir.name}.work"
    for stale in remove_stale_runs(output_dir):
        logger.info("removed %s, left by an interrupted run", stale)
    if work_dir.exists() and not cfg.run.resume:
        # Checkpoints of an earlier run would pile up beside this run's (and break save_total_limit).
        logger.info("removing %s: checkpoints of an earlier run (run.resume is false)", work_dir)
        shutil.rmtree(work_dir)
    staging = _staging_dir(output_dir)
    try:
        model, info = fit(train_ex, dev_ex, formatter, scorers=cfg.model.scorers, training=cfg.training,
                          ensemble_weights=cfg.model.ensemble_weights, seed=cfg.run.seed, work_dir=work_dir,
                          resume=cfg.run.resume)
        model.save_pretrained(staging)
        (staging / "config.yaml").write_text(cfg.to_yaml(), encoding="utf-8")
        model.path = str(output_dir)
        reports = {"dev": evaluate_run(model, cfg.data.dev, batch_size=cfg.training.eval_batch_size)}
        for path in cfg.data.test:
            reports[Path(path).stem] = evaluate_run(model, path, batch_size=cfg.training.eval_batch_size)
        for name, report in reports.items():
            save_report(report, staging / f"eval_{name}.json")
            plot_confusion(report, staging / f"confusion_{name}.png")
        info.update({"train_pairs": len(train_ex), "train_label_counts": counts, "total_runtime_s": time.time() - started})
        metrics = {"training": info, **{name: {"macro_f1": r["overall"]["macro_f1"], "f_avg": r["overall"]["f_avg"],
                                               "per_label_f1": {l: v["f1"] for l, v in r["overall"]["per_label"].items()},
                                               "end_to_end_f1": r["end_to_end"]["triples"]["f1"]}
                                        for name, r in reports.items()}}
        (staging / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        (staging / "README.md").write_text(model_card(cfg, model, reports, info), encoding="utf-8")
        _commit(staging, output_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if work_dir.exists() and not cfg.run.keep_checkpoints:
        shutil.rmtree(work_dir, ignore_errors=True)
    for name, report in reports.items():
        logger.info("evaluation on %s:\n%s\n%s", name, format_report([report]), format_confusion(report))
    return output_dir


def model_card(cfg: Config, model: StanceModel, reports: dict, info: dict) -> str:
    """The run's model card (Hugging Face format), filled into ``training/model_card.md``."""
    from stance.encoder import DEFAULT_ENCODER_NAME

    metric = cfg.training.selection_metric
    shown = {"macro_f1": "macro-F1", "f_avg": "F_avg"}[metric]
    transformers_ = {n: s for n, s in cfg.model.scorers.items() if s["type"] == "transformer"}
    bases = [DEFAULT_ENCODER_NAME if s["encoder"] == "default" else s["encoder"] for s in transformers_.values()]
    scorer_lines = []
    for name, s in cfg.model.scorers.items():
        i = info["scorers"][name]
        line = f"- `{name}` ({s['type']}): trained on {i['train_pairs']} pairs in {i['train_runtime_s'] or 0:.0f} s"
        if s["type"] == "transformer":
            line += f", base encoder `{DEFAULT_ENCODER_NAME if s['encoder'] == 'default' else s['encoder']}`"
            if i.get(f"best_dev_{metric}") is not None:
                line += f", best dev {shown} {i[f'best_dev_{metric}']:.3f}"
            if "none_logit_offset" in i:
                line += (f"; `none` logit offset {i['none_logit_offset']:+.2f} chosen on dev ({shown} "
                         f"{i[f'dev_{metric}_before_calibration']:.3f} -> {i[f'dev_{metric}_after_calibration']:.3f}), "
                         "stored in the classifier bias")
        scorer_lines.append(line)
    if "ensemble" in info:
        e = info["ensemble"]
        scorer_lines.append("- ensemble: " + ", ".join(f"`{n}` x {w:.1f}" + (f" (temperature {e['temperatures'][n]:.2f})"
                                                                            if e["temperatures"][n] != 1.0 else "")
                                                     for n, w in e["weights"].items())
                            + (", weights chosen on dev" if e["weights_chosen_on_dev"] else ", weights given")
                            + "; `stance` applies the ensemble, a plain `transformers` pipeline on this checkpoint "
                              "sees the transformer alone")
        if "warning" in e:
            scorer_lines.append(f"- **Warning:** {e['warning']}")
    rows = []
    for name, r in reports.items():
        pl = r["overall"]["per_label"]
        rows.append(f"| {name} | {r['pairs']} | {r['overall']['macro_f1']:.3f} | {r['overall']['f_avg']:.3f} | "
                    + " | ".join(f"{pl[l]['f1']:.3f}" for l in LABELS) + f" | {r['end_to_end']['triples']['f1']:.3f} |")
    if any(s.get("pooling") == "mean" for s in transformers_.values()):
        use_hf = ("The transformer reads the mean of its token vectors (`pooling: mean`): `model.safetensors` is "
                  "the fine-tuned encoder (it loads with `AutoModel.from_pretrained`) and `head.safetensors` the "
                  "linear head on the masked mean of the last hidden states; `stance` loads both.")
    elif transformers_:
        use_hf = ("The checkpoint also loads with `AutoModelForSequenceClassification.from_pretrained` and "
                  "`transformers.pipeline(\"text-classification\")` given `{\"text\": first, \"text_pair\": second}` "
                  "inputs built as described above.")
    else:
        use_hf = "The scorers are scikit-learn estimators saved with joblib (`*.joblib`)."
    fields = {
        "library_name": "transformers" if transformers_ else "sklearn",
        "base_model": f"base_model: {bases[0]}\n" if bases else "",
        "kind": model.kind,
        "train_file": cfg.data.train,
        "train_pairs": info["train_pairs"],
        "label_counts": ", ".join(f"{k} {v}" for k, v in info["train_label_counts"].items()),
        "targets": ", ".join(f"`{t}`" for t in reports["dev"]["per_target"]),
        "template": cfg.input.actor_template,
        "markers": "by " + " ".join(cfg.input.mention_markers) if cfg.input.mark_mention else "(unmarked)",
        "context_words": cfg.input.context_words,
        "context": cfg.input.context,
        "max_length": cfg.input.max_length,
        "scorers": "\n".join(scorer_lines),
        "rows": "\n".join(rows),
        "output_dir": cfg.run.output_dir,
        "use_hf": use_hf,
    }
    return string.Template(CARD_TEMPLATE.read_text(encoding="utf-8")).substitute(fields)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="stance train", description="Train and evaluate a run from a YAML config.")
    parser.add_argument("config", help="YAML config file (see configs/reference.yaml)")
    parser.add_argument("overrides", nargs="*", help="section.key=value overrides, e.g. training.epochs=2")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        cfg = load_config(args.config, args.overrides)
    except ConfigError as err:
        print(f"stance train: error: {err}", file=sys.stderr)
        return 2
    try:
        print(f"run saved to {run(cfg)}")
    except TrainingError as err:
        print(f"stance train: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
