"""Training several runs for a benchmark: reuse finished ones, spread the rest over processes.

Example:
    >>> runs = train_all({1: cfg1, 2: cfg2}, reuse=True, jobs=2)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import platform
import statistics
from pathlib import Path

from training.config import Config, load_config

logger = logging.getLogger("benchmarks")


def mean_std(values) -> tuple[float, float]:
    values = list(values)
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def _same_config(run: Path, cfg: Config) -> bool:
    saved = run / "config.yaml"
    return saved.is_file() and load_config(saved).to_dict() == cfg.to_dict()


def train_or_reuse(cfg: Config, reuse: bool) -> Path:
    """Train one run, or with ``reuse`` keep an existing complete run trained with the same config."""
    from training.train import run

    if reuse and _reusable(cfg):
        return Path(cfg.run.output_dir)
    return run(cfg)


def _reusable(cfg: Config) -> bool:
    run = Path(cfg.run.output_dir)
    if (run / "metrics.json").is_file() and _same_config(run, cfg):
        logger.info("reusing %s (same config)", run)
        return True
    return False


def train_all(configs: dict, reuse: bool, jobs: int = 1) -> dict:
    """``train_or_reuse`` every config; with ``jobs`` > 1 the runs to train go to that many processes.

    Give each run ``training.num_threads`` (``--threads``) so that jobs x threads fits the cores.
    """
    from training.train import run

    runs = {k: Path(c.run.output_dir) for k, c in configs.items() if reuse and _reusable(c)}
    todo = {k: c for k, c in configs.items() if k not in runs}
    if jobs <= 1 or len(todo) <= 1:
        runs.update({k: run(c) for k, c in todo.items()})
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: the parent has already initialised torch's thread pools.
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            runs.update(zip(todo, pool.map(run, todo.values())))
    return {k: runs[k] for k in configs}


def machine() -> dict:
    import torch

    return {"cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "cuda": torch.cuda.is_available(),
            "processor": platform.processor() or platform.machine(), "python": platform.python_version(),
            "torch": torch.__version__}


