"""Run configuration: one YAML file fully determines a training run.

Sections are dataclasses whose fields carry their own help text (``metadata["help"]``);
``configs/reference.yaml`` is generated from them (``python -m training.config > configs/reference.yaml``,
checked by a test). ``load_config`` reads YAML, applies ``key=value`` overrides, rejects unknown keys
and wrong types by their dotted name (``training.learning_rate``), and converts values YAML leaves
as strings (PyYAML reads ``2e-5`` as a string).

The input contract (``input:``) is the library's :class:`stance.data.InputSettings`, saved with the
model; everything else here only shapes training. ``model.scorers`` names the scorers of the run
(spaCy-style named components): one is used alone, several form an ensemble whose weights are
fitted on dev.

Example:
    >>> cfg = load_config("configs/default.yaml", ["training.epochs=2"])  # doctest: +SKIP
    >>> cfg.training.epochs  # doctest: +SKIP
    2
"""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from stance.data import InputSettings, setting
from stance.scorers import scorer_class


class ConfigError(ValueError):
    """A configuration value is missing, unknown or of the wrong type; the message names the key."""


@dataclass
class RunSettings:
    """Where the run goes and what makes it reproducible."""

    output_dir: str = setting("runs/default", "run directory, written atomically when training ends (the last good "
                              "run survives a crash); relative to the working directory")
    seed: int = setting(42, "seed for initialisation, data order and none-subsampling")
    resume: bool = setting(False, "true: continue from the newest complete checkpoint in <output_dir>.work of an "
                           "interrupted run")
    keep_checkpoints: bool = setting(False, "keep <output_dir>.work (per-epoch Trainer checkpoints) after a "
                                     "successful run")


@dataclass
class TransformerSettings:
    """A transformer scorer: the encoder it is fine-tuned from (training knobs: ``training:``)."""

    type: str = setting("transformer", "scorer type")
    encoder: str = setting("default", "default = the packaged all-MiniLM-L6-v2; or a local checkpoint directory; or "
                           "a hub id (needs network)")
    encoder_sha256: str | None = setting("default", "expected sha256 of the encoder's model.safetensors; default = "
                                         "the packaged encoder's known hash; null = no check")
    pooling: Literal["cls", "mean"] = setting(
        "cls", "what the classification head reads: cls = the first token through the encoder's pooler (a standard "
        "AutoModelForSequenceClassification); mean = the mean of all token vectors (how sentence-transformers "
        "encoders such as the default were trained; saved as the encoder plus head.safetensors)")


@dataclass
class ModelSettings:
    """The scorers of the run and how they are combined."""

    scorers: dict = setting(lambda: {"transformer": {"type": "transformer"}},
                            "named scorers {name: {type: ..., settings}}; type defaults to the name. transformer: "
                            "encoder, encoder_sha256; tfidf: max_features, C, class_weight, random_state (the "
                            "parameters of stance.baseline.TfidfStanceClassifier; random_state defaults to run.seed). "
                            "Several scorers form an ensemble; an entry set to null is removed")
    ensemble_weights: dict | None = setting(None, "{name: weight} of an ensemble's members; null: chosen on dev "
                                            "(grid step 0.1) by training.selection_metric")


@dataclass
class DataSettings:
    """Data files and the label space."""

    train: str = setting("data/train.jsonl", "JSON Lines training file (record format: see data/GUIDELINES.md)")
    dev: str = setting("data/dev.jsonl", "evaluated each epoch; the best epoch by training.selection_metric is kept")
    test: list[str] = setting(lambda: ["data/test.jsonl", "data/test_shift.jsonl"],
                              "evaluated once after training; reports saved in the run as eval_<name>.json")
    targets_file: str | None = setting(None, "YAML list of {id, description}; null = the packaged five targets")
    targets: list[dict] = setting(list, "extra targets, e.g. [{id: sanctions_relief, description: lifting sanctions "
                                  "on Russia}], added to (or replacing, by id) the targets file")
    actors_files: list[str] = setting(list, "extra actor registry files (same format as stance/resources/actors.yaml)")


@dataclass
class TrainingSettings:
    """Optimisation of transformer scorers; fields with an ``hf`` name go to ``transformers.TrainingArguments``."""

    epochs: int = setting(4, "maximum passes over the training pairs", hf="num_train_epochs")
    batch_size: int = setting(32, "training pairs per device per step", hf="per_device_train_batch_size")
    eval_batch_size: int = setting(128, "pairs per step when evaluating and predicting", hf="per_device_eval_batch_size")
    learning_rate: float = setting(5e-5, "peak learning rate of AdamW", hf="learning_rate")
    head_learning_rate: float = setting(0.0, "peak learning rate of the new classification head (0: learning_rate); a "
                                        "fresh head can learn faster than the pretrained encoder may move")
    layer_lr_decay: float = setting(1.0, "layer-wise learning-rate decay: encoder layer k below the top learns at "
                                    "learning_rate x layer_lr_decay^k, the embeddings one step below the lowest "
                                    "layer; 1.0 gives every encoder layer learning_rate")
    weight_decay: float = setting(0.01, "AdamW weight decay", hf="weight_decay")
    warmup_ratio: float = setting(0.1, "share of steps spent warming up the learning rate linearly",
                                  hf="warmup_steps")  # a float in [0, 1) is a share of all steps
    lr_scheduler: str = setting("linear", "a transformers scheduler name (linear, cosine, ...)", hf="lr_scheduler_type")
    gradient_accumulation_steps: int = setting(1, "steps to accumulate before each optimiser update",
                                               hf="gradient_accumulation_steps")
    early_stopping_patience: int = setting(2, "stop after this many epochs without a better dev selection_metric "
                                           "(0 disables early stopping)")
    selection_metric: Literal["macro_f1", "f_avg"] = setting(
        "macro_f1", "dev metric that picks the best epoch, drives early stopping, the none calibration and the ensemble "
        "weights: macro_f1 (all four labels) or f_avg (mean F1 of favor and against, the SemEval-2016 metric)",
        hf="metric_for_best_model")
    class_weights: Literal["balanced", "sqrt", "none"] = setting(
        "sqrt", "loss weights against the none majority: balanced (inverse frequency), sqrt (its square root) or none")
    none_keep: float = setting(1.0, "share of easy none training pairs kept (sentences where nobody takes a "
                               "position), resampled with the seed; 1.0 keeps all")
    hard_none_keep: float = setting(1.0, "share of hard none pairs kept (sentences where some actor takes a "
                                    "position): they teach who holds which position")
    resample_none: bool = setting(False, "draw the kept none pairs anew each epoch (the next none_keep and hard_none_keep "
                                  "shares of a seeded shuffle): the same steps an epoch, more different none pairs seen")
    name_swap: float = setting(0.0, "share of training pairs whose actor, a person named in the sentence, is handed to "
                               "another person of the same affiliation and gender (every name of the actor in sentence "
                               "and context replaced, the stance kept; training.augment.swap_names): the model reads "
                               "what is said, not who usually says it; transformer scorers only, 0 turns it off")
    weight_average: float = setting(0.0, "decay of an exponential moving average of the weights per optimiser step "
                                    "(e.g. 0.995); dev scores and the checkpoints hold the average "
                                    "(training.averaging.WeightAverage); 0 trains and keeps the weights themselves")
    dev_none_keep: float = setting(1.0, "share of easy none dev pairs (sentences where nobody takes a position) in "
                                   "the per-epoch dev evaluation that picks the best epoch; the calibration, the "
                                   "ensemble and the reports use all dev pairs")
    evaluate_from_epoch: int = setting(1, "score dev only from this epoch on: earlier epochs are trained and "
                                       "checkpointed but not scored, so they cannot be picked as best (each dev pass "
                                       "costs about a fifth of an epoch of the default); above training.epochs: the last epoch")
    calibrate_none: bool = setting(True, "after training, add to the none logit the offset (-2..6, step 0.25) that "
                                   "maximises the dev selection_metric, written into the classifier bias so every "
                                   "loader sees it")
    collapse_check: bool = setting(True, "check that a transformer did not collapse to (almost) all-none on dev; false "
                                   "only logs it (for smoke tests on untrained toy models)")
    collapse_retries: int = setting(1, "a transformer that ends (almost) all-none on dev is trained again with the next "
                                    "seed this many times; then training stops with an error")
    max_steps: int = setting(-1, "stop after this many optimiser steps (-1: all epochs); for smoke tests", hf="max_steps")
    max_train_pairs: int = setting(-1, "use at most this many training pairs (-1: all); for smoke tests")
    num_threads: int = setting(0, "CPU threads for torch (0: torch's default)")
    fp16: bool = setting(False, "mixed precision on a CUDA GPU (ignored on CPU)")
    logging_steps: int = setting(25, "log the training loss every this many steps", hf="logging_steps")


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


def hf_arguments(settings) -> dict:
    """The fields of a settings dataclass that carry an ``hf`` name, as TrainingArguments keywords."""
    return {f.metadata["hf"]: getattr(settings, f.name) for f in dataclasses.fields(settings) if "hf" in f.metadata}


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
    if hint is dict or origin is dict:
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


def resolve_scorer(name: str, raw) -> dict:
    """One ``model.scorers`` entry with its type's defaults filled in; errors name the key."""
    key = f"model.scorers.{name}"
    if not isinstance(raw, dict):
        raise ConfigError(f"config key {key!r}: expected a mapping of settings, got {raw!r}")
    kind = raw.get("type", name)
    if kind == "transformer":
        return dataclasses.asdict(_build(TransformerSettings, {**raw, "type": kind}, key + "."))
    try:
        cls = scorer_class(kind)
    except ValueError as err:
        raise ConfigError(f"config key {key + '.type'!r}: {err}") from None
    if not hasattr(cls, "fit"):
        raise ConfigError(f"config key {key + '.type'!r}: scorer type {kind!r} has no fit(examples, labels) to train it")
    params = {n: p for n, p in inspect.signature(cls.__init__).parameters.items() if n != "self"
              and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    unknown = sorted(set(raw) - set(params) - {"type"})
    if unknown:
        raise ConfigError(f"unknown config key(s) {', '.join(repr(f'{key}.{k}') for k in unknown)}; "
                          f"valid keys of a {kind} scorer: type, {', '.join(params)}")
    hints = typing.get_type_hints(cls.__init__)
    out = {"type": kind}
    for n, p in params.items():
        # scikit-learn's random_state follows run.seed unless the config sets it (None here)
        value = raw.get(n, None if p.default is inspect.Parameter.empty or n == "random_state" else p.default)
        out[n] = _convert(value, hints[n], f"{key}.{n}") if n in hints and n in raw else value
    return out


def _check(cfg: Config) -> None:
    t = cfg.training
    for key, value, ok in (
        ("training.epochs", t.epochs, t.epochs >= 1),
        ("training.batch_size", t.batch_size, t.batch_size >= 1),
        ("training.eval_batch_size", t.eval_batch_size, t.eval_batch_size >= 1),
        ("training.learning_rate", t.learning_rate, t.learning_rate > 0),
        ("training.head_learning_rate", t.head_learning_rate, t.head_learning_rate >= 0),
        ("training.layer_lr_decay", t.layer_lr_decay, 0 < t.layer_lr_decay <= 1),
        ("training.warmup_ratio", t.warmup_ratio, 0 <= t.warmup_ratio < 1),
        ("training.none_keep", t.none_keep, 0 < t.none_keep <= 1),
        ("training.hard_none_keep", t.hard_none_keep, 0 < t.hard_none_keep <= 1),
        ("training.dev_none_keep", t.dev_none_keep, 0 < t.dev_none_keep <= 1),
        ("training.name_swap", t.name_swap, 0 <= t.name_swap <= 1),
        ("training.weight_average", t.weight_average, 0 <= t.weight_average < 1),
        ("training.evaluate_from_epoch", t.evaluate_from_epoch, t.evaluate_from_epoch >= 1),
        ("training.gradient_accumulation_steps", t.gradient_accumulation_steps, t.gradient_accumulation_steps >= 1),
        *((f"input.{name}", value, False) for name, value in cfg.input.check()),
    ):
        if not ok:
            raise ConfigError(f"config key {key!r}: value {value!r} is out of range")
    scorers = {name: raw for name, raw in cfg.model.scorers.items() if raw is not None}
    if not scorers:
        raise ConfigError("config key 'model.scorers': at least one scorer is needed")
    cfg.model.scorers = {name: resolve_scorer(name, raw) for name, raw in scorers.items()}
    weights = cfg.model.ensemble_weights
    if weights is not None:
        if set(weights) != set(scorers) or any(not isinstance(w, (int, float)) or w < 0 for w in weights.values()) \
                or abs(sum(weights.values()) - 1) > 1e-6:
            raise ConfigError(f"config key 'model.ensemble_weights': {weights!r} must give every scorer "
                              f"({', '.join(scorers)}) a weight >= 0, summing to 1")


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
        node[parts[-1]] = _override_value(value)
    return nested


def _override_value(value: str):
    """A value parsed as YAML (numbers, lists, booleans); text that is not YAML, such as
    ``{actor} supports {target}``, stays the string typed (its type is checked with the config)."""
    if not value.strip():
        return ""
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return value


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
        >>> load_config(None, ["model.scorers.transformer=null", "model.scorers.tfidf={C: 2}"]).model.scorers["tfidf"]["C"]
        2.0
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


def render_reference() -> str:
    """``configs/reference.yaml``: every key with its default and its help, from the dataclasses."""
    lines = ["# Reference config: every key, with its default and what it does (generated by",
             "# `python -m training.config > configs/reference.yaml` from the settings' own help; a test checks it).",
             "# A run config may set any subset; unknown keys and wrong types are errors that name the key.",
             "# Override any key on the command line: stance train configs/default.yaml training.epochs=2"]

    def value(v) -> str:
        return yaml.safe_dump(v, default_flow_style=True, width=10_000).strip().removesuffix("...").strip()

    for section in dataclasses.fields(Config):
        cls = section.type if isinstance(section.type, type) else typing.get_type_hints(Config)[section.name]
        lines.append(f"\n{section.name}:  # {cls.__doc__.splitlines()[0]}")
        for f in dataclasses.fields(cls):
            default = getattr(cls(), f.name)
            if f.name == "scorers":
                lines.append(f"  scorers:  # {f.metadata['help']}")
                lines.append("    transformer:")
                for tf in dataclasses.fields(TransformerSettings):
                    lines.append(f"      {tf.name}: {value(getattr(TransformerSettings(), tf.name))}  # {tf.metadata['help']}")
                continue
            lines.append(f"  {f.name}: {value(default)}  # {f.metadata['help']}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_reference(), end="")
