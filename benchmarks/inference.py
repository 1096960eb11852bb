"""Inference speed of one trained model: the HF pipeline, our predict path, and int8 quantization.

    python benchmarks/inference.py --model runs/default [--data data/test_shift.jsonl] [--batch-size 32]

Every path scores the same (actor + target, sentence) pairs, built from the records of ``--data``
exactly as the model was trained to read them:

- ``pipeline``: ``transformers.pipeline("text-classification")`` fed ``{"text", "text_pair"}`` dicts;
- ``predict``: ``StanceModel.predict_proba`` (length-sorted batches, per-batch padding, each distinct
  segment tokenized once, ``torch.inference_mode``) — the path ``stance.predict`` uses;
- ``predict_int8``: the same with dynamic int8 quantization of the linear layers.

Each path runs in a fresh subprocess (peak RSS is per path; a warm-up batch is excluded from the
timing). Printed: pairs/s, ratio to the pipeline, peak RSS, cold start (import + load), thread
count, batch size, sequence-length distribution, and macro-F1 of fp32 vs int8 on the data. The last
line is one JSON object for scripts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATHS = ("pipeline", "predict", "predict_int8")


def _pairs(model, data: str, limit: int):
    from stance.data import record_pairs
    from stance.schema import read_records

    examples = record_pairs(read_records(data, model.targets))
    return examples[:limit] if limit > 0 else examples


def worker(path: str, run: str, data: str, batch_size: int, limit: int, repeats: int) -> dict:
    import torch

    from stance.model import StanceModel

    model = StanceModel.from_pretrained(run, quantize="int8" if path == "predict_int8" else None)
    examples = _pairs(model, data, limit)
    if path == "pipeline":
        from transformers import pipeline

        clf = pipeline("text-classification", model=run, device=-1, top_k=None)
        inputs = [dict(zip(("text", "text_pair"), model.formatter.segments(e))) for e in examples]

        def run_once():
            out = clf(inputs, batch_size=batch_size, truncation="only_second", max_length=model.formatter.settings.max_length)
            return [max(o, key=lambda x: x["score"])["label"] for o in out]
    else:
        def run_once():
            return model.predict(examples, batch_size=batch_size)

    if path == "pipeline":
        clf(inputs[:batch_size], batch_size=batch_size)  # warm-up
    else:
        model.predict_proba(examples[:batch_size], batch_size=batch_size)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        labels = run_once()
        times.append(time.perf_counter() - start)
    from stance.evaluate import compute_metrics

    metrics = compute_metrics(labels, [e.label for e in examples])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"path": path, "pairs": len(examples), "seconds": min(times), "pairs_per_s": len(examples) / min(times),
            "peak_rss_mb": peak, "macro_f1": metrics["macro_f1"], "threads": torch.get_num_threads(),
            "labels": labels[:50]}


def cold_start(run: str) -> float:
    code = ("import time; t=time.perf_counter(); from stance import load_model, predict; "
            f"m=load_model({run!r}); predict('Russia demands neutrality.', model=m); print(time.perf_counter()-t)")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    return min(wall, float(out.stdout.strip().splitlines()[-1]) + 0.0) if out.stdout.strip() else wall


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="run directory of a trained transformer")
    parser.add_argument("--data", default=str(ROOT / "data" / "test_shift.jsonl"))
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--limit", type=int, default=0, help="use only the first N pairs (0: all)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--worker", choices=PATHS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.model, args.data, args.batch_size, args.limit, args.repeats)))
        return 0

    from stance.model import StanceModel

    model = StanceModel.from_pretrained(args.model)
    examples = _pairs(model, args.data, args.limit)
    lengths = sorted(len(ids) for ids in model._encode_pairs([model.formatter.segments(e) for e in examples])["input_ids"])
    pct = lambda q: lengths[min(len(lengths) - 1, int(q * len(lengths)))]
    results = {}
    for path in PATHS:
        cmd = [sys.executable, __file__, "--worker", path, "--model", args.model, "--data", args.data,
               "--batch-size", str(args.batch_size), "--limit", str(args.limit), "--repeats", str(args.repeats)]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            print(out.stderr[-2000:], file=sys.stderr)
            raise SystemExit(f"worker {path} failed")
        results[path] = json.loads(out.stdout.strip().splitlines()[-1])
    cold = cold_start(args.model)
    agree = sum(a == b for a, b in zip(results["predict"]["labels"], results["pipeline"]["labels"]))
    base = results["pipeline"]["pairs_per_s"]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch threads "
          f"{results['predict']['threads']}, Python {platform.python_version()}")
    print(f"model: {args.model}; data: {args.data}: {len(examples)} pairs; batch size {args.batch_size}; "
          f"tokens per pair: min {lengths[0]}, median {pct(0.5)}, p90 {pct(0.9)}, max {lengths[-1]}")
    print(f"{'path':<14}{'pairs/s':>10}{'x pipeline':>12}{'peak RSS MB':>13}{'macro-F1':>10}")
    for path, r in results.items():
        print(f"{path:<14}{r['pairs_per_s']:>10.1f}{r['pairs_per_s'] / base:>12.2f}{r['peak_rss_mb']:>13.0f}{r['macro_f1']:>10.3f}")
    print(f"macro-F1 change of int8 vs fp32: {100 * (results['predict_int8']['macro_f1'] - results['predict']['macro_f1']):+.2f} points; "
          f"first 50 labels, predict vs pipeline: {agree}/50 equal")
    print(f"cold start (import + load + first predict): {cold:.2f} s")
    print(json.dumps({"pairs_per_s": {p: round(r["pairs_per_s"], 2) for p, r in results.items()},
                      "ratio_vs_pipeline": {p: round(r["pairs_per_s"] / base, 3) for p, r in results.items()},
                      "peak_rss_mb": {p: round(r["peak_rss_mb"], 1) for p, r in results.items()},
                      "cold_start_s": round(cold, 3)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
