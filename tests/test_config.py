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
    assert "method: 'qlra' is not allowed; use one of 'lora', 'qlora', 'full', 'cpt', 'dpo'" in text
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
    from engine.methods import DEFAULT_LEARNING_RATES, METHODS, SFT_METHODS, learning_rate_help
    from tui.i18n.wizard import EN
    assert typing.get_args(RunConfig.model_fields["method"].annotation) == METHODS
    assert memory.METHODS is METHODS and set(SFT_METHODS) < set(METHODS)
    assert {m: RunConfig(method=m).effective_learning_rate() for m in METHODS} == DEFAULT_LEARNING_RATES
    assert RunConfig.model_fields["learning_rate"].description == learning_rate_help() \
        == "Default: 2e-4 for lora/qlora, 2e-5 full, 5e-5 cpt, 5e-6 dpo." == EN["wizard.field.learning_rate"]
    # What the advisor recommends is what a config of that method trains with by default.
    methods = set()
    for goal, gb in (("task", 0), ("task", 24), ("task", 80), ("domain", 141), ("preference", 24)):
        rec = advise(Answers(goal=goal, examples=2000), assumed(gb, Hardware()) if gb else Hardware())
        assert rec.settings["learning_rate"] == RunConfig(method=rec.method).effective_learning_rate(), gb
        methods.add(rec.method)
    assert methods == {"lora", "full", "cpt", "dpo"}


# -- hostile files and overrides: one clear line per problem, bounded, never a traceback --------------
def _load(tmp_path, text: str):
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


def test_integers_too_long_for_python_or_any_setting_name_their_key(tmp_path):
    text = _load(tmp_path, "max_steps: " + "9" * 5000 + "\n")
    assert "max_steps: a 5,000-digit number is far too large" in text and len(text) < 300
    assert "seed: 1000000000000000000000000 is too large" in _load(tmp_path, "seed: " + "1" + "0" * 24 + "\n")
    with pytest.raises(ConfigError, match="save_steps: a 4,400-digit number"):
        load_config(None, ["save_steps=" + "7" * 4400])


def test_nesting_thousands_of_levels_deep_is_refused_with_the_line(tmp_path):
    for text in ("lora: " + "[" * 5000 + "]" * 5000 + "\n", "lora:\n  r: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n"):
        message = _load(tmp_path, text)
        assert "nested more than 50 levels deep" in message and "line " in message
    with pytest.raises(ConfigError, match="nested more than 50"):
        load_config(None, ["lora=" + "[" * 3000 + "]" * 3000])
    with pytest.raises(ConfigError, match="levels of keys"):
        load_config(None, [".".join(["a"] * 5000) + "=1"])


def test_a_yaml_alias_bomb_is_refused_in_a_few_hundred_bytes_naming_the_key(tmp_path):
    levels = ["a: &a [x,x,x,x,x,x,x,x,x]"] + [f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]"
                                                for p, c in zip("abcdefg", "bcdefgh")]
    for depth in (4, 6, 8):
        text = "\n".join(levels[:depth]) + "\nmodel: *" + "abcdefgh"[depth - 1] + "\n"
        message = _load(tmp_path, text)
        assert len(message) < 400, (depth, len(message))
        assert "more than 10,000 values" in message and "write the values out" in message
    # A loop (an alias inside its own anchor) is named, not followed.
    assert "refers to the value that holds it" in _load(tmp_path, "model: &m [1, *m]\n")
    # Below the budget, a big rejected value is echoed in a bounded form.
    small = "\n".join(levels[:3]) + "\nmodel: *c\n"
    message = _load(tmp_path, small)
    assert "model: Input should be a valid string" in message and "..." in message and len(message) < 3000


def test_every_echoed_value_and_the_problem_list_are_bounded(tmp_path):
    message = _load(tmp_path, "method: '" + "x" * 1_000_000 + "'\n")
    assert "method: 'xxx" in message and len(message) < 400
    many = "data:\n" + "".join(f"  - {i}\n" for i in range(500))
    message = _load(tmp_path, many)
    assert "... and 470 more problems" in message and message.count("\n") < 40


def test_paths_that_cannot_exist_are_named_by_key(tmp_path):
    cases = {'data: "a\\0b.jsonl"\n': "data.0.path: contains a NUL byte",
             f"data: {'n' * 300}/x.jsonl\n": "data.0.path: the name 'nnnn",
             "data: ~nosuchuser/x.jsonl\n": "data.0.path: '~nosuchuser': no user 'nosuchuser' on this machine",
             "data: x.jsonl\nruns_dir: ~nosuchuser/runs\n": "runs_dir: '~nosuchuser': no user",
             "data: x.jsonl\nmodel: /models/\0bad\n": "model: contains a NUL byte"}
    for text, needle in cases.items():
        path = tmp_path / "paths.yaml"
        path.write_text(text.replace("\0", "\\0") if "\0" in text else text)
        if "\\0bad" in path.read_text():
            path.write_text('data: x.jsonl\nmodel: "/models/\\0bad"\n')
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert needle in str(caught.value), (text, str(caught.value))
    for override, needle in (("data=a\0b.jsonl", "NUL byte"), ("data=~nosuchuser/d.jsonl", "no user 'nosuchuser'"),
                             ("output_dir=/tmp/" + "o" * 256, "256 bytes long")):
        with pytest.raises(ConfigError, match=needle):
            load_config(None, [override])


def test_a_data_path_under_home_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "train.jsonl").write_text("{}\n")
    config = load_config(None, ["data=~/train.jsonl"])
    assert config.data[0].path == str(tmp_path / "train.jsonl")


def test_a_config_file_that_is_not_a_config_is_refused_quickly(tmp_path):
    big = tmp_path / "dataset.yaml"
    big.write_text("a: 1\n" * 400_000)
    with pytest.raises(ConfigError, match="a run config is a few hundred bytes"):
        load_config(big)
    with pytest.raises(ConfigError, match="not a file"):
        load_config(tmp_path)
