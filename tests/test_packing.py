"""Packed rows train exactly what the unpacked sequences would: no token sees another sequence,
no loss crosses a boundary, and the throughput counters count real tokens only."""
from __future__ import annotations

import copy
import json

import pytest
import torch
from transformers import AutoModelForCausalLM

from conftest import memorise_rows, write_jsonl
from engine.events import read_events
from engine.train.packed_attention import use_packed_sdpa
from engine.train.trainer import REAL_TOKENS_KEY, RowPackedCollator, TokenCounter


@pytest.fixture(scope="module")
def model(tiny_model_dir):
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, attn_implementation="sdpa")
    return model.eval()


def test_a_packed_row_gives_each_sequence_the_logits_it_has_alone(model):
    first, second, third = [5, 9, 14, 20, 7], [11, 3, 8], [4, 4, 30, 2]
    collator = RowPackedCollator(pad_token_id=0)
    # Two packed rows as TRL's best-fit packing leaves them: the second one shorter (padded).
    batch = collator([{"input_ids": first + second, "labels": first + second, "seq_lengths": [5, 3]},
                      {"input_ids": third, "labels": third, "seq_lengths": [4]}])
    assert batch["input_ids"].shape == (2, 8)  # rows stay rows: not one [1, 12] sequence
    assert "attention_mask" not in batch
    assert batch[REAL_TOKENS_KEY].tolist() == [[1] * 8, [1] * 4 + [0] * 4]
    assert batch["labels"][0].tolist() == [-100] + first[1:] + [-100] + second[1:]
    assert batch["labels"][1].tolist()[4:] == [-100] * 4
    assert batch["position_ids"].tolist() == [[0, 1, 2, 3, 4, 0, 1, 2], [0, 1, 2, 3, 0, 1, 2, 3]]  # padding: one run
    real = batch.pop(REAL_TOKENS_KEY)
    with torch.no_grad():
        # use_cache=False as in training (TRL sets it): with a cache transformers ignores packed positions.
        packed = model(**{k: v for k, v in batch.items() if k != "labels"}, use_cache=False).logits
        alone = [model(input_ids=torch.tensor([ids])).logits[0] for ids in (first, second, third)]
    torch.testing.assert_close(packed[0, :5], alone[0], rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(packed[0, 5:], alone[1], rtol=1e-4, atol=1e-4)  # blind to `first`
    torch.testing.assert_close(packed[1, :4], alone[2], rtol=1e-4, atol=1e-4)

    # The per-sequence attention gives the same logits, and its gradients match the masked path's.
    packed_model = copy.deepcopy(model)
    assert use_packed_sdpa(packed_model)
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    with torch.no_grad():
        split = packed_model(**inputs, use_cache=False).logits
    torch.testing.assert_close(split[0], packed[0], rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(split[1, :4], packed[1, :4], rtol=1e-4, atol=1e-4)
    for m in (model, packed_model):
        m.zero_grad()
        m(**inputs, labels=batch["labels"], use_cache=False).loss.backward()
    for (name, a), (_, b) in zip(model.named_parameters(), packed_model.named_parameters()):
        torch.testing.assert_close(a.grad, b.grad, rtol=1e-3, atol=1e-5, msg=name)
    model.zero_grad()

    counter = TokenCounter()
    counter.count({**batch, REAL_TOKENS_KEY: real})
    assert (counter.tokens, counter.samples) == (12, 3)


def varied_rows(n: int) -> list[dict]:
    """Support conversations of 64-92 tokens (variable lengths, as real data has)."""
    rows = memorise_rows(n)
    for k, row in enumerate(rows):
        row["messages"][-1]["content"] += " Thank you." * (k % 5)
    return rows


def test_real_conversations_are_packed_several_to_a_row(tiny_model_dir):
    """TRL's best-fit packing of real tokenised conversations, then the trainer's collator: each row
    holds several whole conversations, its position ids restart at each one and its labels never
    cross from one to the next."""
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl.data_utils import pack_dataset

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    conversations = [tokenizer(tokenizer.apply_chat_template(row["messages"], tokenize=False),
                               add_special_tokens=False)["input_ids"] for row in varied_rows(40)]
    packed = pack_dataset(Dataset.from_dict({"input_ids": conversations}), seq_length=256, strategy="bfd")
    assert len(packed) < len(conversations) / 2  # 40 conversations in under 20 rows
    examples = [packed[i] for i in range(4)]
    batch = RowPackedCollator(tokenizer.pad_token_id)(examples)
    originals = {tuple(ids) for ids in conversations}
    for row, example in enumerate(examples):
        lengths = example["seq_lengths"]
        assert len(lengths) >= 2 and sum(lengths) <= 256, lengths
        starts = [sum(lengths[:k]) for k in range(len(lengths))]
        ids = batch["input_ids"][row].tolist()
        positions = batch["position_ids"][row].tolist()
        for start, length in zip(starts, lengths):
            assert positions[start:start + length] == list(range(length))  # restarts at each conversation
            assert tuple(ids[start:start + length]) in originals  # a whole conversation, unchanged
            assert batch["labels"][row, start] == -100  # nothing predicts a conversation's first token
        assert batch[REAL_TOKENS_KEY][row].sum() == sum(lengths)


def test_a_packed_run_trains_and_reports_real_tokens(tmp_path, tiny_model_dir, runs_dir):
    import subprocess
    import sys

    import yaml
    rows = varied_rows(120)  # 24 of them the eval split (at least 20 make one)
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    config = {"model": str(tiny_model_dir), "method": "lora", "data": str(data), "runs_dir": str(runs_dir),
              "name": "packed", "max_steps": 3, "batch_size": 2, "grad_accum": 1, "max_length": 256, "packing": True,
              "eval_split": 0.2, "gradient_checkpointing": False, "learning_rate": 5e-3, "lora": {"r": 8, "alpha": 16}}
    path = tmp_path / "packed.yaml"
    path.write_text(yaml.safe_dump(config))
    result = subprocess.run([sys.executable, "-m", "tui.cli", "train", str(path)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    events = read_events(runs_dir / "packed" / "events.jsonl")
    steps = [e for e in events if e["type"] == "step"]
    assert len(steps) == 3 and events[-1]["status"] == "completed"
    assert any("attention runs per packed sequence" in e.get("message", "") for e in events if e["type"] == "log")
    # Two rows of at most 256 tokens each: a step never counts more real tokens than that. Unpacked,
    # a step is two conversations, at most 2 x the longest one; packed, each row holds several, so
    # every step counts more tokens than two conversations can have.
    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    longest = max(len(tokenizer(tokenizer.apply_chat_template(row["messages"], tokenize=False),
                                add_special_tokens=False)["input_ids"]) for row in rows)
    assert 2 * longest < 256  # room for two or more in a row
    assert all(2 * longest < e["tokens"] <= 2 * 256 for e in steps), ([e["tokens"] for e in steps], longest)
    # The conversations a step trained on (samples/s x seconds), counted by where position ids restart:
    # at least two a row.
    conversations = [e["samples_per_s"] * e["tokens"] / e["tokens_per_s"] for e in steps]
    assert all(c >= 2 * 2 - 0.05 for c in conversations), conversations
    assert json.loads((runs_dir / "packed" / "status.json").read_text())["state"] == "completed"
    evals = [e for e in events if e["type"] == "eval"]  # the eval split is packed the same way
    assert evals and all(0 < e["eval_loss"] < 20 for e in evals)

