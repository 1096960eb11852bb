"""Shared fixtures: a tiny random-init BERT (covers every model code path in seconds), runs trained
on the fixture corpus, and the fixture corpus itself."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
TINY_DATA = FIXTURES / "tiny.jsonl"
ROOT = Path(__file__).resolve().parent.parent
#: The workplace's shared folder (the seed article, external benchmark data): $STANCE_SHARED, else
#: ../shared next to the repository. Tests that need it are skipped when it is absent.
SHARED = Path(os.environ.get("STANCE_SHARED", ROOT.parent / "shared"))
SEED_ARTICLE = SHARED / "seeds" / "000_2414a6d0da44d026.txt"


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory) -> Path:
    """A 2-layer, 32-wide BERT with random weights and the default encoder's tokenizer."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from stance.encoder import default_encoder_path

    path = tmp_path_factory.mktemp("tiny_encoder")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        BertModel(config).save_pretrained(path)
        AutoTokenizer.from_pretrained(str(default_encoder_path())).save_pretrained(path)
    return path


def tiny_overrides(encoder: Path, output_dir: Path, **extra) -> list[str]:
    items = {
        "model.scorers.transformer.encoder": str(encoder), "model.scorers.transformer.encoder_sha256": "null",
        # A standard sequence classifier, so outputs can be compared with transformers' own; mean
        # pooling (the default config's) has its own tests (test_recipe.py).
        "model.scorers.transformer.pooling": "cls", "training.head_learning_rate": "0",
        "input.max_length": "96",
        "data.train": str(TINY_DATA), "data.dev": str(TINY_DATA), "data.test": f"[{TINY_DATA}]",
        "run.output_dir": str(output_dir), "training.epochs": "2", "training.batch_size": "16",
        "training.learning_rate": "1e-3", "training.none_keep": "1.0", "training.hard_none_keep": "1.0",
        # The transformer alone, so its outputs can be compared with transformers' own; the ensemble
        # of configs/default.yaml has its own tests (test_combine.py, test_end_to_end.py).
        "model.scorers.tfidf": "null",
        # A random-init toy model may well stay all-none; the collapse check has its own test.
        "training.collapse_check": "false",
    }
    items.update(extra)
    return [f"{k}={v}" for k, v in items.items()]


@pytest.fixture(scope="session")
def tiny_run(tiny_encoder, tmp_path_factory) -> Path:
    """A transformer run trained on the fixture corpus with the tiny encoder."""
    from training.config import load_config
    from training.train import run

    out = tmp_path_factory.mktemp("runs") / "tiny"
    return run(load_config(ROOT / "configs" / "default.yaml", tiny_overrides(tiny_encoder, out)))


@pytest.fixture(scope="session")
def baseline_run(tmp_path_factory) -> Path:
    """A TF-IDF baseline run trained on the fixture corpus."""
    from training.config import load_config
    from training.train import run

    out = tmp_path_factory.mktemp("runs") / "baseline"
    overrides = [f"data.train={TINY_DATA}", f"data.dev={TINY_DATA}", f"data.test=[{TINY_DATA}]", f"run.output_dir={out}"]
    return run(load_config(ROOT / "configs" / "baseline.yaml", overrides))
