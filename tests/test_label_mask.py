"""The loss mask covers exactly the assistant tokens (every assistant turn, with its end-of-turn
token), for every input format, with the model's own chat template."""
from __future__ import annotations

import json

import pytest
from transformers import AutoTokenizer

from engine.data.formats import read_examples
from engine.train.tokenize import tokenize_examples

CONVERSATION = [("system", "You are the support desk."), ("user", "Where is my parcel?"),
                ("assistant", "It left the depot today."), ("user", "退款呢？"), ("assistant", "退款已批准。")]


def as_format(fmt: str) -> dict:
    sys_, (u1, a1, u2, a2) = CONVERSATION[0][1], [c for _, c in CONVERSATION[1:]]
    if fmt == "openai":
        return {"messages": [{"role": r, "content": c} for r, c in CONVERSATION]}
    if fmt == "conversation":
        return {"conversation": [{"role": r, "content": c} for r, c in CONVERSATION]}
    if fmt == "alpaca":
        return {"instruction": u2, "input": "", "output": a2, "system": sys_, "history": [[u1, a1]]}
    if fmt == "sharegpt":
        return {"system": sys_, "conversations": [{"from": "human", "value": u1}, {"from": "gpt", "value": a1},
                                                  {"from": "human", "value": u2}, {"from": "gpt", "value": a2}]}
    raise AssertionError(fmt)


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    return AutoTokenizer.from_pretrained(tiny_model_dir)


@pytest.mark.parametrize("fmt", ["openai", "conversation", "alpaca", "sharegpt"])
def test_mask_is_exactly_the_assistant_turns(tmp_path, tokenizer, fmt):
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps(as_format(fmt), ensure_ascii=False) + "\n", encoding="utf-8")
    result = read_examples(path)
    assert result.format == fmt and not result.problems
    row = tokenize_examples(tokenizer, result.examples, 1024).rows[0]
    ids, mask = row["input_ids"], row["assistant_masks"]
    trained = tokenizer.decode([t for t, m in zip(ids, mask) if m])
    ignored = tokenizer.decode([t for t, m in zip(ids, mask) if not m])
    assert trained == "It left the depot today.<|im_end|>\n退款已批准。<|im_end|>\n"
    assert "Where is my parcel?" in ignored and "退款呢" in ignored and "support desk" in ignored
    # the whole rendering is covered: masked + unmasked tokens are the template's tokens in order
    assert tokenizer.decode(ids) == tokenizer.apply_chat_template(
        [{"role": r, "content": c} for r, c in CONVERSATION], tokenize=False)


def test_weight_zero_turns_and_train_on_all(tmp_path, tokenizer):
    row = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Old answer", "weight": 0},
                        {"role": "user", "content": "Again"}, {"role": "assistant", "content": "New answer", "weight": 1}]}
    path = tmp_path / "w.jsonl"
    path.write_text(json.dumps(row) + "\n")
    examples = read_examples(path).examples
    only = tokenize_examples(tokenizer, examples, 1024).rows[0]
    assert tokenizer.decode([t for t, m in zip(only["input_ids"], only["assistant_masks"]) if m]) == "New answer<|im_end|>\n"
    everything = tokenize_examples(tokenizer, examples, 1024, train_on="all").rows[0]
    assert all(everything["assistant_masks"])


def test_raw_text_is_chunked_not_lost(tmp_path, tokenizer):
    path = tmp_path / "corpus.txt"
    long_text = ("a much longer paragraph about kettles " * 30).strip()
    path.write_text("short line\n" + long_text + "\n")
    result = tokenize_examples(tokenizer, read_examples(path).examples, 32)
    assert result.chunked == 1 and result.truncated == 0
    assert all(len(r["input_ids"]) <= 32 and all(r["assistant_masks"]) for r in result.rows)
    total = sum(len(r["input_ids"]) for r in result.rows)
    assert total == result.tokens == len(tokenizer("short line")["input_ids"]) + 1 + \
        len(tokenizer(long_text)["input_ids"]) + 1  # + eos each


def trained_texts(tokenizer, result) -> list[str]:
    return [tokenizer.decode([t for t, m in zip(r["input_ids"], r["assistant_masks"]) if m]) for r in result.rows]


def test_a_template_that_rewrites_history_trains_each_turn_as_it_renders_it(tmp_path, tokenizer):
    # Earlier assistant turns render differently once a later turn exists: each turn is trained in the
    # sequence where it is the newest, with what the template renders for it there.
    tokenizer = AutoTokenizer.from_pretrained(tokenizer.name_or_path)
    tokenizer.chat_template = (
        "{% for m in messages %}{% if m['role'] == 'assistant' and not loop.last %}"
        "{{'<|im_start|>assistant\n' + m['content'] + ' (earlier)<|im_end|>\n'}}{% else %}"
        "{{'<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>\n'}}{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}{{'<|im_start|>assistant\n'}}{% endif %}")
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(as_format("openai")) + "\n")
    result = tokenize_examples(tokenizer, read_examples(path).examples, 1024)
    assert result.split == 1 and len(result.rows) == 2
    assert trained_texts(tokenizer, result) == ["It left the depot today.<|im_end|>\n", "退款已批准。<|im_end|>\n"]
    # the first turn's history form is context in the second sequence, never trained
    assert "(earlier)" in tokenizer.decode(result.rows[1]["input_ids"])


def test_a_template_that_refuses_a_row_names_the_row(tmp_path, tokenizer):
    from engine.train.errors import TrainingError
    tokenizer = AutoTokenizer.from_pretrained(tokenizer.name_or_path)
    tokenizer.chat_template = ("{% for m in messages %}{% if m['role'] == 'system' %}"
                               "{{ raise_exception('System role not supported') }}{% endif %}"
                               "{{ m['role'] + ': ' + m['content'] + '\\n' }}{% endfor %}")
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]})
                    + "\n" + json.dumps(as_format("openai")) + "\n")
    with pytest.raises(TrainingError) as caught:
        tokenize_examples(tokenizer, read_examples(path).examples, 1024)
    assert f"{path}:2" in str(caught.value) and "System role not supported" in str(caught.value)
    assert caught.value.code == "template-rejects-row" and "alternate" in caught.value.advice
