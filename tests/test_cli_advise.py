"""`tunewiz hardware | estimate | advise | models`, run as a user runs them: real subprocesses."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from engine.catalog import get_model
from engine.memory import estimate

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "100"}


def tunewiz(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, env=ENV,
                          timeout=60)


def as_json(result: subprocess.CompletedProcess) -> dict:
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def test_hardware_json() -> None:
    result = tunewiz("hardware", "--json")
    assert result.returncode == 0, result.stderr
    data = as_json(result)
    assert set(data) >= {"gpus", "cpu_cores", "ram_gb", "note"}
    assert data["cpu_cores"] >= 1 and data["ram_gb"] > 0
    assert data["gpus"] or data["note"]                   # no GPU comes with the reason
    for g in data["gpus"]:
        assert {"name", "total_gb", "free_gb", "driver", "compute_capability", "bf16"} <= set(g)


def test_hardware_without_gpus_visible() -> None:
    result = subprocess.run([sys.executable, "-m", "tui.cli", "hardware"], capture_output=True, text=True,
                            env={**ENV, "CUDA_VISIBLE_DEVICES": ""}, timeout=60)
    assert result.returncode == 0 and "CPU:" in result.stdout and "No NVIDIA GPU" in result.stdout


def test_estimate_json_matches_the_engine_and_reports_fit() -> None:
    result = tunewiz("estimate", "--model", "Qwen/Qwen2.5-7B-Instruct", "--method", "lora", "--seq-len", "1024",
                     "--batch", "2", "--vram-gb", "24", "--json")
    assert result.returncode == 0, result.stderr
    data = as_json(result)
    expected = estimate(get_model("Qwen/Qwen2.5-7B-Instruct"), "lora", 1024, 2, vram_gb=24)
    assert data["total_gb"] == expected.total_gb and data["fits"] is True
    assert set(data["breakdown"]) == {"weights", "lora_params", "gradients", "optimizer", "activations", "logits",
                                      "cuda_overhead"}
    assert data["margin_gb"] == pytest.approx(24 - data["total_gb"], abs=0.01)
    assert data["verdict"].startswith("fits in 24 GB")


def test_estimate_that_does_not_fit_exits_1_for_pipelines() -> None:
    result = tunewiz("estimate", "--model", "qwen2.5-7b", "--method", "full", "--seq-len", "2048", "--batch", "1",
                     "--vram-gb", "24", "--json")
    assert result.returncode == 1
    data = as_json(result)
    assert data["fits"] is False and "does not fit" in data["verdict"]


def test_the_estimate_s_verdict_is_said_in_chinese_under_lang_zh() -> None:
    args = ("estimate", "--model", "qwen2.5-7b", "--seq-len", "1024", "--vram-gb", "24")
    full = tunewiz("--lang", "zh", *args, "--method", "full")
    assert full.returncode == 1 and "放不进 24 GB：需要 61.7 GB（超出 37.7 GB）；改用 LoRA" in full.stdout, full.stdout
    lora = tunewiz("--lang", "zh", *args, "--method", "lora")
    assert lora.returncode == 0 and "放得进 24 GB，还剩" in lora.stdout and "fits in" not in lora.stdout


def test_the_plain_text_commands_frame_their_output_in_chinese_under_lang_zh() -> None:
    # Not only the engine's sentences: the titles, headings, labels and refusals of hardware / estimate /
    # advise / models too (tui/i18n/advise_cli.py); lists enumerate with "、". English stays as it was.
    est = ("estimate", "--model", "qwen3-8b", "--method", "qlora", "--world-size", "2", "--sharding", "fsdp",
           "--vram-gb", "24")
    zh, en = tunewiz("--lang", "zh", *est), tunewiz("--lang", "en", *est)
    assert zh.returncode == en.returncode == 0, zh.stderr
    for line in ("序列 1024 × batch 1 · 开梯度检查点 · fsdp × 2 块 GPU，每块 GPU", "含义", "合计",
                 "÷2：加载后的基座模型（bf16；QLoRA 为 NF4）", "除以 2 的有 weights、lora_params、gradients、optimizer",
                 "8.19B 参数，其中可训练", "注意：QLoRA"):
        assert line in zh.stdout, (line, zh.stdout)
    for english in ("B params", "trainable", "note:", "what", "per GPU", "the base model as loaded"):
        assert english not in zh.stdout, (english, zh.stdout)
    assert "8.19B params, 43,646,976 trainable" in en.stdout and "÷2: the base model as loaded" in en.stdout
    assert "divided by 2: weights, lora_params, gradients, optimizer" in en.stdout
    bad = tunewiz("--lang", "zh", "estimate", "--model", "demo", "--method", "nope")
    assert bad.returncode == 2 and "错误：--method 'nope' 不是 lora、qlora、full、cpt、dpo 之一" in bad.stderr, bad.stderr
    bad = tunewiz("--lang", "zh", "estimate", "--model", "demo", "--batch", "5000")
    assert bad.returncode == 2 and "最多给 4,096 条样本每步" in bad.stderr, bad.stderr
    adv = tunewiz("--lang", "zh", "advise", "--goal", "task", "--examples", "2000", "--vram-gb", "24")
    assert adv.returncode == 0, adv.stderr
    for line in ("24 GB 上放不放得下", "设置（RunConfig 的键）：", "备选：", "下一步："):
        assert line in adv.stdout, (line, adv.stdout)
    for english in ("Fit on", "Settings", "alternative:", "Next", " on Qwen"):
        assert english not in adv.stdout, (english, adv.stdout)
    hw = subprocess.run([sys.executable, "-m", "tui.cli", "--lang", "zh", "hardware"], capture_output=True, text=True,
                        env={**ENV, "CUDA_VISIBLE_DEVICES": ""}, timeout=60)
    assert "没有 NVIDIA GPU：只用 CPU。" in hw.stdout and "CPU：" in hw.stdout and " 核，内存 " in hw.stdout, hw.stdout
    models = tunewiz("--lang", "zh", "models")
    assert "开源模型" in models.stdout and "OpenAI 可微调的模型" in models.stdout and "OpenAI 正在关停" in models.stdout
    assert "fine-tunable" not in models.stdout and "Open models" not in models.stdout


def test_estimate_flags_change_the_numbers() -> None:
    def total(*extra: str) -> float:
        return as_json(tunewiz("estimate", "--model", "demo", "--method", "lora", "--seq-len", "2048", "--batch", "4",
                               "--vram-gb", "80", "--json", *extra))["total_gb"]
    base = total()
    assert total("--no-grad-checkpointing") > base
    assert total("--lora-r", "64") > base
    assert total("--plain-trainer") > base * 2          # full logits of a 49k vocabulary


def test_estimate_rich_output_has_the_breakdown() -> None:
    result = tunewiz("estimate", "--model", "glm4", "--method", "qlora", "--vram-gb", "24")
    assert result.returncode == 0, result.stderr
    for word in ("weights", "activations", "logits", "cuda_overhead", "total", "fits in 24 GB"):
        assert word in result.stdout


def test_advise_24gb_json() -> None:
    result = tunewiz("advise", "--goal", "task", "--examples", "2000", "--avg-tokens", "300", "--vram-gb", "24",
                     "--no-cloud", "--json")
    assert result.returncode == 0, result.stderr
    data = as_json(result)
    assert (data["path"], data["method"], data["model"]) == ("open", "lora", "Qwen/Qwen3-8B")
    assert data["settings"]["gradient_checkpointing"] is True
    assert all(set(r) == {"rule", "text", "code", "params"} for r in data["reasons"])
    assert "memory-fit" in [r["rule"] for r in data["reasons"]]


def test_advise_no_gpu_cloud_ok_is_openai_with_dates() -> None:
    data = as_json(tunewiz("advise", "--goal", "style", "--examples", "400", "--cloud-ok", "--vram-gb", "0", "--json"))
    assert data["path"] == "openai" and data["method"] is None
    text = " ".join(r["text"] for r in data["reasons"])
    assert "2027-01-06" in text and "2027-01-14" in text


def test_advise_knowledge_is_rag() -> None:
    data = as_json(tunewiz("advise", "--goal", "knowledge", "--json"))
    assert data["path"] == "rag" and data["method"] is None and data["next_steps"]


def test_advise_rich_output_shows_fit_bars() -> None:
    result = tunewiz("advise", "--examples", "1500", "--vram-gb", "24")
    assert result.returncode == 0, result.stderr
    assert "LORA on Qwen/Qwen3-8B" in result.stdout and "too big" in result.stdout


def test_estimate_dpo_names_the_reference_and_counts_both_sides() -> None:
    def run(*extra: str) -> dict:
        result = tunewiz("estimate", "--model", "qwen3-8b", "--method", "dpo", "--seq-len", "1024", "--batch", "2",
                         "--vram-gb", "80", "--json", *extra)
        assert result.returncode in (0, 1), result.stderr
        return as_json(result)
    lora = run()
    assert (lora["method"], lora["dpo_tuning"], lora["reference"]) == ("dpo", "lora", "adapter disabled")
    assert lora["total_gb"] == estimate(get_model("Qwen/Qwen3-8B"), "dpo", 1024, 2, vram_gb=80).total_gb
    full = run("--dpo-tuning", "full")
    assert full["reference"] == "frozen copy" and full["breakdown"]["reference"] > 15
    table = tunewiz("estimate", "--model", "qwen3-8b", "--method", "dpo", "--dpo-tuning", "full", "--vram-gb", "80")
    assert "dpo (full, 1 pair = 2 sequences)" in table.stdout and "frozen 16-bit copy" in table.stdout
    bad = tunewiz("estimate", "--model", "demo", "--method", "dpo", "--dpo-tuning", "cpt")
    assert bad.returncode == 2 and "--dpo-tuning 'cpt'" in bad.stderr + bad.stdout


def test_advise_preference_goal_recommends_dpo() -> None:
    data = as_json(tunewiz("advise", "--goal", "preference", "--examples", "3000", "--vram-gb", "24", "--json"))
    assert (data["method"], data["settings"]["dpo"]["tuning"]) == ("dpo", "lora")
    assert data["estimate"]["reference"] == "adapter disabled" and "dpo" in data["fit"]
    table = tunewiz("advise", "--goal", "preference", "--examples", "3000", "--vram-gb", "24")
    assert "DPO (LORA) on Qwen/Qwen3-8B" in table.stdout and "preference-dpo" in table.stdout
    single = as_json(tunewiz("advise", "--goal", "preference", "--no-pairs", "--vram-gb", "24", "--json"))
    assert single["method"] == "lora" and single["reasons"][0]["rule"] == "preference-needs-pairs"


def test_models_table_shows_todays_families_and_moe_sizes() -> None:
    result = subprocess.run([sys.executable, "-m", "tui.cli", "models"], capture_output=True, text=True,
                            env={**ENV, "COLUMNS": "120"}, timeout=60)
    assert result.returncode == 0, result.stderr
    for text in ("Qwen/Qwen3-8B", "30.5B (3.4B active)", "google/gemma-3-27b-it", "Llama-3.3-70B-Instruct",
                 "THUDM/GLM-4-9B-0414", "THUDM/glm-4-9b-chat"):
        assert text in result.stdout, text


def test_models_json_lists_both_catalogs() -> None:
    data = as_json(tunewiz("models", "--json"))
    assert any(m["id"] == "demo" for m in data["open"])
    assert any(m["id"] == "gpt-4o-mini-2024-07-18" for m in data["openai"])
    assert data["openai_wind_down"]["new_jobs_end"]["value"] == "2027-01-06"


@pytest.mark.parametrize("args, message", [
    (("estimate", "--model", "nobody/no-such-model"), "unknown model 'nobody/no-such-model'"),
    (("estimate", "--model", "demo", "--vram-gb", "-4"), "makes no sense"),
    (("estimate", "--model", "demo", "--vram-gb", "100000"), "no single GPU"),
    (("estimate", "--model", "demo", "--method", "sft"), "--method 'sft'"),
    (("estimate", "--model", "demo", "--seq-len", "0"), "--seq-len must be at least 1"),
    (("estimate", "--model", "demo", "--lora-targets", "W_pack"), "W_pack"),
    (("advise", "--goal", "vibes"), "--goal 'vibes'"),
    (("advise", "--examples", "-1"), "--examples"),
    (("advise", "--model", "./no/such/folder"), "no such folder"),
    (("advise", "--vram-gb", "-1"), "makes no sense"),
    (("estimate", "--model", "demo", "--world-size", "0"), "--world-size must be at least 1"),
    (("estimate", "--model", "demo", "--sharding", "zero9"), "--sharding 'zero9' is not one of ddp, zero2, zero3, fsdp"),
    (("advise", "--sharding", "half"), "--sharding 'half'"),
    (("advise", "--vram-gb", "0", "--world-size", "4"), "no GPU to have 4 of"),
])
def test_nonsense_input_exits_2_with_a_clear_message(args: tuple[str, ...], message: str) -> None:
    result = tunewiz(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_hostile_numbers_and_model_folders_exit_2_with_a_bounded_message(tmp_path) -> None:
    digits400 = "9" * 400
    deep = tmp_path / "deep"
    deep.mkdir()
    (deep / "config.json").write_text('{"a": ' + "[" * 50_000 + "]" * 50_000 + "}")
    absurd = tmp_path / "absurd"
    absurd.mkdir()
    (absurd / "config.json").write_text(json.dumps({"model_type": "llama", "num_hidden_layers": 10 ** 12,
                                                    "hidden_size": 64, "intermediate_size": 128,
                                                    "num_attention_heads": 4, "vocab_size": 1000}))
    cases = [(("estimate", "--model", "demo", "--batch", digits400), "--batch a 400-digit number is more than any run"),
             (("estimate", "--model", "demo", "--lora-r", digits400), "--lora-r a 400-digit number"),
             (("estimate", "--model", "demo", "--seq-len", "5000000"), "give at most 4,194,304 tokens"),
             (("advise", "--examples", digits400), "--examples a 400-digit number"),
             (("advise", "--avg-tokens", digits400), "--avg-tokens a 400-digit number"),
             (("estimate", "--model", str(deep)), f"{deep / 'config.json'}: nested too deeply"),
             (("estimate", "--model", str(absurd)), "field 'num_hidden_layers' must be a positive integer up to 1,024"),
             (("advise", "--model", str(absurd)), "num_hidden_layers"),
             (("estimate", "--model", "~nosuchuser/model"), "no user 'nosuchuser' on this machine"),
             (("estimate", "--model", "/tmp/" + "m" * 300), "300 bytes long")]
    for args, message in cases:
        result = tunewiz(*args, "--json")
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr and result.stdout == "" and len(result.stderr) < 500


# -- more than one GPU ---------------------------------------------------------------------------------
def test_estimate_per_gpu_with_sharding_divides_what_the_mode_divides() -> None:
    spec = get_model("Qwen/Qwen2.5-14B-Instruct")
    args = ("estimate", "--model", "Qwen/Qwen2.5-14B-Instruct", "--method", "full", "--vram-gb", "80", "--json")
    fsdp = tunewiz(*args, "--world-size", "2", "--sharding", "fsdp")
    assert fsdp.returncode == 0, fsdp.stderr                     # fits each of the two 80 GB cards
    data = as_json(fsdp)
    assert data["total_gb"] == estimate(spec, "full", 1024, 1, vram_gb=80, sharding="fsdp", world_size=2).total_gb
    assert (data["world_size"], data["sharding"], data["world_size_source"]) == (2, "fsdp", "--world-size")
    assert data["divided"] == ["weights", "gradients", "optimizer"]
    assert data["one_gpu_total_gb"] == estimate(spec, "full", 1024, 1).total_gb > 80
    zero2 = as_json(tunewiz(*args, "--world-size", "2", "--sharding", "zero2"))
    assert zero2["divided"] == ["gradients", "optimizer"] and zero2["total_gb"] > data["total_gb"]
    ddp = tunewiz(*args, "--world-size", "2")                    # the default: DDP divides nothing
    assert ddp.returncode == 1 and as_json(ddp)["divided"] == [] and as_json(ddp)["sharding"] == "ddp"
    assert as_json(ddp)["total_gb"] == data["one_gpu_total_gb"]


def test_estimate_table_says_what_is_divided_by_the_gpus() -> None:
    result = tunewiz("estimate", "--model", "Qwen/Qwen2.5-14B-Instruct", "--method", "lora", "--vram-gb", "24",
                     "--world-size", "4", "--sharding", "zero3")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "zero3 × 4 GPUs, per GPU" in out
    assert "÷4: the base model" in out and "÷4: one gradient" in out and "÷4: the vocabulary" not in out
    assert "divided by 4: weights, lora_params, gradients, optimizer" in out and "on one GPU alone" in out


def test_advise_across_gpus_given_on_the_command_line() -> None:
    args = ("advise", "--model", "Qwen/Qwen2.5-14B-Instruct", "--examples", "2000", "--avg-tokens", "300", "--vram-gb",
            "24", "--no-cloud")
    data = as_json(tunewiz(*args, "--world-size", "2", "--json"))
    assert (data["method"], data["world_size"], data["sharding"]) == ("lora", 2, "fsdp")
    assert data["settings"]["distributed"] == "fsdp" and data["settings"]["nproc_per_node"] == 2
    assert "multi-gpu-shard" in [r["rule"] for r in data["reasons"]] and data["estimate"]["total_gb"] < 24
    zero3 = as_json(tunewiz(*args, "--world-size", "2", "--sharding", "zero3", "--json"))
    assert zero3["settings"]["distributed"] == "deepspeed" and zero3["settings"]["deepspeed_stage"] == 3
    one = as_json(tunewiz(*args, "--json"))                      # --vram-gb alone: one GPU
    assert (one["method"], one["world_size"]) == ("qlora", 1) and "distributed" not in one["settings"]
    text = tunewiz(*args, "--world-size", "2").stdout
    assert "across 2 GPUs (FSDP)" in text and "GB per GPU" in text


def test_the_detected_gpus_are_the_default_world_size(monkeypatch) -> None:
    """In process, with two faked 24 GB cards where NVML would be asked."""
    from cli_runner import CliRunner

    import engine.hardware
    from engine.hardware import GPU, Hardware
    from tui.cli import app
    cards = [GPU(index=i, nvml_index=i, name="NVIDIA GeForce RTX 4090", uuid=f"GPU-{i}", total_gb=23.99,
                 free_gb=23.5, driver="550", compute_capability=(8, 9)) for i in range(2)]
    monkeypatch.setattr(engine.hardware, "detect", lambda *a, **k: Hardware(gpus=cards, cpu_cores=16, ram_gb=64.0))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    runner = CliRunner()
    result = runner.invoke(app, ["estimate", "--model", "Qwen/Qwen2.5-14B-Instruct", "--sharding", "fsdp", "--json"])
    data = json.loads(result.stdout)
    assert (data["world_size"], data["world_size_source"], data["vram_gb"]) == (2, "detected GPUs", 23.99)
    result = runner.invoke(app, ["advise", "--model", "Qwen/Qwen2.5-14B-Instruct", "--examples", "2000", "--json"])
    data = json.loads(result.stdout)
    assert (data["world_size"], data["gpus"], data["sharding"]) == (2, 2, "fsdp")
    result = runner.invoke(app, ["advise", "--model", "Qwen/Qwen2.5-14B-Instruct", "--world-size", "1", "--json"])
    assert json.loads(result.stdout)["world_size"] == 1 and json.loads(result.stdout)["method"] == "qlora"
