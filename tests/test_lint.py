"""`tunewiz lint`: exit codes, the --json contract, every rule family, --fix, robustness, speed paths."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.data.fix import fix_file
from engine.data.lint import LintOptions, lint_file
from engine.data.rules import CODES

REPO = Path(__file__).resolve().parents[1]
BROKEN = REPO / "sample_data" / "broken"
PEER = REPO.parent / "shared" / "peer-data" / "llamafactory"
needs_peer = pytest.mark.skipif(not PEER.is_dir(), reason=f"shared peer data not found at {PEER} (CI lays shared/ beside the repo)")


def tunewiz(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Runs the real console command, as a user or a CI script would."""
    return subprocess.run([sys.executable, "-m", "tui.cli", "lint", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, env={**os.environ, "PYTHONIOENCODING": "utf-8"})


def lint_json(*args: str) -> tuple[int, dict]:
    p = tunewiz(*args, "--json", "--no-tokenizer")
    assert "Traceback" not in p.stderr, p.stderr
    return p.returncode, json.loads(p.stdout)


def codes(report) -> set[str]:
    return set(report.counts)


def chat(u: str, a: str) -> dict:
    return {"messages": [{"role": "user", "content": u}, {"role": "assistant", "content": a}]}


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- the CLI contract

def test_json_object_shape_and_exit_1_on_errors():
    rc, d = lint_json(str(BROKEN / "role_order.jsonl"))
    assert rc == 1
    assert set(d) == {"file", "format", "rows", "findings", "stats"}
    assert (d["format"], d["rows"]) == ("openai", 8)
    for f in d["findings"]:
        assert set(f) == {"code", "severity", "line", "field", "message", "message_code", "params"}
        assert f["code"] in CODES and f["severity"] in ("error", "warning", "info") and f["message"]
        # the English message plus its code and raw params, so another language can say it (issue 16)
        assert f["message_code"].startswith(f"lint.{f['code']}") and isinstance(f["params"], dict)
    by = {(f["code"], f["line"]) for f in d["findings"]}
    assert {("system-not-first", 1), ("role-order", 2), ("role-order", 3), ("no-assistant", 4),
            ("not-ending-with-assistant", 5), ("unknown-role", 6), ("tool-order", 7), ("empty-answer", 8)} <= by
    assert d["stats"]["errors"] >= 5 and d["stats"]["tokens"]["exact"] is False


def test_exit_0_with_warnings_and_1_with_strict(tmp_path):
    p = write_jsonl(tmp_path / "ok.jsonl", [chat(f"订单 {i} 到哪了？", f"订单 {i} 已从杭州发出，预计明天送达。") for i in range(30)])
    rc, d = lint_json(str(p))
    assert rc == 0 and d["stats"]["errors"] == 0 and "few-rows" in d["stats"]["findings_by_code"]
    assert tunewiz(str(p), "--no-tokenizer", "--strict").returncode == 1


@pytest.mark.parametrize("name,code", [("gbk_encoded.jsonl", "encoding"), ("empty.jsonl", "file-empty"),
                                       ("compressed.jsonl", "file-binary")])
def test_exit_2_when_the_file_cannot_be_read(name, code):
    rc, d = lint_json(str(BROKEN / name))
    assert rc == 2 and d["findings"][0]["code"] == code
    if code == "encoding":
        assert "iconv -f GB18030 -t UTF-8" in d["findings"][0]["message"]


def test_exit_2_for_missing_file_and_bad_arguments(tmp_path):
    p = tunewiz(str(tmp_path / "nope.jsonl"), "--no-tokenizer")
    assert p.returncode == 2 and "no such file" in p.stdout + p.stderr and "Traceback" not in p.stderr
    assert tunewiz(str(BROKEN / "role_order.jsonl"), "--format", "csv").returncode == 2
    assert tunewiz(str(BROKEN / "role_order.jsonl"), "--to", "alpaca").returncode == 2
    assert tunewiz(str(BROKEN / "role_order.jsonl"), "--target", "anthropic").returncode == 2


def test_rich_report_groups_findings_and_says_what_to_do():
    p = tunewiz(str(BROKEN / "pii_placeholders.jsonl"), "--no-tokenizer")
    assert p.returncode == 1
    out = p.stdout
    assert "Findings" in out and "secret" in out and "pii-phone" in out and "Statistics" in out and "next:" in out
    assert "13812345678" not in out  # personal data is masked in the report


def test_the_next_step_names_only_what_fix_would_drop():
    # ("drop the 0 row(s) with errors and 4 duplicate(s)" said nothing about the errors: only what there is)
    dups = " ".join(tunewiz(str(BROKEN / "duplicates.jsonl"), "--no-tokenizer").stdout.split())
    assert "to drop the 4 duplicate(s);" in dups and "row(s) with errors" not in dups
    errors = " ".join(tunewiz(str(BROKEN / "role_order.jsonl"), "--no-tokenizer").stdout.split())
    assert "to drop the 5 row(s) with errors;" in errors and "duplicate(s)" not in errors


def test_a_row_with_two_findings_of_one_code_is_listed_once(tmp_path):
    # (two unclosed <think> in one row were listed as "lines 1, 1")
    turns = [{"role": "user", "content": "hi there, how are you today?"},
             {"role": "assistant", "content": "<think>hmm let me think about it"},
             {"role": "user", "content": "and then what happened next?"},
             {"role": "assistant", "content": "<think>again without the end tag"}]
    path = tmp_path / "think.jsonl"
    path.write_text(json.dumps({"messages": turns}) + "\n" + json.dumps({"messages": turns[:2]}) + "\n")
    out = tunewiz(str(path), "--no-tokenizer").stdout
    assert "think-unclosed ×3  lines 1, 2\n" in out, out


def test_default_counts_with_the_demo_tokenizer_or_says_why_not():
    p = tunewiz(str(BROKEN / "duplicates.jsonl"), "--json", "--max-length", "60")
    d = json.loads(p.stdout)
    tok = d["stats"]["tokens"]
    if tok["exact"]:
        assert "SmolLM2" in tok["counter"] and tok["per_example"]["max"] > 0
        assert {f["code"] for f in d["findings"]} >= {"too-long"} and tok["over_max_length"] >= 1
    else:  # no demo model on this machine: a labelled estimate and the reason
        assert "estimate" in tok["counter"] and tok.get("notice")


# --------------------------------------------------------------------------- rule families (engine calls)

@pytest.mark.parametrize("name,expected", [
    ("bom_blank_truncated.jsonl", {"bom", "blank-lines", "truncated-last-line"}),
    ("pretty_printed.jsonl", {"json-pretty-printed"}),
    ("sharegpt_tool_order.json", {"tool-order", "unknown-role", "json-array"}),
    ("pii_placeholders.jsonl", {"pii-phone", "pii-email", "pii-id-number", "secret", "placeholder", "markup", "mojibake",
                                "control-chars"}),
    ("duplicates.jsonl", {"duplicate", "near-duplicate"}),
    ("alpaca_problems.json", {"alpaca-no-output", "mistyped-key", "mixed-formats", "empty-content"}),
    ("short_answers.jsonl", {"short-answers", "few-rows"}),
])
def test_each_broken_sample_shows_its_family(name, expected):
    r = lint_file(BROKEN / name)
    assert expected <= codes(r), codes(r)
    assert r.fatal is None


def test_line_numbers_point_at_the_rows():
    r = lint_file(BROKEN / "pii_placeholders.jsonl")
    at = {(f.code, f.line, f.field) for f in r.findings}
    assert ("pii-phone", 1, "messages[1].content") in at and ("secret", 4, "messages[1].content") in at
    assert ("placeholder", 12, "messages[1]") in at  # a turn that is only "……"
    arr = lint_file(BROKEN / "alpaca_problems.json")
    text = (BROKEN / "alpaca_problems.json").read_text(encoding="utf-8").splitlines()
    f = next(f for f in arr.findings if f.code == "alpaca-no-output")
    assert text[f.line - 1].strip() == "{" and "给这条评价打标签" in text[f.line]


def test_duplicates_report_the_first_copy(tmp_path):
    r = lint_file(BROKEN / "duplicates.jsonl")
    d = {f.line: f for f in r.findings if f.code in ("duplicate", "near-duplicate")}
    assert d[7].code == "duplicate" and "line 1" in d[7].message
    assert d[9].code == "near-duplicate" and "line 3" in d[9].message
    assert d[11].code == "near-duplicate" and "line 10" in d[11].message
    assert r.stats["duplicates"] == {"exact": 2, "near": 2}


def test_copies_past_the_kept_findings_are_still_counted(tmp_path):
    # 12 exact and 9 near copies of one row (each near one of line 1, the first with its text), with 3 findings kept
    # per code: the counts, the severities and --fix's reasons cover every copy.
    row = {"messages": [{"role": "user", "content": "Where is order 4423478?"},
                        {"role": "assistant", "content": "It ships on 2026-12-03."}]}
    near = {"messages": [{"role": "user", "content": "WHERE is order 4423478 ?"},
                         {"role": "assistant", "content": "It ships on 2026-12-03."}]}
    path = write_jsonl(tmp_path / "copies.jsonl", [row] * 13 + [near] * 9)
    r = lint_file(path, LintOptions(max_per_code=3))
    assert r.counts["duplicate"] == 12 and r.counts["near-duplicate"] == 9
    assert r.stats["duplicates"] == {"exact": 12, "near": 9}
    assert [f.line for f in r.findings if f.code in ("duplicate", "near-duplicate")] == [2, 3, 4, 14, 15, 16]
    assert r.severities["warning"] == sum(n for code, n in r.counts.items() if CODES[code][0] == "warning") >= 21
    assert sorted(r.reject_lines) == list(range(2, 23))
    assert r.reject_lines[22] == [("near-duplicate", "same text as line 1 apart from case/whitespace; drop one of them "
                                                     "(--fix does).")]


def test_train_eval_overlap_with_a_second_file():
    rc, d = lint_json(str(BROKEN / "duplicates.jsonl"), str(BROKEN / "duplicates_eval.jsonl"))
    ov = [f for f in d["findings"] if f["code"] == "train-eval-overlap"]
    assert [f["line"] for f in ov] == [5] and "line 1" in ov[0]["message"]
    assert d["stats"]["eval"]["overlap"] == 1 and d["stats"]["eval"]["rows"] == 2


def test_sharegpt_function_call_must_be_followed_by_observation():
    r = lint_file(BROKEN / "sharegpt_tool_order.json")
    msgs = [f.message for f in r.findings if f.code == "tool-order"]
    assert any("function_call must be followed" in m for m in msgs)
    assert any("observation without a preceding function_call" in m for m in msgs)


def test_openai_target_rules(tmp_path):
    r = lint_file(BROKEN / "alpaca_problems.json", LintOptions(target="openai"))
    assert {"openai-format", "openai-too-few"} <= codes(r)
    assert next(f for f in r.findings if f.code == "json-array").severity == "error"
    rows = [chat(f"问题 {i}", f"回答 {i}，感谢您的耐心。") for i in range(12)]
    rows[3]["id"] = "row-3"
    rows[5]["messages"][1]["score"] = 5
    rows[7]["messages"][0]["weight"] = 1
    p = write_jsonl(tmp_path / "oa.jsonl", rows)
    r = lint_file(p, LintOptions(target="openai"))
    bad = {(f.code, f.line, f.severity) for f in r.findings}
    assert ("openai-unsupported-key", 4, "error") in bad and ("openai-unsupported-key", 6, "error") in bad
    assert ("weight-not-assistant", 8, "error") in bad
    oa = r.stats["openai"]
    assert oa["model"] == "gpt-4o-mini-2024-07-18" and oa["default_epochs"] == 9  # 12 examples: ceil(100/12)
    assert oa["cost_per_epoch_usd"] > 0 and oa["cost_default_epochs_usd"] == pytest.approx(oa["cost_per_epoch_usd"] * 9, rel=1e-3)


# --------------------------------------------------------------------------- --fix

def test_fix_keeps_plus_rejects_equals_rows_and_never_touches_input(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes((BROKEN / "role_order.jsonl").read_bytes() + (BROKEN / "duplicates.jsonl").read_bytes()
                    + b"\n   \n" + b'{"messages": [{"role": "user", "content": "  padded  "}, {"role": "assistant", "content": " ok "}]}\n'
                    + b"not json at all\n")
    before = digest(src)
    out = tmp_path / "clean.jsonl"
    p = tunewiz(str(src), "--no-tokenizer", "--fix", str(out), "--json")
    assert p.returncode == 1 and digest(src) == before
    d = json.loads(p.stdout)
    fx = d["stats"]["fix"]
    kept = out.read_text(encoding="utf-8").splitlines()
    rejected = [json.loads(x) for x in Path(fx["rejected_file"]).read_text(encoding="utf-8").splitlines()]
    assert len(kept) + len(rejected) == d["rows"] == fx["rows"] == 21
    assert fx["rejected_file"] == str(out) + ".rejected.jsonl"
    why = {r["line"]: {x["code"] for x in r["reasons"]} for r in rejected}
    assert why[1] == {"system-not-first"} and why[4] == {"no-assistant"} and "duplicate" in why[15]
    assert why[23] == {"json-invalid"}  # the "not json" line (after two blank lines) is rejected with its reason
    assert json.loads(kept[-1])["messages"][0]["content"] == "padded"  # whitespace trimmed
    assert all(json.loads(k) for k in kept)


def test_fix_converts_formats_through_the_canonical_form(tmp_path):
    r = lint_file(BROKEN / "alpaca_problems.json")
    res = fix_file(BROKEN / "alpaca_problems.json", r, tmp_path / "o.jsonl", to="sharegpt")
    assert res.kept + res.rejected == r.rows == 6
    first = json.loads((tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["conversations"] == [{"from": "human", "value": "把这句话翻译成英文\n我们会尽快处理"},
                                      {"from": "gpt", "value": "We will handle it as soon as possible."}]
    r2 = lint_file(BROKEN / "sharegpt_tool_order.json")
    res2 = fix_file(BROKEN / "sharegpt_tool_order.json", r2, tmp_path / "t.jsonl", to="openai")
    assert (res2.kept, res2.rejected) == (0, 3)


def test_fix_refuses_to_overwrite_the_input(tmp_path):
    src = write_jsonl(tmp_path / "d.jsonl", [chat("a", "b")])
    p = tunewiz(str(src), "--no-tokenizer", "--fix", str(src))
    assert p.returncode == 2 and "overwrite" in p.stderr and src.read_text(encoding="utf-8").count("\n") == 1


# --------------------------------------------------------------------------- never crashes

def test_robust_against_hostile_files(tmp_path):
    cases = {
        "binary.jsonl": os.urandom(4096).replace(b"\x00", b"\x01") + b"\x00",
        "zero.jsonl": b"",
        "utf16.jsonl": json.dumps(chat("你好", "您好")).encode("utf-16"),
        "deep.jsonl": json.dumps(chat("a", "b")).encode() + b"\n" + b'{"messages": ' + b"[" * 100000 + b"]" * 100000 + b"}\n",
        "deep_array.json": b"[" * 100000 + b"]" * 100000,
        "numbers.jsonl": b'{"messages": [{"role": "user", "content": 1}, {"role": 2, "content": "x"}]}\n{"instruction": 5, "output": 6}\n',
        "huge_line.jsonl": json.dumps(chat("总结一下：" + "很长的文本。" * 900_000, "好的")).encode() + b"\n",
        "not_json.jsonl": "这不是 JSON\n".encode(),
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        p = tunewiz(str(tmp_path / name), "--no-tokenizer", "--json")
        assert "Traceback" not in p.stderr, (name, p.stderr)
        # A 5 MB line is only a warning; everything else is an error or unreadable.
        assert p.returncode in ((0, 1) if name == "huge_line.jsonl" else (1, 2)), (name, p.returncode)
        d = json.loads(p.stdout)
        assert d["findings"], name
    assert {f["code"] for f in json.loads(tunewiz(str(tmp_path / "huge_line.jsonl"), "--no-tokenizer", "--json").stdout)["findings"]} >= {"line-too-large"}
    deep = json.loads(tunewiz(str(tmp_path / "deep.jsonl"), "--no-tokenizer", "--json").stdout)["findings"]
    assert ("json-too-deep", 2) in {(f["code"], f["line"]) for f in deep}


# --------------------------------------------------------------------------- speed paths agree

def test_parallel_scan_and_fast_path_give_the_same_answers(tmp_path):
    rows = []
    for i in range(3000):
        rows.append(chat(f"订单 {i % 1000} 的物流？", f"订单 {i % 1000} 已发货。" + ("联系 138" + f"{i:08d}" if i % 97 == 0 else "")))
        if i % 500 == 0:
            rows.append({"messages": [{"role": "assistant", "content": "先开口"}, {"role": "user", "content": "嗯"}]})
    p = write_jsonl(tmp_path / "big.jsonl", rows)
    one = lint_file(p, LintOptions(workers=1))
    two = lint_file(p, LintOptions(workers=3, parallel_min_bytes=1))
    key = lambda r: sorted((f.code, f.line, f.field, f.message) for f in r.findings)  # noqa: E731
    assert key(one) == key(two) and one.stats["tokens"] == two.stats["tokens"] and one.rows == two.rows == 3006
    seen: set[str] = set()
    expected = sum(1 for x in rows if (k := json.dumps(x, ensure_ascii=False)) in seen or seen.add(k))
    assert one.stats["duplicates"]["exact"] == expected > 1900


def test_exact_token_counts_with_a_local_tokenizer(tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train_from_iterator(["hello world 你好 世界"] * 10, trainers.BpeTrainer(vocab_size=300, special_tokens=["<|im_end|>"],
                                                                             initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>")
    fast.chat_template = "{% for m in messages %}{{ m['role'] + ': ' + m['content'] + '<|im_end|>' }}{% endfor %}"
    fast.save_pretrained(tmp_path / "tok")
    p = write_jsonl(tmp_path / "d.jsonl", [chat("hello", "world"), chat("你好" * 50, "世界" * 50)])
    from engine.data.stats import load_counter
    counter, notice = load_counter("open", str(tmp_path / "tok"))
    assert notice is None and counter.exact
    r = lint_file(p, LintOptions(max_length=40), counter=counter)
    expected = [len(fast(fast.apply_chat_template(x["messages"], tokenize=False), add_special_tokens=False)["input_ids"])
                for x in (json.loads(line) for line in p.read_text(encoding="utf-8").splitlines())]
    assert r.stats["tokens"]["per_example"]["min"] == min(expected) and r.stats["tokens"]["total"] == sum(expected)
    assert [(f.code, f.line) for f in r.findings if f.code == "too-long"] == [("too-long", 2)]


# --------------------------------------------------------------------------- real files and docs

@needs_peer
@pytest.mark.parametrize("name", ["alpaca_zh_demo.json", "glaive_toolcall_zh_demo.json", "identity.json", "c4_demo.jsonl", "wiki_demo.txt"])
def test_peer_data_files_lint_cleanly_enough(name):
    r = lint_file(PEER / name)
    assert r.fatal is None and r.rows > 0
    if name == "identity.json":
        assert r.counts["placeholder"] >= 80  # {{name}} / {{author}} everywhere
    if name == "glaive_toolcall_zh_demo.json":
        assert r.counts["tool-order"] >= 1  # a real observation that follows a gpt turn


def test_every_code_is_documented():
    doc = (REPO / "docs" / "lint-codes.md").read_text(encoding="utf-8")
    missing = [c for c in CODES if f"`{c}`" not in doc]
    assert not missing


# --------------------------------------------------------------------------- hostile values (issue 14)

def _in_process(*args: str):
    """`tunewiz lint ARGS` in this process (Typer's runner): a traceback would surface as an exception."""
    from cli_runner import CliRunner

    from tui.cli import app
    return CliRunner().invoke(app, ["lint", *args, "--no-tokenizer"], catch_exceptions=False)


def _fix_all(path: Path, tmp_path: Path, to: str | None = None) -> tuple[object, list[str], list[dict]]:
    """lint_file + fix_file; (report, kept lines, rejected rows), kept + rejected checked against the rows."""
    r = lint_file(path)
    out = tmp_path / "clean.jsonl"
    res = fix_file(path, r, out, to)
    kept = out.read_text(encoding="utf-8").splitlines()
    rejected = [json.loads(x) for x in Path(res.rejected_path).read_text(encoding="utf-8").splitlines()]
    assert len(kept) + len(rejected) == r.rows == res.rows
    return r, kept, rejected


DEEP = "[" * 300 + "]" * 300
UNWRITABLE_ROWS = {
    # Python's json (arrays) accepts each of these; orjson (every writer) does not.
    "lone surrogate": ('{"messages": [{"role": "user", "content": "hi \\ud800 there"}, '
                       '{"role": "assistant", "content": "an answer"}]}', "json-invalid", "messages[0].content"),
    "integer over 64 bits": ('{"messages": [{"role": "user", "content": "a question"}, '
                             '{"role": "assistant", "content": "an answer"}], "id": 123456789012345678901234567890}',
                             "json-invalid", "id"),
    "deep tools": ('{"messages": [{"role": "user", "content": "a question"}, {"role": "assistant", "content": "an answer"}], '
                   '"tools": [{"type": "function", "function": {"name": "f", "parameters": %s}}]}' % DEEP,
                   "json-too-deep", "tools[0].function.parameters"),
    "deep function_call": ('{"conversations": [{"from": "human", "value": "call it"}, {"from": "function_call", '
                           '"value": {"name": "f", "arguments": %s}}, {"from": "observation", "value": "r"}, '
                           '{"from": "gpt", "value": "done"}]}' % DEEP, "json-too-deep", "conversations[1].value.arguments"),
    "deep row": ('{"messages": [{"role": "user", "content": "a question"}, {"role": "assistant", "content": "an answer"}], '
                 '"meta": %s}' % DEEP, "json-too-deep", "meta"),
}


@pytest.mark.parametrize("name", list(UNWRITABLE_ROWS))
def test_a_value_no_writer_can_hold_is_a_row_error_and_the_rejected_file_keeps_the_row(tmp_path, name):
    row, code, fld = UNWRITABLE_ROWS[name]
    good = json.dumps(chat("another question", "another answer")) if "conversations" not in row else json.dumps(
        {"conversations": [{"from": "human", "value": "hello there"}, {"from": "gpt", "value": "general kenobi"}]})
    src = tmp_path / "d.json"
    src.write_text(f"[\n{good},\n{row}\n]", encoding="utf-8")
    res = _in_process(str(src), "--json")
    assert res.exit_code == 1
    found = {(f["code"], f["line"], f["field"]) for f in json.loads(res.stdout)["findings"]}
    assert (code, 3, fld) in found, found
    r, kept, rejected = _fix_all(src, tmp_path)
    assert len(kept) == 1 and [x["line"] for x in rejected] == [3] and rejected[0]["reasons"][0]["code"] == code
    # The rejected file holds the row whole, as JSON text Python reads back to the same value.
    assert json.loads(rejected[0]["row_text"]) == json.loads(row)
    assert lint_file(tmp_path / "clean.jsonl").severities.get("error", 0) == 0 or "few-rows" in codes(r)


@pytest.mark.parametrize("where", ["tools", "call"])
@pytest.mark.parametrize("levels", [248, 249, 250, 251, 252, 253])
def test_a_tool_row_is_too_deep_exactly_when_no_writer_can_hold_it(tmp_path, where, levels):
    """Tool-call rows take the fast reader, whose depth check is bounded by the calls and the tools: around
    the limit it reports exactly the rows orjson cannot write (jsonsafe.unwritable decides)."""
    from engine.data.jsonsafe import unwritable
    nest = "[" * levels + "]" * levels
    call = '{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}%s}' % (
        ', "x": %s' % nest if where == "call" else "")
    tools = '[{"type": "function", "function": {"name": "f", "parameters": %s}}]' % (nest if where == "tools" else "{}")
    row = ('{"messages": [{"role": "user", "content": "a question"}, {"role": "assistant", "tool_calls": [%s]}, '
           '{"role": "tool", "tool_call_id": "c1", "content": "42"}, {"role": "assistant", "content": "it is 42"}], '
           '"tools": %s}' % (call, tools))
    obj = json.loads(row)
    from engine.data.lint.fast_rows import read_simple_row
    assert read_simple_row(obj, "f", 2) is not None  # the fast reader's row
    src = tmp_path / "d.jsonl"
    src.write_text(json.dumps(chat("a question", "an answer")) + "\n" + row + "\n", encoding="utf-8")
    deep = [(f.code, f.line) for f in lint_file(src).findings if f.code == "json-too-deep"]
    assert deep == ([("json-too-deep", 2)] if unwritable(obj) else []), (levels, unwritable(obj))


def test_deep_jsonl_row_within_orjsons_read_limit_is_an_error_not_a_crash(tmp_path):
    src = tmp_path / "d.jsonl"
    src.write_text(json.dumps(chat("a question", "an answer")) + "\n" + UNWRITABLE_ROWS["deep row"][0] + "\n", encoding="utf-8")
    assert ("json-too-deep", 2) in {(f.code, f.line) for f in lint_file(src).findings}
    _, kept, rejected = _fix_all(src, tmp_path)
    assert len(kept) == 1 and rejected[0]["line"] == 2


def test_nan_in_a_json_array_is_invalid_json_as_in_jsonl(tmp_path):
    src = tmp_path / "d.json"
    row = '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "score": %s}'
    src.write_text(f'[\n{row % 1},\n{row % "NaN"}\n]')
    assert ("json-invalid", 3) in {(f.code, f.line) for f in lint_file(src).findings}


def test_fix_keeps_the_first_of_two_equal_rows_on_one_line(tmp_path):
    row = json.dumps(chat("hello there friend", "general kenobi indeed"))
    src = tmp_path / "d.json"
    src.write_text(f"[{row}, {row}, {json.dumps(chat('other', 'answer'))}, {row}]", encoding="utf-8")
    r, kept, rejected = _fix_all(src, tmp_path)
    assert r.stats["duplicates"]["exact"] == 2
    assert len(kept) == 2 and json.loads(kept[0]) == json.loads(row)
    assert [x["reasons"][0]["code"] for x in rejected] == ["duplicate", "duplicate"]


def test_a_tool_call_whose_function_is_not_an_object_is_an_error_and_fix_to_sharegpt_rejects_it(tmp_path):
    bad = {"messages": [{"role": "user", "content": "call it please"},
                        {"role": "assistant", "content": None, "tool_calls": [{"id": "a", "type": "function", "function": "f"}]},
                        {"role": "tool", "tool_call_id": "a", "content": "res"}, {"role": "assistant", "content": "all done"}]}
    src = write_jsonl(tmp_path / "d.jsonl", [chat("a question", "an answer"), bad])
    r, kept, rejected = _fix_all(src, tmp_path, to="sharegpt")
    assert ("mistyped-key", 2, "messages[1].tool_calls") in {(f.code, f.line, f.field) for f in r.findings}
    assert len(kept) == 1 and rejected[0]["line"] == 2 and "function" in rejected[0]["reasons"][0]["message"]
    # The writer itself refuses such a call rather than crash (any caller of to_sharegpt_dict).
    from engine.data.canonical import Example, Message
    from engine.data.writers import to_sharegpt_dict
    with pytest.raises(ValueError, match="function must be an object"):
        to_sharegpt_dict(Example("x", 1, messages=[Message("user", "q"), Message("assistant", "", tool_calls=[{"function": "f"}])]))


@pytest.mark.parametrize("tail", [",", "{", "["])
def test_an_unparsable_jsonl_line_is_an_error_lint_and_fix_agree(tmp_path, tail):
    good = json.dumps(chat("a question", "an answer"))
    src = tmp_path / "d.jsonl"
    src.write_text(good + "\n" + '{"messages": [1' + tail + "\n" + json.dumps(chat("b question", "b answer")) + "\n")
    r = lint_file(src)
    assert r.exit_code() == 1 and 2 in {f.line for f in r.findings if f.severity == "error"}
    _, kept, rejected = _fix_all(src, tmp_path)
    assert len(kept) == 2 and [x["line"] for x in rejected] == [2]


def test_a_file_name_that_is_not_utf8_still_gives_json(tmp_path):
    name = os.fsdecode(os.fsencode(str(tmp_path)) + b"/bad\xff name.jsonl")
    Path(name).write_text(json.dumps(chat("a question", "an answer")) + "\n" + "not json\n", encoding="utf-8")
    res = _in_process(name, "--json")
    assert res.exit_code == 1
    d = json.loads(res.stdout)
    assert d["file"].endswith("bad\\udcff name.jsonl") and d["rows"] == 2
    assert _in_process(name).exit_code == 1          # the plain report too


def test_explicit_format_on_an_array_with_bad_utf8_past_the_sniffed_head_exits_2(tmp_path):
    row = json.dumps(chat("a question", "an answer"))
    src = tmp_path / "d.json"
    src.write_bytes(("[" + ",\n".join([row] * 2000) + ",\n").encode() + b'{"text": "\xff\xfe"}]')
    for fmt in ("openai", "auto"):
        res = _in_process(str(src), "-f", fmt, "--json")
        assert res.exit_code == 2, fmt
        assert json.loads(res.stdout)["findings"][0]["code"] == "encoding"


def test_a_placeholder_or_secret_that_runs_on_for_megabytes_gives_a_short_message(tmp_path):
    # "XXX" and a key prefix match runs of any length: the finding quotes the start, not the whole run.
    p = tmp_path / "long.jsonl"
    rows = [{"messages": [{"role": "user", "content": "name: " + "X" * 1_000_000}, {"role": "assistant", "content": "ok, noted."}]},
            {"messages": [{"role": "user", "content": "key sk-" + "a" * 500_000}, {"role": "assistant", "content": "thanks!"}]}]
    p.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    r = lint_file(p, LintOptions())
    found = {f.code: f.message for f in r.findings if f.code in ("placeholder", "secret")}
    assert set(found) == {"placeholder", "secret"}
    assert all(len(m) < 400 for m in found.values()), {k: len(m) for k, m in found.items()}
    assert "XXXX" in found["placeholder"] and "sk-" in found["secret"]
