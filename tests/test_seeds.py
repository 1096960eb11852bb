"""benchmarks/seeds.py: N seeds of one config, every scorer of the run scored per split."""

import json

from benchmarks import seeds

from .conftest import TINY_DATA, tiny_overrides, ROOT


def test_seed_table_has_every_member_and_split(tiny_encoder, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    overrides = [o for o in tiny_overrides(tiny_encoder, tmp_path / "unused", **{"training.epochs": "1"})
                 if not o.startswith(("run.output_dir", "model.scorers.tfidf"))]
    extra = tmp_path / "extra.jsonl"  # a held-out set outside the config (--also)
    extra.write_text(TINY_DATA.read_text(encoding="utf-8"), encoding="utf-8")
    assert seeds.main([str(ROOT / "configs" / "default.yaml"), *overrides, "--seeds", "2", "--also", str(extra)]) == 0
    out = capsys.readouterr().out
    report = json.loads((tmp_path / "runs" / "seeds" / "default" / "seeds.json").read_text())
    assert report["seeds"] == [1, 2]
    systems = report["results"]["1"]
    assert set(systems) == {"transformer", "tfidf", "ensemble"}
    assert list(systems["tfidf"]) == ["dev", TINY_DATA.stem, "extra"]
    # the same data under another name: the scoring of a set without a report equals the report's
    for system in systems:
        for key, value in systems[system][TINY_DATA.stem].items():
            assert abs(systems[system]["extra"][key] - value) < 1e-9, (system, key)
    assert "| ensemble |" in out and "± " in out and "min " in out


def test_run_reports_give_the_member_scores_a_second_scoring_gives(tiny_encoder, tmp_path):
    """The seeds table reads each member's scores from the run's reports instead of scoring again:
    they must be the numbers a fresh scoring of the saved run gives."""
    from training.config import load_config
    from training.train import run

    overrides = [o for o in tiny_overrides(tiny_encoder, tmp_path / "run", **{"training.epochs": "1"})
                 if not o.startswith("model.scorers.tfidf")]
    run_dir = run(load_config(ROOT / "configs" / "default.yaml", overrides))
    files = {"dev": str(TINY_DATA), TINY_DATA.stem: str(TINY_DATA)}
    reported = seeds.reported_scores(run_dir, files)
    rescored = seeds.member_scores(run_dir, files)
    assert reported is not None and set(reported) == set(rescored) == {"transformer", "tfidf", "ensemble"}
    for system, splits in rescored.items():
        for split, metrics in splits.items():
            for key, value in metrics.items():
                assert abs(reported[system][split][key] - value) < 1e-9, (system, split, key)


def test_slice_table_averages_the_models_slices_over_seeds(tmp_path):
    files = {"dev": "dev.jsonl", "test": "test.jsonl"}
    slices = {}
    for seed, value in ((1, 0.6), (2, 0.8)):
        run = tmp_path / f"seed{seed}"
        run.mkdir()
        (run / "eval_test.json").write_text(json.dumps({"per_slice": {"first_round": {"macro_f1": value}}}))
        (run / "eval_dev.json").write_text(json.dumps({"overall": {}}))  # no slices on dev
        slices[seed] = seeds.slice_scores(run, files)
    assert slices[1] == {"test": {"first_round": 0.6}}
    table = seeds.slice_table(slices)
    assert "| first_round | 0.700 ± 0.141 (min 0.600) |" in table
