import json
import shutil

import numpy as np
import pytest

from stance.data import PairExample
from stance.model import RunError, StanceModel
from stance.schema import LABELS


def test_hf_round_trip_with_labels(tiny_run):
    from transformers import AutoModelForSequenceClassification, pipeline

    hf = AutoModelForSequenceClassification.from_pretrained(tiny_run)
    assert hf.config.id2label == dict(enumerate(LABELS))
    clf = pipeline("text-classification", model=str(tiny_run))
    out = clf({"text": "Russia on Ukraine becoming a member of NATO", "text_pair": "[Russia] objects."})
    assert out["label"] in LABELS


def test_stance_model_matches_hf_logits(tiny_run):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = StanceModel.from_pretrained(tiny_run)
    ex = [PairExample("Russia demands neutrality.", "russia", "neutrality", "Russia"),
          PairExample("Kyiv refuses, Kuleba said.", "kuleba", "neutrality", "Kuleba", context="Talks stalled.")]
    proba = model.predict_proba(ex, batch_size=1)
    assert proba.shape == (2, 4) and np.allclose(proba.sum(axis=1), 1)
    tok = AutoTokenizer.from_pretrained(tiny_run)
    hf = AutoModelForSequenceClassification.from_pretrained(tiny_run).eval()
    first, second = model.formatter.segments(ex[1])
    with torch.no_grad():
        ref = torch.softmax(hf(**tok(first, second, return_tensors="pt")).logits, -1)[0].numpy()
    assert np.allclose(proba[1], ref, atol=1e-5)


def test_missing_and_corrupt_runs_raise_clear_errors(tiny_run, tmp_path):
    with pytest.raises(RunError, match="does not exist"):
        StanceModel.from_pretrained(tmp_path / "nope")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RunError, match="stance.json is missing"):
        StanceModel.from_pretrained(empty)
    broken = tmp_path / "broken"
    shutil.copytree(tiny_run, broken)
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(RunError, match="model.safetensors has 22 bytes"):
        StanceModel.from_pretrained(broken)
    (broken / "manifest.json").unlink()  # a format-1 run (no manifest): the loader's own error
    meta = json.loads((broken / "stance.json").read_text())
    (broken / "stance.json").write_text(json.dumps({**meta, "format_version": 1, "type": "transformer",
                                                    "input": {k: v for k, v in meta["input"].items() if k != "max_length"}}))
    with pytest.raises(RunError, match="cannot be loaded"):
        StanceModel.from_pretrained(broken)
    bad_meta = tmp_path / "badmeta"
    shutil.copytree(tiny_run, bad_meta)
    (bad_meta / "stance.json").write_text("{")
    with pytest.raises(RunError, match="corrupt run metadata"):
        StanceModel.from_pretrained(bad_meta)


def test_long_input_is_truncated_with_a_warning(tiny_run):
    model = StanceModel.from_pretrained(tiny_run)
    long_text = "Russia demands neutrality. " + "The talks went on and on. " * 200
    with pytest.warns(UserWarning, match="max_length"):
        proba = model.predict_proba([PairExample(long_text, "russia", "neutrality", "Russia")])
    assert proba.shape == (1, 4)


def test_baseline_loads_the_same_way(baseline_run):
    model = StanceModel.from_pretrained(baseline_run)
    assert model.kind == "tfidf"
    assert json.loads((baseline_run / "stance.json").read_text())["scorer"]["type"] == "tfidf"
    proba = model.predict_proba([PairExample("Russia demands neutrality.", "russia", "neutrality", "Russia")])
    assert proba.shape == (1, 4) and abs(proba.sum() - 1) < 1e-6


def test_shared_segment_encoding_matches_the_tokenizer(tiny_run):
    model = StanceModel.from_pretrained(tiny_run)
    long_text = "Kuleba refused, he said, " + "again " * 300
    segments = [model.formatter.segments(PairExample(t, a, g, a.title(), c)) for t, a, g, c in [
        ("Russia demands neutrality.", "russia", "neutrality", None),
        ("Russia demands neutrality.", "russia", "nato_membership", None),
        (long_text, "kuleba", "demilitarization", "Talks stalled."),
    ]]
    max_length = model.formatter.settings.max_length
    with pytest.warns(UserWarning, match="max_length"):
        fast = model.formatter.encode(model.scorer.tokenizer, segments)
    ref = model.scorer.tokenizer([a for a, _ in segments], [b for _, b in segments], truncation="only_second",
                                 max_length=max_length)
    assert fast["input_ids"] == ref["input_ids"]
    assert fast["token_type_ids"] == ref["token_type_ids"]
    assert len(fast["input_ids"][2]) == max_length


def test_every_inference_path_agrees_with_the_reference(tiny_run):
    """The pipeline is the reference; our predict path must give the same labels (and scores), the
    int8 path the same labels on at least 90% of the fixture's pairs (it is approximate by design)."""
    from transformers import pipeline

    from stance.data import record_pairs
    from stance.schema import read_records

    from .conftest import TINY_DATA

    model = StanceModel.from_pretrained(tiny_run)
    examples = record_pairs(read_records(TINY_DATA))
    clf = pipeline("text-classification", model=str(tiny_run), device=-1, top_k=None)
    ref = clf([dict(zip(("text", "text_pair"), model.formatter.segments(e))) for e in examples], batch_size=16,
              truncation="only_second", max_length=model.formatter.settings.max_length)
    ref_proba = np.array([[{o["label"]: o["score"] for o in row}[label] for label in LABELS] for row in ref])
    ours = model.predict_proba(examples, batch_size=7)
    assert np.allclose(ours, ref_proba, atol=1e-4)
    int8 = StanceModel.from_pretrained(tiny_run, quantize="int8").predict_proba(examples)
    assert (int8.argmax(1) == ours.argmax(1)).mean() >= 0.9
    with pytest.raises(ValueError, match="quantize"):
        StanceModel.from_pretrained(tiny_run, quantize="int4")
