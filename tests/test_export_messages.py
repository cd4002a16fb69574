"""Exporting, tracking and serving say their messages in the user's language (issue 16): the errors of
`tunewiz export` (engine/export_messages.py: `gguf.*`, `ollama.*`, `export.*`) come out in Chinese under
`--lang zh` with their stable code, `report_to` problems carry a code the TUI translates, and `tunewiz
serve`'s refusal is said in Chinese. The English stays the registry's (and what --lang en prints)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from test_chat_support import cli, one_torch_thread  # noqa: F401
from test_export_serving import lora_run

from tui.i18n import set_language

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")   # `cli(--lang zh ...)` sets the language of this process


def tunewiz(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real `tunewiz` command line in its own process."""
    import os
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)


@pytest.fixture
def bare_run(tmp_path) -> Path:
    """A run directory export can resolve (the k-quant refusal comes before any loading)."""
    run = tmp_path / "runs" / "tiny"
    run.mkdir(parents=True)
    (run / "config.yaml").write_text("model: demo\nmethod: lora\n")
    (run / "status.json").write_text(json.dumps({"state": "completed"}))
    return run


def test_a_k_quant_refusal_is_said_in_chinese_with_its_code(bare_run):
    out = bare_run.parent.parent / "x.gguf"
    zh = tunewiz("--lang", "zh", "export", str(bare_run), "--gguf", str(out), "--quant", "q4_k_m")
    assert zh.returncode == 2, zh.stderr
    assert "需要 llama.cpp 的 C++ 工具 llama-quantize" in zh.stderr and "[gguf.quant-needs-llama-quantize]" in zh.stderr
    assert "先用 --quant f16" in zh.stderr and "OUT-q4_k_m.gguf Q4_K_M" in zh.stderr   # what to do, in Chinese
    assert "f16、bf16" in zh.stderr and "needs llama.cpp" not in zh.stderr   # (Chinese enumerates with 、)
    en = tunewiz("--lang", "en", "export", str(bare_run), "--gguf", str(out), "--quant", "q4_k_m")
    assert en.returncode == 2 and "needs llama.cpp's C++ tool llama-quantize" in en.stderr
    assert not out.exists()


def test_a_missing_converter_is_said_in_chinese_naming_the_install_command(tiny_model_dir, tmp_path, monkeypatch):
    run = lora_run(tmp_path, tiny_model_dir, "tiny")
    monkeypatch.setenv("TUNEWIZ_HOME", str(tmp_path / "empty-home"))
    out = tmp_path / "exports" / "tiny.gguf"
    result = cli("--lang", "zh", "export", str(run), "--gguf", str(out), "--quant", "f16")
    assert result.exit_code == 2
    assert "llama.cpp 的 GGUF 转换器没有安装" in result.stderr and str(tmp_path / "empty-home") in result.stderr
    assert "安装它（约 80 MB 下载，无需编译）" in result.stderr and "-m engine.gguf_export install" in result.stderr
    assert "[gguf.converter-missing]" in result.stderr and not out.exists()


def test_an_output_folder_that_is_not_empty_is_refused_in_chinese(tiny_model_dir, tmp_path):
    run = lora_run(tmp_path, tiny_model_dir, "tiny")
    out = tmp_path / "exports" / "merged"
    out.mkdir(parents=True)
    (out / "keep.txt").write_text("mine")
    result = cli("--lang", "zh", "export", str(run), "--merge", str(out))
    assert result.exit_code == 2
    assert f"{out} 已存在且不为空" in result.stderr and "--force" in result.stderr
    assert "[export.out-not-empty]" in result.stderr
    assert (out / "keep.txt").read_text() == "mine" and [p.name for p in out.iterdir()] == ["keep.txt"]


def test_a_missing_tracker_package_carries_a_code_the_tui_says_in_chinese():
    from engine.train.tracking import TRACKER_PACKAGES, tracker_messages, tracker_problems
    from tui.messages import text_of
    TRACKER_PACKAGES["nosuch"] = ("tunewiz_no_such_package", "pip install tunewiz-no-such-package")
    try:
        found = tracker_messages(["nosuch"])
        assert tracker_problems(["nosuch"]) == [found[0].text] and "not installed" in found[0].text
    finally:
        del TRACKER_PACKAGES["nosuch"]
    assert found[0].code == "tracking.package-missing"
    set_language("zh")
    said = text_of(found[0].to_dict())
    assert "需要 Python 包 'tunewiz_no_such_package'" in said and "pip install tunewiz-no-such-package" in said


def test_serve_refuses_a_remote_host_in_chinese():
    result = tunewiz("--lang", "zh", "serve", "--host", "0.0.0.0", "--port", "8123")
    assert result.returncode == 2
    assert "会让其他机器访问这个应用" in result.stderr and "--allow-remote" in result.stderr
    assert "ssh -L 8123:127.0.0.1:8123" in result.stderr


def test_train_refuses_before_starting_in_chinese(tmp_path):
    """launch.preflight's problems (engine/launch_messages.py) under --lang zh: a missing data file, and
    conversations given to method dpo (the pair shapes, a part, said in Chinese too); no run is made."""
    chat = tmp_path / "chat.jsonl"
    chat.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"},
                                             {"role": "assistant", "content": "hello"}]}) + "\n")
    runs = tmp_path / "runs"
    missing = tunewiz("--lang", "zh", "train", "--set", f"data={tmp_path / 'nope.jsonl'}", "--set", "model=demo",
                      "--set", f"runs_dir={runs}")
    assert missing.returncode != 0
    assert f"data：找不到文件：{tmp_path / 'nope.jsonl'}" in missing.stderr, missing.stderr
    dpo = tunewiz("--lang", "zh", "train", "--set", f"data={chat}", "--set", "model=demo", "--set", "method=dpo",
                  "--set", f"runs_dir={runs}")
    assert dpo.returncode != 0
    assert "不是偏好数据" in dpo.stderr and "OpenAI 的偏好 JSONL" in dpo.stderr, dpo.stderr
    assert "is not preference data" not in dpo.stderr
    assert not runs.exists() or not list(runs.iterdir())


def test_lint_says_its_header_statistics_and_next_steps_in_chinese():
    """`tunewiz --lang zh lint`: not only the findings (msg_lint) but the counts, the statistics' labels and
    the next steps (tui/i18n/lint_cli.py) are Chinese; --lang en keeps the English."""
    path = str(REPO / "sample_data" / "broken" / "pii_placeholders.jsonl")
    zh = tunewiz("--lang", "zh", "lint", path, "--no-tokenizer")
    text = " ".join(zh.stdout.split())
    for phrase in ("个错误", "个警告", "统计", "行数", "重复", "下一步：", "训练前请删除或遮蔽个人数据和密钥",
                   "请填写模板文本（{{name}}、XXX、TODO）"):
        assert phrase in text, (phrase, zh.stdout)
    assert "Statistics" not in text and "next:" not in text
    en = " ".join(tunewiz("--lang", "en", "lint", path, "--no-tokenizer").stdout.split())
    assert "Statistics" in en and "next:" in en and "fill in the template text ({{name}}, XXX, TODO)" in en
