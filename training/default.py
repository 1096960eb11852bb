"""Train and evaluate the default model next to the TF-IDF baseline, then print both side by side.

    python -m training.default [--skip-baseline] [default-config overrides ...]

Trains ``configs/baseline.yaml`` and ``configs/default.yaml`` (each into its ``run.output_dir``;
training evaluates each run on every test file and saves the reports in the run as
``eval_<name>.json``), then prints one aligned table per test file with both models side by side.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from stance.evaluate import format_confusion, format_report

from .config import load_config
from .train import run

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-baseline", action="store_true", help="reuse an existing baseline run")
    parser.add_argument("overrides", nargs="*", help="section.key=value overrides for the default config")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    base_cfg = load_config(ROOT / "configs" / "baseline.yaml")
    cfg = load_config(ROOT / "configs" / "default.yaml", args.overrides)
    if not args.skip_baseline:
        run(base_cfg)
    started = time.time()
    run(cfg)
    minutes = (time.time() - started) / 60
    runs = {"default": Path(cfg.run.output_dir), "baseline": Path(base_cfg.run.output_dir)}
    print(f"\ndefault model: training and evaluation took {minutes:.1f} min\n")
    for data in cfg.data.test:
        name = Path(data).stem
        reports = [json.loads((run / f"eval_{name}.json").read_text(encoding="utf-8")) for run in runs.values()]
        print(format_report(reports, names=list(runs)))
        print("confusion matrix of the default model (rows gold, columns predicted):")
        print(format_confusion(reports[0]) + "\n")
    print("full reports: " + ", ".join(str(run / "eval_*.json") for run in runs.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
