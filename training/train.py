"""Turn a config into a trained, evaluated run directory.

    python -m training.train configs/default.yaml [section.key=value ...]
    stance train configs/default.yaml training.epochs=2

The transformer is fine-tuned with ``transformers.Trainer`` (dev evaluation each epoch, best
model by dev macro-F1, early stopping, checkpoints for ``run.resume``); the ``tfidf`` type fits the
baseline on exactly the same pairs. Both are saved, evaluated on ``data.test`` and described in a
model card the same way. The run is assembled in a staging directory and moved into place only
when complete, so an interrupted run never replaces the last good one.

Multi-GPU: the same config runs under ``torchrun --nproc_per_node N -m training.train CONFIG`` or
``accelerate launch -m training.train CONFIG``; Trainer handles the distribution.
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from stance.actors import ActorRegistry
from stance.config import Config, load_config
from stance.data import InputFormatter, PairExample, pairs_to_dataset, record_pairs
from stance.evaluate import compute_metrics, evaluate_run, format_confusion, format_report, plot_confusion, save_report
from stance.model import StanceModel, write_run_metadata
from stance.schema import LABELS, read_records

logger = logging.getLogger("stance.train")


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:
        pass


def subsample_none(examples: list[PairExample], keep: float, hard_keep: float, seed: int) -> list[PairExample]:
    """Keep every stance pair, ``hard_keep`` of the none pairs of sentences where someone takes a
    position, and ``keep`` of the none pairs of sentences where nobody does."""
    if keep >= 1.0 and hard_keep >= 1.0:
        return examples
    with_stance = {e.record_id for e in examples if e.label != "none"}
    rng = random.Random(seed)
    return [e for e in examples
            if e.label != "none" or rng.random() < (hard_keep if e.record_id in with_stance else keep)]


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
        return compute_metrics([LABELS[i] for i in shifted.argmax(axis=1)], gold)[metric]

    grid = sorted(np.arange(-2.0, 6.0001, 0.25), key=abs)
    scores = {float(b): score(b) for b in grid}
    best = max(grid, key=lambda b: (round(scores[float(b)], 9), -abs(b)))
    return float(best), scores[0.0], scores[float(best)]


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


def _train_transformer(cfg: Config, formatter: InputFormatter, train_ex, dev_ex, staging: Path, work_dir: Path) -> dict:
    import torch
    from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding,
                              EarlyStoppingCallback, Trainer, TrainingArguments)
    from transformers.trainer_utils import get_last_checkpoint

    from stance.encoder import resolve_encoder

    if cfg.training.num_threads > 0:
        torch.set_num_threads(cfg.training.num_threads)
    encoder = resolve_encoder(cfg.model.encoder, cfg.model.encoder_sha256)
    tokenizer = AutoTokenizer.from_pretrained(encoder)
    model = AutoModelForSequenceClassification.from_pretrained(
        encoder, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)), label2id={l: i for i, l in enumerate(LABELS)})

    def tokenize(batch):
        return tokenizer(batch["first"], batch["second"], truncation="only_second", max_length=cfg.model.max_length)

    columns = ["first", "second", "target", "actor"]
    train_ds = pairs_to_dataset(train_ex, formatter).map(tokenize, batched=True, remove_columns=columns)
    dev_ds = pairs_to_dataset(dev_ex, formatter).map(tokenize, batched=True, remove_columns=columns)
    # Trainer pads each eval batch to its longest input; evaluating in length order wastes little on
    # padding and the metrics do not depend on the order.
    dev_ds = dev_ds.map(lambda b: {"length": [len(x) for x in b["input_ids"]]}, batched=True).sort("length").remove_columns("length")
    weights = torch.tensor(class_weights([e.label for e in train_ex], cfg.training.class_weights), dtype=torch.float)
    logger.info("class weights (%s): %s", cfg.training.class_weights, dict(zip(LABELS, weights.round(decimals=3).tolist())))

    def weighted_loss(outputs, labels, num_items_in_batch=None):
        logits = outputs["logits"] if isinstance(outputs, dict) else outputs[0]
        return torch.nn.functional.cross_entropy(logits.float(), labels, weight=weights.to(logits.device))

    def metrics(eval_pred):
        logits, labels = eval_pred
        m = compute_metrics([LABELS[i] for i in np.argmax(logits, axis=-1)], [LABELS[i] for i in labels])
        return {"macro_f1": m["macro_f1"], "f_avg": m["f_avg"], "accuracy": m["accuracy"]}

    t = cfg.training
    args = TrainingArguments(
        output_dir=str(work_dir),
        num_train_epochs=t.epochs,
        max_steps=t.max_steps,
        per_device_train_batch_size=t.batch_size,
        per_device_eval_batch_size=t.eval_batch_size,
        gradient_accumulation_steps=t.gradient_accumulation_steps,
        learning_rate=t.learning_rate,
        weight_decay=t.weight_decay,
        warmup_steps=t.warmup_ratio,  # a float in [0, 1) is a share of all steps
        lr_scheduler_type=t.lr_scheduler,
        eval_strategy="epoch" if t.max_steps < 0 else "steps",
        save_strategy="epoch" if t.max_steps < 0 else "steps",
        eval_steps=None if t.max_steps < 0 else t.max_steps,
        save_steps=None if t.max_steps < 0 else t.max_steps,
        load_best_model_at_end=True,
        metric_for_best_model=t.selection_metric,
        greater_is_better=True,
        save_total_limit=2,
        logging_steps=t.logging_steps,
        seed=cfg.run.seed,
        fp16=t.fp16 and torch.cuda.is_available(),
        report_to="none",
        dataloader_pin_memory=torch.cuda.is_available(),
        train_sampling_strategy="group_by_length",
        disable_tqdm=not sys.stderr.isatty() and bool(os.environ.get("CI")),
    )
    callbacks = [EarlyStoppingCallback(t.early_stopping_patience)] if t.early_stopping_patience > 0 else []
    trainer = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=dev_ds, processing_class=tokenizer,
                      data_collator=DataCollatorWithPadding(tokenizer), compute_loss_func=weighted_loss,
                      compute_metrics=metrics, callbacks=callbacks)
    resume = get_last_checkpoint(str(work_dir)) if cfg.run.resume and work_dir.is_dir() else None
    if cfg.run.resume:
        logger.info("resuming from %s", resume or "scratch (no checkpoint found)")
    result = trainer.train(resume_from_checkpoint=resume)
    calibration = {}
    head = getattr(trainer.model, "classifier", None)
    if t.calibrate_none and isinstance(head, torch.nn.Linear) and head.bias is not None:
        dev_pred = trainer.predict(dev_ds)
        offset, before, after = choose_none_offset(dev_pred.predictions, dev_pred.label_ids, t.selection_metric)
        with torch.no_grad():
            head.bias[LABELS.index("none")] += offset
        name = t.selection_metric
        calibration = {"none_logit_offset": offset, f"dev_{name}_before_calibration": before,
                       f"dev_{name}_after_calibration": after}
        logger.info("none calibration: offset %+.2f, dev %s %.3f -> %.3f", offset, name, before, after)
    elif t.calibrate_none:
        logger.warning("calibrate_none: the model has no linear `classifier` head; skipped")
    trainer.save_model(str(staging))
    tokenizer.save_pretrained(str(staging))
    history = [h for h in trainer.state.log_history if "eval_macro_f1" in h]
    return {"train_runtime_s": result.metrics.get("train_runtime"), "train_steps": trainer.state.global_step,
            "best_checkpoint": trainer.state.best_model_checkpoint, f"best_dev_{t.selection_metric}": trainer.state.best_metric,
            "dev_history": [{k: h[k] for k in ("epoch", "eval_macro_f1", "eval_f_avg", "eval_loss") if k in h} for h in history],
            "encoder": cfg.model.encoder, **calibration}


def _fit_tfidf(cfg: Config, train_ex, path: Path):
    """Fit the TF-IDF + logistic regression model of ``cfg.model`` and save it to ``path``."""
    import joblib

    from stance.baseline import TfidfStanceClassifier

    clf = TfidfStanceClassifier(max_features=cfg.model.tfidf_max_features, C=cfg.model.tfidf_C, random_state=cfg.run.seed)
    clf.fit(train_ex, [e.label for e in train_ex])
    joblib.dump(clf, path)
    return clf


def _train_tfidf(cfg: Config, train_ex, staging: Path) -> dict:
    start = time.time()
    _fit_tfidf(cfg, train_ex, staging / "baseline.joblib")
    return {"train_runtime_s": time.time() - start}


PARTNER_FILE = "tfidf_partner.joblib"


def _fit_tfidf_partner(cfg: Config, train_ex, dev_ex, transformer: StanceModel, staging: Path) -> tuple[dict, dict]:
    """Fit the TF-IDF partner on all training pairs, then the transformer's temperature and the
    TF-IDF weight on dev. Returns the run metadata entry and a summary for metrics.json."""
    from stance.combine import apply_temperature, combine, fit_temperature, select_weight

    start = time.time()
    clf = _fit_tfidf(cfg, train_ex, staging / PARTNER_FILE)
    gold = [e.label for e in dev_ex]
    metric = cfg.training.selection_metric

    def score(proba):
        return compute_metrics([LABELS[i] for i in proba.argmax(axis=1)], gold)[metric]

    dev_transformer = transformer.predict_proba(dev_ex, batch_size=cfg.training.eval_batch_size)
    temperature = fit_temperature(dev_transformer, gold)
    dev_transformer = apply_temperature(dev_transformer, temperature)
    dev_tfidf = clf.predict_proba(dev_ex)
    weight, curve = ((cfg.model.tfidf_partner_weight, {}) if cfg.model.tfidf_partner_weight is not None
                     else select_weight([dev_transformer], dev_tfidf, score))
    summary = {"weight": weight, "temperature": temperature, "train_pairs": len(train_ex),
               f"dev_{metric}_transformer": score(dev_transformer), f"dev_{metric}_tfidf": score(dev_tfidf),
               f"dev_{metric}_combined": score(combine(dev_transformer, dev_tfidf, weight)),
               "dev_curve": {str(w): v for w, v in curve.items()}, "runtime_s": time.time() - start}
    logger.info("tfidf partner: weight %.1f (%s), temperature %.2f; dev %s transformer %.3f, tfidf %.3f, combined %.3f",
                weight, "given" if not curve else "chosen on dev", temperature, metric, summary[f"dev_{metric}_transformer"],
                summary[f"dev_{metric}_tfidf"], summary[f"dev_{metric}_combined"])
    return {"file": PARTNER_FILE, "weight": weight, "temperature": temperature}, summary


def train(cfg: Config) -> Path:
    """Train, save and evaluate one run; returns the run directory.

    Example:
        >>> train(load_config("configs/baseline.yaml"))  # doctest: +SKIP
        PosixPath('runs/baseline')
    """
    started = time.time()
    _seed_everything(cfg.run.seed)
    from stance.schema import load_targets

    registry = ActorRegistry.load(*cfg.data.actors_files)
    targets = load_targets(cfg.data.targets_file, cfg.data.targets)
    formatter = InputFormatter(cfg.input, registry, targets)
    all_train_ex = record_pairs(read_records(cfg.data.train, targets))
    train_ex = subsample_none(all_train_ex, cfg.training.none_keep, cfg.training.hard_none_keep, cfg.run.seed)
    if cfg.training.max_train_pairs > 0:
        train_ex = random.Random(cfg.run.seed).sample(train_ex, min(cfg.training.max_train_pairs, len(train_ex)))
        all_train_ex = train_ex
    dev_ex = record_pairs(read_records(cfg.data.dev, targets))
    for path in cfg.data.test:  # fail before training, not after, on a broken test file
        read_records(path, targets)
    if not train_ex:
        raise ValueError(f"{cfg.data.train}: no (actor, target) pairs to train on")
    counts = {l: sum(e.label == l for e in train_ex) for l in LABELS}
    logger.info("training pairs: %d %s; dev pairs: %d", len(train_ex), counts, len(dev_ex))

    output_dir = Path(cfg.run.output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    work_dir = output_dir.parent / f"{output_dir.name}.work"
    staging = _staging_dir(output_dir)
    try:
        if cfg.model.type == "tfidf":
            info = _train_tfidf(cfg, train_ex, staging)
        else:
            info = _train_transformer(cfg, formatter, train_ex, dev_ex, staging, work_dir)
        write_run_metadata(staging, cfg.model.type, cfg.input, registry, targets, cfg.model.max_length)
        (staging / "config.yaml").write_text(cfg.to_yaml(), encoding="utf-8")
        model = StanceModel.from_pretrained(staging)
        if cfg.model.type == "transformer" and cfg.model.tfidf_partner:
            partner, info["tfidf_partner"] = _fit_tfidf_partner(cfg, all_train_ex, dev_ex, model, staging)
            write_run_metadata(staging, cfg.model.type, cfg.input, registry, targets, cfg.model.max_length,
                               extra={"tfidf_partner": partner})
            model = StanceModel.from_pretrained(staging)
        reports = {"dev": evaluate_run(model, cfg.data.dev, batch_size=cfg.training.eval_batch_size)}
        for path in cfg.data.test:
            reports[Path(path).stem] = evaluate_run(model, path, batch_size=cfg.training.eval_batch_size)
        for name, report in reports.items():
            report["model"] = str(output_dir)
            save_report(report, staging / f"eval_{name}.json")
            plot_confusion(report, staging / f"confusion_{name}.png")
        info.update({"train_pairs": len(train_ex), "train_label_counts": counts, "total_runtime_s": time.time() - started})
        metrics = {"training": info, **{name: {"macro_f1": r["overall"]["macro_f1"], "f_avg": r["overall"]["f_avg"],
                                               "per_label_f1": {l: v["f1"] for l, v in r["overall"]["per_label"].items()},
                                               "end_to_end_f1": r["end_to_end"]["triples"]["f1"]}
                                        for name, r in reports.items()}}
        (staging / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        (staging / "README.md").write_text(model_card(cfg, reports, info), encoding="utf-8")
        _commit(staging, output_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if work_dir.exists() and not cfg.run.keep_checkpoints:
        shutil.rmtree(work_dir, ignore_errors=True)
    for name, report in reports.items():
        logger.info("evaluation on %s:\n%s\n%s", name, format_report([report]), format_confusion(report))
    return output_dir


def model_card(cfg: Config, reports: dict, info: dict) -> str:
    """A Hugging Face model card with the evaluation table."""
    from stance.encoder import DEFAULT_ENCODER_NAME

    base = DEFAULT_ENCODER_NAME if cfg.model.encoder == "default" else cfg.model.encoder
    header = ["---", "library_name: transformers" if cfg.model.type == "transformer" else "library_name: sklearn",
              "pipeline_tag: text-classification", "tags: [stance-detection, actor-stance, news]"]
    if cfg.model.type == "transformer":
        header.append(f"base_model: {base}")
    header.append("---")
    metric = cfg.training.selection_metric
    shown = {"macro_f1": "macro-F1", "f_avg": "F_avg"}[metric]
    lines = header + [
        "", f"# Actor-stance classifier ({cfg.model.type})", "",
        "Given a sentence, an actor and a target, predicts the position the sentence attributes to the actor "
        "on the target: `none`, `favor`, `against` or `neutral`. Trained with the `stance` package.", "",
        f"- model type: {cfg.model.type}" + (f", base encoder `{base}`" if cfg.model.type == "transformer" else ""),
        f"- training data: `{cfg.data.train}` ({info['train_pairs']} pairs: " + ", ".join(f"{k} {v}" for k, v in info['train_label_counts'].items()) + ")",
        "- targets: " + ", ".join(f"`{t}`" for t in reports["dev"]["per_target"]),
        f"- input: first segment `{cfg.input.actor_template}`, second segment the sentence with the mention marked "
        f"{'by ' + ' '.join(cfg.input.mention_markers) if cfg.input.mark_mention else '(unmarked)'}, then `|` and up to "
        f"{cfg.input.context_words} words of preceding context ({cfg.input.context})",
        f"- training time: {info['train_runtime_s']:.0f} s" + (f", best dev {shown} {info[f'best_dev_{metric}']:.3f}" if info.get(f"best_dev_{metric}") is not None else "")
        + (f"; `none` logit offset {info['none_logit_offset']:+.2f} chosen on dev ({shown} {info[f'dev_{metric}_before_calibration']:.3f} -> "
           f"{info[f'dev_{metric}_after_calibration']:.3f}), stored in the classifier bias" if "none_logit_offset" in info else ""),
        *([f"- TF-IDF partner: a TF-IDF + logistic regression model (`{PARTNER_FILE}`) averaged with the transformer's "
           f"probabilities (softened by temperature {info['tfidf_partner']['temperature']:.2f}) at weight "
           f"{info['tfidf_partner']['weight']:.1f}, both fitted on dev; `stance` applies it, a plain `transformers` "
           "pipeline on this checkpoint sees the transformer alone"] if "tfidf_partner" in info else []),
        "", "## Evaluation", "",
        "| split | pairs | macro-F1 | F_avg | F1 none | F1 favor | F1 against | F1 neutral | end-to-end triple F1 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in reports.items():
        pl = r["overall"]["per_label"]
        lines.append(f"| {name} | {r['pairs']} | {r['overall']['macro_f1']:.3f} | {r['overall']['f_avg']:.3f} | "
                     + " | ".join(f"{pl[l]['f1']:.3f}" for l in LABELS) + f" | {r['end_to_end']['triples']['f1']:.3f} |")
    lines += ["", "Macro-F1 is over the four labels; F_avg is the mean F1 of favor and against (SemEval-2016 Task 6).",
              "End-to-end triples: actors detected from the raw text with the run's actor registry, every target scored, "
              "non-`none` (sentence, actor, target, stance) triples compared with gold.", "",
              "## Use", "", "```python", "from stance import predict",
              f"predict(\"Russia demands that Ukraine never join NATO.\", model=\"{cfg.run.output_dir}\")", "```", "",
              "The checkpoint also loads with `AutoModelForSequenceClassification.from_pretrained` and "
              "`transformers.pipeline(\"text-classification\")` given `{\"text\": first, \"text_pair\": second}` inputs "
              "built as described above." if cfg.model.type == "transformer" else "The baseline is `baseline.joblib` (scikit-learn).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="stance train", description="Train and evaluate a run from a YAML config.")
    parser.add_argument("config", help="YAML config file (see configs/reference.yaml)")
    parser.add_argument("overrides", nargs="*", help="section.key=value overrides, e.g. training.epochs=2")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    cfg = load_config(args.config, args.overrides)
    run = train(cfg)
    print(f"run saved to {run}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
