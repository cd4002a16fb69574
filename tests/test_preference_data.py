"""Preference pairs (DPO data): one reader for every format (TRL, LLaMA-Factory ShareGPT / Alpaca / v1, OpenAI),
the pair lint behind `tunewiz lint PAIRS` (identical answers, empty sides, prompt mismatch, length bias, too few,
duplicates), its statistics, and `--fix` that keeps each pair's own shape."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.data.canonical import PreferencePair
from engine.data.formats import read_dataset_info
from engine.data.records import DatasetError
from engine.data.lint import LintOptions, lint_file
from engine.data.pair_lint import fix_pair_file
from engine.data.preference import PAIR_FORMATS, detect_pair_format, parse_pair, read_pairs
from engine.data.rules import CODES

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data" / "support_preference.jsonl"


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def msgs(pair: PreferencePair) -> tuple[list, list, list]:
    return tuple([m.to_template_dict() for m in part] for part in (pair.prompt, pair.chosen, pair.rejected))


def one(row: dict, fmt: str | None = None) -> tuple[PreferencePair | None, list]:
    fmt = fmt or detect_pair_format(row)
    assert fmt is not None, row
    return parse_pair(row, fmt, "pairs.jsonl", 7)


def tunewiz(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui.cli", "lint", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})


# --------------------------------------------------------------------------- readers, one per shape

def test_trl_plain_strings_and_conversational_pairs():
    pair, probs = one({"prompt": "Where is order A-20418?", "chosen": "It ships Monday.", "rejected": "No idea."})
    assert not probs
    assert msgs(pair) == ([{"role": "user", "content": "Where is order A-20418?"}],
                          [{"role": "assistant", "content": "It ships Monday."}],
                          [{"role": "assistant", "content": "No idea."}])
    pair, probs = one({"prompt": [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "hi"}],
                       "chosen": [{"role": "assistant", "content": "Hello!"}],
                       "rejected": [{"role": "assistant", "content": "What."}]})
    assert not probs and detect_pair_format({"prompt": [], "chosen": [], "rejected": []}) == "trl"
    assert [m["role"] for m in msgs(pair)[0]] == ["system", "user"] and msgs(pair)[1][0]["content"] == "Hello!"


def test_trl_implicit_prompt_is_split_at_the_common_prefix():
    conv = [{"role": "user", "content": "退货要几天？"}, {"role": "assistant", "content": "签收后30天内可退。"},
            {"role": "user", "content": "运费呢？"}]
    pair, probs = one({"chosen": conv + [{"role": "assistant", "content": "质量问题免运费。"}],
                       "rejected": conv + [{"role": "assistant", "content": "自己付。"}]})
    assert not probs
    prompt, chosen, rejected = msgs(pair)
    assert prompt == conv and chosen == [{"role": "assistant", "content": "质量问题免运费。"}]
    assert rejected == [{"role": "assistant", "content": "自己付。"}]
    # answers that begin alike (an assistant turn both share) still start after the user's turn
    check = {"role": "assistant", "content": "Let me check."}
    pair, probs = one({"chosen": conv + [check, {"role": "assistant", "content": "Free."}],
                       "rejected": conv + [check, {"role": "assistant", "content": "$7."}]})
    assert not probs and msgs(pair)[0] == conv and msgs(pair)[1] == [check, {"role": "assistant", "content": "Free."}]
    # a shared tool call and its result are part of the prompt (as TRL's extract_prompt splits them)
    call = {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "track", "arguments": "{}"}}]}
    tool = {"role": "tool", "content": "shipped"}
    pair, probs = one({"chosen": conv + [call, tool, {"role": "assistant", "content": "Shipped!"}],
                       "rejected": conv + [call, tool, {"role": "assistant", "content": "Lost."}]})
    assert not probs and msgs(pair)[0] == conv + [call, tool] and msgs(pair)[2] == [{"role": "assistant", "content": "Lost."}]
    # an explicit prompt that the sides repeat (a common export): the repetition is dropped
    pair, probs = one({"prompt": conv, "chosen": conv + [{"role": "assistant", "content": "Free."}],
                       "rejected": conv + [{"role": "assistant", "content": "$7."}]})
    assert not probs and msgs(pair)[0] == conv and msgs(pair)[1] == [{"role": "assistant", "content": "Free."}]
    # plain strings: the common text, the space before the answers going with them (as TRL does)
    pair, probs = one({"chosen": "Q: refund time? A: 3 days", "rejected": "Q: refund time? A: never"})
    assert not probs and msgs(pair)[0][0]["content"] == "Q: refund time? A:"
    assert (msgs(pair)[1][0]["content"], msgs(pair)[2][0]["content"]) == (" 3 days", " never")


def test_sharegpt_pairs_with_system_tools_and_a_function_call():
    tools = [{"name": "track", "description": "track an order", "parameters": {"type": "object"}}]
    row = {"conversations": [{"from": "human", "value": "Track A-31337 please"}],
           "chosen": {"from": "function_call", "value": json.dumps({"name": "track", "arguments": {"order": "A-31337"}})},
           "rejected": {"from": "gpt", "value": "Track it yourself."},
           "system": "You are Beanlight support.", "tools": json.dumps(tools)}
    assert detect_pair_format(row) == "sharegpt-pairs"
    pair, probs = one(row)
    assert not probs
    prompt, chosen, rejected = msgs(pair)
    assert prompt == [{"role": "system", "content": "You are Beanlight support."},
                      {"role": "user", "content": "Track A-31337 please"}]
    call = chosen[0]["tool_calls"][0]["function"]
    assert call["name"] == "track" and json.loads(call["arguments"]) == {"order": "A-31337"}
    assert rejected == [{"role": "assistant", "content": "Track it yourself."}] and pair.tools == tools


def test_alpaca_pairs_with_history_and_renamed_columns():
    row = {"q": "Translate", "ctx": "猫", "better": "cat", "worse": "dog", "history": [["hi", "hello"]]}
    cols = {"prompt": "q", "query": "ctx", "chosen": "better", "rejected": "worse"}
    pair, probs = parse_pair(row, "alpaca-pairs", "x.json", 3, columns=cols)
    assert not probs
    prompt, chosen, rejected = msgs(pair)
    assert prompt == [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
                      {"role": "user", "content": "Translate\n猫"}]
    assert (chosen[0]["content"], rejected[0]["content"]) == ("cat", "dog")
    assert detect_pair_format({"instruction": "x", "input": "", "chosen": "a", "rejected": "b"}) == "alpaca-pairs"


def test_llamafactory_v1_parts_reasoning_tool_calls_and_a_dropped_image():
    user = {"role": "user", "content": [{"type": "text", "value": "What is on this receipt?"},
                                        {"type": "image_url", "value": "receipt.png"}], "loss_weight": 0.0}
    row = {"chosen_messages": [user, {"role": "assistant", "loss_weight": 1.0, "content": [
               {"type": "reasoning", "value": "The total is printed at the bottom."},
               {"type": "text", "value": "A total of $129."}]}],
           "rejected_messages": [user, {"role": "assistant", "loss_weight": 1.0, "content": [
               {"type": "tool_call", "value": json.dumps({"name": "ocr", "arguments": {"file": "receipt.png"}})}]}]}
    assert detect_pair_format(row) == "llamafactory-v1-pairs"
    pair, probs = one(row)
    prompt, chosen, rejected = msgs(pair)
    assert prompt == [{"role": "user", "content": "What is on this receipt?"}]
    assert chosen == [{"role": "assistant", "content": "A total of $129.",
                       "reasoning_content": "The total is printed at the bottom."}]
    assert rejected[0]["tool_calls"][0]["function"]["name"] == "ocr"
    # the image is named once (the shared prompt repeats it on both sides), as a warning that keeps the row
    assert [(p.code, p.severity, p.line, p.field) for p in probs] == [
        ("multimodal", "warning", 7, "chosen_messages[0].content[1]")]


def test_openai_preference_rows_and_think_tags_become_reasoning():
    row = {"input": {"messages": [{"role": "user", "content": [{"type": "text", "text": "2+2?"}]}],
                     "tools": [{"type": "function", "function": {"name": "calc"}}]},
           "preferred_output": [{"role": "assistant", "content": "<think>add them</think>4"}],
           "non_preferred_output": [{"role": "assistant", "content": "5", "reasoning_content": "guess"}]}
    pair, probs = one(row)
    assert not probs and detect_pair_format(row) == "openai-preference"
    prompt, chosen, rejected = msgs(pair)
    assert prompt == [{"role": "user", "content": "2+2?"}]
    assert chosen == [{"role": "assistant", "content": "4", "reasoning_content": "add them"}]
    assert rejected == [{"role": "assistant", "content": "5", "reasoning_content": "guess"}]
    assert pair.tools == [{"type": "function", "function": {"name": "calc"}}]


def test_sft_rows_are_not_pairs():
    assert detect_pair_format({"messages": [{"role": "user", "content": "hi"}]}) is None
    assert detect_pair_format({"instruction": "x", "output": "y"}) is None
    assert detect_pair_format(["chosen", "rejected"]) is None


# --------------------------------------------------------------------------- problems name line, field, what to do

@pytest.mark.parametrize("row, code, field", [
    ({"prompt": "hi", "chosen": "", "rejected": "no"}, "pref-empty-side", "chosen"),
    ({"prompt": "hi", "chosen": "yes"}, "missing-key", "rejected"),
    ({"prompt": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
      "chosen": "a", "rejected": "b"}, "pref-last-turn", "prompt"),
    ({"chosen": [{"role": "user", "content": "refund?"}, {"role": "assistant", "content": "yes"}],
      "rejected": [{"role": "user", "content": "REFUND NOW"}, {"role": "assistant", "content": "no"}]},
     "pref-prompt-mismatch", "rejected[0]"),
    ({"prompt": "hi", "chosen": [{"role": "user", "content": "again"}], "rejected": "b"}, "pref-output-role", "chosen[0]"),
    ({"prompt": "hi", "chosen": 42, "rejected": "b"}, "mistyped-key", "chosen"),
    ({"conversations": [{"from": "human", "value": "hi"}], "chosen": {"from": "gpt", "value": "a"},
      "rejected": {"from": "robot", "value": "b"}}, "unknown-role", "rejected.from"),
])
def test_a_bad_pair_is_a_problem_with_its_line_field_and_a_fix(row, code, field):
    pair, probs = one(row)
    assert pair is None
    errors = [p for p in probs if p.severity == "error"]
    assert [(p.code, p.field, p.line, p.source) for p in errors][:1] == [(code, field, 7, "pairs.jsonl")]
    assert code in CODES and len(errors[0].message) > 30


def test_read_pairs_keeps_the_good_rows_and_reports_the_bad_ones(tmp_path):
    f = write_jsonl(tmp_path / "p.jsonl", [{"prompt": "a", "chosen": "b", "rejected": "c"},
                                           {"prompt": "a", "chosen": "", "rejected": "c"},
                                           {"messages": [{"role": "user", "content": "sft row"}]}])
    got = read_pairs(f)
    assert (got.format, got.rows, len(got.pairs), got.layout) == ("trl", 3, 1, "jsonl")
    assert [(p.line, p.code) for p in got.problems] == [(2, "pref-empty-side"), (3, "pref-format")]
    assert "supervised (SFT) row" in got.problems[1].message
    assert set(PAIR_FORMATS) == {"trl", "sharegpt-pairs", "alpaca-pairs", "llamafactory-v1-pairs", "openai-preference"}


def test_the_sample_preference_file_reads_as_96_bilingual_pairs():
    got = read_pairs(SAMPLE)
    assert (got.format, got.rows, len(got.pairs), got.problems) == ("trl", 96, 96, [])
    assert sum(any("\u4e00" <= c <= "\u9fff" for c in p.prompt[-1].content) for p in got.pairs) == 48


# --------------------------------------------------------------------------- lint

def pair_rows(n: int, chosen_longer: int) -> list[dict]:
    """n distinct pairs; in the first `chosen_longer` the chosen answer is the longer one."""
    rows = []
    for i in range(n):
        good, bad = f"Order A-{20000 + i} ships on day {i}, and we refund the return label.", f"No. ({i})"
        if i >= chosen_longer:
            good, bad = f"Yes, order A-{20000 + i} ships today.", f"Orders like A-{20000 + i} never ship; stop asking, we will not help you at all."
        rows.append({"prompt": f"Where is A-{20000 + i}?", "chosen": good, "rejected": bad})
    return rows


def test_lint_finds_identical_duplicate_and_too_few_pairs_and_fix_drops_them(tmp_path):
    rows = pair_rows(30, 15)
    rows.append({"prompt": "Same?", "chosen": "Same answer.", "rejected": " Same answer. "})   # line 31
    rows.append(dict(rows[0]))                                                                  # line 32
    rows.append({"prompt": "hi", "chosen": "", "rejected": "x"})                                # line 33
    f = write_jsonl(tmp_path / "pairs.jsonl", rows)
    before = hashlib.sha256(f.read_bytes()).hexdigest()
    report = lint_file(f, LintOptions())
    assert report.format == "trl" and report.exit_code() == 1
    by = {(x.code, x.line) for x in report.findings}
    assert {("pref-identical", 31), ("duplicate", 32), ("pref-empty-side", 33), ("pref-too-few", None)} <= by
    assert report.stats["pairs"] == 30 and report.stats["duplicates"]["exact"] == 1 and report.stats["identical"] == 1
    assert "30 usable pair(s)" in next(x.message for x in report.findings if x.code == "pref-too-few")
    res = fix_pair_file(f, report, tmp_path / "clean.jsonl")
    assert (res.rows, res.kept, res.rejected, res.format) == (33, 30, 3, "trl")
    kept = [json.loads(x) for x in (tmp_path / "clean.jsonl").read_text("utf-8").splitlines()]
    assert kept == rows[:30]  # same shape, unchanged
    rej = [json.loads(x) for x in (tmp_path / "clean.jsonl.rejected.jsonl").read_text("utf-8").splitlines()]
    assert [(r["line"], r["reasons"][0]["code"]) for r in rej] == [(31, "pref-identical"), (32, "duplicate"),
                                                                   (33, "pref-empty-side")]
    assert hashlib.sha256(f.read_bytes()).hexdigest() == before


def test_a_pair_line_too_large_to_be_one_example_is_named_as_in_chat_files(tmp_path):
    rows = pair_rows(30, 15)
    rows.insert(7, {"prompt": "Summarise: " + "word " * 250_000, "chosen": "Short.", "rejected": "No."})  # line 8
    report = lint_file(write_jsonl(tmp_path / "huge.jsonl", rows), LintOptions())
    found = [x for x in report.findings if x.code == "line-too-large"]
    assert [(x.line, x.severity) for x in found] == [(8, "warning")], found
    assert "line 8 is 1.3 MB" in found[0].message
    assert "line-too-large" not in lint_file(write_jsonl(tmp_path / "fine.jsonl", pair_rows(30, 15)), LintOptions()).counts


def test_length_bias_is_reported_with_its_share_and_ratio(tmp_path):
    biased = lint_file(write_jsonl(tmp_path / "biased.jsonl", pair_rows(40, 36)), LintOptions())
    lb = biased.stats["length_bias"]
    assert (lb["pairs"], lb["chosen_longer"], lb["rejected_longer"], lb["chosen_longer_share"]) == (40, 36, 4, 0.9)
    assert lb["median_ratio"] > 2
    msg = next(x.message for x in biased.findings if x.code == "pref-length-bias")
    assert "36 of 40 pairs (90%" in msg and "longer answers are better" in msg
    fair = lint_file(write_jsonl(tmp_path / "fair.jsonl", pair_rows(40, 20)), LintOptions())
    assert "pref-length-bias" not in fair.counts and fair.stats["length_bias"]["chosen_longer_share"] == 0.5
    short = lint_file(write_jsonl(tmp_path / "short.jsonl", pair_rows(40, 2)), LintOptions())
    assert "shorter answers are better" in next(x.message for x in short.findings if x.code == "pref-length-bias")


def test_the_sample_file_lints_clean_of_errors_and_unbiased():
    report = lint_file(SAMPLE, LintOptions())
    assert report.format == "trl" and report.exit_code() == 0
    assert "pref-length-bias" not in report.counts and report.counts["pii-email"] > 40
    st = report.stats
    assert st["pairs"] == 96 and 0.4 < st["length_bias"]["chosen_longer_share"] < 0.6
    for part in ("prompt", "chosen", "rejected"):
        assert st["tokens"][part]["median"] > 0
    assert st["tokens"]["per_example"]["max"] >= st["tokens"]["prompt"]["max"]


def test_sft_files_still_lint_as_chat_files():
    report = lint_file(REPO / "sample_data" / "support_openai.jsonl", LintOptions(workers=1))
    assert report.format == "openai" and "pairs" not in report.stats


def test_the_cli_detects_a_pair_file_json_exit_codes_and_fix(tmp_path):
    f = write_jsonl(tmp_path / "p.jsonl", pair_rows(12, 6) + [{"prompt": "x", "chosen": "a", "rejected": ""}])
    p = tunewiz(str(f), "--json", "--no-tokenizer")
    assert p.returncode == 1 and "Traceback" not in p.stderr
    d = json.loads(p.stdout)
    assert set(d) == {"file", "format", "rows", "findings", "stats"} and (d["format"], d["rows"]) == ("trl", 13)
    assert {"code": "pref-empty-side", "severity": "error", "line": 13, "field": "rejected"}.items() <= \
        next(x for x in d["findings"] if x["code"] == "pref-empty-side").items()
    out = tmp_path / "clean.jsonl"
    p = tunewiz(str(f), "--no-tokenizer", "--fix", str(out))
    assert p.returncode == 1 and "kept 12 of 13 rows" in " ".join(p.stdout.split())
    assert "length bias" in p.stdout and "chosen tokens" in p.stdout
    p = tunewiz(str(out), "--no-tokenizer", "--format", "trl")
    assert p.returncode == 0, p.stdout
    p = tunewiz(str(f), "--no-tokenizer", "--fix", str(out), "--to", "openai")
    assert p.returncode == 2 and "preference pairs" in p.stderr


def test_openai_validate_and_the_training_reader_read_openai_pairs_alike(tmp_path):
    """`tunewiz openai validate --method dpo` keeps OpenAI's own rules but reads messages, identical answers and
    length bias through the shared pair reader, so a file both accept means the same pairs to each."""
    from datetime import date

    from engine.openai_ft.validate import validate_file
    rows = [{"input": {"messages": [{"role": "user", "content": [{"type": "text", "text": f"Where is A-{30000 + i}?"}]}]},
             "preferred_output": [{"role": "assistant", "content": f"<think>look up A-{30000 + i}</think>It left our "
                                   f"warehouse on day {i} and arrives within 3 business days."}],
             "non_preferred_output": [{"role": "assistant", "content": f"Dunno ({i})."}]} for i in range(30)]
    f = write_jsonl(tmp_path / "dpo.jsonl", rows)
    v = validate_file(f, model="gpt-4o-mini", method="dpo", today=date(2026, 6, 1))
    bias = next(x for x in v.report.findings if x.code == "pref-length-bias")
    assert "preferred answer is the longer one in 30 of 30 pairs" in bias.message
    assert v.report.stats["length_bias"]["chosen_longer_share"] == 1.0 and v.examples == 30
    got = read_pairs(f)
    assert (got.format, len(got.pairs)) == ("openai-preference", 30)
    assert got.pairs[0].chosen[0].reasoning == "look up A-30000" and got.pairs[0].prompt[0].content == "Where is A-30000?"


def test_an_eval_file_of_pairs_marks_the_training_pairs_it_shares(tmp_path):
    rows = pair_rows(24, 12)
    train = write_jsonl(tmp_path / "train.jsonl", rows)
    # the same pairs in another format: OpenAI's preference JSONL
    shared = [{"input": {"messages": [{"role": "user", "content": r["prompt"]}]},
               "preferred_output": [{"role": "assistant", "content": r["chosen"]}],
               "non_preferred_output": [{"role": "assistant", "content": r["rejected"]}]} for r in (rows[3], rows[20])]
    ev = write_jsonl(tmp_path / "eval.jsonl", shared + [{"prompt": "new", "chosen": "a", "rejected": "b"}])
    report = lint_file(train, LintOptions(eval_path=str(ev)))
    assert [x.line for x in report.findings if x.code == "train-eval-overlap"] == [4, 21]
    assert report.stats["eval"]["overlap"] == 2 and report.stats["eval"]["format"] == "openai-preference"
    res = fix_pair_file(train, report, tmp_path / "clean.jsonl")
    assert res.kept == 22 and res.rejected == 2


def test_a_dropped_image_is_a_warning_not_a_lost_pair():
    rows = [{"prompt": [{"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                                     {"type": "image_url", "image_url": {"url": "x.png"}}]}],
             "chosen": "A kettle.", "rejected": "A cat."}]
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        got = read_pairs(write_jsonl(Path(d) / "img.jsonl", rows))
    assert len(got.pairs) == 1 and got.problems == []
    assert [(w.code, w.severity, w.field) for w in got.warnings] == [("multimodal", "warning", "prompt[0].content[1]")]


def test_reasoning_and_tool_call_rules_of_chat_rows_apply_to_each_answer(tmp_path):
    tools = [{"type": "function", "function": {"name": "track", "parameters": {"type": "object"}}}]
    rows = [{"prompt": [{"role": "user", "content": f"Where is A-{40000 + i}?"}],
             "chosen": [{"role": "assistant", "content": f"<think>look it up</think>It ships today ({i})."}],
             "rejected": [{"role": "assistant", "content": f"It ships never ({i})."}], "tools": tools} for i in range(12)]
    rows[2]["chosen"] = [{"role": "assistant", "content": "<think>never closed. It ships today."}]
    rows[5]["rejected"] = [{"role": "assistant", "content": "", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "track", "arguments": "{order: A-1}"}}]}]
    report = lint_file(write_jsonl(tmp_path / "r.jsonl", rows), LintOptions())
    got = {(x.code, x.line, x.field) for x in report.findings}
    assert ("think-unclosed", 3, "chosen[0].content") in got
    assert ("tool-args-invalid", 6, "rejected[0].tool_calls[0].function.arguments") in got
    # every chosen answer thinks and no rejected one does: the mix is named (DPO would learn "thinking wins")
    mix = next(x for x in report.findings if x.code == "reasoning-mixed")
    assert "reasoning traces in 11 answer(s)" in mix.message


# --------------------------------------------------------------------------- hostile rows never raise

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                     st.text(max_size=12), st.sampled_from(["", " ", "<think>", "<think>x</think>y", "\ud800", "gpt",
                                                           "human", "assistant", "user", "tool", "system", "text",
                                                           "reasoning", "tool_call", "image_url", '{"name": "f"}']))
_JSON = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from(["role", "content", "from", "value", "type", "text", "tool_calls", "function",
                                     "name", "arguments", "reasoning_content", "tool_call_id", "messages"]), inner,
                    max_size=4)), max_leaves=12)
_KEYS = ["prompt", "chosen", "rejected", "conversations", "instruction", "input", "system", "tools", "history",
         "chosen_messages", "rejected_messages", "preferred_output", "non_preferred_output", "messages"]


_TEXT = st.one_of(st.text(max_size=10), st.sampled_from(["hi", " ", "<think>why</think>because", "<think>open", "\ud800"]))
_PART = st.one_of(st.fixed_dictionaries({"type": st.just("text"), "text": _TEXT}),
                  st.fixed_dictionaries({"type": st.sampled_from(["text", "reasoning", "tool_call", "image_url", "video_url",
                                                                  "bogus"]), "value": st.one_of(_TEXT, _JSON)}))
_CONTENT = st.one_of(_TEXT, st.lists(_PART, max_size=3), _JSON)
_MESSAGE = st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "user", "assistant", "tool", "developer", "robot"]), "content": _CONTENT},
    optional={"reasoning_content": _TEXT, "loss_weight": st.sampled_from([0.0, 1.0, -1]), "tool_call_id": _TEXT,
              "tool_calls": st.lists(st.fixed_dictionaries({"type": st.just("function"), "function": st.fixed_dictionaries(
                  {"name": _TEXT, "arguments": st.one_of(_TEXT, st.just('{"a": 1}'))})}), max_size=2)})
_TURN = st.fixed_dictionaries({"from": st.sampled_from(["human", "gpt", "system", "function_call", "observation", "x"]),
                               "value": st.one_of(_TEXT, _JSON)})
_SIDE = st.one_of(_TEXT, st.lists(_MESSAGE, max_size=3), _MESSAGE)
_ROWS = {
    "trl": st.fixed_dictionaries({"chosen": _SIDE, "rejected": _SIDE}, optional={"prompt": _SIDE, "system": _TEXT}),
    "sharegpt-pairs": st.fixed_dictionaries({"conversations": st.lists(_TURN, max_size=3),
                                             "chosen": st.one_of(_TURN, _TEXT), "rejected": st.one_of(_TURN, _JSON)},
                                            optional={"system": _TEXT, "tools": st.one_of(_TEXT, _JSON)}),
    "alpaca-pairs": st.fixed_dictionaries({"instruction": _TEXT, "chosen": st.one_of(_TEXT, _JSON), "rejected": _TEXT},
                                          optional={"input": _TEXT, "history": st.one_of(_JSON, st.just([["a", "b"]]))}),
    "llamafactory-v1-pairs": st.fixed_dictionaries({"chosen_messages": st.lists(_MESSAGE, max_size=3),
                                                    "rejected_messages": st.lists(_MESSAGE, max_size=3)}),
    "openai-preference": st.fixed_dictionaries({"input": st.fixed_dictionaries({"messages": st.lists(_MESSAGE, max_size=3)}),
                                                "preferred_output": st.lists(_MESSAGE, max_size=2),
                                                "non_preferred_output": st.one_of(st.lists(_MESSAGE, max_size=2), _JSON)}),
}
_ANY_ROW = st.one_of(*[st.tuples(st.just(k), v) for k, v in _ROWS.items()],
                     st.tuples(st.sampled_from(sorted(PAIR_FORMATS)), st.dictionaries(st.sampled_from(_KEYS), _JSON, max_size=5)))


@settings(max_examples=1500, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=_ANY_ROW)
def test_any_row_in_any_pair_format_gives_a_pair_or_problems_never_a_traceback(case):
    fmt, row = case
    pair, probs = parse_pair(row, fmt, "f.jsonl", 3)
    assert pair is not None or any(p.severity == "error" for p in probs)
    for p in probs:
        assert p.code in CODES and p.line == 3 and p.message
    if pair is not None:
        assert pair.prompt and pair.chosen and pair.rejected
        assert pair.prompt[-1].role in ("user", "tool") and pair.chosen[0].role == pair.rejected[0].role == "assistant"


@settings(max_examples=40, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.one_of(_ROWS["trl"], st.dictionaries(st.sampled_from(_KEYS[:3]), _JSON, max_size=3)),
                     min_size=1, max_size=12))
def test_lint_and_fix_of_hostile_pair_files_keep_every_row_accounted_for(tmp_path_factory, rows):
    d = tmp_path_factory.mktemp("fuzz")
    good = [{"prompt": "q", "chosen": "a", "rejected": "b"}]  # detection sees a pair file
    f = d / "p.jsonl"
    f.write_bytes(b"".join(orjson_line(r) for r in good + rows))
    report = lint_file(f, LintOptions(format="trl"))
    assert report.fatal is None and report.exit_code() in (0, 1)
    res = fix_pair_file(f, report, d / "clean.jsonl")
    assert res.kept + res.rejected == res.rows == len(rows) + 1
    again = lint_file(d / "clean.jsonl", LintOptions(format="trl"))
    assert again.exit_code() == 0 or again.fatal is not None and res.kept == 0


def orjson_line(row: object) -> bytes:
    import orjson
    try:
        return orjson.dumps(row) + b"\n"
    except (TypeError, orjson.JSONEncodeError):  # a lone surrogate or a huge integer: write it as Python's json does
        return json.dumps(row).encode() + b"\n"


def test_a_llamafactory_ranking_entry_reads_as_pairs_with_its_columns(tmp_path):
    # The peer's own dataset_info entry (ranking: true, sharegpt, renamed columns) beside a file in its shape.
    peer = json.loads((Path(__file__).resolve().parents[2] / "shared/peer-data/llamafactory/dataset_info.json")
                      .read_text(encoding="utf-8"))
    entry = dict(peer["dpo_zh_demo"], columns={"messages": "dialog", "chosen": "good", "rejected": "bad"})
    (tmp_path / "dataset_info.json").write_text(json.dumps({"dpo_zh_demo": entry}), encoding="utf-8")
    rows = [{"dialog": [{"from": "human", "value": "订单 A-20418 什么时候到？"}],
             "good": {"from": "gpt", "value": "订单 A-20418 已于 11 月 28 日发出，预计 12 月 2 日送达。"},
             "bad": {"from": "gpt", "value": "不知道。"}}]
    (tmp_path / entry["file_name"]).write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    info = read_dataset_info(tmp_path, "dpo_zh_demo")
    assert info.ranking
    result = info.read_pairs()
    assert not result.problems and len(result.pairs) == 1
    pair = result.pairs[0]
    assert [m.content for m in pair.prompt] == ["订单 A-20418 什么时候到？"]
    assert [m.content for m in pair.chosen] == [rows[0]["good"]["value"]]
    assert [m.content for m in pair.rejected] == ["不知道。"]
    with pytest.raises(DatasetError, match="preference data.*method: dpo"):
        info.read()  # read as conversations, the pairs would lose a side


def test_pairs_linted_for_openai_point_to_openai_validate_dpo():
    # --target openai checks supervised chat rows; a pair file gets the command that checks it for a DPO job.
    sample = Path(__file__).resolve().parents[1] / "sample_data" / "support_preference.jsonl"
    result = subprocess.run([sys.executable, "-m", "tui.cli", "lint", str(sample), "--target", "openai",
                             "--no-tokenizer"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    said = " ".join((result.stdout + result.stderr).split())
    assert "preference pairs (trl)" in said and f"tunewiz openai validate {sample} --method dpo" in said
    assert "Traceback" not in said
