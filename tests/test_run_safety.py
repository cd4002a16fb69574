"""Runs a user can trust: the lint gate before training, no secrets on disk, remote code only on opt-in,
safetensors weights, run directories private to their owner."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import memorise_rows, write_jsonl
from engine.launch import create_run_dir, preflight
from engine.train.config import load_config, parse_config
from tui.commands.train import lint_gate

TUNEWIZ = [sys.executable, "-m", "tui.cli"]


def tunewiz(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(TUNEWIZ + list(args), capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def tiny_config(tmp_path: Path, model_dir: Path, runs_dir: Path, data: Path, **overrides) -> Path:
    config = {"model": str(model_dir), "method": "lora", "data": str(data), "runs_dir": str(runs_dir),
              "max_steps": 4, "batch_size": 4, "grad_accum": 1, "learning_rate": 5e-3, "max_length": 64,
              "eval_split": 0, "gradient_checkpointing": False, "save_steps": 2, "lora": {"r": 8, "alpha": 16}}
    config.update(overrides)
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def dirty_dataset(tmp_path: Path) -> Path:
    rows = [json.dumps(r) for r in memorise_rows(6)]
    rows.insert(1, '{"messages": [{"role": "user", "content": "hi"}')          # line 2: broken JSON
    rows.insert(4, json.dumps({"messages": [{"role": "user", "content": "no answer"}]}))  # line 5: no assistant
    path = tmp_path / "dirty.jsonl"
    path.write_text("\n".join(rows) + "\n")
    return path


# -- the lint gate ---------------------------------------------------------------------------------
def test_train_refuses_a_dataset_with_lint_errors_naming_them_and_the_lint_command(tmp_path, tiny_model_dir, runs_dir):
    data = dirty_dataset(tmp_path)
    result = tunewiz("train", str(tiny_config(tmp_path, tiny_model_dir, runs_dir, data)))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{data} has 2 lint errors" in result.stderr
    assert f"{data}:2: [json-invalid]" in result.stderr          # code, line and message of the first errors
    assert f"{data}:5: [" in result.stderr
    assert f"tunewiz lint {data}" in result.stderr and "--force" in result.stderr
    assert not runs_dir.exists()                                   # refused before a run directory exists


def test_warnings_pass_the_gate_and_errors_do_not(tmp_path):
    clean = write_jsonl(tmp_path / "same.jsonl", memorise_rows(8))   # 8 identical rows: duplicate warnings only
    assert lint_gate(parse_config({"data": str(clean)})) == []
    lines = lint_gate(parse_config({"data": str(dirty_dataset(tmp_path))}))
    assert lines and lines[-1] == "to train on it anyway, add --force"
    unreadable = tmp_path / "binary.jsonl"
    unreadable.write_bytes(b"\xff\xfe\x00garbage\x00" * 50)
    assert any("cannot be read" in line or "lint error" in line for line in lint_gate(parse_config({"data": str(unreadable)})))


def test_the_gate_is_fast_and_loads_no_tokenizer(tmp_path):
    rows = [{"messages": [{"role": "user", "content": f"question {i}?"}, {"role": "assistant", "content": f"answer {i}."}]}
            for i in range(20_000)]
    data = write_jsonl(tmp_path / "big.jsonl", rows)
    code = ("import sys, time; from engine.train.config import parse_config; from tui.commands.train import lint_gate; "
            f"t = time.monotonic(); lines = lint_gate(parse_config({{'data': {str(data)!r}}})); "
            "print(lines == [], round(time.monotonic() - t, 2), 'transformers' in sys.modules, 'tiktoken' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout.split()
    assert out[0] == "True" and out[2:] == ["False", "False"], out
    assert float(out[1]) < 10, out


# -- secrets, safetensors, private run directories -------------------------------------------------
def test_a_finished_run_holds_no_secret_only_safetensors_and_is_private(tmp_path, tiny_model_dir, runs_dir):
    secrets = {"HF_TOKEN": "hf_tunewizSECRETtoken1234567890", "OPENAI_API_KEY": "sk-tunewizSECRETkey0987654321",
               "HUGGING_FACE_HUB_TOKEN": "hf_tunewizSECRETother555"}
    data = write_jsonl(tmp_path / "train.jsonl", memorise_rows())
    config = tiny_config(tmp_path, tiny_model_dir, runs_dir, data, name="private")
    result = tunewiz("train", str(config), env={**secrets, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    run_dir = runs_dir.resolve() / "private"
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert any(p.name == "train.log" for p in files) and any(p.name == "events.jsonl" for p in files)
    for path in files + [config]:
        blob = path.read_bytes()
        for name, value in secrets.items():
            assert value.encode() not in blob, f"{name} found in {path}"
    for value in secrets.values():
        assert value not in result.stdout + result.stderr
    adapter = run_dir / "adapter"
    assert (adapter / "adapter_model.safetensors").is_file()
    # No pickled weights anywhere: adapters and checkpoints are safetensors (training_args.bin holds arguments).
    pickled = [p for p in files if p.suffix in (".bin", ".pt", ".pth") and "model" in p.name]
    assert not list(adapter.glob("*.bin")) and pickled == []
    assert stat.S_IMODE(run_dir.stat().st_mode) == 0o700


def test_run_directory_is_private_whatever_the_umask(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", memorise_rows(2))
    old = os.umask(0)
    try:
        run_dir = create_run_dir(load_config(None, [f"data={data}", f"runs_dir={tmp_path / 'runs'}", "name=r"]))
    finally:
        os.umask(old)
    assert stat.S_IMODE(run_dir.stat().st_mode) == 0o700


# -- remote code only on explicit opt-in, with the model named ---------------------------------------
def test_remote_code_is_refused_before_a_run_dir_naming_the_model(tmp_path, tiny_model_dir, runs_dir):
    model = tmp_path / "remote-model"
    shutil.copytree(tiny_model_dir, model)
    cfg = json.loads((model / "config.json").read_text())
    cfg["auto_map"] = {"AutoModelForCausalLM": "modeling_custom.CustomModel"}
    (model / "config.json").write_text(json.dumps(cfg))
    data = write_jsonl(tmp_path / "d.jsonl", memorise_rows(2))
    result = tunewiz("train", str(tiny_config(tmp_path, model, runs_dir, data)))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"model: {model} ships its own Python code" in result.stderr and "trust_remote_code: true" in result.stderr
    assert not runs_dir.exists()
    opted_in = parse_config({"model": str(model), "data": str(data), "trust_remote_code": True})
    assert preflight(opted_in) == []


def test_a_catalog_model_with_remote_code_needs_the_opt_in_too(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", memorise_rows(2))
    problems = preflight(parse_config({"model": "glm4", "data": str(data)}))
    assert any(p.startswith("model: THUDM/glm-4-9b-chat ships its own Python code") for p in problems), problems
    assert preflight(parse_config({"model": "glm4", "data": str(data), "trust_remote_code": True})) == []
    assert preflight(parse_config({"model": "Qwen/Qwen2.5-0.5B-Instruct", "data": str(data)})) == []
