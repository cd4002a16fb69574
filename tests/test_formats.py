"""Dataset readers: every format into the canonical form, with problems a user can act on."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.data.canonical import Example, Message
from engine.data.formats import (DatasetError, detect_format, iter_records, read_dataset_info, read_examples,
                                 to_alpaca_dict, to_openai_dict, to_sharegpt_dict)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PEER = SHARED / "peer-data" / "llamafactory"
needs_peer = pytest.mark.skipif(not PEER.is_dir(), reason=f"shared peer data not found at {PEER} (CI lays shared/ beside the repo)")


def jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def jarray(path: Path, rows: list) -> Path:
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


OPENAI = {"messages": [{"role": "system", "content": "你是客服。"}, {"role": "user", "content": "退款多久到账？"},
                       {"role": "assistant", "content": "一般 3-5 个工作日。"}]}
ALPACA = {"instruction": "把这句话改得更礼貌", "input": "你等着吧", "output": "请您稍候，我们马上处理。", "system": "你是客服。",
          "history": [["你好", "您好，有什么可以帮您？"]]}
SHAREGPT = {"conversations": [{"from": "human", "value": "Where is my order?"}, {"from": "gpt", "value": "It ships today."}],
            "system": "Be brief."}
CONVERSATION = {"conversation": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}


@pytest.mark.parametrize("layout", [jsonl, jarray])
@pytest.mark.parametrize("row,fmt", [(OPENAI, "openai"), (ALPACA, "alpaca"), (SHAREGPT, "sharegpt"),
                                     (CONVERSATION, "conversation"), ({"text": "Raw corpus text."}, "text")])
def test_every_format_reads_in_both_layouts(tmp_path, layout, row, fmt):
    p = layout(tmp_path / f"d{'.jsonl' if layout is jsonl else '.json'}", [row, row])
    assert detect_format(p) == fmt
    r = read_examples(p)
    assert (r.format, r.rows, len(r.examples), r.problems) == (fmt, 2, 2, [])
    ex = r.examples[0]
    if fmt == "text":
        assert ex.text == "Raw corpus text." and not ex.is_chat
    else:
        assert ex.messages[-1].role == "assistant"
    assert ex.line == (1 if layout is jsonl else 2)  # array: the line where the element starts


def test_alpaca_mapping_joins_instruction_and_input_and_expands_history(tmp_path):
    r = read_examples(jsonl(tmp_path / "a.jsonl", [ALPACA, {"instruction": "只有指令", "input": "", "output": "好"}]))
    roles = [(m.role, m.content) for m in r.examples[0].messages]
    assert roles == [("system", "你是客服。"), ("user", "你好"), ("assistant", "您好，有什么可以帮您？"),
                     ("user", "把这句话改得更礼貌\n你等着吧"), ("assistant", "请您稍候，我们马上处理。")]
    assert r.examples[1].messages[0].content == "只有指令"  # no trailing newline for an empty input


def test_sharegpt_function_call_and_observation_mapping(tmp_path):
    row = {"conversations": [
        {"from": "human", "value": "天气？"},
        {"from": "function_call", "value": '{"name": "weather", "arguments": {"city": "北京"}}'},
        {"from": "observation", "value": '{"temp": 20}'},
        {"from": "gpt", "value": "北京 20 度。"}],
        "tools": '[{"name": "weather", "description": "查天气", "parameters": {"type": "object"}}]'}
    ex = read_examples(jsonl(tmp_path / "s.jsonl", [row])).examples[0]
    assert [m.role for m in ex.messages] == ["user", "assistant", "tool", "assistant"]
    # The call is read into OpenAI's tool-call form (the one canonical form of a call), not left as text.
    assert ex.messages[1].content == "" and ex.messages[1].tool_calls == [
        {"type": "function", "function": {"name": "weather", "arguments": '{"city": "北京"}'}}]
    assert ex.messages[1].source_role == "function_call"
    assert ex.tools == [{"name": "weather", "description": "查天气", "parameters": {"type": "object"}}]  # JSON string parsed
    # Written back out: OpenAI gets a real tool call linked to the tool result; ShareGPT round-trips.
    o = to_openai_dict(ex)
    call = o["messages"][1]["tool_calls"][0]
    assert call["function"]["name"] == "weather" and json.loads(call["function"]["arguments"]) == {"city": "北京"}
    assert o["messages"][2]["tool_call_id"] == call["id"]
    assert o["tools"][0]["type"] == "function"
    assert to_sharegpt_dict(ex)["conversations"] == row["conversations"]


def test_openai_weight_zero_tools_and_names_are_kept(tmp_path):
    row = {"messages": [{"role": "user", "content": "q", "name": "alice"},
                        {"role": "assistant", "content": "draft", "weight": 0},
                        {"role": "user", "content": "again"},
                        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
                        {"role": "tool", "tool_call_id": "c1", "content": "ok"},
                        {"role": "assistant", "content": "final", "weight": 1}],
           "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}
    ex = read_examples(jsonl(tmp_path / "o.jsonl", [row])).examples[0]
    assert ex.messages[1].weight == 0 and not ex.trains_on(ex.messages[1]) and ex.trains_on(ex.messages[5])
    assert ex.messages[0].name == "alice" and ex.messages[3].tool_calls[0]["id"] == "c1"
    assert ex.messages[4].tool_call_id == "c1"
    back = to_openai_dict(ex)
    assert back["messages"][1]["weight"] == 0 and back["tools"] == row["tools"]


def test_override_format(tmp_path):
    p = jsonl(tmp_path / "o.jsonl", [OPENAI])
    r = read_examples(p, "alpaca")
    assert r.format == "alpaca" and r.examples == []
    assert r.problems[0].code == "mixed-formats" and "--format openai" in r.problems[0].message
    assert read_examples(p, "openai").examples


def test_problem_lines_and_fields_in_jsonl(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text("\n".join([
        json.dumps(OPENAI),
        "",  # blank line: skipped, but line numbers still count it
        '{"messages": [{"role": "user", "content": 42}, {"role": "assistant", "content": "x"}]}',
        '{"messages": [{"role": "robot", "content": "hi"}]}',
        '{"messages": "not a list"}',
        '[1, 2]',
        '{"messages": [{"role": "user", "content": "truncat',
    ]), encoding="utf-8")
    r = read_examples(p)
    assert r.rows == 6 and len(r.examples) == 1
    got = [(x.line, x.field, x.code) for x in r.problems]
    assert got == [(3, "messages[0].content", "mistyped-key"), (4, "messages[0].role", "unknown-role"),
                   (5, "messages", "mistyped-key"), (6, None, "not-an-object"), (7, None, "json-invalid")]
    assert "put it in quotes" in r.problems[0].message
    assert str(r.problems[0]).startswith(f"{p}:3: messages[0].content:")


def test_problem_lines_in_json_array_and_recovery_after_a_broken_element(tmp_path):
    good = json.dumps(ALPACA, ensure_ascii=False, indent=2).replace("\n", "\n  ")
    text = "[\n  " + good + ",\n  {\n    \"instruction\": \"no output\"\n  },\n  {\n    \"instruction\": \"x\", \"output\": oops\n  },\n  " + good + "\n]\n"
    p = tmp_path / "a.json"
    p.write_text(text, encoding="utf-8")
    recs = list(iter_records(p))
    lines = [n for n, _ in recs]
    starts = [i + 1 for i, l in enumerate(text.splitlines()) if l == "  {"]
    assert lines == starts  # each element reports the line where it starts
    r = read_examples(p, "alpaca")
    assert len(r.examples) == 2 and r.rows == 4
    assert [(x.line, x.field, x.code) for x in r.problems] == [(starts[1], "output", "alpaca-no-output"),
                                                               (starts[2] + 1, None, "json-invalid")]


def test_numbers_where_strings_belong(tmp_path):
    r = read_examples(jsonl(tmp_path / "n.jsonl", [{"instruction": "1+1", "input": "", "output": 2},
                                                   {"conversations": [{"from": "human", "value": 3}, {"from": "gpt", "value": "x"}]}]))
    assert r.examples == []
    assert r.problems[0].field == "output" and "the number 2" in r.problems[0].message
    assert r.problems[1].code == "mixed-formats"


def test_text_file_one_example_per_nonblank_line(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("第一段文本。\n\n  Second paragraph.  \n", encoding="utf-8")
    r = read_examples(p)
    assert r.format == "text" and [e.text for e in r.examples] == ["第一段文本。", "Second paragraph."]
    assert [e.line for e in r.examples] == [1, 3]


def test_gbk_file_says_how_to_convert(tmp_path):
    p = tmp_path / "gbk.jsonl"
    p.write_bytes((json.dumps(OPENAI, ensure_ascii=False) + "\n").encode("gbk"))
    with pytest.raises(DatasetError) as e:
        read_examples(p)
    assert "iconv -f GB18030 -t UTF-8" in str(e.value) and str(p) in str(e.value)


@pytest.mark.parametrize("content,words", [(b"", "empty"), (b"\n \n", "blank"), (b"\x1f\x8b\x08\x00", "gunzip"),
                                           (b"\x00\x01\x02binary", "binary"), (b"hello world\n", "not JSON")])
def test_unreadable_files_raise_one_clear_error(tmp_path, content, words):
    p = tmp_path / "x.jsonl"
    p.write_bytes(content)
    with pytest.raises(DatasetError) as e:
        read_examples(p)
    assert words in str(e.value) and str(p) in str(e.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        read_examples(tmp_path / "nope.jsonl")
    with pytest.raises(DatasetError, match="is a folder"):
        read_examples(tmp_path)


def test_bom_and_pretty_printed_object_in_jsonl_still_read(tmp_path):
    p = tmp_path / "bom.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + (json.dumps(OPENAI) + "\n").encode())
    assert len(read_examples(p).examples) == 1
    q = tmp_path / "pretty.jsonl"
    q.write_text(json.dumps(OPENAI, indent=2) + "\n" + json.dumps(OPENAI, indent=2) + "\n", encoding="utf-8")
    r = read_examples(q)
    assert r.layout == "concatenated" and len(r.examples) == 2 and r.examples[1].line == len(json.dumps(OPENAI, indent=2).splitlines()) + 1


def test_deeply_nested_json_is_a_problem_not_a_crash(tmp_path):
    p = tmp_path / "deep.jsonl"
    p.write_text(json.dumps(OPENAI) + "\n" + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    r = read_examples(p)
    assert len(r.examples) == 1 and r.problems[0].line == 2 and r.problems[0].code == "json-too-deep"
    q = tmp_path / "deep.json"
    q.write_text('[{"text": "ok"}, ' + "[" * 5000 + "]" * 5000 + "]", encoding="utf-8")
    r = read_examples(q, "text")
    assert len(r.examples) == 1 and r.problems


def test_converters_are_one_source_of_truth():
    ex = Example("x", 1, messages=[Message("system", "S"), Message("user", "u1"), Message("assistant", "a1"),
                                   Message("user", "u2"), Message("assistant", "a2")])
    assert to_alpaca_dict(ex) == {"instruction": "u2", "input": "", "output": "a2", "system": "S", "history": [["u1", "a1"]]}
    assert to_sharegpt_dict(ex)["conversations"][0] == {"from": "system", "value": "S"}
    assert to_openai_dict(ex)["messages"][1] == {"role": "user", "content": "u1"}
    with pytest.raises(ValueError):
        to_alpaca_dict(Example("x", 1, messages=[Message("user", "u"), Message("user", "u")]))


@needs_peer
@pytest.mark.parametrize("name,fmt,rows", [("alpaca_zh_demo.json", "alpaca", 1000), ("identity.json", "alpaca", 91),
                                           ("glaive_toolcall_zh_demo.json", "sharegpt", 300),
                                           ("c4_demo.jsonl", "text", 300), ("wiki_demo.txt", "text", 30)])
def test_every_peer_data_file(name, fmt, rows):
    r = read_examples(PEER / name)
    assert (r.format, r.rows, len(r.examples), r.problems) == (fmt, rows, rows, [])
    if name == "identity.json":
        assert "{{name}}" in r.examples[0].messages[-1].content  # placeholders are kept; lint flags them


@needs_peer
def test_dataset_info_columns_and_tags_on_glaive_tool_calls(tmp_path):
    e = read_dataset_info(PEER / "dataset_info.json", "glaive_toolcall_zh_demo")
    assert (e.formatting, e.columns) == ("sharegpt", {"messages": "conversations", "tools": "tools"})
    r = e.read()
    assert len(r.examples) == 300 and not r.problems
    assert sum(1 for x in r.examples if x.tools) == 200  # the other 100 rows have "tools": ""
    assert any(m.source_role == "function_call" for x in r.examples for m in x.messages)
    # Text entries (columns {"prompt": "text"}, no response) read as raw text.
    assert read_dataset_info(PEER, "c4_demo").read().format == "text"
    # Renamed columns and tags: the same conversations under other names read the same.
    rows = json.loads((PEER / "glaive_toolcall_zh_demo.json").read_text(encoding="utf-8"))[:5]
    ren = [{"dialog": [{"speaker": {"human": "U", "gpt": "A", "function_call": "CALL", "observation": "OBS"}[t["from"]],
                        "text": t["value"]} for t in row["conversations"]], "funcs": row["tools"]} for row in rows]
    jarray(tmp_path / "ren.json", ren)
    (tmp_path / "dataset_info.json").write_text(json.dumps({"mine": {
        "file_name": "ren.json", "formatting": "sharegpt", "columns": {"messages": "dialog", "tools": "funcs"},
        "tags": {"role_tag": "speaker", "content_tag": "text", "user_tag": "U", "assistant_tag": "A",
                 "function_tag": "CALL", "observation_tag": "OBS"}}}), encoding="utf-8")
    mine = read_dataset_info(tmp_path / "dataset_info.json", "mine").read()
    assert not mine.problems
    assert [[(m.role, m.content) for m in x.messages] for x in mine.examples] == \
           [[(m.role, m.content) for m in x.messages] for x in r.examples[:5]]
    assert mine.examples[0].tools == r.examples[0].tools


@needs_peer
def test_dataset_info_refuses_hub_entries_and_marks_preference_entries():
    with pytest.raises(DatasetError, match="hub"):
        read_dataset_info(PEER / "dataset_info.json", "alpaca_en")
    entry = read_dataset_info(PEER / "dataset_info.json", "dpo_zh_demo")
    assert entry.ranking  # read with entry.read_pairs() (tests/test_preference_data.py)
    with pytest.raises(DatasetError, match="preference data.*read_pairs"):
        entry.read()
    with pytest.raises(DatasetError, match="Did you mean"):
        read_dataset_info(PEER / "dataset_info.json", "identty")
