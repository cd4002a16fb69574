"""method dpo end to end: real `tunewiz train` subprocesses (TRL's DPOTrainer) on a tiny random model,
the events' reward fields, the adapter chat and export load, from an SFT adapter, stop and resume, and
the messages for data of the wrong shape."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import write_jsonl
from engine.events import read_events, validate_event
from engine.runs import read_status
from test_train import run_dir_of, steps, tunewiz, wait_for

# Short answers the tiny tokenizer knows (tests/tiny_model.py's corpus): the chosen one is always polite.
GOOD = ["Hello, how can I help you today? Your refund has been approved.",
        "The parcel was delayed by the courier; we are sorry for the wait.",
        "Please send a photo of the damaged item and your order number."]
BAD = ["Please send", "delayed", "Hello"]


def pair_rows(n: int = 16) -> list[dict]:
    rows = []
    for i in range(n):
        rows.append({"prompt": [{"role": "system", "content": "Be kind."},
                                {"role": "user", "content": f"Hello {i % 4}, how can I help?"}],
                     "chosen": [{"role": "assistant", "content": GOOD[i % 3]}],
                     "rejected": [{"role": "assistant", "content": BAD[i % 3]}]})
    return rows


def dpo_config(tmp_path: Path, model_dir: Path, runs_dir: Path, name: str, **overrides) -> Path:
    data = overrides.pop("data", None) or str(write_jsonl(tmp_path / "pairs.jsonl", pair_rows()))
    config = {"model": str(model_dir), "method": "dpo", "data": data, "runs_dir": str(runs_dir), "name": name,
              "max_steps": 8, "batch_size": 4, "grad_accum": 1, "learning_rate": 5e-3, "max_length": 96,
              "eval_split": 0, "gradient_checkpointing": False, "save_steps": 4, "lora": {"r": 8, "alpha": 16},
              "dpo": {"beta": 0.1}}
    for key, value in overrides.items():
        if isinstance(value, dict):
            config[key] = {**config.get(key, {}), **value}
        else:
            config[key] = value
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def dpo_run(tmp_path_factory, tiny_model_dir) -> Path:
    tmp = tmp_path_factory.mktemp("dpo")
    runs = tmp / "runs"
    data = str(write_jsonl(tmp / "pairs.jsonl", pair_rows(96)))  # 24 eval pairs: eval events too
    result = tunewiz("train", str(dpo_config(tmp, tiny_model_dir, runs, "prefer", data=data, eval_split=0.25)),
                     check=True)
    return run_dir_of(result)


def test_dpo_with_lora_trains_and_its_events_carry_margin_and_accuracy(dpo_run):
    events = read_events(dpo_run / "events.jsonl")
    for event in events:
        validate_event(event)
    assert events[-1]["type"] == "end" and events[-1]["status"] == "completed"
    start = next(e for e in events if e["type"] == "start")
    assert (start["method"], start["tuning"], start["reference"], start["beta"]) == ("dpo", "lora", "base", 0.1)
    assert any("DPO reference: the base model with the adapter switched off" in e.get("message", "")
               for e in events if e["type"] == "log")
    trained = steps(dpo_run)
    assert [e["step"] for e in trained] == list(range(1, 9))
    for event in trained:
        assert isinstance(event["reward_margin"], float) and 0.0 <= event["reward_accuracy"] <= 1.0
        assert event["tokens"] > 0
    # It learns the preference: the margin grows from zero and the chosen answers win.
    assert trained[0]["reward_margin"] == pytest.approx(0.0, abs=1e-6)
    assert trained[-1]["reward_margin"] > 0.5 and trained[-1]["reward_accuracy"] == 1.0
    assert read_status(dpo_run)["state"] == "completed"
    evals = [e for e in events if e["type"] == "eval"]
    assert [e["step"] for e in evals] == [4, 8]
    assert all(isinstance(e["eval_reward_margin"], float) and 0 <= e["eval_reward_accuracy"] <= 1 for e in evals)
    assert evals[-1]["eval_reward_margin"] > evals[0]["eval_reward_margin"]
    assert not any("/" in key for e in evals for key in e)  # TRL's rewards/margins keys are renamed


def test_the_dpo_adapter_loads_like_an_sft_one_and_prefers_the_chosen_answers(dpo_run, tiny_model_dir):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from engine.run_model import locate_run_model

    target = locate_run_model(dpo_run)
    assert target.kind == "adapter" and target.weights == dpo_run / "adapter" and target.checkpoint is None
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    tuned = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir), target.weights).eval()

    def logp(model, answer: str) -> float:
        prompt = tokenizer.apply_chat_template([{"role": "system", "content": "Be kind."},
                                                {"role": "user", "content": "Hello 1, how can I help?"}],
                                               tokenize=False, add_generation_prompt=True)
        ids = tokenizer(prompt + answer, add_special_tokens=False, return_tensors="pt")["input_ids"]
        start = len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
        with torch.no_grad():
            logits = model(ids).logits[0, :-1].log_softmax(-1)
        return float(logits[torch.arange(start - 1, ids.shape[1] - 1), ids[0, start:]].sum())

    good, bad = GOOD[1], BAD[1]
    assert logp(tuned, good) - logp(tuned, bad) > logp(base, good) - logp(base, bad) + 0.5


def test_watch_prints_margin_and_accuracy_for_a_dpo_run(dpo_run):
    result = tunewiz("watch", str(dpo_run), "--plain")
    assert result.returncode == 0, result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    assert any("method dpo (lora, reference base)" in line for line in lines)
    step8 = next(line for line in lines if line.startswith("step 8/8"))
    assert "margin +" in step8 and "acc 100%" in step8


def test_dpo_from_an_sft_adapter_compares_with_a_frozen_copy_of_it(tmp_path, tiny_model_dir, runs_dir, dpo_run):
    config = dpo_config(tmp_path, tiny_model_dir, runs_dir, "from-adapter", max_steps=2,
                        dpo={"from_adapter": str(dpo_run / "adapter")})
    run_dir = run_dir_of(tunewiz("train", str(config), check=True))
    events = read_events(run_dir / "events.jsonl")
    start = next(e for e in events if e["type"] == "start")
    assert start["reference"] == "adapter"
    assert any(f"a frozen copy of the starting adapter {dpo_run / 'adapter'}" in e.get("message", "")
               for e in events if e["type"] == "log")
    # It starts where the adapter is: the first step's policy equals its reference (margin 0) while the
    # adapter already prefers the chosen answers, and the saved adapter is one adapter, not two.
    first = steps(run_dir)[0]
    assert first["reward_margin"] == pytest.approx(0.0, abs=1e-6) and first["loss"] == pytest.approx(0.6931, abs=1e-3)
    assert (run_dir / "adapter" / "adapter_config.json").is_file() and not (run_dir / "adapter" / "ref").exists()
    from safetensors.torch import load_file
    before = load_file(dpo_run / "adapter" / "adapter_model.safetensors")
    after = load_file(run_dir / "adapter" / "adapter_model.safetensors")
    assert before.keys() == after.keys()
    for key in (k for k in before if "lora_B" in k):  # a new adapter would start from lora_B = 0
        drift = float((after[key] - before[key]).norm())
        assert drift < 0.5 * float(before[key].norm()), key


def test_qlora_dpo_from_an_sft_adapter_trains_on_nf4_weights_from_where_the_adapter_is(tmp_path, tiny_model_dir,
                                                                                      runs_dir, dpo_run):
    # The guide's QLoRA with preference data: the base in 4-bit NF4 (bitsandbytes runs on the CPU too), the
    # adapter trained on from the given one, its frozen copy the reference.
    config = dpo_config(tmp_path, tiny_model_dir, runs_dir, "qlora-from-adapter", max_steps=2,
                        dpo={"tuning": "qlora", "from_adapter": str(dpo_run / "adapter")})
    run_dir = run_dir_of(tunewiz("train", str(config), check=True))
    events = read_events(run_dir / "events.jsonl")
    assert events[-1]["status"] == "completed"
    start = next(e for e in events if e["type"] == "start")
    assert start["reference"] == "adapter"
    assert start["quantization"]["quant_type"] == "nf4" and start["quantization"]["layers"] == 14
    first = steps(run_dir)[0]
    # The policy and its reference start equal (the same adapter on the same NF4 base; bf16 compute leaves a
    # trace), while a fresh adapter against that reference would start at minus what the adapter learnt.
    learnt = steps(dpo_run)[-1]["reward_margin"]
    assert abs(learnt) > 0.02 and first["reward_margin"] == pytest.approx(0.0, abs=2e-3), (learnt, first)
    assert first["loss"] == pytest.approx(0.6931, abs=1e-3)
    from safetensors.torch import load_file
    before = load_file(dpo_run / "adapter" / "adapter_model.safetensors")
    after = load_file(run_dir / "adapter" / "adapter_model.safetensors")
    assert before.keys() == after.keys() and not (run_dir / "adapter" / "ref").exists()


def test_a_stopped_dpo_run_resumes_where_it_stopped(tmp_path, tiny_model_dir, runs_dir):
    config = dpo_config(tmp_path, tiny_model_dir, runs_dir, "resumable", max_steps=400, save_steps=1000)
    run_dir = run_dir_of(tunewiz("train", str(config), "--detach", check=True))
    wait_for(lambda: len(steps(run_dir)) >= 2, timeout=120)
    assert "stopped" in tunewiz("stop", str(run_dir), check=True).stderr
    stopped_at = steps(run_dir)[-1]["step"]
    assert (run_dir / "checkpoints" / f"checkpoint-{stopped_at}" / "adapter_model.safetensors").is_file()
    tunewiz("resume", str(run_dir), "--detach", check=True)
    wait_for(lambda: any(e["step"] > stopped_at + 1 for e in steps(run_dir)), timeout=120)
    tunewiz("stop", str(run_dir), check=True)
    starts = [e for e in read_events(run_dir / "events.jsonl") if e["type"] == "start"]
    assert len(starts) == 2 and starts[1]["resumed_from_step"] == stopped_at and starts[1]["method"] == "dpo"
    first_new = next(e for e in steps(run_dir) if e["step"] > stopped_at)
    assert first_new["step"] == stopped_at + 1 and "reward_margin" in first_new


def test_data_of_the_wrong_shape_is_refused_with_what_to_do(tmp_path, tiny_model_dir, runs_dir):
    sft = write_jsonl(tmp_path / "chats.jsonl", [{"messages": [{"role": "user", "content": "Hi"},
                                                               {"role": "assistant", "content": "Hello"}]}] * 4)
    result = tunewiz("train", str(dpo_config(tmp_path, tiny_model_dir, runs_dir, "wrong", data=str(sft))))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    message = " ".join(result.stderr.split())
    assert f"{sft} is not preference data" in message and "prompt / chosen / rejected" in message
    assert "preferred_output" in message

    pairs = write_jsonl(tmp_path / "pairs.jsonl", pair_rows(4))
    result = tunewiz("train", str(dpo_config(tmp_path, tiny_model_dir, runs_dir, "sft-on-pairs", data=str(pairs),
                                             method="lora")))
    assert result.returncode == 2 and "is preference data" in result.stderr and "use method: dpo" in result.stderr
    assert not runs_dir.exists() or not any(runs_dir.iterdir())  # refused before a run directory was made


def test_dpo_settings_that_cannot_go_together_are_named(tmp_path):
    from engine.train.config import ConfigError, parse_config

    with pytest.raises(ConfigError) as caught:
        parse_config({"method": "dpo", "packing": True, "dpo": {"tuning": "full", "from_adapter": "runs/x/adapter"}})
    text = str(caught.value)
    assert "dpo.from_adapter: an adapter trains on as an adapter" in text and "packing: DPO" in text
    config = parse_config({"method": "dpo", "dpo": {"tuning": "qlora"}})
    assert config.tuning == "qlora" and config.uses_lora
    assert parse_config({"method": "dpo", "dpo": {"tuning": "full"}}).uses_lora is False
    assert json.loads(json.dumps(config.model_dump(mode="json")))["dpo"]["beta"] == 0.1


def test_chat_and_export_work_on_a_dpo_run(dpo_run, tmp_path):
    env = {"TUNEWIZ_RUNS_DIR": str(dpo_run.parent)}
    answer = tunewiz("chat", dpo_run.name, "--prompt", "Hello 1, how can I help?", "--json", "-t", "0", "-n", "6",
                     env=env)
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout.strip().splitlines()[-1])  # one JSON object with the answer
    out = tmp_path / "merged"
    exported = tunewiz("export", dpo_run.name, "--merge", str(out), "--json", env=env)
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    assert data["out"] == str(out) and data["method"] == "dpo" and data["merged_layers"] > 0
    assert (out / "config.json").is_file() and (out / "model.safetensors").is_file()


def test_full_dpo_keeps_a_frozen_copy_as_reference_and_saves_a_whole_model(tmp_path, tiny_model_dir, runs_dir):
    config = dpo_config(tmp_path, tiny_model_dir, runs_dir, "full-dpo", max_steps=2, learning_rate=1e-4,
                        dpo={"tuning": "full"})
    run_dir = run_dir_of(tunewiz("train", str(config), check=True))
    start = next(e for e in read_events(run_dir / "events.jsonl") if e["type"] == "start")
    assert (start["tuning"], start["reference"]) == ("full", "copy")
    assert start["trainable_params"] == start["total_params"]
    assert (run_dir / "model" / "config.json").is_file() and not (run_dir / "adapter").exists()
    from engine.run_model import locate_run_model
    assert locate_run_model(run_dir).kind == "model"


def test_out_of_memory_in_a_dpo_run_ends_oom_with_settings_that_keep_it_dpo(tmp_path, tiny_model_dir, runs_dir):
    config = dpo_config(tmp_path, tiny_model_dir, runs_dir, "dpo-oom", batch_size=16, max_length=2048)
    result = tunewiz("train", str(config), env={"TUNEWIZ_TEST_FAULTS": "oom_at_step=2,vram_gb=1.0"})
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    run_dir = runs_dir.resolve() / "dpo-oom"
    end = read_events(run_dir / "events.jsonl")[-1]
    assert end["status"] == "oom" and end["params"]["method"] == "dpo"
    assert end.get("retry_settings") and "method" not in end["retry_settings"]
    assert any(e["type"] == "checkpoint" or e["type"] == "step" for e in read_events(run_dir / "events.jsonl"))


def test_the_trl_names_dpo_relies_on_are_checked_against_the_installed_version():
    from trl import DPOConfig, DPOTrainer

    from engine.train.dpo import check_trl_dpo
    from engine.upstream import UpstreamMismatch

    check_trl_dpo()  # the installed TRL (constraints.txt) checks out

    class Renamed(DPOTrainer):  # a release that moved the tokenizing hook
        _prepare_dataset = None

    with pytest.raises(UpstreamMismatch, match=r"trl .*_prepare_dataset"):
        check_trl_dpo(Renamed, DPOConfig)

    class Quiet:  # a trainer that logs no reward margins
        def __init__(self, model, ref_model=None, args=None, train_dataset=None, eval_dataset=None,
                     processing_class=None):
            pass

        def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
            return {"rewards/chosen": 0}

    with pytest.raises(UpstreamMismatch, match="rewards/margins"):
        check_trl_dpo(Quiet, DPOConfig)
