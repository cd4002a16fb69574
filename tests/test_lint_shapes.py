"""Lint on today's data shapes (issue 15): reasoning traces, tool calls and their results, media, loss_weight;
--fix keeps each row's shape. Rows are hand-written; the fixtures under tests/data/ are realistic files."""
from __future__ import annotations

import json
from pathlib import Path

from engine.data.fix import fix_file
from engine.data.lint import LintOptions, lint_file

DATA = Path(__file__).resolve().parent / "data"
TOOLS = [{"type": "function", "function": {"name": "get_order_status", "parameters": {"type": "object"}}}]


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def found(report, code: str) -> list[tuple[int | None, str | None, str]]:
    return [(f.line, f.field, f.message) for f in report.findings if f.code == code]


def call(cid: str | None, name: str = "get_order_status", args: str = '{"order_id": "2024120500342"}') -> dict:
    c = {"type": "function", "function": {"name": name, "arguments": args}}
    return {**c, "id": cid} if cid else c


def q(text: str = "订单 2024120500342 到哪了？") -> dict:
    return {"role": "user", "content": text}


def calls(*cs: dict) -> dict:
    return {"role": "assistant", "content": None, "tool_calls": list(cs)}


def result(cid: str | None, text: str = '{"status": "delivered"}') -> dict:
    return {"role": "tool", "content": text, **({"tool_call_id": cid} if cid else {})}


def a(text: str = "已于 2024-12-05 签收。") -> dict:
    return {"role": "assistant", "content": text}


def test_fixture_files_lint_without_errors_and_name_what_is_dropped():
    r = lint_file(DATA / "shapes_v1.jsonl")
    assert r.severities.get("error", 0) == 0 and r.stats["examples"] == 4
    [(line, _, msg)] = found(r, "multimodal")
    assert line == 3 and "1 image" in msg and "messages[0].content[1]" in msg
    assert not found(r, "reasoning-mixed")  # every v1 row has a trace
    assert r.stats["reasoning_rows"] == 4 and r.stats["media"] == {"rows": 1, "image": 1}
    assert (r.format, r.stats["v1_rows"]) == ("openai", 4)  # read by the openai reader, counted as what they are
    assert lint_file(DATA / "shapes_openai.jsonl").stats["v1_rows"] == 0
    s = lint_file(DATA / "shapes_sharegpt.json")
    assert s.severities.get("error", 0) == 0 and not found(s, "tool-call-unanswered")


def test_reasoning_in_some_rows_only_is_named_with_counts_and_lines(tmp_path):
    # Rows 2 and 4 are plain chats (the linter's fast path, which keeps no lines): still named.
    rows = [{"messages": [q(), {**a(), "reasoning_content": "查物流"}]}, {"messages": [q("hi"), a("您好")]},
            {"messages": [q(), a("<think>\n查\n</think>\n\n好的")]}, {"messages": [q("在吗"), a("在的")]},
            {"messages": [q("ok"), a("<think>\n\n</think>\n\n好")]}]  # an empty trace: deliberately no thinking
    for workers in (1, 2):
        r = lint_file(write(tmp_path / "mix.jsonl", rows * 40), LintOptions(workers=workers, parallel_min_bytes=1))
        [(line, _, msg)] = found(r, "reasoning-mixed")
        assert line == 1 and "in 80 row(s) (first: line(s) 1, 3, 6, 8, 11)" in msg
        assert "none in 80 (first: line(s) 2, 4, 7, 9, 12)" in msg
        assert r.stats["reasoning_empty_rows"] == 40
    same = lint_file(write(tmp_path / "all.jsonl", [rows[0]] * 5))
    assert not found(same, "reasoning-mixed")



def test_think_tags_a_writer_escaped_are_read_as_reasoning(tmp_path):
    # Go's encoding/json (and some JavaScript tools) write "<" and ">" as \u003c / \u003e: the same rows, the
    # same report (the fast path once looked for the tag in the line's bytes and missed it).
    rows = [{"messages": [q("2+2?"), a("<think>\n2 加 2 等于 4\n</think>\n\n答案是 4。")]},
            {"messages": [q("在吗"), a("<think>\n打招呼\n")]}, {"messages": [q("hi"), a("您好，请问有什么可以帮您？")]}]
    plain = write(tmp_path / "plain.jsonl", rows)
    escaped = tmp_path / "escaped.jsonl"
    escaped.write_text(plain.read_text(encoding="utf-8").replace("<", "\\u003c").replace(">", "\\u003e"), encoding="utf-8")
    assert "<" not in escaped.read_text(encoding="utf-8")
    want, got = lint_file(plain), lint_file(escaped)
    assert want.stats["reasoning_rows"] == got.stats["reasoning_rows"] == 1     # (the unclosed one is no trace)
    assert [(f.code, f.line, f.message) for f in got.findings if f.code != "few-rows"] == \
        [(f.code, f.line, f.message.replace("plain.jsonl", "escaped.jsonl")) for f in want.findings if f.code != "few-rows"]
    assert found(got, "think-unclosed") and found(got, "reasoning-mixed")

def test_think_without_its_end_or_start(tmp_path):
    p = write(tmp_path / "t.jsonl", [{"messages": [q(), a("<think>\n先查订单，然后回答")]},
                                     {"conversations": [{"from": "human", "value": "hi"},
                                                        {"from": "gpt", "value": "thinking done</think>\n你好"}]}])
    r = lint_file(p, LintOptions(format="openai"))
    [(line, fld, msg)] = found(r, "think-unclosed")
    assert (line, fld) == (1, "messages[1].content") and "without its </think>" in msg
    r = lint_file(write(tmp_path / "s.jsonl", [{"conversations": [{"from": "human", "value": "hi"},
                                                                  {"from": "gpt", "value": "done</think>\n你好"}]}]))
    [(line, fld, msg)] = found(r, "think-unclosed")
    assert (line, fld) == (1, "conversations[1].value") and "without its <think>" in msg
    assert r.exit_code() == 1


def test_arguments_that_are_not_json_name_line_field_and_error(tmp_path):
    r = lint_file(write(tmp_path / "o.jsonl", [
        {"messages": [q(), calls(call("c1")), result("c1"), a()], "tools": TOOLS},
        {"messages": [q(), calls(call("c1", args="{'order_id': 2024120500342}")), result("c1"), a()], "tools": TOOLS}]))
    [(line, fld, msg)] = found(r, "tool-args-invalid")
    assert (line, fld) == (2, "messages[1].tool_calls[0].function.arguments")
    assert "get_order_status are not valid JSON (" in msg and "line 1 column" in msg
    s = lint_file(write(tmp_path / "s.jsonl", [{"conversations": [
        {"from": "human", "value": "查订单"}, {"from": "function_call", "value": "get_order_status(2024120500342)"},
        {"from": "observation", "value": "{}"}, {"from": "gpt", "value": "好的"}]}]))
    [(line, fld, msg)] = found(s, "tool-args-invalid")
    assert (line, fld) == (1, "conversations[1].value") and "not valid JSON" in msg
    assert not found(s, "tool-order")  # its observation still pairs with it


def test_calls_and_results_pair_up_by_id_or_in_order(tmp_path):
    rows = [
        {"messages": [q(), calls(call("c1"), call("c2")), result("c1"), a()]},                 # c2 never answered
        {"messages": [q(), calls(call("c1")), result("c9"), a()]},                             # an id no call has
        {"messages": [q(), calls(call(None)), result(None), result(None), a()]},               # one result too many
        {"messages": [q(), calls(call("c1"), call("c2")), result("c2"), result("c1"), a("两个都已签收。")]},  # any order: fine
        {"messages": [q(), calls(call("c1"))]},                                                # a final call: fine
    ]
    r = lint_file(write(tmp_path / "t.jsonl", rows))
    unanswered = found(r, "tool-call-unanswered")
    assert [(ln, f) for ln, f, _ in unanswered] == [(1, "messages[1]"), (2, "messages[1]")]  # row 2's c1 as well
    assert 'id "c2"' in unanswered[0][2] and 'id "c1"' in unanswered[1][2]
    unmatched = found(r, "tool-result-unmatched")
    assert [(ln, f) for ln, f, _ in unmatched] == [(2, "messages[2]"), (3, "messages[3]")]
    assert '"c9" matches no earlier call' in unmatched[0][2] and "one tool result more" in unmatched[1][2]
    assert not {ln for ln, _, _ in found(r, "tool-order")} & {4, 5}
    assert set(r.reject_lines) == {1, 2, 3}


def test_call_to_a_function_the_tools_do_not_define(tmp_path):
    r = lint_file(write(tmp_path / "t.jsonl", [
        {"messages": [q(), calls(call("c1", name="cancel_order")), result("c1"), a()], "tools": TOOLS},
        {"messages": [q(), calls(call("c1", name="cancel_order")), result("c1"), a()]}]))  # no tools given: no finding
    [(line, fld, msg)] = found(r, "tool-unknown-function")
    assert (line, fld) == (1, "messages[1].tool_calls[0].function.arguments") and "cancel_order" in msg and "get_order_status" in msg


def test_loss_weight_zero_everywhere_and_on_prompt_turns(tmp_path):
    r = lint_file(write(tmp_path / "w.jsonl", [
        {"messages": [{**q(), "loss_weight": 0.0}, {**a(), "loss_weight": 0.0}]},   # trains nothing
        {"messages": [{**q(), "loss_weight": 0.0}, {**a(), "loss_weight": 1.0}]},   # v1's usual row: clean
        {"messages": [{**q(), "loss_weight": 1.0}, {**a(), "loss_weight": 1.0}]},   # a prompt weight: no effect
        {"messages": [q(), {**a(), "loss_weight": -2}]}]))
    assert [ln for ln, _, _ in found(r, "no-trainable-turn")] == [1]
    assert [(ln, f) for ln, f, _ in found(r, "weight-not-assistant")] == [(3, "messages[0].loss_weight")]
    assert [(ln, f) for ln, f, _ in found(r, "bad-weight")] == [(4, "messages[1].loss_weight")]


def test_media_rows_are_a_warning_never_silence(tmp_path):
    r = lint_file(write(tmp_path / "m.jsonl", [
        {"conversations": [{"from": "human", "value": "<image>这是什么？"}, {"from": "gpt", "value": "一张发票。"}],
         "images": ["inv/0001.png"]},
        {"conversations": [{"from": "human", "value": "<audio>转写"}, {"from": "gpt", "value": "您好。"}],
         "audios": ["a/1.wav"], "images": ["x.png", "y.png"]}]))
    [(line, _, msg)] = found(r, "multimodal")
    assert line == 1 and "2 row(s)" in msg and "3 images, 1 audio" in msg and "1 (images[0])" in msg
    assert "ignored-keys" not in r.counts  # the media columns are read, not ignored


def test_fix_keeps_v1_rows_and_converts_them_on_request(tmp_path):
    src = DATA / "shapes_v1.jsonl"
    out = tmp_path / "clean.jsonl"
    res = fix_file(src, lint_file(src), out)
    assert res.kept == 4 and [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()] == \
        [json.loads(x) for x in src.read_text(encoding="utf-8").splitlines()]
    res = fix_file(src, lint_file(src), out, to="openai")
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])["messages"]
    assert first[2]["reasoning_content"].startswith("用户询问") and first[2]["tool_calls"][0]["function"]["name"] == "get_order_status"
    assert first[3]["tool_call_id"] == first[2]["tool_calls"][0]["id"] and first[4]["weight"] == 1
    # A row with an error is rejected with its reason, the rest kept.
    bad = write(tmp_path / "bad.jsonl", [{"messages": [q(), a("<think>没有结束")]}, {"messages": [q(), a()]}])
    res = fix_file(bad, lint_file(bad), tmp_path / "b.jsonl")
    rej = json.loads(Path(res.rejected_path).read_text(encoding="utf-8"))
    assert (res.kept, rej["line"], rej["reasons"][0]["code"]) == (1, 1, "think-unclosed")


def test_token_counts_include_reasoning_and_tool_calls(tmp_path):
    # What training sees: the trace and the call are tokens too (the estimate and a template-less count).
    from engine.data.stats import EstimateCounter
    plain = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "好的"}]
    full = [plain[0], {**plain[1], "reasoning_content": "先查订单状态，再回答客户。", "tool_calls": [call("c1")]}]
    n_plain, n_full = EstimateCounter().count_chats([plain, full])
    assert n_full - n_plain >= 12 + 15  # 12 CJK characters of reasoning, a call of ~60 characters
    r1 = lint_file(write(tmp_path / "a.jsonl", [{"messages": plain}]))
    r2 = lint_file(write(tmp_path / "b.jsonl", [{"messages": [plain[0], {**plain[1], "reasoning_content": "先查订单状态，再回答客户。"}]}]))
    assert r2.stats["tokens"]["total"] - r1.stats["tokens"]["total"] >= 12


# --------------------------------------------------------------------------- fuzzing the new shapes

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from test_fuzz_data import text, value  # noqa: E402  (the hostile values of the main fuzz suite)

KEPT: dict = {None: 0, "openai": 0, "sharegpt": 0}
PART_TYPES = ["text", "reasoning", "tool_call", "image_url", "video_url", "audio_url", "input_audio", "file", "tools",
              "refusal", "hologram"]
think = st.sampled_from(["<think>\n想一想\n</think>\n\n答", "<think>没有结束", "结束了</think>", "<think></think>", "a<think>b</think>"])
call_json = st.one_of(st.builds(lambda n, a: json.dumps({"name": n, "arguments": a}, ensure_ascii=False), text, value),
                      text, st.builds(lambda n: {"name": n, "arguments": {}}, text))


def sometimes(good, bad, odds: int = 10):
    """`good` most of the time, `bad` one time in `odds`: rows must often survive to be written back."""
    return st.integers(0, odds - 1).flatmap(lambda k: bad if k == 0 else good)


@st.composite
def shaped_row(draw) -> dict:
    msgs = []
    for i in range(draw(st.integers(1, 5))):
        role = draw(sometimes(st.just(("user", "assistant")[i % 2]), st.sampled_from(["tool", "system", "assistant"])))
        good = [{"type": "text", "value": f"第 {i} 句 turn {i}: " + draw(st.sampled_from(["订单 2024112300187", "ok", "a@b.cn"]))}]
        if role == "assistant" and draw(st.booleans()):
            good.insert(0, {"type": "reasoning", "value": draw(st.sampled_from(["想一想", "check 2+2"]))})
        hostile = st.lists(st.builds(lambda t, k, v: {"type": t, k: v}, st.sampled_from(PART_TYPES),
                                     st.sampled_from(["value", "text"]), st.one_of(text, think, call_json, value)), max_size=3)
        m = {"role": role, "content": draw(sometimes(st.just(good), st.one_of(hostile, think, text)))}
        if draw(st.booleans()):
            m["loss_weight"] = draw(sometimes(st.sampled_from([0, 0.0, 1, 1.0, 0.5, 2]), st.one_of(st.sampled_from([-1, True]), value)))
        if draw(st.integers(0, 3)) == 0:
            m[draw(st.sampled_from(["reasoning_content", "reasoning", "thinking"]))] = draw(
                sometimes(st.sampled_from(["先查订单", "2+2=4", ""]), st.one_of(text, value)))
        if role == "assistant" and draw(st.integers(0, 3)) == 0:
            m["tool_calls"] = [{"id": draw(st.sampled_from(["c1", "c2"])), "type": "function",
                                "function": {"name": draw(st.sampled_from(["f", "g"])),
                                             "arguments": draw(sometimes(st.just('{"a": 1}'), st.one_of(text, call_json)))}}]
        if role == "tool" and draw(st.booleans()):
            m["tool_call_id"] = draw(st.sampled_from(["c1", "c2", "c9"]))
        msgs.append(m)
    row = {"messages": msgs}
    if draw(st.booleans()):
        row["tools"] = draw(sometimes(st.just('[{"name": "f"}]'), value))
    if draw(st.integers(0, 4)) == 0:
        row["images"] = draw(sometimes(st.just(["a.png"]), value))
    return row


@settings(max_examples=150, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(shaped_row(), min_size=1, max_size=4), to=st.sampled_from([None, "openai", "sharegpt"]))
def test_new_shapes_lint_and_fix_keep_their_contract(tmp_path_factory, rows, to):
    work = tmp_path_factory.mktemp("shapes")
    p = work / "rows.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")  # (ASCII: lone surrogates escaped)
    r = lint_file(p, LintOptions(format="openai"))
    assert r.fatal is None and r.exit_code() == (1 if r.severities.get("error") else 0)
    json.dumps(r.to_json())
    res = fix_file(p, r, work / "clean.jsonl", to, LintOptions(format="openai"))
    assert res.kept + res.rejected == res.rows == r.rows
    if res.kept:
        KEPT[to] += 1
        again = lint_file(work / "clean.jsonl")
        assert not [f.to_dict() for f in again.findings if f.severity == "error"], rows


def test_the_shape_fuzz_wrote_rows_back():
    # (runs after the fuzz above) the property above is only worth something if rows survive to be written
    if sum(KEPT.values()):
        assert all(KEPT.values()), KEPT
