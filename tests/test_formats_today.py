"""Readers on data in today's shapes (issue 15): content parts (OpenAI's and LLaMA-Factory v1's), per-message
weights (`weight`, `loss_weight`), reasoning traces (`reasoning_content`, v1 `reasoning` parts, `<think>`),
tool calls in one canonical form, media recorded; and the writers keep all of it.

The fixtures under tests/data/ are hand-written in the shapes LLaMA-Factory v1 (its extras/types.py and
data_plugins/converter.py: `{"type", "value"}` parts, `loss_weight`, `tools` as a JSON string), OpenAI and
ShareGPT write."""
from __future__ import annotations

import json
from pathlib import Path

from engine.data.canonical import Example, Message
from engine.data.formats import detect_format, parse_row, read_examples
from engine.data.writers import to_alpaca_dict, to_openai_dict, to_sharegpt_dict

DATA = Path(__file__).resolve().parent / "data"


def one(row: dict, fmt: str = "openai"):
    return parse_row(row, fmt, "t.jsonl", 7)


def v(t: str, value) -> dict:
    return {"type": t, "value": value}


# ------------------------------------------------------------------------------------------ LLaMA-Factory v1

def test_v1_file_is_detected_and_every_row_read():
    # Today's tunewiz said "must be a string, got a list" on every v1 row.
    assert detect_format(DATA / "shapes_v1.jsonl") == "openai"
    r = read_examples(DATA / "shapes_v1.jsonl")
    assert (r.rows, len(r.examples), r.problems) == (4, 4, [])


def test_v1_reasoning_tool_call_and_result_read_into_the_canonical_form():
    ex = read_examples(DATA / "shapes_v1.jsonl").examples[0]
    system, user, call, result, answer = ex.messages
    assert (system.role, system.content, system.weight) == ("system", "你是一家网店的客服助手，回答简洁、礼貌。", None)
    assert user.weight is None  # v1 writes loss_weight 0.0 on every prompt turn: that is the default, not a setting
    assert call.reasoning == "用户询问订单 2024112300187 的物流，需要先查订单状态。" and call.content == ""
    assert call.tool_calls == [{"type": "function", "function": {"name": "get_order_status",
                                                                 "arguments": '{"order_id": "2024112300187"}'}}]
    assert result.role == "tool" and json.loads(result.content)["status"] == "packed"
    assert answer.reasoning == "状态是已打包，预计 11 月 26 日前发出。" and answer.content.startswith("您的订单 2024112300187 已打包")
    assert ex.trains_on(call) and ex.trains_on(answer) and not ex.trains_on(user)
    assert [t["name"] for t in ex.tools] == ["get_order_status", "send_refund_email"]  # the JSON string parsed
    # What the chat template gets: reasoning as reasoning_content, the call in OpenAI's form.
    d = call.to_template_dict()
    assert d["reasoning_content"].startswith("用户询问") and d["tool_calls"][0]["function"]["name"] == "get_order_status"


def test_v1_loss_weight_decides_which_assistant_turns_train():
    ex = read_examples(DATA / "shapes_v1.jsonl").examples[3]
    first, second = [m for m in ex.messages if m.role == "assistant"]
    assert first.weight == 0 and not ex.trains_on(first)
    assert second.weight == 1.0 and ex.trains_on(second)
    ex2, _ = one({"messages": [{"role": "user", "content": [v("text", "q")]},
                               {"role": "assistant", "content": [v("text", "a")], "loss_weight": 0.5}]})
    assert ex2.messages[1].weight == 0.5 and ex2.trains_on(ex2.messages[1])


def test_v1_image_part_is_recorded_as_media_and_kept_out_of_the_text():
    ex = read_examples(DATA / "shapes_v1.jsonl").examples[2]
    assert ex.media == [("messages[0].content[1]", "image")]
    assert ex.messages[0].content == "这张发票上的金额是多少？"


def test_bad_loss_weight_is_an_error_naming_the_field():
    for bad in (-1, "1", True, [1]):
        ex, probs = one({"messages": [{"role": "user", "content": "q"},
                                      {"role": "assistant", "content": "a", "loss_weight": bad}]})
        assert ex is None and [(p.code, p.field, p.line) for p in probs] == [("bad-weight", "messages[1].loss_weight", 7)]
        assert "0 or more" in probs[0].message


def test_unknown_part_and_broken_v1_tool_call_name_the_part():
    ex, probs = one({"messages": [{"role": "user", "content": [v("text", "q"), v("hologram", "x")]},
                                  {"role": "assistant", "content": "a"}]})
    assert ex is None and [(p.code, p.field) for p in probs] == [("unknown-part", "messages[0].content[1].type")]
    ex, probs = one({"messages": [{"role": "user", "content": "q"},
                                  {"role": "assistant", "content": [v("tool_call", '{"name": "f", "arguments": {')]}]})
    assert ex is None and [(p.code, p.field) for p in probs] == [("tool-args-invalid", "messages[1].content[0].value")]
    assert "not valid JSON" in probs[0].message


# ------------------------------------------------------------------------------------------ OpenAI and reasoning

def test_openai_reasoning_content_think_tags_and_image_parts():
    exs = read_examples(DATA / "shapes_openai.jsonl").examples
    call = exs[0].messages[2]
    assert call.reasoning == "先查订单 2024120500342 的物流状态。" and call.tool_calls[0]["id"] == "call_1"
    assert exs[0].messages[3].tool_call_id == "call_1"
    # <think>...</think> at the start of an answer is lifted out; the answer keeps the rest, without the joining newlines.
    ans = exs[1].messages[1]
    assert (ans.reasoning, ans.content) == ("89.00 × 0.85 = 75.65", "15% off 89.00 CNY is 75.65 CNY.")
    assert exs[2].media == [("messages[0].content[1]", "image")] and exs[2].messages[0].content == "What does this error screenshot say? "
    # An empty <think></think> (Qwen3's no-thinking form) is an empty trace, not none.
    last = exs[3].messages[-1]
    assert last.reasoning == "" and last.content.startswith("Sent: li.wei@example.com")


def test_reasoning_field_spellings_and_bad_types():
    for key in ("reasoning_content", "reasoning", "thinking"):
        ex, _ = one({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", key: "because"}]})
        assert ex.messages[1].reasoning == "because"
    ex, probs = one({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "reasoning_content": 3}]})
    assert ex is None and [(p.code, p.field) for p in probs] == [("mistyped-key", "messages[1].reasoning_content")]


def test_unclosed_or_inner_think_is_not_lifted():
    for text in ("<think>never ends", "Answer first <think>x</think>"):
        ex, _ = one({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": text}]})
        assert ex.messages[1].reasoning is None and ex.messages[1].content == text
    ex, _ = one({"messages": [{"role": "user", "content": "<think>user text</think> stays"},
                              {"role": "assistant", "content": "a"}]})
    assert ex.messages[0].content == "<think>user text</think> stays"  # only an assistant's trace is lifted


# ------------------------------------------------------------------------------------------ ShareGPT and Alpaca

def test_sharegpt_function_call_and_think_read_like_the_others():
    ex = read_examples(DATA / "shapes_sharegpt.json").examples[0]
    call, answer = ex.messages[1], ex.messages[3]
    assert call.tool_calls == [{"type": "function", "function": {"name": "get_order_status",
                                                                 "arguments": '{"order_id": "2024112811907"}'}}]
    assert (answer.reasoning, answer.content) == ("ETA 12 月 2 日。", "订单 2024112811907 正在运输中，预计 12 月 2 日送达。")
    ex, _ = one({"conversations": [{"from": "human", "value": "看图"}, {"from": "gpt", "value": "一只猫。"}],
                 "images": ["cats/0001.jpg"]}, "sharegpt")
    assert ex.media == [("images[0]", "image")]


def test_alpaca_think_in_output_and_history():
    ex, _ = one({"instruction": "2+2?", "output": "<think>\n2+2=4\n</think>\n\n4",
                 "history": [["1+1?", "<think>1+1=2</think>\n2"]]}, "alpaca")
    assert [(m.reasoning, m.content) for m in ex.messages if m.role == "assistant"] == [("1+1=2", "2"), ("2+2=4", "4")]


# ------------------------------------------------------------------------------------------ writers

def test_writers_keep_reasoning_weights_and_calls():
    ex = read_examples(DATA / "shapes_v1.jsonl").examples[3]
    o = to_openai_dict(ex)
    assert [m.get("weight") for m in o["messages"]] == [None, 0, None, 1]
    assert o["messages"][3]["reasoning_content"] == "Formal register: full sentence, no contractions."
    call = to_openai_dict(read_examples(DATA / "shapes_v1.jsonl").examples[0])["messages"][2]
    assert call["content"] is None and call["tool_calls"][0]["function"]["name"] == "get_order_status"
    # ShareGPT and Alpaca have no reasoning field: the trace goes in front as <think>, and reads back the same.
    plain = read_examples(DATA / "shapes_openai.jsonl").examples[1]
    for write, fmt in ((to_sharegpt_dict, "sharegpt"), (to_alpaca_dict, "alpaca")):
        back, probs = parse_row(write(plain), fmt, "x", 1)
        assert not probs and [(m.reasoning, m.content) for m in back.messages] == [(m.reasoning, m.content) for m in plain.messages]
    # A weight of 0.5 (v1) still trains: OpenAI's form says 1.
    half = Example("x", 1, messages=[Message("user", "q"), Message("assistant", "a", weight=0.5)])
    assert to_openai_dict(half)["messages"][1]["weight"] == 1
