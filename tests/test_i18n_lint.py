"""Lint findings carry a code and raw params beside their English (engine/data/lint_messages.py), so
`tunewiz --lang zh lint` and the dataset screen say them in Chinese, `--json` stays English plus the code
and params, and every finding the sample files produce has both texts (issue 16)."""
from __future__ import annotations

import json
import subprocess
import tempfile
import sys
import time
from pathlib import Path

import pytest

from engine.data.lint import lint_file
from engine.data.lint.model import LintOptions
from engine.data.stats import EstimateCounter, load_counter
from engine.messages import english, registered
from tui.app import TunewizApp
from tui.i18n import set_language, tables
from tui.messages import text_of

REPO = Path(__file__).resolve().parents[1]
BROKEN = REPO / "sample_data" / "broken"
CJK = lambda s: any("\u4e00" <= ch <= "\u9fff" for ch in s)  # noqa: E731


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


# A home of its own: lint caches its scanner database under ~/.cache, which must not land in the repository.
HOME = tempfile.mkdtemp(prefix="tunewiz-test-home-")


def lint(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, cwd=REPO,
                          env={"PATH": "/usr/bin:/bin", "HOME": HOME, "LANG": "C.UTF-8"})


def test_every_finding_of_the_broken_samples_is_coded_and_says_itself_in_chinese():
    zh = tables()["zh"]
    registry = registered()
    seen = set()
    for path in sorted(BROKEN.glob("*.json*")):
        report = lint_file(path, LintOptions(eval_path=str(BROKEN / "duplicates_eval.jsonl")
                                             if path.name == "duplicates.jsonl" else None),
                           counter=EstimateCounter())
        for f in report.findings:
            assert f.message_code in registry, (path.name, f.code, f.message)
            assert f.message_code == f"lint.{f.code}" or f.message_code.startswith(f"lint.{f.code}.")
            assert english(f.message_code, f.params) == f.message      # the English is the registry's
            assert json.loads(json.dumps(f.params)) == f.params    # raw JSON values, no objects
            set_language("zh")
            chinese = text_of(f)
            set_language("en")
            assert chinese != f.message and CJK(chinese), (f.message_code, chinese)
            assert zh[f.message_code]
            seen.add(f.code)
    # the samples cover the structure, quality, duplicate and file-wide rules
    assert {"role-order", "unknown-role", "secret", "pii-phone", "duplicate", "train-eval-overlap", "bom",
            "blank-lines", "truncated-last-line", "few-rows", "encoding", "file-binary", "json-pretty-printed"} <= seen, seen


def test_lint_says_findings_in_chinese_under_lang_zh_and_json_stays_english():
    path = str(BROKEN / "role_order.jsonl")
    zh = lint("--lang", "zh", "lint", path, "--no-tokenizer")
    assert zh.returncode == 1
    text = " ".join(zh.stdout.split())    # rich wraps long lines
    for phrase in ("未知的角色 \"customer\"", "没有 assistant 轮次", "对话以 assistant 开头", "只有 7 条可用样本"):
        assert phrase in text, (phrase, zh.stdout)
    en = lint("lint", path, "--no-tokenizer")
    assert 'unknown role "customer"; use one of system, user, assistant, tool.' in " ".join(en.stdout.split())
    assert not CJK(en.stdout)
    js = lint("--lang", "zh", "lint", path, "--no-tokenizer", "--json")
    findings = json.loads(js.stdout)["findings"]
    role = next(f for f in findings if f["code"] == "unknown-role")
    assert role["message"] == 'unknown role "customer"; use one of system, user, assistant, tool.'
    assert role["message_code"] == "lint.unknown-role" and role["params"] == {"role": "customer"}
    assert not CJK(js.stdout)
    missing = lint("--lang", "zh", "lint", str(BROKEN / "no_such.jsonl"))
    assert "没有这个文件" in missing.stderr


def test_the_token_estimate_says_itself_in_chinese_and_its_english_stays_in_json():
    # (the statistics' "counted with" and the token-estimate finding were English under --lang zh)
    path = str(BROKEN / "duplicates.jsonl")
    zh = " ".join(lint("--lang", "zh", "lint", path, "--no-tokenizer").stdout.split())
    assert "计数所用分词器 估算（CJK 字符每字 1 个 token，其他字符每 3.5 个字符 1 个 token；使用了 --no-tokenizer）" in zh
    assert "token 数是估算的：使用了 --no-tokenizer。" in zh
    assert "1 token per CJK character" not in zh and "was given" not in zh
    tokens = json.loads(lint("--lang", "zh", "lint", path, "--no-tokenizer", "--json").stdout)["stats"]["tokens"]
    english_label = "estimate (1 token per CJK character, 3.5 characters per token otherwise; --no-tokenizer)"
    assert tokens["counter"] == english_label and tokens["notice"] == "--no-tokenizer was given"
    assert tokens["counter_message"]["code"] == "lint.counter.estimate"
    assert tokens["counter_message"]["params"]["why"]["code"] == "lint.counter.why.no-tokenizer"
    assert tokens["notice_message"]["code"] == "lint.notice.no-tokenizer"
    # the reasons load_counter gives when nothing loads offline are coded too
    counter, notice = load_counter("open", "/no/such/model", timeout=5)
    assert not counter.exact and counter.label.code == "lint.counter.estimate" and notice.code == "lint.notice.tokenizer-unavailable"
    set_language("zh")
    assert "的分词器不可用" in text_of(counter.label) and "无法加载" in text_of(notice)


def test_a_tokenizer_s_label_says_itself_in_chinese(tiny_model_dir):
    # ("counted with: tokenizer of PATH" and "counting tokens with tokenizer of PATH" were English under --lang zh)
    path = str(BROKEN / "duplicates.jsonl")
    zh = lint("--lang", "zh", "lint", path, "--model", str(tiny_model_dir))
    squeezed = "".join(zh.stdout.split())
    assert "计数所用分词器" + "".join(f"{tiny_model_dir} 的分词器".split()) in squeezed, zh.stdout
    assert f"正在用 {tiny_model_dir} 的分词器 计数 token" in zh.stderr, zh.stderr
    tokens = json.loads(lint("lint", path, "--model", str(tiny_model_dir), "--json").stdout)["stats"]["tokens"]
    assert tokens["counter"] == f"tokenizer of {tiny_model_dir}" and tokens["exact"]
    assert tokens["counter_message"] == {"code": "lint.counter.folder", "params": {"path": str(tiny_model_dir)},
                                         "text": f"tokenizer of {tiny_model_dir}"}


def test_the_openai_cost_rows_say_themselves_in_chinese():
    # (the catalog note for an unknown model and the wind-down sentence were English under --lang zh)
    from engine.catalog import OPENAI_WIND_DOWN
    path = str(REPO / "sample_data" / "support_openai.jsonl")
    squeezed = lambda p: "".join(p.stdout.split())   # noqa: E731  (rich wraps Chinese between any two characters)
    unknown = squeezed(lint("--lang", "zh", "lint", path, "--no-tokenizer", "--target", "openai", "--model", "gpt-9"))
    assert "gpt-9不是目录里可微调的OpenAI模型；请使用以下之一：gpt-4.1-2025-04-14、" in unknown, unknown
    stats = json.loads(lint("lint", path, "--no-tokenizer", "--target", "openai", "--model", "gpt-9", "--json").stdout)
    assert stats["stats"]["openai"]["note"].startswith("gpt-9 is not a fine-tunable OpenAI model in the catalog; use one of")
    assert stats["stats"]["openai"]["note_message"]["code"] == "lint.stats.openai-not-in-catalog"
    known = squeezed(lint("--lang", "zh", "lint", path, "--no-tokenizer", "--target", "openai"))
    assert "OpenAI正在关停自助微调" in known and "".join(OPENAI_WIND_DOWN.sentence().split())[:40] not in known


async def test_the_dataset_screen_shows_findings_in_chinese():
    app = TunewizApp(lang="zh", start="dataset", start_args={"tokenizer": False, "path": str(BROKEN / "role_order.jsonl")})
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        start = time.monotonic()
        while screen.report is None and time.monotonic() - start < 20:
            await pilot.pause(0.05)
        tree = screen.query_one("#findings-tree")
        groups = {n.data[1]: n for n in tree.root.children}
        leaf = next(n for n in groups["unknown-role"].children if n.data[0] == "finding")
        assert '未知的角色 "customer"' in leaf.label.plain
        await pilot.press("3")
        tree.move_cursor(leaf)
        await pilot.pause()
        detail = str(screen.query_one("#finding-detail").render())
        assert '未知的角色 "customer"；请用 system、user、assistant、tool 之一。' in detail


def test_preference_pair_findings_are_coded_too(tmp_path):
    from engine.data.pair_lint import lint_pair_file
    rows = [
        {"prompt": "Q1", "chosen": "same", "rejected": "same"},                    # pref-identical
        {"prompt": [{"role": "user", "content": "Q2"}, {"role": "assistant", "content": "A"}],
         "chosen": "x", "rejected": "y"},                                            # pref-last-turn
        {"prompt": "Q3", "chosen": "", "rejected": "y"},                              # pref-empty-side
        {"prompt": "Q4", "chosen": 5, "rejected": "y"},                               # mistyped-key
        {"prompt": "Q5", "chosen": "call me at +86 138 0013 8000", "rejected": "no"},  # pii-phone
        {"messages": [{"role": "user", "content": "sft"}]},                           # pref-format
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    report = lint_pair_file(path, LintOptions(), counter=EstimateCounter())
    codes = {f.code for f in report.findings}
    assert {"pref-identical", "pref-last-turn", "pref-empty-side", "mistyped-key", "pii-phone", "pref-format",
            "blank-lines", "pref-too-few"} <= codes, codes
    for f in report.findings:
        assert f.message_code and english(f.message_code, f.params) == f.message, f
        set_language("zh")
        chinese = text_of(f)
        set_language("en")
        assert CJK(chinese) and chinese != f.message, (f.message_code, chinese)


def english_findings(root: Path) -> list[str]:
    """Where engine/data builds a finding, problem or file error from English text instead of a coded message:
    `.add(code, line, field, "...")`, `.bad(field, "...", code)`, `Problem(src, line, field, "...")`,
    `DatasetError("...")`, `Finding(code, sev, line, field, "...")` with a literal or f-string message."""
    import ast

    def is_text(node: ast.AST) -> bool:
        return (isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))
                or (isinstance(node, ast.BinOp) and (is_text(node.left) or is_text(node.right))))
    where = {"add": 3, "bad": 1, "Problem": 3, "DatasetError": 0, "Finding": 4}
    hits = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
                k = where.get(name)
                if k is not None and len(node.args) > k and is_text(node.args[k]):
                    hits.append(f"{path.relative_to(root.parent)}:{node.lineno}")
    return hits


def test_no_finding_is_built_from_english_text_alone(tmp_path):
    found = english_findings(REPO / "src" / "engine" / "data")
    assert not found, "give these a code in engine/data/lint_messages.py (and Chinese in tui/i18n/msg_lint.py):\n" + "\n".join(found)
    # the check can fail: a finding written the old way is named
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "old.py").write_text('scan.add("bom", 1, None, f"a BOM in {p}")\nrow.bad(fld, "bad", "x")\n')
    assert len(english_findings(tmp_path / "data")) == 2


def test_train_refuses_lint_errors_in_chinese(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text(f"model: demo\ndata: {BROKEN / 'role_order.jsonl'}\nmax_steps: 1\nruns_dir: {tmp_path / 'runs'}\n")
    refused = lint("--lang", "zh", "train", str(config))
    assert refused.returncode == 2, refused.stderr
    assert '[unknown-role] 未知的角色 "customer"；请用 system、user、assistant、tool 之一。' in refused.stderr
    assert not (tmp_path / "runs").exists()


def test_lint_says_what_it_is_doing_in_chinese_too(tmp_path):
    # The progress lines on stderr are coded (engine.messages.Coded): Chinese under --lang zh, English otherwise.
    import subprocess
    import sys
    from pathlib import Path
    sample = Path(__file__).resolve().parents[1] / "sample_data"
    run = lambda *a: subprocess.run([sys.executable, "-m", "tui.cli", *a], capture_output=True, text=True,  # noqa: E731
                                    timeout=120)
    zh = run("--lang", "zh", "lint", str(sample / "support_openai.jsonl"), "--no-tokenizer")
    assert f"… 正在扫描 {sample / 'support_openai.jsonl'}（0.8 MB，openai，jsonl）" in zh.stderr, zh.stderr
    pairs = run("--lang", "zh", "lint", str(sample / "support_preference.jsonl"), "--no-tokenizer")
    assert "中的偏好对（0.1 MB，trl，jsonl）" in pairs.stderr and "checking" not in pairs.stderr, pairs.stderr
    en = run("--lang", "en", "lint", str(sample / "support_openai.jsonl"), "--no-tokenizer")
    assert f"… scanning {sample / 'support_openai.jsonl'} (0.8 MB, openai, jsonl)" in en.stderr, en.stderr
