"""Packed rows train exactly what the unpacked sequences would: no token sees another sequence,
no loss crosses a boundary, and the throughput counters count real tokens only."""
from __future__ import annotations

import json

import pytest
import torch
from transformers import AutoModelForCausalLM

from conftest import memorise_rows, write_jsonl
from engine.events import read_events
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
    real = batch.pop(REAL_TOKENS_KEY)
    with torch.no_grad():
        # use_cache=False as in training (TRL sets it): with a cache transformers ignores packed positions.
        packed = model(**{k: v for k, v in batch.items() if k != "labels"}, use_cache=False).logits
        alone = [model(input_ids=torch.tensor([ids])).logits[0] for ids in (first, second, third)]
    torch.testing.assert_close(packed[0, :5], alone[0], rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(packed[0, 5:], alone[1], rtol=1e-4, atol=1e-4)  # blind to `first`
    torch.testing.assert_close(packed[1, :4], alone[2], rtol=1e-4, atol=1e-4)

    counter = TokenCounter()
    counter.count({**batch, REAL_TOKENS_KEY: real})
    assert (counter.tokens, counter.samples) == (12, 3)


def test_a_packed_run_trains_and_reports_real_tokens(tmp_path, tiny_model_dir, runs_dir):
    import subprocess
    import sys

    import yaml
    rows = memorise_rows(24)
    for k, row in enumerate(rows):  # variable lengths, as real data has
        row["messages"][-1]["content"] += " Thank you." * (k % 5)
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    config = {"model": str(tiny_model_dir), "method": "lora", "data": str(data), "runs_dir": str(runs_dir),
              "name": "packed", "max_steps": 3, "batch_size": 2, "grad_accum": 1, "max_length": 256, "packing": True,
              "eval_split": 0, "gradient_checkpointing": False, "learning_rate": 5e-3, "lora": {"r": 8, "alpha": 16}}
    path = tmp_path / "packed.yaml"
    path.write_text(yaml.safe_dump(config))
    result = subprocess.run([sys.executable, "-m", "tui.cli", "train", str(path)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    events = read_events(runs_dir / "packed" / "events.jsonl")
    steps = [e for e in events if e["type"] == "step"]
    assert len(steps) == 3 and events[-1]["status"] == "completed"
    assert any("per-row sequence masks" in e.get("message", "") for e in events if e["type"] == "log")
    # Two rows of at most 256 tokens each: a step never counts more real tokens than that, and with
    # conversations of 64-92 tokens each row holds several of them.
    assert all(0 < e["tokens"] <= 2 * 256 for e in steps)
    conversations = [e["samples_per_s"] * e["tokens"] / e["tokens_per_s"] for e in steps]
    assert all(c >= 4 for c in conversations), conversations
    assert json.loads((runs_dir / "packed" / "status.json").read_text())["state"] == "completed"
