import dataclasses
from pathlib import Path

import pytest
import yaml

from training.config import ConfigError, config_from_dict, load_config, render_reference

ROOT = Path(__file__).resolve().parent.parent


def flat_keys(d, prefix=""):
    out = set()
    for k, v in d.items():
        if isinstance(v, dict):
            out |= flat_keys(v, f"{prefix}{k}.")
        else:
            out.add(prefix + k)
    return out


def test_reference_config_is_generated_from_the_settings_and_lists_every_key():
    text = (ROOT / "configs" / "reference.yaml").read_text()
    assert text == render_reference(), "regenerate: python -m training.config > configs/reference.yaml"
    raw = yaml.safe_load(text)
    defaults = config_from_dict({})
    assert flat_keys(raw) == flat_keys(defaults.to_dict())
    assert config_from_dict(raw) == defaults


@pytest.mark.parametrize("name", ["default.yaml", "baseline.yaml", "reference.yaml"])
def test_shipped_configs_load(name):
    load_config(ROOT / "configs" / name)


def test_unknown_key_is_named(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("training:\n  learnin_rate: 0.001\n")
    with pytest.raises(ConfigError, match=r"c.yaml: unknown config key\(s\) 'training.learnin_rate'.*learning_rate"):
        load_config(path)
    with pytest.raises(ConfigError, match="'trainig'"):
        config_from_dict({"trainig": {}})


def test_wrong_types_are_named():
    with pytest.raises(ConfigError, match="'training.epochs': expected an integer"):
        config_from_dict({"training": {"epochs": "three"}})
    with pytest.raises(ConfigError, match="'model.scorers.main.type'.*unknown scorer type 'bert'"):
        config_from_dict({"model": {"scorers": {"main": {"type": "bert"}}}})
    with pytest.raises(ConfigError, match="'data.test': expected a list"):
        config_from_dict({"data": {"test": "data/test.jsonl"}})
    with pytest.raises(ConfigError, match="'training.learning_rate'.*out of range"):
        config_from_dict({"training": {"learning_rate": -1}})


def test_yaml_scientific_notation_string_becomes_float(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("training:\n  learning_rate: 2e-5\n")
    assert yaml.safe_load(path.read_text())["training"]["learning_rate"] == "2e-5"  # PyYAML's reading
    cfg = load_config(path)
    assert cfg.training.learning_rate == pytest.approx(2e-5) and isinstance(cfg.training.learning_rate, float)


def test_overrides_apply_and_are_validated():
    cfg = load_config(ROOT / "configs" / "default.yaml", ["training.epochs=2", "run.seed=7", "data.test=[a.jsonl]"])
    assert (cfg.training.epochs, cfg.run.seed, cfg.data.test) == (2, 7, ["a.jsonl"])
    with pytest.raises(ConfigError, match="section.key=value"):
        load_config(None, ["epochs"])
    with pytest.raises(ConfigError, match="'run.sed'"):
        load_config(None, ["run.sed=1"])


def test_override_text_that_is_not_yaml_stays_the_string_typed():
    cfg = load_config(None, ["input.actor_template={actor} supports {target}"])
    assert cfg.input.actor_template == "{actor} supports {target}"
    with pytest.raises(ConfigError, match="input.actor_template"):
        load_config(None, ["input.actor_template={actor}"])  # YAML reads a mapping: the type check names the key


def test_template_placeholders_are_checked():
    with pytest.raises(ConfigError, match="input.actor_template"):
        config_from_dict({"input": {"actor_template": "{speaker} on {target}"}})


def test_config_round_trips_through_yaml():
    cfg = load_config(None, ["training.epochs=3"])
    assert config_from_dict(yaml.safe_load(cfg.to_yaml())) == cfg
    assert dataclasses.asdict(cfg)["training"]["epochs"] == 3
