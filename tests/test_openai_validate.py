"""`tunewiz openai validate`'s engine (engine.openai_ft.validate): the model and method asked for on a date,
supervised and preference (DPO) files checked row by row, the tokens with the model's own encoding, and the
cost = billed tokens x epochs x the catalog's price. Real files, written to tmp_path or from sample_data/."""
from __future__ import annotations

import copy
import gzip
import json
from datetime import date

import pytest

from conftest import REPO, write_jsonl
from engine import catalog
from engine.data.rules import CODES
from engine.data.stats import TokenCounter, openai_default_epochs
from engine.openai_ft.validate import Validation, validate_file

SAMPLE = REPO / "sample_data" / "support_openai.jsonl"
TODAY = date(2026, 12, 1)


class CharCounter(TokenCounter):
    """An exact counter anyone can check by hand: one token per character of content."""
    label = "characters"
    exact = True

    def count_chats(self, convs, tools=None):
        return [sum(len(m.get("content") or "") for m in c) for c in convs]

    def count_texts(self, texts):
        return [len(t) for t in texts]


def sample_rows() -> list[dict]:
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]


CURT = {"en": "Please read the policy page on our website. We cannot help with this.",
        "zh": "请自己去官网看政策，这个我们处理不了。"}


def pairs(n: int = 12) -> list[dict]:
    """Preference pairs from the sample's real bilingual conversations: the brand's answer is preferred over
    a curt brush-off."""
    out = []
    for row in sample_rows()[:n]:
        msgs = row["messages"]
        lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in msgs[-1]["content"]) else "en"
        out.append({"input": {"messages": msgs[:-1]}, "preferred_output": [msgs[-1]],
                    "non_preferred_output": [{"role": "assistant", "content": CURT[lang]}]})
    return out


def chat_text(rows: list[dict]) -> list[int]:
    return [sum(len(m["content"]) for m in r["messages"]) for r in rows]


# ------------------------------------------------------------------------------------------------
# supervised: tokens and cost

def test_supervised_cost_is_billed_tokens_times_epochs_times_the_catalog_price(tmp_path):
    rows = sample_rows()[:40]
    f = write_jsonl(tmp_path / "train.jsonl", rows)
    v = validate_file(f, model="gpt-4o-mini", today=TODAY, counter=CharCounter())
    price = catalog.get_openai_model("gpt-4o-mini").training_price_per_1m
    assert v.problems == [] and v.exit_code() == 0
    assert v.model == "gpt-4o-mini-2024-07-18" and v.requested_model == "gpt-4o-mini"
    assert v.examples == 40 and v.exact
    assert v.tokens_per_epoch == sum(chat_text(rows))
    assert v.epochs == openai_default_epochs(40) == 3
    assert v.cost_usd == pytest.approx(v.tokens_per_epoch * 3 * price.value / 1e6)
    assert v.price is price and price.as_of and price.source
    v5 = validate_file(f, model="gpt-4o-mini", epochs=5, today=TODAY, counter=CharCounter())
    assert v5.epochs == 5 and v5.epochs_given
    assert v5.cost_usd == pytest.approx(v.cost_usd * 5 / 3)


def test_the_sample_file_validates_and_is_costed_with_the_default_model():
    v = validate_file(SAMPLE, today=TODAY, counter=CharCounter())
    default = catalog.default_openai_model(TODAY)
    assert v.model == default.id and v.requested_model is None
    assert v.exit_code() == 0 and v.examples == 784 and v.problems == []
    assert v.cost_usd == pytest.approx(v.tokens_per_epoch * v.epochs * default.training_price_per_1m.value / 1e6)


def test_an_example_over_the_limit_is_billed_at_the_cap_and_flagged(tmp_path):
    m = catalog.get_openai_model("gpt-3.5-turbo")
    cap = m.example_tokens.value
    rows = sample_rows()[:12]
    rows[4] = {"messages": [{"role": "user", "content": "Summarise this manual: " + "grind size " * (cap // 10)},
                            {"role": "assistant", "content": "Use a medium grind."}]}
    f = write_jsonl(tmp_path / "long.jsonl", rows)
    v = validate_file(f, model="gpt-3.5-turbo", today=TODAY, counter=CharCounter())
    lens = chat_text(rows)
    assert lens[4] > cap
    hits = [x for x in v.report.findings if x.code == "openai-token-limit"]
    assert [x.line for x in hits] == [5] and str(cap) in hits[0].message
    assert v.tokens_per_epoch == sum(min(n, cap) for n in lens) < sum(lens)
    assert v.cost_usd == pytest.approx(v.tokens_per_epoch * v.epochs * m.training_price_per_1m.value / 1e6)
    assert v.exit_code() == 1


# ------------------------------------------------------------------------------------------------
# the model's own encoding

def test_offline_the_estimate_is_labelled_and_the_notice_said_once(tmp_path):
    import tiktoken
    try:
        tiktoken.get_encoding("o200k_base")
    except Exception:  # noqa: BLE001 - offline: what this test is about
        pass
    else:
        pytest.skip("tiktoken's encoding files are cached here: counts are exact")
    f = write_jsonl(tmp_path / "train.jsonl", sample_rows()[:20])
    val = write_jsonl(tmp_path / "val.jsonl", sample_rows()[20:30])
    said: list[str] = []
    v = validate_file(f, model="gpt-4o-mini", validation=val, today=TODAY, progress=said.append)
    assert not v.exact and "estimate" in v.counter
    assert v.notice and "o200k_base" in v.notice and "could not be loaded" in v.notice
    assert sum(v.notice in m for m in said) == 1
    assert v.report.counts["token-estimate"] == 1 and v.report.stats["tokens"]["exact"] is False
    assert v.to_json()["exact"] is False and v.cost_usd > 0   # still costed, as an estimate


class ByteEncoding:
    """Stands in for a tiktoken Encoding offline: one token per UTF-8 byte."""

    def __init__(self, name: str) -> None:
        self.name = name

    def encode_ordinary(self, text: str) -> list[int]:
        return list(text.encode("utf-8"))

    def encode_ordinary_batch(self, texts: list[str]) -> list[list[int]]:
        return [self.encode_ordinary(t) for t in texts]


@pytest.mark.parametrize("model, encoding", [("gpt-3.5-turbo", "cl100k_base"), ("gpt-4o-mini", "o200k_base"),
                                              ("ft:gpt-4.1-mini-2025-04-14:acme:support:9xYz42", "o200k_base"),
                                              ("ft:gpt-3.5-turbo-0125:acme::8abc", "cl100k_base")])
def test_tokens_are_counted_with_the_models_own_encoding(tmp_path, monkeypatch, model, encoding):
    import tiktoken
    asked: list[str] = []

    def get_encoding(name: str) -> ByteEncoding:
        asked.append(name)
        return ByteEncoding(name)
    monkeypatch.setattr(tiktoken, "get_encoding", get_encoding)
    rows = sample_rows()[:12]
    f = write_jsonl(tmp_path / "train.jsonl", rows)
    said: list[str] = []
    v = validate_file(f, model=model, today=date(2026, 9, 1), progress=said.append)
    assert asked == [encoding]
    assert v.exact and v.counter == f"tiktoken {encoding}" and v.notice is None
    assert "token-estimate" not in v.report.counts
    # OpenAI's cookbook rule over bytes: 3 to prime the reply, 3 + role + content per message.
    expected = sum(3 + sum(3 + len(m["role"]) + len(m["content"].encode()) for m in r["messages"]) for r in rows)
    assert v.tokens_per_epoch == expected


def test_dpo_pairs_are_counted_with_the_models_encoding_too(tmp_path, monkeypatch):
    import tiktoken
    asked: list[str] = []
    monkeypatch.setattr(tiktoken, "get_encoding", lambda name: asked.append(name) or ByteEncoding(name))
    f = write_jsonl(tmp_path / "dpo.jsonl", pairs(12))
    v = validate_file(f, model="gpt-4.1-mini", method="dpo", today=TODAY)
    assert asked == ["o200k_base"] and v.exact and v.exit_code() == 0


# ------------------------------------------------------------------------------------------------
# the model and the method on a date

def test_dpo_on_gpt_35_turbo_is_refused_with_a_code_and_what_to_do(tmp_path):
    f = write_jsonl(tmp_path / "dpo.jsonl", pairs(12))
    v = validate_file(f, model="gpt-3.5-turbo", method="dpo", today=TODAY, counter=CharCounter())
    assert [p.code for p in v.problems] == ["openai-method-unsupported"]
    p = v.problems[0]
    assert p.params == {"method": "dpo", "model": "gpt-3.5-turbo-0125", "methods": ["supervised"]}
    assert "gpt-4o-mini" in p.message or "gpt-4.1" in p.message   # a model that does offer it
    assert v.report.exit_code() == 0 and v.exit_code() == 1      # the file is fine: the job is not
    ok = validate_file(f, model="gpt-4o-mini", method="dpo", today=TODAY, counter=CharCounter())
    assert ok.problems == [] and ok.exit_code() == 0


@pytest.mark.parametrize("name", ["gpt-4.1-nano", "gpt-4.1-nano-2025-04-14", "ft:gpt-4.1-nano-2025-04-14:acme::9xYz42"])
def test_nano_is_refused_after_its_shut_down_but_not_before(tmp_path, name):
    f = write_jsonl(tmp_path / "train.jsonl", sample_rows()[:12])
    v = validate_file(f, model=name, today=TODAY, counter=CharCounter())
    assert [p.code for p in v.problems] == ["openai-model-shut-down"]
    assert v.problems[0].params["date"] == "2026-10-23" and "2026-10-23" in v.problems[0].message
    assert v.model == "gpt-4.1-nano-2025-04-14" and v.exit_code() == 1
    before = validate_file(f, model=name, today=date(2026, 10, 1), counter=CharCounter())
    assert before.problems == [] and before.exit_code() == 0
    nano = catalog.get_openai_model("gpt-4.1-nano")
    assert before.cost_usd == pytest.approx(before.tokens_per_epoch * before.epochs * nano.training_price_per_1m.value / 1e6)


def test_no_new_jobs_after_the_wind_down_and_the_default_says_why(tmp_path):
    f = write_jsonl(tmp_path / "train.jsonl", sample_rows()[:12])
    v = validate_file(f, model="gpt-4o-mini", today=date(2027, 1, 7), counter=CharCounter())
    assert [p.code for p in v.problems] == ["openai-jobs-ended"]
    assert "2027-01-06" in v.problems[0].message and "open model" in v.problems[0].message
    later = validate_file(f, today=date(2027, 2, 1), counter=CharCounter())
    assert later.problems and later.exit_code() == 1


def test_an_unknown_model_lists_the_fine_tunable_ones(tmp_path):
    f = write_jsonl(tmp_path / "train.jsonl", sample_rows()[:12])
    v = validate_file(f, model="gpt-5-turbo", today=TODAY, counter=CharCounter())
    assert [p.code for p in v.problems] == ["openai-unknown-model"]
    listed = v.problems[0].params["fine_tunable"]
    assert "gpt-4o-mini-2024-07-18" in listed and "gpt-4.1-nano-2025-04-14" not in listed
    assert all(m in v.problems[0].message for m in listed)
    assert v.cost_usd is None and v.exit_code() == 1


def test_epochs_outside_openais_range_are_a_problem(tmp_path):
    f = write_jsonl(tmp_path / "train.jsonl", sample_rows()[:12])
    v = validate_file(f, model="gpt-4o-mini", epochs=0, today=TODAY, counter=CharCounter())
    assert [p.code for p in v.problems] == ["openai-bad-epochs"] and v.exit_code() == 1


def test_every_problem_and_preference_code_is_registered(tmp_path):
    f = write_jsonl(tmp_path / "train.jsonl", sample_rows()[:12])
    for model, method, day in [("gpt-5", "supervised", TODAY), ("gpt-4.1-nano", "dpo", TODAY),
                               ("gpt-3.5-turbo", "dpo", TODAY), ("gpt-4o", "supervised", date(2027, 3, 1))]:
        for p in validate_file(f, model=model, method=method, today=day, counter=CharCounter()).problems:
            assert p.code in CODES and CODES[p.code][0] == "error"
    for code in ("pref-format", "pref-last-turn", "pref-output-count", "pref-output-role", "pref-identical"):
        assert code in CODES


# ------------------------------------------------------------------------------------------------
# preference (DPO) files

def test_a_good_preference_file_passes_and_is_costed(tmp_path):
    rows = pairs(12)
    f = write_jsonl(tmp_path / "dpo.jsonl", rows)
    v = validate_file(f, model="gpt-4o-mini", method="dpo", today=TODAY, counter=CharCounter())
    assert v.exit_code(strict=True) == 0, [x.to_dict() for x in v.report.findings]
    assert v.report.format == "openai-preference" and v.examples == 12 and v.method == "dpo"
    # input + preferred + non_preferred per pair
    per_pair = [sum(len(m["content"]) for m in r["input"]["messages"]) + len(r["preferred_output"][0]["content"])
                + len(r["non_preferred_output"][0]["content"]) for r in rows]
    assert v.tokens_per_epoch == sum(per_pair)
    assert v.epochs == openai_default_epochs(12) == 9
    price = catalog.get_openai_model("gpt-4o-mini").training_price_per_1m.value
    assert v.cost_usd == pytest.approx(sum(per_pair) * 9 * price / 1e6)


def test_content_part_lists_and_tools_are_accepted(tmp_path):
    rows = pairs(12)
    rows[0]["input"]["messages"][-1]["content"] = [{"type": "text", "text": "Where is my order A-38442?"}]
    rows[1]["input"]["tools"] = [{"type": "function", "function": {"name": "track", "parameters": {"type": "object"}}}]
    rows[1]["input"]["parallel_tool_calls"] = False
    f = write_jsonl(tmp_path / "dpo.jsonl", rows)
    v = validate_file(f, model="gpt-4o-mini", method="dpo", today=TODAY, counter=CharCounter())
    assert v.exit_code() == 0 and v.examples == 12, [x.to_dict() for x in v.report.findings]


def _set(path: str, value):
    def change(row: dict) -> dict:
        keys = path.split(".")
        target = row
        for k in keys[:-1]:
            target = target[int(k)] if isinstance(target, list) else target[k]
        last = keys[-1]
        if value is KeyError:
            del target[last]
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
        return row
    return change


BAD_PAIRS = [
    # (name, change to a good pair, code, field)
    ("no input", _set("input", KeyError), "missing-key", "input"),
    ("input is the message list", lambda r: {**r, "input": r["input"]["messages"]}, "mistyped-key", "input"),
    ("no messages", _set("input.messages", KeyError), "missing-key", "input.messages"),
    ("empty messages", _set("input.messages", []), "empty-conversation", "input.messages"),
    ("bad role", _set("input.messages.1.role", "customer"), "unknown-role", "input.messages[1].role"),
    ("number content", _set("input.messages.1.content", 42), "mistyped-key", "input.messages[1].content"),
    ("ends with the assistant", lambda r: {**r, "input": {"messages": r["input"]["messages"] + r["preferred_output"]}},
     "pref-last-turn", "input.messages[2].role"),
    ("two preferred messages", lambda r: {**r, "preferred_output": r["preferred_output"] * 2}, "pref-output-count",
     "preferred_output"),
    ("no non-preferred message", _set("non_preferred_output", []), "pref-output-count", "non_preferred_output"),
    ("preferred not a list", lambda r: {**r, "preferred_output": r["preferred_output"][0]}, "mistyped-key",
     "preferred_output"),
    ("non-preferred from the user", _set("non_preferred_output.0.role", "user"), "pref-output-role",
     "non_preferred_output[0].role"),
    ("empty preferred", _set("preferred_output.0.content", "  "), "empty-answer", "preferred_output[0].content"),
    ("no non-preferred", _set("non_preferred_output", KeyError), "missing-key", "non_preferred_output"),
    ("identical outputs", lambda r: {**r, "non_preferred_output": copy.deepcopy(r["preferred_output"])},
     "pref-identical", "non_preferred_output[0].content"),
    ("unknown top-level key", lambda r: {**r, "id": "pair-13"}, "openai-unsupported-key", "id"),
    ("weight in an input message", _set("input.messages.1.weight", 1), "openai-unsupported-key",
     "input.messages[1].weight"),
    ("a supervised row", lambda r: {"messages": r["input"]["messages"] + r["preferred_output"]}, "pref-format", None),
    ("not an object", lambda r: [r], "not-an-object", None),
    ("an e-mail", _set("preferred_output.0.content", "Write to care.team@beanlight-example.com and we will help."),
     "pii-email", "preferred_output[0].content"),
    ("a key", _set("input.messages.1.content", "my key is sk-proj-abcdefghijklmnopqrstuvwxyz012345"), "secret",
     "input.messages[1].content"),
    ("a placeholder", _set("non_preferred_output.0.content", "Dear {{customer_name}}, no."), "placeholder",
     "non_preferred_output[0].content"),
    ("mojibake", _set("preferred_output.0.content", "è®¢å�• shipped"), "mojibake", "preferred_output[0].content"),
]


@pytest.mark.parametrize("name, change, code, field", BAD_PAIRS, ids=[b[0] for b in BAD_PAIRS])
def test_each_bad_pair_gives_its_code_line_and_field(tmp_path, name, change, code, field):
    rows = pairs(12)
    base = next(p for p in pairs(40)[12:] if len(p["input"]["messages"]) == 2)   # system + user
    rows.insert(6, change(copy.deepcopy(base)))   # the bad pair is line 7
    f = write_jsonl(tmp_path / "dpo.jsonl", rows)
    v = validate_file(f, model="gpt-4o-mini", method="dpo", today=TODAY, counter=CharCounter())
    hits = [x for x in v.report.findings if x.code == code]
    assert [(x.line, x.field) for x in hits] == [(7, field)], [x.to_dict() for x in v.report.findings]
    assert hits[0].message.endswith((".", ")")) and len(hits[0].message) > 30
    others = [x for x in v.report.findings if x.line not in (7, None)]
    assert not others, [x.to_dict() for x in others]        # the good pairs stay clean
    if CODES[code][0] == "error":
        assert v.exit_code() == 1 and v.examples == 12       # the bad pair is not counted (or billed)
    else:
        assert v.exit_code() == 0 and v.exit_code(strict=True) == 1


def test_json_and_duplicate_problems_name_their_lines(tmp_path):
    rows = pairs(12)
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines.insert(3, '{"input": {"messages": [}')                                      # line 4
    lines.insert(8, json.dumps(rows[1], ensure_ascii=False, sort_keys=True))           # line 9 = line 2
    f = tmp_path / "dpo.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    v = validate_file(f, model="gpt-4o-mini", method="dpo", today=TODAY, counter=CharCounter())
    got = {(x.code, x.line) for x in v.report.findings}
    assert ("json-invalid", 4) in got and ("duplicate", 9) in got
    assert "line 2" in next(x.message for x in v.report.findings if x.code == "duplicate")
    assert v.examples == 12 and v.exit_code() == 1


def test_fewer_than_ten_pairs_is_an_error(tmp_path):
    f = write_jsonl(tmp_path / "dpo.jsonl", pairs(9))
    v = validate_file(f, model="gpt-4o-mini", method="dpo", today=TODAY, counter=CharCounter())
    assert v.report.counts["openai-too-few"] == 1 and v.exit_code() == 1


def test_a_pair_over_the_limit_is_flagged_and_billed_at_the_cap(tmp_path):
    m = catalog.get_openai_model("gpt-4o-mini")
    cap = m.example_tokens.value
    rows = pairs(12)
    rows[2]["input"]["messages"][-1]["content"] = "Please read this log: " + "x1 " * (cap // 3 + 10)
    f = write_jsonl(tmp_path / "dpo.jsonl", rows)
    v = validate_file(f, model="gpt-4o-mini", method="dpo", today=TODAY, counter=CharCounter())
    hits = [x for x in v.report.findings if x.code == "openai-token-limit"]
    assert [x.line for x in hits] == [3] and v.exit_code() == 1
    per_pair = [sum(len(m["content"]) for m in r["input"]["messages"]) + len(r["preferred_output"][0]["content"])
                + len(r["non_preferred_output"][0]["content"]) for r in rows]
    assert per_pair[2] > cap and v.tokens_per_epoch == sum(min(n, cap) for n in per_pair)


def test_the_validation_file_is_checked_the_same_way_and_for_overlap(tmp_path):
    rows = pairs(16)
    train = write_jsonl(tmp_path / "train.jsonl", rows[:12])
    val = write_jsonl(tmp_path / "val.jsonl", rows[12:] + [rows[5], {"input": {}}])
    v = validate_file(train, model="gpt-4o-mini", method="dpo", validation=val, today=TODAY, counter=CharCounter())
    assert v.validation_report is not None and v.validation_report.format == "openai-preference"
    assert any(x.code == "missing-key" and x.line == 6 and x.field == "input.messages" for x in v.validation_report.findings)
    assert [x.line for x in v.report.findings if x.code == "train-eval-overlap"] == [6]
    # a validation file has no minimum size: 6 pairs are not "too few"
    assert dict(v.validation_report.counts) == {"missing-key": 3} and v.validation_report.stats["errors"] == 3
    assert v.exit_code() == 1
    sft_val = write_jsonl(tmp_path / "sft_val.jsonl", sample_rows()[100:112])
    s = validate_file(write_jsonl(tmp_path / "sft.jsonl", sample_rows()[:12]), model="gpt-4o-mini",
                      validation=sft_val, today=TODAY, counter=CharCounter())
    assert s.validation_report is not None and s.validation_report.rows == 12 and s.exit_code() == 0
    assert not {"openai-too-few", "few-rows"} & set(s.validation_report.counts)
    # only the training file is billed
    assert s.tokens_per_epoch == sum(chat_text(sample_rows()[:12]))


# ------------------------------------------------------------------------------------------------
# hostile files: a report, never a traceback

def _nested(depth: int) -> str:
    return '{"input": {"messages": ' + "[" * depth + "]" * depth + "}}"


HOSTILE = {
    "empty": (b"", "file-empty"),
    "blank space": (b"\n\n  \n", "file-empty"),
    "binary garbage": (bytes(range(256)) * 8, "file-binary"),
    "gzip": (gzip.compress(b'{"input": {}}\n'), "file-binary"),
    "gbk": ('{"input": {"messages": [{"role": "user", "content": "订单到哪了"}]}}\n'.encode("gbk"), "encoding"),
    "utf-16": ('{"input": {}}\n'.encode("utf-16"), "encoding"),
    "truncated": (b'{"input": {"messages": [{"role": "user", "content": "hi"}]}, "preferred_output": [{"role": "ass',
                  "truncated-last-line"),
    "deeply nested": ((_nested(5000) + "\n").encode(), "json-too-deep"),
    "nested but parseable": ((_nested(400) + "\n").encode(), "mistyped-key"),
    "json array": (json.dumps(pairs(12), ensure_ascii=False).encode(), "json-array"),
    "pretty printed": (json.dumps(pairs(1)[0], indent=2, ensure_ascii=False).encode(), "json-pretty-printed"),
    "bom and blank lines": (b"\xef\xbb\xbf" + b"\n\n".join(json.dumps(p).encode() for p in pairs(12)) + b"\n", "bom"),
    "scalars": (b'42\n"text"\nnull\ntrue\n[]\n', "not-an-object"),
    "lone surrogate": (b'{"input": {"messages": [{"role": "user", "content": "\\ud800"}]}, "preferred_output": '
                       b'[{"role": "assistant", "content": "a"}], "non_preferred_output": [{"role": "assistant", "content": "b"}]}\n',
                       "openai-too-few"),
    "huge numbers": (b'{"input": 1e999999, "preferred_output": 123456789012345678901234567890}\n', None),
    "not json": (b"hello, this is not json\n", "not-json"),
    "odd values": (b'{"input": {"messages": [{"role": ["user"], "content": {"a": 1}}], "tools": 5, '
                   b'"parallel_tool_calls": "yes"}, "preferred_output": [null], "non_preferred_output": [[]]}\n', "mistyped-key"),
}


@pytest.mark.parametrize("method", ["dpo", "supervised"])
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_give_a_report_never_a_traceback(tmp_path, name, method):
    data, code = HOSTILE[name]
    f = tmp_path / "hostile.jsonl"
    f.write_bytes(data)
    v = validate_file(f, model="gpt-4o-mini", method=method, today=TODAY, counter=CharCounter(), validation=f)
    assert isinstance(v, Validation) and v.exit_code() in (1, 2)
    json.dumps(v.to_json())                                     # the --json output can always be written
    if method == "dpo" and code is not None:
        codes = {x.code for x in v.report.findings}
        assert code in codes, [x.to_dict() for x in v.report.findings]
    if code in ("file-empty", "file-binary", "encoding", "not-json"):
        assert v.report.fatal is not None and v.exit_code() == 2 and v.cost_usd is None


@pytest.mark.parametrize("method", ["dpo", "supervised"])
def test_missing_files_and_folders_are_unreadable_not_errors(tmp_path, method):
    for p in (tmp_path / "nope.jsonl", tmp_path):
        v = validate_file(p, model="gpt-4o-mini", method=method, today=TODAY, counter=CharCounter())
        assert v.exit_code() == 2 and v.report.fatal.code in ("file-missing", "file-unreadable")
        assert str(p) in v.report.fatal.message


def test_the_json_output_has_stable_keys(tmp_path):
    f = write_jsonl(tmp_path / "dpo.jsonl", pairs(12))
    j = validate_file(f, model="gpt-4o-mini", method="dpo", today=TODAY, counter=CharCounter()).to_json()
    assert set(j) == {"file", "method", "model", "requested_model", "examples", "tokens_per_epoch", "epochs",
                      "epochs_given", "cost_usd", "price_per_1m_tokens_usd", "exact", "counter", "notice", "problems",
                      "exit_code", "report", "validation_report"}
    assert set(j["price_per_1m_tokens_usd"]) == {"value", "as_of", "source"}
    assert set(j["report"]) == {"file", "format", "rows", "findings", "stats"}
    assert j["report"]["stats"]["openai"]["billed_tokens_per_epoch"] == j["tokens_per_epoch"]


def test_each_method_given_the_other_methods_file_says_which_method_to_use(tmp_path):
    dpo = write_jsonl(tmp_path / "dpo.jsonl", pairs(12))
    v = validate_file(dpo, model="gpt-4o-mini", method="supervised", today=TODAY, counter=CharCounter())
    assert v.exit_code() == 2 and "--method dpo" in v.report.fatal.message
    sft = write_jsonl(tmp_path / "sft.jsonl", sample_rows()[:12])
    v = validate_file(sft, model="gpt-4o-mini", method="dpo", today=TODAY, counter=CharCounter())
    assert v.report.counts["pref-format"] == 12 and v.exit_code() == 1
    assert "--method supervised" in next(x.message for x in v.report.findings if x.code == "pref-format")
