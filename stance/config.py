"""Run configuration: one YAML file fully determines a training run.

Each section is a dataclass whose docstring explains every field; ``configs/reference.yaml`` is the
same list as a commented file. ``load_config`` reads YAML, applies ``key=value`` overrides, rejects
unknown keys and wrong types by their dotted name (``training.learning_rate``), and converts values
YAML leaves as strings (PyYAML reads ``2e-5`` as a string).

Example:
    >>> cfg = load_config("configs/default.yaml", ["training.epochs=2"])  # doctest: +SKIP
    >>> cfg.training.epochs  # doctest: +SKIP
    2
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml


class ConfigError(ValueError):
    """A configuration value is missing, unknown or of the wrong type; the message names the key."""


@dataclass
class RunSettings:
    """Where the run goes and what makes it reproducible.

    Attributes:
        output_dir: Run directory written at the end of training (atomically: an interrupted run
            leaves the previous one intact). Relative paths are relative to the working directory.
        seed: Seed for weight initialisation, data order and sampling.
        resume: Resume from the newest checkpoint of an interrupted run of the same output_dir.
        keep_checkpoints: Keep the per-epoch Trainer checkpoints (``<output_dir>.work``) after a
            successful run; they are deleted by default.
    """

    output_dir: str = "runs/default"
    seed: int = 42
    resume: bool = False
    keep_checkpoints: bool = False


@dataclass
class ModelSettings:
    """The classifier.

    Attributes:
        type: ``transformer`` (fine-tune an encoder with a classification head) or ``tfidf``
            (TF-IDF features + logistic regression, the baseline).
        encoder: ``default`` for the packaged all-MiniLM-L6-v2, a local checkpoint directory, or a
            Hugging Face hub id (needs network access).
        encoder_sha256: Expected SHA-256 of the encoder's ``model.safetensors``; training refuses
            weights that do not match. ``default`` checks the packaged encoder's known hash; null
            skips the check.
        max_length: Maximum tokens per (actor + target, sentence + context) input; longer inputs are
            truncated from the end of the context first, then of the sentence, with a warning.
        tfidf_max_features: Vocabulary size per feature group of the tfidf baseline.
        tfidf_C: Inverse regularisation strength of the baseline's logistic regression.
        tfidf_partner: With ``type: transformer``, also fit the TF-IDF model (``tfidf_*`` settings,
            all training pairs) and average its probabilities with the transformer's, whose
            probabilities are first softened by a temperature fitted on dev. Saved in the run
            (``tfidf_partner.joblib``) and used by ``predict``, ``analyze`` and evaluation; a plain
            ``transformers`` pipeline on the checkpoint sees the transformer alone.
        tfidf_partner_weight: Weight of the TF-IDF probabilities in that average, in [0, 1]; null
            chooses it on dev from 0, 0.1, ..., 1 by ``training.selection_metric``.
    """

    type: Literal["transformer", "tfidf"] = "transformer"
    encoder: str = "default"
    encoder_sha256: str | None = "default"
    max_length: int = 128
    tfidf_max_features: int = 50000
    tfidf_C: float = 4.0
    tfidf_partner: bool = False
    tfidf_partner_weight: float | None = None


@dataclass
class DataSettings:
    """Data files and the label space.

    Attributes:
        train: JSON Lines training file (the record format of ``stance.schema``).
        dev: JSON Lines file for per-epoch evaluation and best-model selection.
        test: Held-out files evaluated once the model is trained; the report is saved in the run.
        targets_file: YAML list of ``{id, description}``; null for the packaged five targets.
        targets: Extra targets ``{id, description}`` added to (or replacing, by id) the targets file.
        actors_files: Extra actor registry files merged over the packaged registry.
    """

    train: str = "data/train.jsonl"
    dev: str = "data/dev.jsonl"
    test: list[str] = field(default_factory=lambda: ["data/test.jsonl", "data/test_shift.jsonl"])
    targets_file: str | None = None
    targets: list[dict] = field(default_factory=list)
    actors_files: list[str] = field(default_factory=list)


@dataclass
class InputSettings:
    """How an (actor, target, sentence) triple becomes model input.

    The model reads two segments: ``actor_template`` filled with the actor's name and the target's
    description, then the sentence (mention marked) followed by its context.

    Attributes:
        actor_template: First segment; ``{actor}`` is the actor's registry name (or the string as
            given), ``{target}`` the target's description.
        mark_mention: Surround the actor's mention in the sentence with ``mention_markers``, so the
            model knows which of several actors it is asked about.
        mention_markers: Opening and closing marker strings.
        context: ``always`` appends the preceding text; ``pronoun`` only when the mention is a
            pronoun or is not in the sentence; ``never`` drops it.
        context_words: At most this many words of context, the ones nearest the sentence.
    """

    actor_template: str = "{actor} on {target}"
    mark_mention: bool = True
    mention_markers: list[str] = field(default_factory=lambda: ["[", "]"])
    context: Literal["always", "pronoun", "never"] = "always"
    context_words: int = 40


@dataclass
class TrainingSettings:
    """Optimisation (passed to ``transformers.TrainingArguments`` where the names match).

    Attributes:
        epochs: Maximum number of passes over the training pairs.
        batch_size: Training pairs per device per step.
        eval_batch_size: Pairs per step when evaluating and predicting.
        learning_rate: Peak learning rate of AdamW.
        weight_decay: AdamW weight decay.
        warmup_ratio: Share of steps spent warming up the learning rate linearly.
        lr_scheduler: A ``transformers`` scheduler name (``linear``, ``cosine``, ...).
        gradient_accumulation_steps: Steps to accumulate before each optimiser update.
        early_stopping_patience: Stop after this many epochs without a better dev
            ``selection_metric`` (0 disables early stopping).
        selection_metric: The dev metric that picks the best epoch, drives early stopping and the
            ``none`` calibration: ``macro_f1`` (all four labels) or ``f_avg`` (mean F1 of favor and
            against, the SemEval-2016 metric, which does not reward ``none`` itself).
        class_weights: Loss weights against the ``none`` majority: ``balanced`` (inverse frequency),
            ``sqrt`` (square root of inverse frequency) or ``none``.
        none_keep: Share of "easy" ``none`` training pairs kept — pairs of sentences in which no
            actor takes any position (resampled each run with the seed); 1.0 keeps all.
        hard_none_keep: Share of "hard" ``none`` pairs kept — pairs of sentences in which some
            actor takes a position (another actor, or another target): they teach who holds
            which position, so they are worth more than easy ones.
        calibrate_none: After training, add to the ``none`` logit the offset (from -2 to 6 in steps
            of 0.25) that maximises the dev ``selection_metric``, written into the classifier's bias so every loader
            (``pipeline`` included) sees it. Down-sampling and class weights shift the model's prior
            away from ``none``; this moves it back to what the dev set supports.
        max_steps: Stop after this many optimiser steps (-1: run all epochs); for smoke tests.
        max_train_pairs: Use at most this many training pairs (-1: all); for smoke tests.
        num_threads: CPU threads for torch (0: torch's default).
        fp16: Mixed precision on a CUDA GPU (ignored on CPU).
        logging_steps: Log the training loss every this many steps.
    """

    epochs: int = 4
    batch_size: int = 32
    eval_batch_size: int = 128
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    lr_scheduler: str = "linear"
    gradient_accumulation_steps: int = 1
    early_stopping_patience: int = 2
    selection_metric: Literal["macro_f1", "f_avg"] = "macro_f1"
    class_weights: Literal["balanced", "sqrt", "none"] = "sqrt"
    none_keep: float = 1.0
    hard_none_keep: float = 1.0
    calibrate_none: bool = True
    max_steps: int = -1
    max_train_pairs: int = -1
    num_threads: int = 0
    fp16: bool = False
    logging_steps: int = 25


@dataclass
class Config:
    """A whole run: ``run``, ``model``, ``data``, ``input`` and ``training`` sections."""

    run: RunSettings = field(default_factory=RunSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    data: DataSettings = field(default_factory=DataSettings)
    input: InputSettings = field(default_factory=InputSettings)
    training: TrainingSettings = field(default_factory=TrainingSettings)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)


def _convert(value, hint, key: str):
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for arg in (a for a in args if a is not type(None)):
            try:
                return _convert(value, arg, key)
            except ConfigError:
                continue
        raise ConfigError(f"config key {key!r}: {value!r} is not a valid {hint}")
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"config key {key!r}: {value!r} is not one of {', '.join(map(repr, args))}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"config key {key!r}: expected a list, got {type(value).__name__} {value!r}")
        return [_convert(v, args[0], f"{key}[{i}]") for i, v in enumerate(value)] if args else value
    if hint is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "false", "yes", "no"}:
            return value.lower() in {"true", "yes"}
        raise ConfigError(f"config key {key!r}: expected true or false, got {value!r}")
    if hint is int:
        if isinstance(value, bool):
            raise ConfigError(f"config key {key!r}: expected an integer, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, (str, float)):
            try:
                as_float = float(value)
            except ValueError:
                as_float = None
            if as_float is not None and as_float.is_integer():
                return int(as_float)
        raise ConfigError(f"config key {key!r}: expected an integer, got {value!r}")
    if hint is float:
        if isinstance(value, bool):
            raise ConfigError(f"config key {key!r}: expected a number, got {value!r}")
        try:
            return float(value)  # also turns YAML's string "2e-5" into a number
        except (TypeError, ValueError):
            raise ConfigError(f"config key {key!r}: expected a number, got {value!r}") from None
    if hint is str:
        if isinstance(value, (dict, list)) or value is None:
            raise ConfigError(f"config key {key!r}: expected a string, got {value!r}")
        return str(value)
    if hint is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"config key {key!r}: expected a mapping, got {value!r}")
        return value
    raise ConfigError(f"config key {key!r}: unsupported type {hint}")


def _build(cls, raw: dict, prefix: str):
    if not isinstance(raw, dict):
        raise ConfigError(f"config key {prefix.rstrip('.') or '<root>'!r}: expected a mapping, got {raw!r}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ConfigError(f"unknown config key(s) {', '.join(repr(prefix + k) for k in unknown)}; "
                          f"valid keys in {prefix.rstrip('.') or 'the top level'}: {', '.join(sorted(names))}")
    kwargs = {}
    for name in names & set(raw):
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            kwargs[name] = _build(hint, raw[name] or {}, f"{prefix}{name}.")
        else:
            kwargs[name] = _convert(raw[name], hint, prefix + name)
    return cls(**kwargs)


def _check(cfg: Config) -> None:
    t = cfg.training
    for key, value, ok in (
        ("training.epochs", t.epochs, t.epochs >= 1),
        ("training.batch_size", t.batch_size, t.batch_size >= 1),
        ("training.eval_batch_size", t.eval_batch_size, t.eval_batch_size >= 1),
        ("training.learning_rate", t.learning_rate, t.learning_rate > 0),
        ("training.warmup_ratio", t.warmup_ratio, 0 <= t.warmup_ratio < 1),
        ("training.none_keep", t.none_keep, 0 < t.none_keep <= 1),
        ("training.hard_none_keep", t.hard_none_keep, 0 < t.hard_none_keep <= 1),
        ("training.gradient_accumulation_steps", t.gradient_accumulation_steps, t.gradient_accumulation_steps >= 1),
        ("model.max_length", cfg.model.max_length, 8 <= cfg.model.max_length <= 4096),
        ("model.tfidf_partner_weight", cfg.model.tfidf_partner_weight,
         cfg.model.tfidf_partner_weight is None or 0 <= cfg.model.tfidf_partner_weight <= 1),
        ("input.context_words", cfg.input.context_words, cfg.input.context_words >= 0),
        ("input.mention_markers", cfg.input.mention_markers, len(cfg.input.mention_markers) == 2),
    ):
        if not ok:
            raise ConfigError(f"config key {key!r}: value {value!r} is out of range")
    if cfg.model.tfidf_partner and cfg.model.type != "transformer":
        raise ConfigError("config key 'model.tfidf_partner': only a transformer run can have a TF-IDF partner "
                          f"(model.type is {cfg.model.type!r})")
    try:
        cfg.input.actor_template.format(actor="A", target="T")
    except (KeyError, IndexError, ValueError) as err:
        raise ConfigError(f"config key 'input.actor_template': only {{actor}} and {{target}} may be used ({err})") from None


def parse_overrides(overrides: list[str]) -> dict:
    """Turn ``["training.epochs=2", "run.seed=1"]`` into a nested dict (values parsed as YAML)."""
    nested: dict = {}
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"override {item!r} must look like section.key=value")
        key, value = item.split("=", 1)
        node = nested
        parts = key.strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = yaml.safe_load(value) if value.strip() else ""
    return nested


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def config_from_dict(raw: dict) -> Config:
    """Validate a nested dict (as read from YAML) into a :class:`Config`."""
    cfg = _build(Config, raw or {}, "")
    _check(cfg)
    return cfg


def load_config(path: str | Path | None, overrides: list[str] = ()) -> Config:
    """Read a YAML config, apply ``section.key=value`` overrides, validate, return a :class:`Config`.

    Example:
        >>> load_config(None, ["model.type=tfidf"]).model.type
        'tfidf'
    """
    raw: dict = {}
    if path is not None:
        try:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except OSError as err:
            raise ConfigError(f"cannot read config {path}: {err}") from err
        except yaml.YAMLError as err:
            raise ConfigError(f"{path}: invalid YAML: {err}") from err
    try:
        return config_from_dict(_merge(raw, parse_overrides(list(overrides))))
    except ConfigError as err:
        raise ConfigError(f"{path or '<defaults>'}: {err}") from None
