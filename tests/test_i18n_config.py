"""Config problems carry pydantic's location, type and context as a code + params (`config.<type>`), so
`tunewiz train bad.yaml` and the wizard's review say them in Chinese under --lang zh, in English as before
otherwise (issue 16)."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from engine.train.config import ConfigError, load_config, parse_config
from engine.train.config_messages import describe
from tui.i18n import set_language
from tui.messages import config_error_text

BAD = "metod: lora\nmethod: qlra\nepochs: -1\nlora:\n  r: 0.5\nname: a/b\nmaster_addr: ''\nnode_rank: 3\n"


def train(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), "LANG": "C.UTF-8"})


def test_train_with_a_bad_config_says_every_problem_in_chinese_and_in_english(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    zh = train("--lang", "zh", "train", str(path), cwd=tmp_path)
    assert zh.returncode == 2, zh.stderr
    for line in ("bad.yaml: 配置无效", "metod: 未知的键（是不是想写 'method'？）", "method: 不能取 'qlra'；可选值：'lora'、'qlora'",
                 "epochs: 应大于 0（实际为 -1）", "lora.r: 应为整数，而给的数带小数部分（实际为 0.5）",
                 "name: 只能用字母、数字", "master_addr: 至少要 1 个字符（实际为 ''）",
                 "node_rank: 必须小于 nnodes（1）"):
        assert line in zh.stderr, (line, zh.stderr)
    en = train("train", str(path), cwd=tmp_path)
    assert en.returncode == 2
    for line in ("bad.yaml: invalid config", "metod: unknown key (did you mean 'method'?); allowed keys: name, model",
                 "epochs: Input should be greater than 0 (got -1)", "node_rank: must be below nnodes (1): nodes count from 0"):
        assert line in en.stderr, (line, en.stderr)
    assert not any(ord(ch) > 0x2e80 for ch in en.stderr)
    missing = train("--lang", "zh", "train", str(tmp_path / "none.yaml"), cwd=tmp_path)
    assert "none.yaml: 配置无效" in missing.stderr and "找不到文件" in missing.stderr


def test_a_problem_keeps_pydantics_location_type_and_context():
    with pytest.raises(ConfigError) as caught:
        parse_config({"epochs": -1, "lora": {"rr": 8}, "precision": "bf32", "name": "a/b"})
    by_field = {m.params["field"]: m for m in caught.value.messages}
    epochs = json.loads(json.dumps(by_field["epochs"].to_dict()))
    assert epochs["code"] == "config.greater_than"
    assert epochs["params"] == {"field": "epochs", "loc": ["epochs"], "type": "greater_than", "value": "-1", "gt": 0}
    assert by_field["lora.rr"].code == "config.extra_forbidden.suggest"
    assert by_field["lora.rr"].params["loc"] == ["lora", "rr"] and by_field["lora.rr"].params["suggestion"] == "r"
    assert "alpha" in by_field["lora.rr"].params["allowed"]
    assert by_field["precision"].params["expected"] == ["'auto'", "'bf16'", "'fp16'", "'fp32'"]
    assert by_field["name"].code == "config.name_not_folder_name"   # tunewiz's own validator has its own code
    assert caught.value.problems == [m.text for m in caught.value.messages]


def test_a_huge_value_is_shortened_in_the_params():
    with pytest.raises(ConfigError) as caught:
        parse_config({"model": ["x" * 100_000]})
    (msg,) = caught.value.messages
    assert msg.code == "config.string_type" and len(msg.params["value"]) <= 200 and len(msg.text) < 400


def test_an_error_type_without_a_template_keeps_pydantics_english():
    try:
        TypeAdapter(datetime).validate_python("not a date")
    except ValidationError as exc:
        error = exc.errors()[0]
    msg = describe({**error, "loc": ("started",)})
    assert msg.code == f"config.{error['type']}" and msg.params["type"] == error["type"]
    assert msg.text.startswith("started: " + error["msg"][:20])
    set_language("zh")
    try:
        assert config_error_text(ConfigError("x.yaml", [msg])).splitlines()[1] == "  - " + msg.text
    finally:
        set_language("en")


def test_file_and_yaml_problems_are_coded_too(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("epochs: [1,\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    (msg,) = caught.value.messages
    assert msg.code == "config.yaml_invalid.at" and msg.params["line"] >= 1
    set_language("zh")
    try:
        assert f"第 {msg.params['line']} 行第 {msg.params['column']} 列：不是有效的 YAML" in config_error_text(caught.value)
    finally:
        set_language("en")


async def test_the_wizards_review_says_a_bad_value_in_chinese(tmp_path, monkeypatch):
    from conftest import memorise_rows, write_jsonl
    from engine.hardware import Hardware
    from pilot_support import answer_goal_questions, at_step, until
    from tui.app import TunewizApp

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    data = write_jsonl(tmp_path / "chat.jsonl", memorise_rows(8))
    cpu = Hardware(gpus=[], cpu_cores=2, ram_gb=7.8, ram_available_gb=5.0, note="no NVIDIA GPU (test)")
    app = TunewizApp(lang="zh", runs_dir=tmp_path / "runs")
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            app.open_screen("wizard", hardware=cpu)
            await at_step(pilot, "hardware")
            await pilot.press("ctrl+n")
            await answer_goal_questions(pilot, "task", 300, "short")
            await at_step(pilot, "recommend")
            await until(pilot, lambda: app.screen.state.rec is not None, what="the recommendation")
            await pilot.press("ctrl+n")
            await at_step(pilot, "model")
            await until(pilot, lambda: app.screen.spec is not None, what="the model's spec")
            await pilot.press("ctrl+n")
            await at_step(pilot, "dataset")
            app.screen.query_one("#wz-data-path").value = str(data)
            await until(pilot, lambda: app.screen.state.data is not None, what="the quick check")
            await pilot.press("ctrl+n")
            await at_step(pilot, "review")
            review = app.screen
            review.row("epochs").value = "-1"
            await until(pilot, lambda: "epochs" in review.problems, what="the epochs problem")
            assert review.problems["epochs"] == ["epochs: 应大于 0（实际为 -1）"]
            assert review.row("epochs").has_class("-invalid") and review.config is None
            await pilot.pause()
            shown = " ".join(str(w.render()) for w in review.query("Static") if w.display)
            assert "应大于 0（实际为 -1）" in shown
    finally:
        set_language("en")
