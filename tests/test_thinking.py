"""Reasoning traces and tool calls through the model's own chat template (a Qwen3-like one, hand-written in
tiny_model.py): the labels cover exactly the intended tokens, a template that cannot render reasoning is
detected and reported, and a real run records its thinking setting so that chat and export prompt the
model as training did (a model trained without thinking does not think after merging)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from transformers import AutoTokenizer

from conftest import write_jsonl
from test_chat_support import one_torch_thread  # noqa: F401
from tiny_model import build_thinking_model

from engine.data.canonical import Example, Message
from engine.train import template as tpl
from engine.train.tokenize import tokenize_examples

QUESTION, REASONING, ANSWER = "Where is my parcel?", "The courier is late.", "The parcel was delayed."
PROMPT = [{"role": "user", "content": QUESTION}]


@pytest.fixture(scope="module")
def thinking_dir(tiny_model_dir, tmp_path_factory) -> Path:
    return build_thinking_model(tmp_path_factory.mktemp("thinking-model"), tiny_model_dir)


@pytest.fixture(scope="module")
def qwen(thinking_dir):
    return AutoTokenizer.from_pretrained(thinking_dir)


def trained(tokenizer, result) -> list[str]:
    return [tokenizer.decode([t for t, m in zip(r["input_ids"], r["assistant_masks"]) if m]) for r in result.rows]


def two_turns() -> Example:
    return Example("mem", 1, [Message("system", "S"), Message("user", "Q1"), Message("assistant", "A1", reasoning="R1"),
                              Message("user", "Q2"), Message("assistant", "A2", reasoning="R2")])


def test_thinking_on_trains_every_turns_reasoning_as_the_template_renders_it(qwen):
    result = tokenize_examples(qwen, [two_turns()], 1024, enable_thinking=True)
    # Turn 1's reasoning is dropped by the template once Q2 follows: it trains in a sequence of its own.
    assert trained(qwen, result) == ["<think>\nR1\n</think>\n\nA1<|im_end|>\n", "<think>\nR2\n</think>\n\nA2<|im_end|>\n"]
    assert result.split == 1
    whole = qwen.decode(result.rows[1]["input_ids"])
    assert whole == qwen.apply_chat_template(tpl.template_messages(two_turns().messages, True), tokenize=False,
                                             enable_thinking=True)
    assert "R1" not in whole  # the history as the model will see it at the second turn


def test_thinking_off_trains_the_answers_only_behind_an_empty_think_block(qwen):
    result = tokenize_examples(qwen, [two_turns()], 1024, enable_thinking=False)
    assert trained(qwen, result) == ["A1<|im_end|>\n", "A2<|im_end|>\n"]
    for row in result.rows:
        text = qwen.decode(row["input_ids"])
        assert "R1" not in text and "R2" not in text
        prompt = qwen.decode([t for t, m in zip(row["input_ids"], row["assistant_masks"]) if not m])
        assert prompt.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")  # chat prompts end the same way


def test_tool_calls_are_trained_tool_results_and_weight_zero_turns_are_not(qwen):
    weather = {"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                                                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}
    call = [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]
    example = Example("t", 1, [Message("user", "Weather in Paris?"), Message("assistant", "", tool_calls=call),
                               Message("tool", "sunny, 21 C", tool_call_id="c1"), Message("assistant", "Sunny, 21 C."),
                               Message("user", "Thanks"), Message("assistant", "Old reply", weight=0)], tools=[weather])
    result = tokenize_examples(qwen, [example], 2048, enable_thinking=False)
    texts = trained(qwen, result)
    assert texts == ['<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>\n',
                     "Sunny, 21 C.<|im_end|>\n"]
    everything = "".join(qwen.decode(r["input_ids"]) for r in result.rows)
    assert "<tools>" in everything and "get_weather" in everything and "sunny, 21 C" in everything
    assert "Old reply" not in "".join(texts)
    assert example.messages[1].tool_calls[0]["function"]["arguments"] == '{"city": "Paris"}'  # input unchanged


def test_template_abilities_are_found_by_rendering(qwen, tiny_model_dir):
    assert tpl.probe_template(qwen) == tpl.TemplateAbilities(reasoning=True, thinking_switch=True, tools=True,
                                                             tool_calls=True)
    chatml = AutoTokenizer.from_pretrained(tiny_model_dir)
    assert tpl.probe_template(chatml) == tpl.TemplateAbilities(False, False, False, False)


def test_a_template_that_drops_reasoning_is_reported_and_trains_the_answer(tiny_model_dir, qwen):
    chatml = AutoTokenizer.from_pretrained(tiny_model_dir)
    example = Example("d.jsonl", 3, [Message("user", QUESTION), Message("assistant", ANSWER, reasoning=REASONING)])
    record = tpl.plan_render(chatml, [example], None, "tiny-chatml")
    assert record["enable_thinking"] is True and record["reasoning_trained"] is False
    [notice] = record["notices"]
    assert notice["code"] == "template-drops-reasoning" and notice["params"] == {"model": "tiny-chatml", "examples": 1}
    assert "tiny-chatml" in notice["message"] and "Qwen3" in notice["message"] and "without" in notice["message"]
    assert trained(chatml, tokenize_examples(chatml, [example], 256, enable_thinking=True)) == [ANSWER + "<|im_end|>\n"]
    assert tpl.plan_render(qwen, [example], None, "qwen-like")["notices"] == []


def test_the_run_logs_the_notice_with_its_code_and_params_for_other_languages(tiny_model_dir, tmp_path, capsys):
    # The monitor words a log line by its code (Chinese screens): the event carries code and params, not
    # the English sentence alone; train.log keeps the code in front of the sentence for people.
    from engine.events import read_events
    from engine.train.config import RunConfig
    from engine.train.context import RunContext
    chatml = AutoTokenizer.from_pretrained(tiny_model_dir)
    example = Example("d.jsonl", 3, [Message("user", QUESTION), Message("assistant", ANSWER, reasoning=REASONING)])
    ctx = RunContext(tmp_path, RunConfig(model="tiny-chatml"))
    assert tpl.setup_run(ctx, chatml, [example]) is True
    [notice] = [e for e in read_events(tmp_path / "events.jsonl") if e.get("code")]
    assert notice["code"] == "template-drops-reasoning" and notice["level"] == "warning"
    assert notice["params"] == {"model": "tiny-chatml", "examples": 1}
    assert not notice["message"].startswith("template-drops-reasoning")
    assert "template-drops-reasoning: " in capsys.readouterr().out


def test_reasoning_is_split_from_the_answer_in_chat():
    from engine.chat import Conversation, Reply, split_reasoning
    assert split_reasoning("<think>\nhmm\n</think>\n\nYes.") == ("hmm", "Yes.")
    assert split_reasoning("<think>\nstill thinking") == ("still thinking", "")
    assert split_reasoning("hmm</think>\n\nYes.") == ("hmm", "Yes.")  # <think> was in the prompt
    assert split_reasoning("Plain answer.") == (None, "Plain answer.")
    conversation = Conversation()
    conversation.add("Q", {"tuned": Reply(text="<think>\nhmm\n</think>\n\nYes.")}, __import__("engine.chat").chat.Sampling())
    assert conversation.messages("tuned", "Q2")[1] == {"role": "assistant", "content": "Yes."}


# -- real runs -----------------------------------------------------------------------------------
def train(root: Path, model_dir: Path, name: str, enable_thinking: bool | None) -> Path:
    rows = [{"messages": [{"role": "user", "content": QUESTION},
                          {"role": "assistant", "content": ANSWER, "reasoning_content": REASONING}]}] * 16
    data = write_jsonl(root / f"{name}.jsonl", rows)
    config = {"model": str(model_dir), "method": "lora", "data": str(data), "runs_dir": str(root / "runs"),
              "name": name, "max_steps": 16, "batch_size": 4, "grad_accum": 1, "learning_rate": 1e-2,
              "max_length": 64, "eval_split": 0, "gradient_checkpointing": False, "save_steps": 16,
              "lora": {"r": 8, "alpha": 16}, "enable_thinking": enable_thinking}
    path = root / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    result = subprocess.run([sys.executable, "-m", "tui.cli", "train", str(path)], capture_output=True, text=True,
                            timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    return Path(result.stdout.strip().splitlines()[-1])


def greedy(chat, adapter: bool = True):
    from engine.chat import Reply, Sampling
    reply = Reply()
    for _ in chat.stream(PROMPT, Sampling(temperature=0, max_new_tokens=64), adapter=adapter, reply=reply):
        pass
    return reply


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("thinking-runs")


@pytest.fixture(scope="module")
def think_off_run(runs_root, thinking_dir) -> Path:
    return train(runs_root, thinking_dir, "think-off", False)


def test_a_run_with_reasoning_records_thinking_and_the_chat_thinks_like_training(runs_root, thinking_dir):
    from engine.chat import LocalChat, locate_run_model
    run = train(runs_root, thinking_dir, "think-on", None)
    record = json.loads((run / "chat_template.json").read_text())
    assert record["enable_thinking"] is True and record["reasoning_trained"] is True
    assert record["template_sha256"] == tpl.template_hash(AutoTokenizer.from_pretrained(thinking_dir))
    assert "enable_thinking=true" in (run / "train.log").read_text()
    chat = LocalChat(locate_run_model(run))
    notes = chat.load()
    assert chat.template_kwargs == {"enable_thinking": True} and any("thinking on" in n for n in notes)
    assert chat.thinking is True
    reply = greedy(chat)
    # a tiny random model memorises nearly, not always to the last character: the parts are what matters
    assert reply.reasoning.startswith("The courier is late"), reply.text
    assert reply.answer.startswith("The parcel") and "</think>" not in reply.answer, reply.text


def test_a_run_without_thinking_chats_and_exports_without_thinking(think_off_run, thinking_dir, tmp_path):
    from transformers import AutoModelForCausalLM

    from engine.chat import LocalChat, locate_run_model
    from engine.export import merge_adapter
    run = think_off_run
    assert json.loads((run / "chat_template.json").read_text())["enable_thinking"] is False
    assert "thinking-off-drops-reasoning" in (run / "train.log").read_text()
    training_prompt = tpl.render(AutoTokenizer.from_pretrained(thinking_dir), PROMPT, None, True, False)
    assert training_prompt.endswith("<think>\n\n</think>\n\n")
    chat = LocalChat(locate_run_model(run))
    chat.load()
    assert chat.tokenizer.decode(chat.encode(PROMPT)[0]["input_ids"][0]) == training_prompt
    reply = greedy(chat)
    assert reply.reasoning is None and reply.text.startswith("The parcel"), reply.text

    out = tmp_path / "merged"
    result = merge_adapter(run, out)
    assert result.enable_thinking is False and "enable_thinking=false" in (out / "README.md").read_text()
    exported = AutoTokenizer.from_pretrained(out)
    # Rendered with no kwargs, as vLLM or a plain transformers user would: the prompt training used.
    assert exported.apply_chat_template(PROMPT, tokenize=False, add_generation_prompt=True) == training_prompt
    assert not exported.apply_chat_template(PROMPT, tokenize=False, add_generation_prompt=True,
                                            enable_thinking=True).endswith("</think>\n\n")  # asking still works
    merged = AutoModelForCausalLM.from_pretrained(out).eval()
    inputs = exported.apply_chat_template(PROMPT, add_generation_prompt=True, return_dict=True, return_tensors="pt")
    answer = merged.generate(**inputs, max_new_tokens=12, do_sample=False)[0][inputs["input_ids"].shape[1]:]
    text = exported.decode(answer, skip_special_tokens=True)
    assert text.startswith("The parcel") and "<think>" not in text


def test_lint_with_a_model_names_the_rows_whose_reasoning_its_template_drops(tmp_path, tiny_model_dir, thinking_dir):
    from transformers import AutoTokenizer as Auto

    from engine.data.lint import LintOptions, lint_file
    from engine.data.stats import HFCounter
    rows = [{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]},
            {"messages": [{"role": "user", "content": QUESTION},
                          {"role": "assistant", "content": ANSWER, "reasoning_content": REASONING}]}]
    path = write_jsonl(tmp_path / "mixed.jsonl", rows)

    def findings(model_dir: Path) -> list:
        report = lint_file(path, LintOptions(model=str(model_dir)), counter=HFCounter(Auto.from_pretrained(model_dir),
                                                                                        "tokenizer"))
        return [f for f in report.findings if f.code == "template-drops-reasoning"]

    [finding] = findings(tiny_model_dir)  # ChatML: reasoning_content is dropped
    assert finding.line == 2 and str(tiny_model_dir) in finding.message and "Qwen3" in finding.message
    assert findings(thinking_dir) == []


async def test_the_chat_pane_says_thinking_is_off_as_trained(think_off_run):
    from tui.app import TunewizApp
    from tui.screens.chat import ChatScreen
    app = TunewizApp(lang="zh", runs_dir=think_off_run.parent)
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_screen("chat", run_dir=think_off_run)
        for _ in range(1500):
            screen = app.screen
            if isinstance(screen, ChatScreen) and screen.local is not None:
                break
            await pilot.pause(0.02)
        await pilot.pause()
        status = str(app.screen.query_one("#chat-status").render())
        assert "思考：关（同训练）" in status
