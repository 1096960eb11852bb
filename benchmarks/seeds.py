"""Seed protocol: train one config with N seeds, then report every scorer of it per split.

    python -m benchmarks.seeds configs/default.yaml --seeds 3 [--jobs 2 --threads 1] [--reuse]
                               [--also data/dev_shift.jsonl] [key=value ...]

Trains the config once per seed (``run.seed`` = 1..N, or ``--seed-list 42 1 2``) into
``runs/seeds/<config name>/seed<N>`` and scores each run on dev, every ``data.test`` file and every
``--also`` file (held-out sets outside the config, such as the corpus's dev_shift; with ``--reuse``
this scores runs trained before such a set existed, without training them again): the model as
saved and, for an ensemble, each member alone (the transformer alone, the TF-IDF model alone), on
the gold pairs. Prints one table per metric — mean ± sample std, min and every seed's
value — and one of the model's macro-F1 on the slices its evaluation reports list (the corpus's
first-round documents), and writes the numbers to ``runs/seeds/<config name>/seeds.json``. A
decision between two configs is made on the dev rows of two such tables, never on one seed.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from stance.data import record_pairs
from stance.evaluate import compute_metrics, member_summary
from stance.model import StanceModel
from stance.schema import read_records
from stance.scorers import Ensemble, scorer_proba, labels_of
from training.config import load_config

from .runs import machine, mean_std, train_all

METRICS = ("macro_f1", "f_avg")


def member_scores(run_dir: Path, files: dict[str, str], batch_size: int = 128) -> dict:
    """{system: {split: {metric: value}}} for the model and, for an ensemble, each member alone."""
    model = StanceModel.from_pretrained(run_dir)
    scorer = model.scorer
    members = list(zip(scorer.names, scorer.scorers)) if isinstance(scorer, Ensemble) else [(model.kind, scorer)]
    out: dict[str, dict] = {}
    for split, path in files.items():
        examples = record_pairs(read_records(path, model.targets))
        gold = [e.label for e in examples]
        probas = {name: scorer_proba(member, examples, batch_size) for name, member in members}
        systems = {name: labels_of(p) for name, p in probas.items()}
        if isinstance(scorer, Ensemble):  # the ensemble's own arithmetic on the members' scores: no second pass
            systems["ensemble"] = labels_of(scorer.combine(list(probas.values())))
        for name, predicted in systems.items():
            m = compute_metrics(predicted, gold)
            out.setdefault(name, {})[split] = {k: m[k] for k in METRICS} | {
                f"f1_{label}": v["f1"] for label, v in m["per_label"].items()}
    return out


def reported_scores(run_dir: Path, files: dict[str, str]) -> dict | None:
    """The same numbers as :func:`member_scores`, read from the run's own evaluation reports
    (``eval_<split>.json``, which list an ensemble's members), or None when a report is missing
    or lacks the members: then the run is scored again."""
    out: dict[str, dict] = {}
    for split in files:
        path = run_dir / f"eval_{split}.json"
        if not path.is_file():
            return None
        report = json.loads(path.read_text(encoding="utf-8"))
        overall = report["overall"]
        systems = dict(report.get("members", {}))
        ensemble = str(report.get("model_type", "")).startswith("ensemble")
        if ensemble and not systems:
            return None
        systems["ensemble" if ensemble else report["model_type"]] = member_summary(overall)
        for name, m in systems.items():
            out.setdefault(name, {})[split] = {k: m[k] for k in METRICS} | {
                f"f1_{label}": f for label, f in m["per_label_f1"].items()}
    return out


def run_scores(run_dir: Path, files: dict[str, str], batch_size: int = 128) -> dict:
    """:func:`reported_scores` for the splits the run's reports cover, :func:`member_scores` for the
    others (a set added after training), in the order of ``files``."""
    reported = {split: reported_scores(run_dir, {split: path}) for split, path in files.items()}
    missing = {split: files[split] for split, got in reported.items() if got is None}
    parts = [got for got in reported.values() if got is not None]
    if missing:
        parts.append(member_scores(run_dir, missing, batch_size))
    merged: dict[str, dict] = {}
    for part in parts:
        for system, by_split in part.items():
            merged.setdefault(system, {}).update(by_split)
    return {system: {split: by_split[split] for split in files if split in by_split} for system, by_split in merged.items()}


def slice_scores(run_dir: Path, files: dict[str, str]) -> dict:
    """{split: {slice: macro-F1}} of the saved model on the slices its evaluation reports list
    (records with a ``slice``, e.g. the first-round documents kept in test and test_shift)."""
    out: dict[str, dict] = {}
    for split in files:
        path = run_dir / f"eval_{split}.json"
        if path.is_file():
            for name, m in json.loads(path.read_text(encoding="utf-8")).get("per_slice", {}).items():
                out.setdefault(split, {})[name] = m["macro_f1"]
    return out


def slice_table(slices: dict[int, dict]) -> str:
    """Mean ± std (min) over seeds of the model's macro-F1 per slice, one column per split."""
    seeds = sorted(slices)
    splits = sorted({split for s in seeds for split in slices[s]})
    names = sorted({name for s in seeds for split in slices[s].values() for name in split})
    lines = ["| macro_f1 of the model, slice | " + " | ".join(splits) + " |", "|---|" + "---|" * len(splits)]
    for name in names:
        cells = []
        for split in splits:
            values = [slices[s][split][name] for s in seeds if name in slices[s].get(split, {})]
            if len(values) < len(seeds):  # a slice some run did not report is no mean over the seeds
                cells.append("–")
                continue
            mean, std = mean_std(values)
            cells.append(f"{mean:.3f} ± {std:.3f} (min {min(values):.3f})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table(results: dict[int, dict], metric: str) -> str:
    seeds = sorted(results)
    systems = list(next(iter(results.values())))
    splits = list(next(iter(results.values()))[systems[0]])
    lines = [f"| {metric} | " + " | ".join(splits) + " |", "|---|" + "---|" * len(splits)]
    for system in systems:
        cells = []
        for split in splits:
            values = [results[s][system][split][metric] for s in seeds]
            mean, std = mean_std(values)
            cells.append(f"{mean:.3f} ± {std:.3f} (min {min(values):.3f}; " + ", ".join(f"{v:.3f}" for v in values) + ")")
        lines.append(f"| {system} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", type=Path)
    parser.add_argument("overrides", nargs="*", help="section.key=value overrides for every seed")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 1..N (default 3)")
    parser.add_argument("--seed-list", type=int, nargs="+", help="these seeds instead of 1..N")
    parser.add_argument("--name", help="folder under runs/seeds (default: the config's name)")
    parser.add_argument("--jobs", type=int, default=1, help="seeds trained at once, each in its own process")
    parser.add_argument("--threads", type=int, default=0, help="torch threads per run (jobs x threads <= cores)")
    parser.add_argument("--reuse", action="store_true", help="keep runs already trained with the same config")
    parser.add_argument("--also", nargs="+", default=[], metavar="FILE",
                        help="more held-out files to score every run on (not part of the config)")
    args = parser.parse_args(argv)
    for f in args.also:  # before hours of training, not after
        if not Path(f).is_file():
            parser.error(f"--also {f}: no such file")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    seeds = args.seed_list or list(range(1, args.seeds + 1))
    root = Path("runs") / "seeds" / (args.name or args.config.stem)
    extra = [f"training.num_threads={args.threads}"] if args.threads else []
    configs = {s: load_config(args.config, [*args.overrides, *extra, f"run.seed={s}", f"run.output_dir={root}/seed{s}"])
               for s in seeds}
    runs = train_all(configs, args.reuse, args.jobs)
    cfg = configs[seeds[0]]
    files = {"dev": cfg.data.dev, **{Path(f).stem: f for f in [*cfg.data.test, *args.also]}}
    # A run's own reports already hold every member's scores; sets they lack are scored here.
    results = {s: run_scores(runs[s], files, cfg.training.eval_batch_size) for s in seeds}
    minutes = {s: json.loads((runs[s] / "metrics.json").read_text())["training"]["total_runtime_s"] / 60 for s in seeds}
    print(f"\n{args.config} {' '.join(args.overrides)}; seeds {', '.join(map(str, seeds))}; "
          f"minutes per run (train + evaluate): " + ", ".join(f"{m:.1f}" for m in minutes.values()))
    for metric in METRICS:
        print("\n" + table(results, metric))
    slices = {s: slice_scores(runs[s], files) for s in seeds}
    if any(slices.values()):
        print("\n" + slice_table(slices))
    report = {"config": str(args.config), "overrides": args.overrides, "seeds": seeds, "machine": machine(),
              "minutes": minutes, "results": {str(s): r for s, r in results.items()},
              "slices": {str(s): v for s, v in slices.items()}}
    (root / "seeds.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nreport: {root / 'seeds.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
