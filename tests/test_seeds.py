"""benchmarks/seeds.py: N seeds of one config, every scorer of the run scored per split."""

import json

from benchmarks import seeds

from .conftest import TINY_DATA, tiny_overrides, ROOT


def test_seed_table_has_every_member_and_split(tiny_encoder, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    overrides = [o for o in tiny_overrides(tiny_encoder, tmp_path / "unused", **{"training.epochs": "1"})
                 if not o.startswith(("run.output_dir", "model.scorers.tfidf"))]
    assert seeds.main([str(ROOT / "configs" / "default.yaml"), *overrides, "--seeds", "2"]) == 0
    out = capsys.readouterr().out
    report = json.loads((tmp_path / "runs" / "seeds" / "default" / "seeds.json").read_text())
    assert report["seeds"] == [1, 2]
    systems = report["results"]["1"]
    assert set(systems) == {"transformer", "tfidf", "ensemble"} and set(systems["tfidf"]) == {"dev", TINY_DATA.stem}
    assert "| ensemble |" in out and "± " in out and "min " in out
