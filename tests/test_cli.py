import json

from stance.cli import main

from .conftest import TINY_DATA


def test_validate_ok_and_problems(tmp_path, capsys):
    assert main(["validate", str(TINY_DATA)]) == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text(TINY_DATA.read_text().splitlines()[0] + "\n{oops\n")
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:2: malformed JSON" in out


def test_evaluate_with_compare_json_and_png(tiny_run, baseline_run, tmp_path, capsys):
    out_json = tmp_path / "r.json"
    code = main(["evaluate", str(tiny_run), "--data", str(TINY_DATA), "--compare", str(baseline_run),
                 "--json", str(out_json), "--png", str(tmp_path / "png")])
    assert code == 0
    printed = capsys.readouterr().out
    assert "macro-F1" in printed and "baseline" in printed
    data = json.loads(out_json.read_text())
    assert set(data[str(TINY_DATA)]) == {str(tiny_run), str(baseline_run)}
    assert len(list((tmp_path / "png").glob("*.png"))) == 2


def test_predict_command(tiny_run, capsys):
    assert main(["predict", str(tiny_run), "Putin demands that Kyiv disarm.", "--all", "--json", "--target", "demilitarization"]) == 0
    rows = [json.loads(l) for l in capsys.readouterr().out.splitlines()]
    assert {r["actor"] for r in rows} == {"putin", "ukraine"} and {r["target"] for r in rows} == {"demilitarization"}


def test_errors_exit_2_with_message(tmp_path, capsys):
    assert main(["predict", str(tmp_path / "none"), "text"]) == 2
    assert "does not exist" in capsys.readouterr().err
    cfg = tmp_path / "c.yaml"
    cfg.write_text("trainig: {}\n")
    assert main(["train", str(cfg)]) == 2
    assert "'trainig'" in capsys.readouterr().err
