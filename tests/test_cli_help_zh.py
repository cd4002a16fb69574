"""`tunewiz --help` in English and Chinese: every help text has its translation (tui/i18n/cli_help.py), none is
left over, and the help fits the terminal's width (a Chinese character takes two columns) at 80 and 200 columns."""
from __future__ import annotations

import os
import subprocess
import sys
import unicodedata

import pytest

import tui.cli as cli
from tui import cli_args, clikit
from tui.i18n.cli_help import HELP_ZH

FIELDS = ("{default}", "{flag}", "{message}", "{prog}", "{value}", "{low}", "{high}", "{names}", "{words}",
          "{choices}", "{name}", "{kind}", "{problem}", "{digits}")


def _declared_texts() -> list[str]:
    texts: list[str] = []

    def walk(app: clikit.App) -> None:
        if app.help:
            texts.append(app.help)
        for func in ([app.root] if app.root else []) + list(app.commands.values()):
            if func is not app.root:
                word = next(w for w, f in app.commands.items() if f is func)
                texts.append(clikit._doc(func, app.helps.get(word)))
            texts.extend(d.help for _, _, d in clikit._params(func) if isinstance(d, clikit.Param) and d.help)
        for group in app.groups.values():
            walk(group)
    walk(cli.register())
    return texts


def test_every_help_text_has_its_chinese_and_none_is_left_over():
    declared = set(_declared_texts())
    missing = sorted(declared - set(HELP_ZH))
    assert not missing, missing
    framework = set(clikit.FRAMEWORK_TEXTS) | set(cli_args.TEXTS)
    left_over = sorted(set(HELP_ZH) - declared - framework)
    assert not left_over, left_over
    for english in framework:
        assert english in HELP_ZH, english
        for field in FIELDS:
            assert (field in english) == (field in HELP_ZH[english]), (english, field)


def _cells(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def _help(*args: str, columns: int, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in ("TUNEWIZ_LANG", "LC_ALL", "LC_MESSAGES")}
    environment.update(COLUMNS=str(columns), LANG="C.UTF-8", **env)
    result = subprocess.run([sys.executable, "-m", "tui.cli", *args, "--help"], capture_output=True, text=True,
                            env=environment, timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return result.stdout


COMMANDS = [("lint",), ("train",), ("estimate",), ("chat",), ("export",), ("watch",), ("openai", "start"), ()]


@pytest.mark.parametrize("columns", [80, 200])
def test_the_chinese_help_is_chinese_and_fits_the_terminal(columns):
    for command in COMMANDS:
        zh = _help("--lang", "zh", *command, columns=columns)
        en = _help(*command, columns=columns)
        for text, lang in ((zh, "zh"), (en, "en")):
            # (a path or a URL longer than a line may stand alone on one)
            too_wide = [line for line in text.splitlines() if _cells(line) > columns and " " in line.strip()]
            assert not too_wide, (lang, command, too_wide)
        assert "显示此帮助并退出" in zh and "选项" in zh and "show this help message and exit" in en
    lint_zh = " ".join(_help("--lang", "zh", "lint", columns=columns).split())
    assert "在花 GPU 时间或 API 费用之前检查数据集" in lint_zh
    assert "大 JSONL 文件用的进程数，1-256" in lint_zh and "（默认：auto）" in lint_zh


def test_the_help_language_follows_lang_then_the_environment():
    assert "检查数据集" in _help("lint", columns=100, TUNEWIZ_LANG="zh")
    assert "Check a dataset" in _help("--lang", "en", "lint", columns=100, TUNEWIZ_LANG="zh")
    assert "检查数据集" in _help("lint", columns=100, LC_ALL="zh_CN.UTF-8")
    # serve's own --lang (the app's language in the browser) is not the help's
    assert "Serve the app to a browser" in _help("serve", "--lang", "zh", columns=100)
    assert cli.requested_language(["--runs-dir", "x", "--lang=zh", "lint"]) == "zh"
    assert cli.requested_language(["serve", "--lang", "zh"]) is None


def test_wrap_breaks_between_chinese_characters_and_at_spaces_only():
    text = "用来计数的分词器：demo（默认）、本地文件夹或 hub id；与 --target openai 一起时为 OpenAI 模型。"
    lines = clikit.wrap(text, 20).splitlines()
    assert all(_cells(line) <= 20 for line in lines), lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert not any(line[0] in clikit.NO_LINE_START for line in lines)
    assert "--target" in " ".join(lines).split() and "openai" in " ".join(lines).split()
    assert clikit.wrap("one two three four", 9) == "one two\nthree\nfour"
    assert clikit.wrap("first para\nsame para\n\nsecond", 80) == "first para same para\n\nsecond"
    assert clikit.wrap("或 --gguf OUT.gguf\n（llama.cpp 的转换器）", 80) == "或 --gguf OUT.gguf（llama.cpp 的转换器）"


def _error(*args: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in ("TUNEWIZ_LANG", "LC_ALL", "LC_MESSAGES")}
    environment.update(LANG="C.UTF-8", **env)
    result = subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, env=environment,
                            timeout=120)
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr, result.stderr
    return " ".join(result.stderr.split())


@pytest.mark.parametrize("args, en, zh", [
    (("lint", "f.jsonl", "--workers", "0"), "Error: argument --workers: 0 is less than 1.", "错误：参数 --workers：0 小于 1。"),
    (("lint", "f.jsonl", "--workers", "9" * 5000), "a 5,000-digit number is more than 256.",
     "参数 --workers：一个 5,000 位的数 大于 256。"),
    (("lint", "f.jsonl", "--max-length", "x"), "argument --max-length: 'x' is not a whole number.",
     "参数 --max-length：'x' 不是整数。"),
    (("lint",), "the following arguments are required: FILE", "缺少必需的参数：FILE"),
    (("lint", "f.jsonl", "--nope"), "unrecognized arguments: --nope", "无法识别的参数：--nope"),
    (("nope",), "argument COMMAND: invalid choice: 'nope'", "参数 COMMAND：无效的选择 'nope'（可选："),
    (("lint", "f.jsonl", "--model"), "argument --model: expected one argument", "参数 --model：需要一个值"),
    (("watch", "r", "--interval", "0.01"), "argument --interval: 0.01 is less than 0.05.",
     "参数 --interval：0.01 小于 0.05。"),
    (("stop", "r", "--timeout", "soon"), "argument --timeout: invalid float value: 'soon'",
     "参数 --timeout：无效的 float 值 'soon'"),
])
def test_usage_errors_in_english_and_chinese(args, en, zh):
    assert en in _error(*args) and "Try 'tunewiz" in _error(*args)
    said = _error("--lang", "zh", *args)
    assert zh in said and "查看帮助" in said, said
