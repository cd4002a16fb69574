"""The trainer end to end: real `tunewiz` subprocesses on a tiny random model built from a config."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import memorise_rows, write_jsonl
from engine.events import read_events, validate_event
from engine.runs import process_start_ticks, read_status, run_info

TUNEWIZ = [sys.executable, "-m", "tui.cli"]


def tunewiz(*args: str, timeout: float = 300, check: bool = False, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(TUNEWIZ + list(args), capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        pytest.fail(f"tunewiz {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def make_config(tmp_path: Path, model_dir: Path, runs_dir: Path, **overrides) -> Path:
    data = overrides.pop("data", None) or str(write_jsonl(tmp_path / "train.jsonl", memorise_rows()))
    config = {"model": str(model_dir), "method": "lora", "data": data, "runs_dir": str(runs_dir),
              "max_steps": 8, "batch_size": 4, "grad_accum": 1, "learning_rate": 5e-3, "max_length": 64,
              "eval_split": 0, "gradient_checkpointing": False, "save_steps": 4, "lora": {"r": 8, "alpha": 16}}
    config.update(overrides)
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def run_dir_of(result: subprocess.CompletedProcess) -> Path:
    return Path(result.stdout.strip().splitlines()[-1])


def steps(run_dir: Path) -> list[dict]:
    return [e for e in read_events(run_dir / "events.jsonl") if e["type"] == "step"]


def test_lora_run_learns_writes_valid_events_and_a_standard_adapter(tmp_path, tiny_model_dir, runs_dir):
    config = make_config(tmp_path, tiny_model_dir, runs_dir, max_steps=12, name="memorise", learning_rate=1e-2)
    result = tunewiz("train", str(config), check=True)
    run_dir = run_dir_of(result)
    assert run_dir == runs_dir.resolve() / "memorise"
    events = read_events(run_dir / "events.jsonl")
    for event in events:
        validate_event(event)
    types = [e["type"] for e in events]
    assert types[-1] == "end" and events[-1]["status"] == "completed"
    start = next(e for e in events if e["type"] == "start")
    assert start["total_steps"] == 12 and 0 < start["trainable_params"] < start["total_params"]
    losses = [e["loss"] for e in steps(run_dir)]
    assert len(losses) == 12 and losses[-1] < losses[0] * 0.5, losses
    assert all(e["tokens"] > 0 and e["tokens_per_s"] > 0 for e in steps(run_dir))
    assert all(e["gpu_mem_peak_gb"] is None for e in steps(run_dir))  # CPU: no GPU figures invented
    assert {e["step"] for e in events if e["type"] == "checkpoint"} == {4, 8, 12}
    status = read_status(run_dir)
    assert status["state"] == "completed" and status["step"] == 12
    assert (run_dir / "config.yaml").is_file() and (run_dir / "train.log").stat().st_size > 0
    # One line names the paths in use: the CPU speed-ups here (engine/upstream.py guards what they patch).
    assert ("paths in use: LM head loss: tunewiz's CPU head; LoRA dropout: tunewiz's CPU dropout on 14 layers; "
            "packing: none; attention: sdpa\n") in (run_dir / "train.log").read_text()

    # The guide's inference code loads the adapter as it is.
    from peft import AutoPeftModelForCausalLM, PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    tuned = PeftModel.from_pretrained(base, str(run_dir / "adapter"))
    auto = AutoPeftModelForCausalLM.from_pretrained(str(run_dir / "adapter"))
    tokenizer = AutoTokenizer.from_pretrained(run_dir / "adapter")
    prompt = tokenizer.apply_chat_template(memorise_rows(1)[0]["messages"][:2], add_generation_prompt=True,
                                           return_tensors="pt", return_dict=True)
    import torch
    with torch.no_grad():
        a = tuned(**prompt).logits
        b = auto(**prompt).logits
    assert torch.allclose(a, b, atol=1e-5)
    answer = tokenizer.decode(auto.generate(**prompt, max_new_tokens=12, do_sample=False)[0][prompt["input_ids"].shape[1]:])
    assert answer.startswith("The parcel"), answer


def test_qlora_runs_on_the_cpu_with_nf4_double_quant(tmp_path, tiny_model_dir, runs_dir):
    from engine.train.trainer import native_bf16

    config = make_config(tmp_path, tiny_model_dir, runs_dir, method="qlora", max_steps=3)
    run_dir = run_dir_of(tunewiz("train", str(config), check=True))
    events = read_events(run_dir / "events.jsonl")
    assert events[-1]["status"] == "completed"
    # Read by the trainer from the layers of the model it trained: all 14 linear layers of the two
    # blocks (q/k/v/o, gate/up/down) are bitsandbytes 4-bit NF4 with double quantisation; the tied
    # lm_head stays as it is. bf16 compute where this CPU does bf16 natively (trainer.load_model).
    start = next(e for e in events if e["type"] == "start")
    assert start["quantization"] == {"bits": 4, "layers": 14, "quant_type": "nf4", "double_quant": True,
                                     "compute_dtype": "bfloat16" if native_bf16(False) else "float32"}
    assert len(steps(run_dir)) == 3 and all(e["loss"] is not None for e in steps(run_dir))
    adapter_config = json.loads((run_dir / "adapter" / "adapter_config.json").read_text())
    assert adapter_config["base_model_name_or_path"] == str(tiny_model_dir)
    log = (run_dir / "train.log").read_text()
    assert "QLoRA on the CPU" in log
    assert "LM head loss: tunewiz's CPU head; LoRA dropout: tunewiz's CPU dropout on 14 layers;" in log


@pytest.mark.parametrize("method, folder", [("full", "model"), ("cpt", "model")])
def test_full_and_continual_pretraining_save_a_whole_model(tmp_path, tiny_model_dir, runs_dir, method, folder):
    data = None
    if method == "cpt":
        text = tmp_path / "corpus.txt"
        text.write_text("\n".join(f"Paragraph {i}: the kettle boils water in three minutes." for i in range(40)))
        data = str(text)
    config = make_config(tmp_path, tiny_model_dir, runs_dir, method=method, max_steps=3, data=data)
    run_dir = run_dir_of(tunewiz("train", str(config), check=True))
    assert (run_dir / folder / "config.json").is_file() and not (run_dir / "adapter").exists()
    start = next(e for e in read_events(run_dir / "events.jsonl") if e["type"] == "start")
    assert start["trainable_params"] == start["total_params"]
    assert f"LM head loss: tunewiz's CPU head; LoRA dropout: none (method {method});" in (run_dir / "train.log").read_text()


def test_lora_on_a_mixture_of_experts_trains_its_experts_without_dropout_and_says_so(tmp_path, tiny_model_dir,
                                                                                     runs_dir):
    # peft adapts stacked expert weights (Qwen3-MoE) as parameters and refuses any LoRA dropout there; the
    # default dropout (0.05) must not make every MoE run fail.
    from tiny_model import build_tiny_moe_model
    moe = build_tiny_moe_model(tmp_path / "tiny-moe", tiny_model_dir)
    config = make_config(tmp_path, moe, runs_dir, max_steps=2, lora={"r": 4, "alpha": 8, "dropout": 0.05})
    run_dir = run_dir_of(tunewiz("train", str(config), check=True))
    events = read_events(run_dir / "events.jsonl")
    assert events[-1]["type"] == "end" and events[-1]["status"] == "completed"
    [notice] = [e for e in events if e.get("code") == "lora-dropout-experts"]
    assert notice["level"] == "warning" and notice["params"]["dropout"] == 0.05 and notice["params"]["detail"]  # peft's words
    from safetensors import safe_open
    with safe_open(str(run_dir / "adapter" / "adapter_model.safetensors"), "pt") as f:
        assert any("experts" in key for key in f.keys())  # the experts were adapted, not skipped


def test_packing_and_eval_split(tmp_path, tiny_model_dir, runs_dir):
    rows = [{"messages": [{"role": "user", "content": f"Question {i}: " + "why " * (i % 9)},
                          {"role": "assistant", "content": f"Answer {i}: " + "because " * (i % 13 + 1)}]}
            for i in range(60)]
    data = str(write_jsonl(tmp_path / "varied.jsonl", rows))
    config = make_config(tmp_path, tiny_model_dir, runs_dir, data=data, packing=True, eval_split=0.4,
                         max_steps=4, save_steps=2, max_length=128)
    run_dir = run_dir_of(tunewiz("train", str(config), check=True))
    events = read_events(run_dir / "events.jsonl")
    start = next(e for e in events if e["type"] == "start")
    assert start["dataset_rows"] == 36
    assert ("packing: rows, attention per packed sequence (SDPA); attention: tunewiz_packed_sdpa\n"
            in (run_dir / "train.log").read_text())
    evals = [e for e in events if e["type"] == "eval"]
    assert all(e["eval_loss"] > 0 for e in evals)
    assert [e["step"] for e in evals] == [2, 4]  # the last step's eval is not run a second time at the end
    # packed: several examples per sequence, so more samples than sequences per step
    assert all(e["samples_per_s"] > 0 for e in steps(run_dir))
    # step 3's tokens/s measures step 3 only, not step 2's eval and checkpoint before it
    step3 = next(e for e in steps(run_dir) if e["step"] == 3)
    saved2 = next(e for e in events if e["type"] == "checkpoint" and e["step"] == 2)
    assert step3["tokens"] / step3["tokens_per_s"] <= (step3["t"] - saved2["t"]) * 1.01 + 0.02


def test_truncation_is_reported(tmp_path, tiny_model_dir, runs_dir):
    rows = memorise_rows(8) + [{"messages": [{"role": "user", "content": "long " * 200},
                                             {"role": "assistant", "content": "ok " * 50}]}] * 2
    config = make_config(tmp_path, tiny_model_dir, runs_dir, data=str(write_jsonl(tmp_path / "t.jsonl", rows)),
                         max_steps=1, max_length=80)
    run_dir = run_dir_of(tunewiz("train", str(config), check=True))
    messages = [e["message"] for e in read_events(run_dir / "events.jsonl") if e["type"] == "log"]
    assert any("2 of 10 training examples" in m and "truncated" in m for m in messages), messages


def wait_for(predicate, timeout: float = 120, poll: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    pytest.fail("timed out waiting")


def test_detach_survives_the_terminal_closing_then_sigterm_checkpoints_and_resume_continues(
        tmp_path, tiny_model_dir, runs_dir, request):
    import re
    import signal

    from engine.runs import is_trainer_process, pid_alive, trainer_alive
    from pty_terminal import Terminal

    config = make_config(tmp_path, tiny_model_dir, runs_dir, max_steps=100000, save_steps=100000, name="long")
    # The terminal: `ssh box tunewiz train CONFIG --detach` — the command leads the pty's session, returns,
    # and the connection drops right away, while the trainer is still importing torch. A trainer left in
    # that session would get the SIGHUP before it could ignore it.
    terminal = Terminal(TUNEWIZ + ["train", str(config), "--detach"])
    try:
        assert terminal.wait(timeout=120) == 0, terminal.text()
    finally:
        terminal.hang_up()
    screen = terminal.text()
    assert "Traceback" not in screen
    run_dir = Path(screen.strip().splitlines()[-1])
    trainer = int(re.search(r"trainer pid (\d+)", screen).group(1))

    def kill_a_leftover_trainer() -> None:  # a failure below must not leave a 100,000-step trainer running
        status = read_status(run_dir)
        if trainer_alive(status) and is_trainer_process(status["pid"]):
            os.kill(status["pid"], signal.SIGKILL)

    request.addfinalizer(kill_a_leftover_trainer)
    assert run_dir == runs_dir.resolve() / "long"

    def trained(count: int):
        if not pid_alive(trainer):
            pytest.fail(f"the trainer (pid {trainer}) is gone:\n{(run_dir / 'train.log').read_text()}")
        return len(steps(run_dir)) >= count

    wait_for(lambda: trained(3))
    status = read_status(run_dir)
    assert status["pid"] == trainer and run_info(run_dir).state == "running"
    assert os.getsid(trainer) not in (terminal.pid, os.getsid(0))  # neither the terminal's session nor ours
    assert os.readlink(f"/proc/{trainer}/fd/0") == os.devnull  # it never reads or writes the terminal
    assert os.readlink(f"/proc/{trainer}/fd/1") == str(run_dir / "train.log")

    result = tunewiz("stop", "long", check=True)  # by name, under $TUNEWIZ_RUNS_DIR
    assert "stopped" in result.stderr
    events = read_events(run_dir / "events.jsonl")
    assert events[-1]["type"] == "end" and events[-1]["status"] == "stopped"
    stopped_at = steps(run_dir)[-1]["step"]
    assert any(e["type"] == "checkpoint" and e["step"] == stopped_at for e in events)
    assert (run_dir / "checkpoints" / f"checkpoint-{stopped_at}" / "trainer_state.json").is_file()

    resumed = subprocess.Popen(TUNEWIZ + ["resume", str(run_dir), "--detach"], stdout=subprocess.PIPE, text=True)
    resumed.communicate(timeout=60)
    wait_for(lambda: any(e["step"] > stopped_at for e in steps(run_dir)))
    tunewiz("stop", str(run_dir), check=True)
    after = steps(run_dir)
    first_new = next(e for e in after if e["step"] > stopped_at)
    assert first_new["step"] == stopped_at + 1  # the step count continues
    starts = [e for e in read_events(run_dir / "events.jsonl") if e["type"] == "start"]
    assert len(starts) == 2 and starts[1]["resumed_from_step"] == stopped_at


def test_stop_does_not_wait_for_a_long_gradient_accumulation_step(tmp_path, tiny_model_dir, runs_dir):
    """One optimizer step here is 1,000 micro-batches (minutes); a stop is honoured after the current one."""
    data = write_jsonl(tmp_path / "many.jsonl", memorise_rows(1200))
    config = make_config(tmp_path, tiny_model_dir, runs_dir, data=str(data), max_steps=2, batch_size=1,
                         grad_accum=1000, save_steps=100000, name="accumulating")
    run_dir = run_dir_of(tunewiz("train", str(config), "--detach", check=True))
    wait_for(lambda: (read_status(run_dir) or {}).get("state") == "running", timeout=120)
    time.sleep(1.0)
    started = time.monotonic()
    result = tunewiz("stop", str(run_dir), check=True)
    assert "stopped" in result.stderr
    assert time.monotonic() - started < 60
    events = read_events(run_dir / "events.jsonl")
    assert events[-1]["type"] == "end" and events[-1]["status"] == "stopped"
    assert not [e for e in events if e["type"] == "step"]  # the first optimizer step never finished
    assert any("redone on resume" in e.get("message", "") for e in events if e["type"] == "log")


def test_runs_lists_states_and_json(tmp_path, tiny_model_dir, runs_dir):
    config = make_config(tmp_path, tiny_model_dir, runs_dir, max_steps=2, name="listed")
    tunewiz("train", str(config), check=True)
    listed = json.loads(tunewiz("runs", "--json", check=True).stdout)
    assert [(r["name"], r["state"], r["step"]) for r in listed] == [("listed", "completed", 2)]
    table = tunewiz("runs", check=True).stdout
    assert "listed" in table and "completed" in table


def test_crashed_run_is_shown_as_crashed(tmp_path, runs_dir):
    run_dir = runs_dir / "ghost"
    run_dir.mkdir(parents=True)
    (run_dir / "config.yaml").write_text("model: demo\n")
    (run_dir / "status.json").write_text(json.dumps({"state": "running", "pid": 2**22 + 12345, "step": 3}))
    assert run_info(run_dir).state == "crashed"


def test_a_recycled_pid_does_not_keep_a_dead_run_running(tmp_path, runs_dir):
    """The trainer died and another process got its pid: the start time recorded beside the pid tells."""
    run_dir = runs_dir / "recycled"
    run_dir.mkdir(parents=True)
    (run_dir / "config.yaml").write_text("model: demo\n")
    me, my_start = os.getpid(), process_start_ticks(os.getpid())
    (run_dir / "status.json").write_text(json.dumps({"state": "running", "pid": me, "pid_start": my_start - 1}))
    assert run_info(run_dir).state == "crashed"
    result = tunewiz("stop", str(run_dir))
    assert result.returncode != 0 and "crashed" in result.stderr + result.stdout
    (run_dir / "status.json").write_text(json.dumps({"state": "running", "pid": me, "pid_start": my_start}))
    assert run_info(run_dir).state == "running"


# -- bad input: one clear message, non-zero exit, never a traceback --------------------------------
def assert_clean_failure(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    for needle in needles:
        assert needle in result.stderr + result.stdout, (needle, result.stderr)


def test_config_typo_and_missing_data_file(tmp_path, runs_dir):
    bad = tmp_path / "typo.yaml"
    bad.write_text("modle: demo\ndata: x.jsonl\n")
    assert_clean_failure(tunewiz("train", str(bad)), "modle: unknown key (did you mean 'model'?)")
    ok = tmp_path / "ok.yaml"
    ok.write_text(f"data: {tmp_path}/missing.jsonl\nruns_dir: {runs_dir}\n")
    assert_clean_failure(tunewiz("train", str(ok)), "missing.jsonl")
    assert not runs_dir.exists()  # nothing half-written


def test_model_path_that_does_not_exist_is_refused_before_a_run_dir_exists(tmp_path, runs_dir):
    config = make_config(tmp_path, tmp_path / "no-such-model", runs_dir)
    assert_clean_failure(tunewiz("train", str(config)), "no-such-model does not exist")
    assert not runs_dir.exists()


def test_trainer_failure_inside_a_run_dir_ends_failed_with_advice(tmp_path, runs_dir):
    # The model vanished between launch and load: the trainer itself must end the run readably.
    from engine.launch import create_run_dir
    from engine.train.config import load_config
    data = write_jsonl(tmp_path / "d.jsonl", memorise_rows(2))
    run_dir = create_run_dir(load_config(None, [f"model={tmp_path}/gone", f"data={data}", f"runs_dir={runs_dir}"]))
    result = subprocess.run([sys.executable, "-m", "engine.train.run", str(run_dir)], capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    end = read_events(run_dir / "events.jsonl")[-1]
    assert end["status"] == "failed" and "does not exist" in end["error"] and end["advice"]
    assert read_status(run_dir)["state"] == "failed"


def test_remote_code_needs_the_opt_in(tmp_path, tiny_model_dir, runs_dir):
    import shutil
    model = tmp_path / "remote-model"
    shutil.copytree(tiny_model_dir, model)
    cfg = json.loads((model / "config.json").read_text())
    cfg["auto_map"] = {"AutoModelForCausalLM": "modeling_custom.CustomModel"}
    (model / "config.json").write_text(json.dumps(cfg))
    result = tunewiz("train", str(make_config(tmp_path, model, runs_dir)))
    assert_clean_failure(result, "trust_remote_code")


def test_a_model_folder_without_tokenizer_files_says_which_files_are_missing(tmp_path, tiny_model_dir, runs_dir):
    import shutil
    model = tmp_path / "merged-without-tokenizer"
    shutil.copytree(tiny_model_dir, model, ignore=shutil.ignore_patterns("tokenizer*", "vocab*", "merges*",
                                                                           "special_tokens*", "*.jinja"))
    result = tunewiz("train", str(make_config(tmp_path, model, runs_dir)))
    assert_clean_failure(result, f"{model} has no tokenizer files", "tokenizer.json", "config.json",
                         "Copy the tokenizer files")
    end = read_events(next(runs_dir.iterdir()) / "events.jsonl")[-1]
    assert end["status"] == "failed" and "has no tokenizer files" in end["error"]


def test_unreadable_rows_are_named_by_file_and_line(tmp_path, tiny_model_dir, runs_dir):
    data = tmp_path / "dirty.jsonl"
    rows = [json.dumps(r) for r in memorise_rows(4)]
    rows.insert(2, '{"messages": [{"role": "user", "content": "hi"}')  # line 3: broken JSON
    data.write_text("\n".join(rows) + "\n")
    # --force: past the lint gate, so this is the trainer's own reading of the file.
    result = tunewiz("train", str(make_config(tmp_path, tiny_model_dir, runs_dir, data=str(data))), "--force")
    assert_clean_failure(result, f"{data}:3", "tunewiz lint")


def test_empty_dataset(tmp_path, tiny_model_dir, runs_dir):
    data = tmp_path / "empty.jsonl"
    data.write_text("")
    result = tunewiz("train", str(make_config(tmp_path, tiny_model_dir, runs_dir, data=str(data))), "--force")
    assert_clean_failure(result, "empty")
