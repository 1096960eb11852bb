"""External benchmark: SemEval-2016 Task 6, subtask A (stance in tweets), through the same pipeline.

    python -m benchmarks.semeval2016 --data ../shared/benchmarks/semeval2016 --seeds 3

1. converts the official files (not shipped: get them from
   http://www.saifmohammad.com/WebPages/StanceDataset.htm, cite Mohammad et al. 2016) into
   train / dev / test JSON Lines where configs/semeval2016.yaml reads them (runs/semeval2016/data/);
2. trains, with training.train.run unchanged, the transformer of configs/semeval2016.yaml once per
   seed (1..N), the TF-IDF baseline of configs/semeval2016_baseline.yaml on all targets, and the same
   baseline config once per target (per-target files written next to the data; as the task's SVM
   baseline, each target gets its own vocabulary, character n-grams and weights);
3. scores all of them on the 1,249 official test tweets with the official metric, F_avg = mean of
   the F1 of favor and against, pooled over all test tweets (x100), next to the per-target majority
   class (65.22 in the task paper) and the published systems;
4. reports combinations, each its own row: every seed's transformer averaged with the TF-IDF
   probabilities (the per-target runs by default, --partner), mean +- std over seeds. The
   transformer's probabilities are first softened by a temperature fitted on the dev tweets (a
   fine-tuned encoder is over-confident and would otherwise dominate the average; the uncalibrated
   average is its own row); the TF-IDF weight is chosen on the dev tweets from 0, 0.1, ..., 1 (mean
   dev F_avg over the seeds; --tfidf-weight fixes it). Also the ensemble of all seeds, with and
   without TF-IDF. Nothing is tuned on the test tweets.

The last line printed is one JSON object: f_avg_mean and f_avg_std are those of the headline system
(``system``; mean and sample std over the seeds), next to the single-model, baseline and majority
F_avg, all in points (0-100). Runs use torch's default thread count (set OMP_NUM_THREADS=1 or
--threads 1 on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from stance.combine import apply_temperature, fit_temperature, mix, select_weights
from stance.data import record_pairs
from stance.evaluate import compute_metrics
from stance.model import StanceModel
from stance.schema import load_targets, read_records
from stance.scorers import labels_of
from training.config import Config, load_config

from .runs import machine, mean_std, train_all, train_or_reuse
from .semeval_data import CITATION, OFFICIAL_PAGE, SemEvalDataError, majority_labels, write_semeval

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_CONFIG = ROOT / "configs" / "semeval2016.yaml"
DEFAULT_BASELINE = ROOT / "configs" / "semeval2016_baseline.yaml"
N_TEST = 1249
#: Published results on the same 1,249 test tweets (F_avg x 100, pooled).
PUBLISHED = [
    ("majority class per target", 65.22, "Mohammad et al. 2016"),
    ("SVM word + char n-grams", 68.98, "Mohammad et al. 2016"),
    ("MITRE, best of 19 teams", 67.82, "Mohammad et al. 2016"),
    ("RoBERTa-base", 68.0, "Barbieri et al. 2020, TweetEval"),
    ("BERTweet", 71.2, "TweetEval leaderboard"),
    ("TimeLMs-2021", 72.9, "TweetEval leaderboard, Loureiro et al. 2022"),
]
logger = logging.getLogger("semeval2016")


def f_avg(predicted, gold) -> float:
    """The official metric in points: mean F1 of favor and against over all given tweets."""
    return 100 * compute_metrics(list(predicted), list(gold))["f_avg"]


def per_target(predicted, gold, targets) -> dict[str, float]:
    out = {}
    for t in sorted(set(targets)):
        idx = [i for i, x in enumerate(targets) if x == t]
        out[t] = f_avg([predicted[i] for i in idx], [gold[i] for i in idx])
    return out


def convert(data: Path, cfg: Config) -> dict[str, Path]:
    """Write train/dev/test JSONL where the config reads them (all three in one folder)."""
    out_dir = Path(cfg.data.train).parent
    expected = {"train": out_dir / "train.jsonl", "dev": out_dir / "dev.jsonl", "test": out_dir / "test.jsonl"}
    given = {"train": Path(cfg.data.train), "dev": Path(cfg.data.dev), "test": Path(cfg.data.test[0]) if cfg.data.test else None}
    if given != expected or len(cfg.data.test) != 1:
        raise SystemExit(f"the config must read train.jsonl, dev.jsonl and test.jsonl from one folder (data.train, data.dev, "
                         f"data.test: [one file]); got {cfg.data.train}, {cfg.data.dev}, {cfg.data.test}")
    return write_semeval(data, out_dir)


def _row(name: str, value: str, note: str = "") -> str:
    return f"  {name:<78} {value:>13}   {note}"


def split_by_target(paths: dict[str, Path], out_dir: Path, targets) -> dict[str, dict[str, Path]]:
    """Write each split's records of each target (pairs of that target only) to ``out_dir/<target>/<split>.jsonl``."""
    out: dict[str, dict[str, Path]] = {}
    for split, path in paths.items():
        by_target: dict[str, list[dict]] = {}
        for rec in read_records(path, targets):
            for t in dict.fromkeys(p["target"] for p in rec["pairs"]):
                by_target.setdefault(t, []).append({**rec, "pairs": [p for p in rec["pairs"] if p["target"] == t]})
        for t, recs in by_target.items():
            target_path = out_dir / t / f"{split}.jsonl"
            target_path.parent.mkdir(parents=True, exist_ok=True)
            target_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
            out.setdefault(t, {})[split] = target_path
    return out


def train_per_target(bcfg_path: Path, overrides: list[str], per_target_paths: dict, output_root: str, reuse: bool) -> dict[str, Path]:
    """One run of the baseline config per target (its own vocabulary, character n-grams and weights)."""
    runs = {}
    for t, p in sorted(per_target_paths.items()):
        if not {"train", "dev", "test"} <= set(p):
            raise SystemExit(f"target {t!r} lacks a train, dev or test split; cannot train a per-target run")
        cfg = load_config(bcfg_path, [*overrides, f"data.train={p['train']}", f"data.dev={p['dev']}",
                                      f"data.test=[{p['test']}]", f"run.output_dir={output_root}/{t}"])
        runs[t] = train_or_reuse(cfg, reuse)
    return runs


def run_benchmark(args) -> dict:
    overrides = list(args.set)
    thread_override = [f"training.num_threads={args.threads}"] if args.threads else []
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    overrides += thread_override
    base_cfg = load_config(args.config, overrides)
    paths = convert(args.data, base_cfg)
    targets = load_targets(base_cfg.data.targets_file, base_cfg.data.targets)
    n_train, n_dev = (len(read_records(paths[k], targets)) for k in ("train", "dev"))
    train_recs = read_records(paths["train"], targets) + read_records(paths["dev"], targets)
    test_recs = read_records(paths["test"], targets)
    if len(test_recs) != N_TEST or len(train_recs) != 2914:
        logger.warning("expected 2,914 training and 1,249 test tweets, read %d and %d", len(train_recs), len(test_recs))
    examples = record_pairs(test_recs)
    dev_examples = record_pairs(read_records(paths["dev"], targets))
    gold = [e.label for e in examples]
    tgt = [e.target for e in examples]

    # Majority class of each target over all 2,914 official training tweets (train + trial).
    majority = majority_labels(train_recs)
    majority_pred = [majority[t] for t in tgt]

    seeds = list(range(1, args.seeds + 1))
    probas, calibrated, temperatures, times = {}, {}, {}, {}
    dev_probas, dev_calibrated = {}, {}
    dev_gold = [e.label for e in dev_examples]
    started = time.time()
    configs = {seed: load_config(args.config, [*overrides, f"run.seed={seed}", f"run.output_dir={base_cfg.run.output_dir}-seed{seed}"])
               for seed in seeds}
    runs = train_all(configs, args.reuse, args.jobs)
    for seed in seeds:
        cfg = configs[seed]
        model = StanceModel.from_pretrained(runs[seed])
        probas[seed] = model.predict_proba(examples, batch_size=cfg.training.eval_batch_size)
        dev_probas[seed] = model.predict_proba(dev_examples, batch_size=cfg.training.eval_batch_size)
        temperatures[seed] = fit_temperature(dev_probas[seed], dev_gold)
        calibrated[seed] = apply_temperature(probas[seed], temperatures[seed])
        dev_calibrated[seed] = apply_temperature(dev_probas[seed], temperatures[seed])
        times[seed] = json.loads((runs[seed] / "metrics.json").read_text())["training"].get("train_runtime_s")

    # The TF-IDF baseline: one run on all targets (the baseline config as it is) ...
    bcfg = load_config(args.baseline_config, thread_override)
    baseline_run = train_or_reuse(bcfg, args.reuse)
    baseline_model = StanceModel.from_pretrained(baseline_run)
    baseline_proba, baseline_dev = baseline_model.predict_proba(examples), baseline_model.predict_proba(dev_examples)
    # ... and one run of the same config per target, as the task's SVM baseline is trained.
    per_target_paths = split_by_target(paths, Path(bcfg.data.train).parent / "per_target", targets)
    per_target_runs = train_per_target(args.baseline_config, thread_override, per_target_paths,
                                       f"{bcfg.run.output_dir}-per-target", args.reuse)
    per_target_proba, per_target_dev = np.zeros_like(baseline_proba), np.zeros_like(baseline_dev)
    for t, run in per_target_runs.items():
        model = StanceModel.from_pretrained(run)
        for exs, out in ((examples, per_target_proba), (dev_examples, per_target_dev)):
            idx = [i for i, e in enumerate(exs) if e.target == t]
            if idx:
                out[idx] = model.predict_proba([exs[i] for i in idx])
    joint = args.partner == "joint"
    partner, partner_dev = (baseline_proba, baseline_dev) if joint else (per_target_proba, per_target_dev)
    other, other_dev = (per_target_proba, per_target_dev) if joint else (baseline_proba, baseline_dev)
    partner_name, other_name = ("TF-IDF", "TF-IDF per target") if joint else ("TF-IDF per target", "TF-IDF")

    # The TF-IDF weight: given, or chosen on the dev tweets (mean dev F_avg over the seeds); each
    # combination row chooses its own weight the same way.
    def weight(transformer_dev, tfidf_dev):
        if args.tfidf_weight != "dev":
            return float(args.tfidf_weight), {}
        weights, curve = select_weights([[transformer_dev[s], tfidf_dev] for s in seeds], lambda p: f_avg(labels_of(p), dev_gold))
        return weights[1], {w[1]: v for w, v in curve.items()}

    w, curve = weight(dev_calibrated, partner_dev)
    w_other, _ = weight(dev_calibrated, other_dev)
    w_uncal, _ = weight(dev_probas, partner_dev)
    how = "dev-selected " if args.tfidf_weight == "dev" else ""
    systems: dict[str, dict] = {}

    def add(key, name, preds_per_seed):
        scores = [f_avg(p, gold) for p in preds_per_seed]
        pts = [per_target(p, gold, tgt) for p in preds_per_seed]
        systems[key] = {"name": name, "scores": scores, "mean_std": mean_std(scores),
                        "per_target": {t: statistics.fmean(pt[t] for pt in pts) for t in pts[0]}}

    n = len(seeds)
    add("transformer", f"MiniLM-L6 fine-tuned, {n} seeds", [labels_of(probas[s]) for s in seeds])
    add("combined", f"MiniLM-L6 (T fit on dev) + {partner_name}, {how}w={w:g}, {n} seeds",
        [labels_of(mix([calibrated[s], partner], [1 - w, w])) for s in seeds])
    if w != 0.5:
        add("combined_w0.5", f"MiniLM-L6 (T fit on dev) + {partner_name}, fixed w=0.5, {n} seeds",
            [labels_of(mix([calibrated[s], partner], [1 - 0.5, 0.5])) for s in seeds])
    add("combined_other", f"MiniLM-L6 (T fit on dev) + {other_name}, {how}w={w_other:g}, {n} seeds",
        [labels_of(mix([calibrated[s], other], [1 - w_other, w_other])) for s in seeds])
    add("combined_uncal", f"MiniLM-L6 (uncalibrated) + {partner_name}, {how}w={w_uncal:g}, {n} seeds",
        [labels_of(mix([probas[s], partner], [1 - w_uncal, w_uncal])) for s in seeds])
    ensemble = mix([calibrated[s] for s in seeds], [1 / n] * n)
    if n > 1:
        add("ensemble", f"MiniLM-L6 {n}-seed ensemble (calibrated prob. avg)", [labels_of(ensemble)])
        add("ensemble+tfidf", f"MiniLM-L6 {n}-seed ensemble + {partner_name}, w={w:g}",
            [labels_of(mix([ensemble, partner], [1 - w, w]))])
    add("tfidf", f"TF-IDF + LR baseline ({_rel(args.baseline_config)})", [labels_of(baseline_proba)])
    add("tfidf_per_target", "TF-IDF + LR, same config, one run per target", [labels_of(per_target_proba)])
    add("majority", "majority class per target (train + trial)", [majority_pred])
    headline = "combined" if args.headline == "combined" else "transformer"

    mach = machine()
    print()
    print(f"SemEval-2016 Task 6A: {len(test_recs)} test tweets; {len(train_recs)} training tweets = {n_train} train + {n_dev} dev")
    print(f"F_avg x100 = (F1 favor + F1 against) / 2, pooled over all test tweets; seed rows: mean +- sample std "
          f"over seeds {', '.join(map(str, seeds))}. Transformer config {_rel(args.config)}.")
    print(_row("system", "F_avg"))
    print(_row("-" * 78, "-" * 13))
    for key, s in systems.items():
        mean, std = s["mean_std"]
        value = f"{mean:.2f} +- {std:.2f}" if len(s["scores"]) > 1 else f"{mean:.2f}"
        note = "seeds: " + ", ".join(f"{x:.2f}" for x in s["scores"]) if len(s["scores"]) > 1 else ""
        print(_row(("* " if key == headline else "ours: ") + s["name"], value, note))
    for name, value, source in PUBLISHED:
        print(_row(f"published: {name}", f"{value:.2f}", source))
    print()
    print("per-target F_avg x100 (seed rows: mean over seeds)")
    keys = [k for k in ("transformer", "combined", "ensemble", "ensemble+tfidf", "tfidf", "tfidf_per_target", "majority") if k in systems]
    print("  " + f"{'target':<26}" + "".join(f"{k:>17}" for k in keys))
    for t in sorted(set(tgt)):
        print("  " + f"{t:<26}" + "".join(f"{systems[k]['per_target'][t]:>17.2f}" for k in keys))
    print()
    train_times = [t for t in times.values() if t]
    print(f"machine: {mach['cpu_count']} CPUs ({mach['processor']}), torch {mach['torch']} with {mach['torch_threads']} thread(s) "
          f"(OMP_NUM_THREADS={mach['omp_num_threads']}), CUDA {'yes' if mach['cuda'] else 'no'}, Python {mach['python']}; "
          f"transformer training {statistics.fmean(train_times):.0f} s per seed; benchmark wall time {time.time() - started:.0f} s"
          if train_times else f"machine: {mach}")
    print("temperatures fitted on the dev tweets: " + ", ".join(f"seed {k} T={v:.2f}" for k, v in temperatures.items()))
    if curve:
        print("dev F_avg of the headline combination by TF-IDF weight (mean over seeds): "
              + ", ".join(f"{k:g}: {v:.2f}" for k, v in curve.items()))
    print(f"data: {OFFICIAL_PAGE} -- cite {CITATION}")
    mean, std = systems[headline]["mean_std"]
    summary = {
        "f_avg_mean": round(mean, 2), "f_avg_std": round(std, 2), "seeds": n,
        "baseline_f_avg": round(systems["tfidf"]["mean_std"][0], 2),
        "majority_f_avg": round(systems["majority"]["mean_std"][0], 2),
        "system": systems[headline]["name"],
        "transformer_f_avg_mean": round(systems["transformer"]["mean_std"][0], 2),
        "transformer_f_avg_std": round(systems["transformer"]["mean_std"][1], 2),
        "tfidf_per_target_f_avg": round(systems["tfidf_per_target"]["mean_std"][0], 2),
        "ensemble_tfidf_f_avg": round(systems["ensemble+tfidf"]["mean_std"][0], 2) if "ensemble+tfidf" in systems else None,
    }
    report = {"summary": summary, "machine": mach, "seeds": seeds, "runs": {str(k): str(v) for k, v in runs.items()},
              "baseline_run": str(baseline_run), "per_target_runs": {k: str(v) for k, v in per_target_runs.items()},
              "tfidf_weight": w, "tfidf_weight_dev_curve": {str(k): v for k, v in curve.items()}, "partner": args.partner, "temperatures": {str(k): v for k, v in temperatures.items()},
              "systems": {k: {**v, "mean_std": list(v["mean_std"])} for k, v in systems.items()}}
    out = Path(base_cfg.run.output_dir).parent / "benchmark.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"report: {out}")
    print(json.dumps(summary))
    return report


def _rel(path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path,
                        help=f"folder of the official files (data-all-annotations of stancedataset.zip from {OFFICIAL_PAGE})")
    parser.add_argument("--seeds", type=int, default=3, help="transformer runs, seeds 1..N (default 3)")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="transformer config (default configs/semeval2016.yaml)")
    parser.add_argument("--baseline-config", type=Path, default=DEFAULT_BASELINE, help="TF-IDF config (default configs/semeval2016_baseline.yaml)")
    parser.add_argument("--tfidf-weight", default="dev",
                        help="weight of the TF-IDF probabilities in the combined rows: a number in [0, 1], or 'dev' (default): "
                             "the weight of 0, 0.1, ..., 1 with the best dev F_avg, mean over seeds")
    parser.add_argument("--partner", choices=["per-target", "joint"], default="per-target",
                        help="TF-IDF probabilities averaged with the transformer: the per-target runs (default) or the one joint run")
    parser.add_argument("--headline", choices=["combined", "transformer"], default="combined",
                        help="system whose mean/std the final JSON reports as f_avg_mean/f_avg_std (default: transformer + TF-IDF)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads per run (default: torch's default, which honours OMP_NUM_THREADS)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="transformer seeds trained at the same time, each in its own process (default 1); "
                             "use with --threads so that jobs x threads <= cores")
    parser.add_argument("--reuse", action="store_true", help="keep existing runs trained with exactly the same config instead of retraining")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a transformer config key (repeatable)")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.tfidf_weight != "dev":
        try:
            args.tfidf_weight = float(args.tfidf_weight)
        except ValueError:
            parser.error("--tfidf-weight must be a number between 0 and 1, or dev")
        if not 0 <= args.tfidf_weight <= 1:
            parser.error("--tfidf-weight must be between 0 and 1, or dev")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args.data = args.data.resolve()
    args.config, args.baseline_config = args.config.resolve(), args.baseline_config.resolve()
    os.chdir(ROOT)  # the configs' paths are relative to the repository root
    try:
        run_benchmark(args)
    except SemEvalDataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
