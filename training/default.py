"""Train and evaluate the default model next to the TF-IDF baseline, then print both side by side.

    python -m training.default [--skip-baseline] [default-config overrides ...]

Trains ``configs/baseline.yaml`` and ``configs/default.yaml`` (each into its ``run.output_dir``),
evaluates both on every test file of the default config and prints one aligned table per file.
The full reports are saved as ``runs/default_vs_baseline.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from stance.config import load_config
from stance.evaluate import evaluate_run, format_confusion, format_report
from stance.model import StanceModel

from .train import train

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
        train(base_cfg)
    started = time.time()
    train(cfg)
    minutes = (time.time() - started) / 60
    models = {"default": StanceModel.from_pretrained(cfg.run.output_dir), "baseline": StanceModel.from_pretrained(base_cfg.run.output_dir)}
    out = {}
    print(f"\ndefault model trained in {minutes:.1f} min (training + evaluation)\n")
    for data in cfg.data.test:
        reports = [evaluate_run(m, data, batch_size=cfg.training.eval_batch_size) for m in models.values()]
        print(format_report(reports, names=list(models)))
        print("confusion matrix of the default model (rows gold, columns predicted):")
        print(format_confusion(reports[0]) + "\n")
        out[data] = dict(zip(models, reports))
    path = Path(cfg.run.output_dir).parent / "default_vs_baseline.json"
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"full reports: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
