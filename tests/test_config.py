from __future__ import annotations

import pytest

from engine.train.config import ConfigError, RunConfig, load_config, parse_config


def test_defaults_are_a_usable_lora_run():
    config = parse_config({"data": "train.jsonl"})
    assert config.model == "demo" and config.method == "lora"
    assert config.data[0].path == "train.jsonl" and config.data[0].format == "auto"
    assert config.effective_learning_rate() == 2e-4
    assert config.trust_remote_code is False


def test_every_problem_is_reported_at_once_with_the_key_and_allowed_values():
    with pytest.raises(ConfigError) as caught:
        parse_config({"metod": "lora", "method": "qlra", "lora": {"rr": 8}, "precision": "bf32", "epochs": 0})
    text = str(caught.value)
    assert "metod: unknown key (did you mean 'method'?)" in text
    assert "method: 'qlra' is not allowed; use one of 'lora', 'qlora', 'full' or 'cpt'" in text
    assert "lora.rr: unknown key (did you mean 'r'?)" in text and "target_modules" in text
    assert "precision: 'bf32' is not allowed" in text
    assert "epochs:" in text
    assert len(caught.value.problems) == 5


def test_data_accepts_a_path_or_a_list_of_sources(tmp_path):
    config = parse_config({"data": [{"path": "a.jsonl", "format": "alpaca"}, "b.txt"]})
    assert [(d.path, d.format) for d in config.data] == [("a.jsonl", "alpaca"), ("b.txt", "auto")]
    with pytest.raises(ConfigError, match="data.0.format"):
        parse_config({"data": [{"path": "a.jsonl", "format": "csv"}]})


def test_yaml_file_overrides_and_relative_paths(tmp_path, monkeypatch):
    (tmp_path / "train.jsonl").write_text("{}\n")
    cfg = tmp_path / "run.yaml"
    cfg.write_text("model: demo\ndata: train.jsonl\nlora:\n  r: 4\n")
    monkeypatch.chdir("/")
    config = load_config(cfg, ["max_steps=5", "lora.alpha=8", "packing=true"])
    assert config.data[0].path == str(tmp_path / "train.jsonl")  # relative to the config file
    assert (config.max_steps, config.lora.r, config.lora.alpha, config.packing) == (5, 4, 8, True)


def test_broken_yaml_names_the_line(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("model: demo\nmethod: [lora\n")
    with pytest.raises(ConfigError) as caught:
        load_config(cfg)
    assert str(cfg) in str(caught.value) and "line 3" in str(caught.value)


def test_bad_set_syntax_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="expected key=value"):
        load_config(None, ["max_steps"])
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")


def test_yaml_round_trip():
    config = parse_config({"name": "exp-1", "data": "x.jsonl", "lora": {"target_modules": ["q_proj", "v_proj"]}})
    again = RunConfig.model_validate(__import__("yaml").safe_load(config.to_yaml()))
    assert again == config


def test_run_name_must_be_a_folder_name():
    with pytest.raises(ConfigError, match="name"):
        parse_config({"name": "../escape"})


def test_methods_and_default_learning_rates_have_one_definition():
    # engine.methods defines them; the config, the estimator, the advisor and the CLI use that table.
    import typing

    from engine import memory
    from engine.advisor import Answers, advise
    from engine.hardware import Hardware, assumed
    from engine.methods import DEFAULT_LEARNING_RATES, METHODS, learning_rate_help
    from tui.i18n.wizard import EN
    assert typing.get_args(RunConfig.model_fields["method"].annotation) == METHODS == memory.METHODS
    assert {m: RunConfig(method=m).effective_learning_rate() for m in METHODS} == DEFAULT_LEARNING_RATES
    assert RunConfig.model_fields["learning_rate"].description == learning_rate_help() \
        == "Default: 2e-4 for lora/qlora, 2e-5 full, 5e-5 cpt." == EN["wizard.field.learning_rate"]
    # What the advisor recommends is what a config of that method trains with by default.
    methods = set()
    for goal, gb in (("task", 0), ("task", 24), ("task", 80), ("domain", 141)):
        rec = advise(Answers(goal=goal, examples=2000), assumed(gb, Hardware()) if gb else Hardware())
        assert rec.settings["learning_rate"] == RunConfig(method=rec.method).effective_learning_rate(), gb
        methods.add(rec.method)
    assert methods == {"lora", "full", "cpt"}
