"""Merge and export: the merged model answers like base + adapter; QLoRA merges into 16-bit weights;
the folder is complete (safetensors, tokenizer, chat template, README) or absent, never half-written."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from test_chat_support import MESSAGES, cli, memorised_run, one_torch_thread  # noqa: F401

from engine.export import ExportError, merge_adapter


def logits_of(model, tokenizer, messages=MESSAGES):
    import torch
    inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_dict=True, return_tensors="pt")
    with torch.inference_mode():
        return model(**inputs).logits.float()


def test_merged_model_matches_the_adapter_model(memorised_run, tmp_path, tiny_model_dir):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    progress: list[tuple[float, str]] = []
    out = tmp_path / "exports" / "memorise-merged"
    result = merge_adapter(memorised_run, out, progress=lambda f, m: progress.append((f, m)))
    assert result.dtype == "fp32" and result.merged_layers == 14 and result.out == str(out)
    fractions = [f for f, _ in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(m.startswith("merging layer") for _, m in progress)

    merged = AutoModelForCausalLM.from_pretrained(out).eval()
    tokenizer = AutoTokenizer.from_pretrained(out)
    adapted = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir),
                                        str(memorised_run / "adapter")).eval()
    assert torch.allclose(logits_of(merged, tokenizer), logits_of(adapted, tokenizer), atol=1e-4)
    assert not any("lora" in name for name, _ in merged.named_parameters())  # a plain model, no adapter left

    files = set(os.listdir(out))
    assert {"model.safetensors", "config.json", "tokenizer.json", "README.md", "tunewiz-export.json"} <= files
    assert tokenizer.chat_template and "<|im_start|>" in tokenizer.chat_template
    readme = (out / "README.md").read_text()
    assert f"vllm serve {out}" in readme and "AutoModelForCausalLM.from_pretrained" in readme
    assert not [p for p in out.parent.iterdir() if ".partial" in p.name]
    # The user's view: the exported model gives the memorised answer.
    inputs = tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True, return_dict=True, return_tensors="pt")
    answer = merged.generate(**inputs, max_new_tokens=12, do_sample=False)[0][inputs["input_ids"].shape[1]:]
    assert tokenizer.decode(answer, skip_special_tokens=True).startswith("The parcel")


def make_qlora_run(root: Path, model_dir: Path) -> Path:
    """A QLoRA run directory whose adapter was made on the 4-bit NF4 base (random, non-zero LoRA weights:
    what matters here is the merge, not what the adapter learned)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    quantized = AutoModelForCausalLM.from_pretrained(
        model_dir, device_map={"": "cpu"},
        quantization_config=BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                               bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.float32))
    adapted = get_peft_model(quantized, LoraConfig(r=8, lora_alpha=16, target_modules="all-linear",
                                                   init_lora_weights=False))
    run_dir = root / "runs" / "tiny-qlora"
    adapted.save_pretrained(run_dir / "adapter")
    (run_dir / "config.yaml").write_text(yaml.safe_dump({"model": str(model_dir), "method": "qlora"}))
    (run_dir / "status.json").write_text(json.dumps({"state": "completed"}))
    return run_dir


def test_qlora_is_merged_into_a_16_bit_copy_of_the_base(tmp_path, tiny_model_dir):
    import torch
    from peft import PeftModel
    from safetensors import safe_open
    from transformers import AutoModelForCausalLM, AutoTokenizer

    run_dir = make_qlora_run(tmp_path, tiny_model_dir)
    out = tmp_path / "qlora-merged"
    result = merge_adapter(run_dir, out)
    assert result.dtype == "bf16" and result.method == "qlora"
    config = json.loads((out / "config.json").read_text())
    assert "quantization_config" not in config and config["dtype"] == "bfloat16"
    with safe_open(str(out / "model.safetensors"), framework="pt") as handle:
        dtypes = {handle.get_slice(key).get_dtype() for key in handle.keys()}
    assert dtypes == {"BF16"}  # every tensor 16-bit: no 4-bit packed weights, no quantisation state
    assert "4-bit (NF4) base" in (out / "README.md").read_text()

    merged = AutoModelForCausalLM.from_pretrained(out).eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    reference = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir),
                                          str(run_dir / "adapter")).eval()
    got, want = logits_of(merged, tokenizer), logits_of(reference, tokenizer)
    plain = logits_of(AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval(), tokenizer)
    error = (got - want).abs().max().item()
    assert error < 0.05 * want.abs().max().item()  # bf16 rounding only
    assert (plain - want).abs().max().item() > 10 * error  # and the adapter's change is far above it


def test_a_real_qlora_run_is_merged_into_16_bits_through_the_cli(tmp_path, tiny_model_dir):
    """A QLoRA run of the real trainer (a subprocess, 4-bit NF4 base), then `tunewiz export RUN --merge
    OUT`: OUT is a plain 16-bit model that answers like the adapter on a 16-bit copy of the base."""
    import torch
    from peft import PeftModel
    from safetensors import safe_open
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from engine.events import read_events
    from test_chat_support import train_memorised

    run_dir = train_memorised(tmp_path, tiny_model_dir, name="tiny-qlora", method="qlora", steps=6)
    start = next(e for e in read_events(run_dir / "events.jsonl") if e["type"] == "start")
    quantization = start["quantization"] or {}
    assert (quantization.get("quant_type"), quantization.get("layers")) == ("nf4", 14)  # trained on the 4-bit base
    out = tmp_path / "exports" / "tiny-qlora-merged"
    result = cli("export", run_dir.name, "--merge", str(out), "--json", env={"TUNEWIZ_RUNS_DIR": str(run_dir.parent)})
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["out"], data["method"], data["dtype"], data["merged_layers"]) == (str(out), "qlora", "bf16", 14)

    # No 4-bit weights: no quantisation config, and every tensor bf16 with the base's own name and shape
    # (4-bit layers would be packed uint8 with absmax/quant_map/quant_state tensors beside them).
    config = json.loads((out / "config.json").read_text())
    assert "quantization_config" not in config and config["dtype"] == "bfloat16"
    base_shapes = {name: tuple(t.shape) for name, t in
                   AutoModelForCausalLM.from_pretrained(tiny_model_dir).state_dict().items()}
    with safe_open(str(out / "model.safetensors"), framework="pt") as handle:
        stored = {key: (handle.get_slice(key).get_dtype(), tuple(handle.get_slice(key).get_shape()))
                  for key in handle.keys()}
    assert {dtype for dtype, _ in stored.values()} == {"BF16"}
    assert {key: shape for key, (_, shape) in stored.items()} == {key: base_shapes[key] for key in stored}
    assert set(base_shapes) - set(stored) <= {"lm_head.weight"}  # tied to the embeddings, stored once

    merged = AutoModelForCausalLM.from_pretrained(out).eval()
    tokenizer = AutoTokenizer.from_pretrained(out)
    reference = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.bfloat16),
                                          str(run_dir / "adapter")).eval()
    got, want = logits_of(merged, tokenizer), logits_of(reference, tokenizer)
    plain = logits_of(AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.bfloat16).eval(), tokenizer)
    error = (got - want).abs().max().item()
    assert error < 0.05 * want.abs().max().item()  # bf16 rounding only
    assert (plain - want).abs().max().item() > 10 * error  # and what the adapter learned is far above it


def test_an_interrupted_export_leaves_no_folder(memorised_run, tmp_path):
    def interrupt(fraction: float, message: str) -> None:
        if message.startswith("writing"):
            raise KeyboardInterrupt

    out = tmp_path / "never"
    with pytest.raises(KeyboardInterrupt):
        merge_adapter(memorised_run, out, progress=interrupt)
    assert list(tmp_path.iterdir()) == []


def test_export_refuses_to_overwrite_or_write_into_the_run(memorised_run, tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "keep.txt").write_text("mine")
    with pytest.raises(ExportError) as caught:
        merge_adapter(memorised_run, taken)
    assert "not empty" in caught.value.message and "--force" in caught.value.advice
    assert (taken / "keep.txt").read_text() == "mine"
    with pytest.raises(ExportError) as caught:
        merge_adapter(memorised_run, memorised_run / "merged")
    assert "inside or around the run directory" in caught.value.message
    with pytest.raises(ExportError):
        merge_adapter(memorised_run, tmp_path / "x", dtype="int4")


def test_cli_export_and_its_exit_codes(memorised_run, tmp_path):
    env = {"TUNEWIZ_RUNS_DIR": str(memorised_run.parent)}
    out = tmp_path / "cli-merged"
    result = cli("export", memorised_run.name, "--merge", str(out), "--json", env=env)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["out"] == str(out) and data["dtype"] == "fp32" and data["merged_layers"] == 14
    assert "merging layer" in result.stderr and "README.md" in result.stderr  # progress and where to read on
    plain = cli("export", memorised_run.name, "--merge", str(out), "--force", env=env)
    assert plain.exit_code == 0 and plain.stdout.strip() == str(out)  # the path alone, for scripts
    again = cli("export", memorised_run.name, "--merge", str(out), env=env)
    assert again.exit_code == 2 and "is not empty" in again.stderr and "--force" in again.stderr
    missing = cli("export", memorised_run.name, env=env)
    assert missing.exit_code == 2 and "--merge OUT" in missing.stderr
    unknown = cli("export", "no-such-run", "--merge", str(tmp_path / "y"), env=env)
    assert unknown.exit_code == 2 and "No run 'no-such-run'" in unknown.stderr and memorised_run.name in unknown.stderr
