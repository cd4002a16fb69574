"""The training-memory estimator: ordering, sanity against the guide, and its structure checked on
the CPU against what transformers, peft and autograd actually allocate."""
from __future__ import annotations

import tempfile

import pytest

from engine.catalog import get_model, spec_from_config
from engine.memory import (GIB, EstimateError, activation_bytes_per_token_layer, attention_bytes_per_layer,
                           estimate, estimate_methods, merged_expert_bytes_per_layer)

QWEN7 = get_model("Qwen/Qwen2.5-7B-Instruct")
TYPICAL = [(seq, batch) for seq in (512, 1024, 2048) for batch in (1, 2)]


@pytest.mark.parametrize("seq, batch", TYPICAL)
def test_qlora_below_lora_below_full(seq: int, batch: int) -> None:
    # With gradient checkpointing (on by default, and always on in peft's QLoRA preparation).
    e = estimate_methods(QWEN7, seq, batch)
    assert e["qlora"].total_gb < e["lora"].total_gb < e["full"].total_gb
    # Without it the order holds too when QLoRA's embeddings stay bf16 ...
    e = estimate_methods(QWEN7, seq, batch, grad_checkpointing=False, kbit_upcast=False)
    assert e["qlora"].total_gb < e["lora"].total_gb < e["full"].total_gb


def test_upcast_qlora_without_checkpointing_can_exceed_lora() -> None:
    # ... but peft's fp32 upcast makes QLoRA's residual stream and MLP tensors fp32, so at long
    # lengths without checkpointing QLoRA needs more than LoRA: a real trap the estimator shows.
    e = estimate_methods(QWEN7, 2048, 2, grad_checkpointing=False)
    assert e["qlora"].breakdown["activations"] > e["lora"].breakdown["activations"]
    assert e["qlora"].total_gb > e["lora"].total_gb


def test_cpt_needs_the_memory_of_full_training() -> None:
    assert estimate(QWEN7, "cpt", 2048, 1).total_gb == estimate(QWEN7, "full", 2048, 1).total_gb


@pytest.mark.parametrize("method", ["lora", "qlora", "full"])
def test_memory_grows_with_length_and_batch(method: str) -> None:
    by_len = [estimate(QWEN7, method, n, 1).total_gb for n in (256, 512, 1024, 2048, 4096)]
    by_batch = [estimate(QWEN7, method, 1024, b).total_gb for b in (1, 2, 4, 8)]
    assert by_len == sorted(by_len) and len(set(by_len)) == len(by_len)
    assert by_batch == sorted(by_batch) and len(set(by_batch)) == len(by_batch)


@pytest.mark.parametrize("method", ["lora", "qlora", "full"])
def test_gradient_checkpointing_lowers_memory(method: str) -> None:
    with_ckpt = estimate(QWEN7, method, 2048, 2, grad_checkpointing=True)
    without = estimate(QWEN7, method, 2048, 2, grad_checkpointing=False)
    assert with_ckpt.breakdown["activations"] < without.breakdown["activations"] / 4
    assert with_ckpt.total_gb < without.total_gb


@pytest.mark.parametrize("seq, batch", TYPICAL)
def test_7b_numbers_fall_in_the_guides_ranges(seq: int, batch: int) -> None:
    # Guide section B1 for a 7B model: LoRA 8-24 GB, QLoRA 6-16 GB, full SFT 30-80+ GB.
    # Typical settings: gradient checkpointing on (the trainer's default), lengths 512-2048, batch 1-2.
    for model in ("Qwen/Qwen2.5-7B-Instruct", "baichuan-inc/Baichuan2-7B-Chat"):
        e = estimate_methods(get_model(model), seq, batch)
        assert 8 <= e["lora"].total_gb <= 24, (model, e["lora"].total_gb)
        assert 6 <= e["qlora"].total_gb <= 16, (model, e["qlora"].total_gb)
        assert e["full"].total_gb >= 30, (model, e["full"].total_gb)


def test_breakdown_sums_to_the_total_and_names_every_term() -> None:
    e = estimate(QWEN7, "lora", 1024, 2)
    assert set(e.breakdown) == {"weights", "lora_params", "gradients", "optimizer", "activations", "logits",
                                "cuda_overhead"}
    assert sum(e.breakdown.values()) == pytest.approx(e.total_gb, abs=0.01)
    assert e.breakdown["weights"] == pytest.approx(QWEN7.param_count() * 2 / GIB, rel=1e-3)   # bf16
    assert e.trainable_params == QWEN7.lora_params(16) and e.params == QWEN7.param_count()


def test_verdict_and_margin_for_a_given_gpu() -> None:
    fits = estimate(QWEN7, "lora", 1024, 1, vram_gb=24)
    assert fits.fits is True and fits.margin_gb == pytest.approx(24 - fits.total_gb, abs=0.01)
    assert fits.verdict.startswith("fits in 24 GB")
    too_big = estimate(QWEN7, "full", 1024, 1, vram_gb=24)
    assert too_big.fits is False and too_big.margin_gb < 0
    assert "does not fit" in too_big.verdict and "LoRA" in too_big.verdict
    unknown = estimate(QWEN7, "lora", 1024, 1)
    assert unknown.fits is None and unknown.margin_gb is None and "needs about" in unknown.verdict


def test_8bit_optimizer_quarters_the_optimizer_states() -> None:
    full = estimate(QWEN7, "full", 1024, 1)
    eight = estimate(QWEN7, "full", 1024, 1, optimizer="adamw_8bit")
    assert eight.breakdown["optimizer"] == pytest.approx(full.breakdown["optimizer"] / 2, rel=0.01)  # bf16 states -> 1 byte
    paged = estimate(QWEN7, "full", 1024, 1, optimizer="paged_adamw_8bit", vram_gb=60)
    assert paged.pageable_gb == pytest.approx(paged.breakdown["optimizer"], abs=0.01)
    assert paged.allocator_gb < paged.total_gb - paged.cuda_context_gb


def test_qlora_weights_nf4_with_double_quant_and_fp32_embeddings() -> None:
    spec = QWEN7
    quantised = spec.num_hidden_layers * sum(lin.d_in * lin.d_out for lin in spec.linears())
    rest = spec.param_count() - quantised
    upcast = estimate(spec, "qlora", 1024, 1, kbit_upcast=True)
    bf16 = estimate(spec, "qlora", 1024, 1, kbit_upcast=False)
    # 4 bits + 0.127 bits of double-quantised constants per weight
    nf4 = quantised * (4 + 0.127) / 8
    dequant_buffer = max(lin.d_in * lin.d_out for lin in spec.linears()) * 2   # one bf16 copy at a time
    assert bf16.breakdown["weights"] * GIB == pytest.approx(nf4 + rest * 2 + dequant_buffer, rel=0.01)
    assert (upcast.breakdown["weights"] - bf16.breakdown["weights"]) * GIB == pytest.approx(rest * 2, rel=1e-3)
    assert any("fp32" in n for n in upcast.notes)


def test_full_logits_dominate_a_small_model_with_a_big_vocabulary() -> None:
    # A plain HF Trainer materialises batch x seq x vocab logits in fp32 (plus gradients); on the
    # 135M demo model with its 49k vocabulary that outweighs the whole model.
    demo = get_model("demo")
    plain = estimate(demo, "lora", 2048, 4, loss_impl="full")
    assert plain.breakdown["logits"] * GIB == pytest.approx(2048 * 4 * 49152 * 12, rel=1e-3)
    assert plain.breakdown["logits"] > plain.breakdown["weights"] * 5
    chunked = estimate(demo, "lora", 2048, 4)        # tunewiz's trainer: TRL's tiled LM head
    assert chunked.breakdown["logits"] < plain.breakdown["logits"] / 10


def test_eager_attention_models_pay_the_square_of_the_length() -> None:
    b13 = get_model("baichuan-inc/Baichuan2-13B-Chat")
    short, long = (estimate(b13, "qlora", n, 1, grad_checkpointing=False).breakdown["activations"] for n in (1024, 4096))
    assert long > 4 * short * 1.5     # more than linear growth


def test_cpu_estimate_has_no_cuda_context() -> None:
    e = estimate(get_model("demo"), "lora", 512, 2, precision="fp32", device="cpu", vram_gb=8)
    assert e.breakdown["cuda_overhead"] == 0 and e.breakdown["runtime_overhead"] > 0
    assert e.fits and "fits in 8 GB" in e.verdict
    assert e.cuda_context_gb == 0


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "sft"}, "method 'sft'"), ({"seq_len": 0}, "seq_len"), ({"batch": -1}, "batch"),
    ({"vram_gb": -8}, "vram_gb"), ({"vram_gb": 0}, "vram_gb"), ({"lora_r": 0}, "lora_r"),
    ({"optimizer": "sgd"}, "optimizer"), ({"precision": "int8"}, "precision"),
])
def test_nonsense_arguments_are_refused_clearly(kwargs: dict, message: str) -> None:
    args = {"method": "lora", "seq_len": 1024, "batch": 1, **kwargs}
    with pytest.raises(EstimateError, match=message):
        estimate(QWEN7, **args)


# -- structure, checked on the CPU against transformers, peft and autograd -------------------------
# Small enough that bf16 on a 2-core CPU stays quick; GQA (8 heads, 2 kv heads) like the real models.
TINY = dict(hidden_size=128, intermediate_size=352, num_attention_heads=8, num_key_value_heads=2,
            vocab_size=500, max_position_embeddings=512)


def _tiny(model_type: str, layers: int, tied: bool = False):
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM
    torch.manual_seed(0)
    config = AutoConfig.for_model(model_type, num_hidden_layers=layers, tie_word_embeddings=tied, **TINY)
    config._attn_implementation = "sdpa"
    return AutoModelForCausalLM.from_config(config), config


@pytest.mark.parametrize("model_type, tied", [("llama", False), ("llama", True), ("qwen2", False)])
def test_parameter_and_lora_counts_match_transformers_and_peft_exactly(model_type: str, tied: bool) -> None:
    from peft import LoraConfig, get_peft_model
    model, config = _tiny(model_type, 3, tied)
    spec = spec_from_config(config.to_dict(), "tiny", "test")
    assert sum(p.numel() for p in model.parameters()) == spec.param_count()
    for r, targets in ((8, "all-linear"), (4, ["q_proj", "v_proj"])):
        peft_model = get_peft_model(_tiny(model_type, 3, tied)[0],
                                    LoraConfig(r=r, target_modules=targets, task_type="CAUSAL_LM"))
        trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
        assert trainable == spec.lora_params(r, None if targets == "all-linear" else targets)
        e = estimate(spec, "lora", 64, 1, lora_r=r, lora_targets=None if targets == "all-linear" else targets)
        assert e.trainable_params == trainable


def _saved_bytes_per_layer(model_type: str, method: str, dropout: float, precision: str, quantised: bool = False,
                           kbit_upcast: bool = True, monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[float, int, int]:
    """Bytes autograd saves for one decoder block: the 3-block forward minus the 2-block one (the
    first block is special under LoRA: nothing before it needs a gradient)."""
    import torch
    from peft import LoraConfig, get_peft_model

    batch, seq = 2, 40
    totals = []
    for layers in (2, 3):
        if quantised:
            from peft import prepare_model_for_kbit_training
            from transformers import AutoModelForCausalLM, BitsAndBytesConfig
            model, _ = _tiny(model_type, layers)
            folder = tempfile.mkdtemp()
            model.to(torch.bfloat16).save_pretrained(folder)
            model = AutoModelForCausalLM.from_pretrained(
                folder, dtype=torch.bfloat16, device_map={"": "cpu"}, attn_implementation="sdpa",
                quantization_config=BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                                       bnb_4bit_use_double_quant=True,
                                                       bnb_4bit_compute_dtype=torch.bfloat16))
            if kbit_upcast:
                model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
        else:
            model, _ = _tiny(model_type, layers)
            model = model.to(torch.float32 if precision == "fp32" else torch.bfloat16)
        if method in ("lora", "qlora"):
            model = get_peft_model(model, LoraConfig(r=8, lora_dropout=dropout, target_modules="all-linear",
                                                     task_type="CAUSAL_LM"))
        model.train()
        params = {p.untyped_storage().data_ptr() for p in model.parameters()}
        saved: dict[int, int] = {}

        def pack(t: "torch.Tensor") -> "torch.Tensor":
            storage = t.untyped_storage()
            if storage.data_ptr() not in params:
                saved[storage.data_ptr()] = storage.nbytes()
            return t

        ids = torch.randint(0, TINY["vocab_size"], (batch, seq))
        mask = torch.ones(batch, seq, dtype=torch.long)
        mask[1, -6:] = 0                                  # a padded batch, as without packing
        base = model.get_base_model() if method in ("lora", "qlora") else model
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision != "fp32"):
                base.model(input_ids=ids, attention_mask=mask)
        totals.append(sum(saved.values()))
    return totals[1] - totals[0], batch, seq


@pytest.mark.parametrize("model_type, method, dropout, precision", [
    ("llama", "full", 0.0, "bf16"), ("llama", "lora", 0.05, "bf16"), ("llama", "lora", 0.0, "bf16"),
    ("llama", "full", 0.0, "fp32"), ("llama", "lora", 0.05, "fp32"), ("llama", "lora", 0.0, "fp32"),
    # Qwen2 differs by the q/k/v bias, which saves nothing extra: the bf16 cases are enough.
    ("qwen2", "full", 0.0, "bf16"), ("qwen2", "lora", 0.05, "bf16"), ("qwen2", "lora", 0.0, "bf16"),
    # Qwen3 normalises q and k per head (head_dim 128 here, not hidden / heads); Gemma 3 adds two norms.
    ("qwen3", "full", 0.0, "bf16"), ("qwen3", "lora", 0.05, "bf16"),
    ("gemma3_text", "full", 0.0, "bf16"), ("gemma3_text", "lora", 0.05, "bf16"),
])
def test_activation_model_matches_autograds_saved_tensors(model_type: str, method: str, dropout: float,
                                                           precision: str) -> None:
    measured, batch, seq = _saved_bytes_per_layer(model_type, method, dropout, precision)
    _, config = _tiny(model_type, 2)
    spec = spec_from_config(config.to_dict(), "tiny", "test")
    targets = set(spec.default_lora_targets)
    predicted = (batch * seq * activation_bytes_per_token_layer(spec, method, targets, precision, dropout, True, 8,
                                                                device="cpu")
                 + attention_bytes_per_layer(spec, seq, batch, precision, padded=True))
    if method == "lora" and precision == "bf16":
        # autocast's cached bf16 copies of the fp32 adapter weights (counted under lora_params)
        predicted += spec.lora_params(8) / spec.num_hidden_layers * 2
    assert predicted == pytest.approx(measured, rel=0.03)


@pytest.mark.parametrize("kbit_upcast", [True, False])
def test_qlora_activation_model_matches_on_the_cpu(kbit_upcast: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    import torch
    # peft's 4-bit LoRA layer asks torch.is_autocast_enabled() with no device, i.e. the CUDA flag. On
    # a GPU that flag is on during training; make it answer for the CPU so the GPU code path runs here.
    original = torch.is_autocast_enabled
    monkeypatch.setattr(torch, "is_autocast_enabled", lambda *a: original(*a) if a else original("cpu"))
    measured, batch, seq = _saved_bytes_per_layer("llama", "qlora", 0.05, "bf16", quantised=True,
                                                  kbit_upcast=kbit_upcast)
    _, config = _tiny("llama", 2)
    spec = spec_from_config(config.to_dict(), "tiny", "test")
    predicted = (batch * seq * activation_bytes_per_token_layer(spec, "qlora", set(spec.default_lora_targets), "bf16",
                                                                0.05, kbit_upcast, 8, device="cpu")
                 + attention_bytes_per_layer(spec, seq, batch, "bf16", padded=True)
                 + spec.lora_params(8) / spec.num_hidden_layers * 2)
    assert predicted == pytest.approx(measured, rel=0.03)


def test_absurd_arguments_get_a_bounded_message_not_an_overflow() -> None:
    spec = get_model("demo")
    huge = 10 ** 400 - 1
    for kwargs, needle in (({"batch": huge}, "batch a 400-digit number is more than the 4,096"),
                           ({"batch": 5000}, "batch 5000 is more than the 4,096"),
                           ({"seq_len": 10 ** 5000}, "seq_len a 5,001-digit number is beyond any model's context"),
                           ({"lora_r": -10 ** 4400}, "lora_r must be a whole number of at least 1, not a negative")):
        args = {"seq_len": 1024, "batch": 1, **kwargs}
        with pytest.raises(EstimateError) as caught:
            estimate(spec, "lora", args.pop("seq_len"), args.pop("batch"), **args)
        assert needle in str(caught.value) and len(str(caught.value)) < 300, str(caught.value)


def test_a_config_json_with_huge_or_absurd_numbers_names_the_field(tmp_path) -> None:
    import json

    from engine.catalog import ModelConfigError, resolve_model_spec
    base = {"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "intermediate_size": 128,
            "num_attention_heads": 4, "vocab_size": 1000}
    cases = [(json.dumps(base)[:-1] + ', "hidden_size": ' + "9" * 5000 + "}", "field 'hidden_size' must be a positive integer up to 131,072, "
                                                     "not a number of more than 40 digits"),
             (json.dumps({**base, "num_hidden_layers": 10 ** 12}), "field 'num_hidden_layers' must be a positive "
                                                                    "integer up to 1,024, not 1000000000000"),
             (json.dumps({**base, "num_attention_heads": 128}), "attention heads of 0 dimensions"),
             (json.dumps({**base, "num_key_value_heads": 10 ** 20}), "more key/value heads"),
             ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply to read")]
    for i, (text, needle) in enumerate(cases):
        folder = tmp_path / f"m{i}"
        folder.mkdir()
        (folder / "config.json").write_text(text)
        with pytest.raises(ModelConfigError) as caught:
            resolve_model_spec(str(folder))
        assert needle in str(caught.value) and str(folder / "config.json") in str(caught.value), str(caught.value)
    # A context no model has is not a reason to refuse: it is ignored, with a note.
    folder = tmp_path / "ctx"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({**base, "max_position_embeddings": 10 ** 30}))
    spec = resolve_model_spec(str(folder))
    assert spec.max_position_embeddings == 4096 and any("no model has" in n for n in spec.notes)


# -- mixture of experts ---------------------------------------------------------------------------------
TINY_MOE = dict(num_experts=8, num_experts_per_tok=2, moe_intermediate_size=48, head_dim=16, norm_topk_prob=True)


# GLM-4.5's block: sigmoid routing over 8 experts, an ungated shared expert and q/k/v bias (every block
# sparse here: first_k_dense_replace 0, so each measured block is an expert block).
TINY_GLM45 = dict(n_routed_experts=8, n_shared_experts=1, num_experts_per_tok=2, moe_intermediate_size=48, head_dim=16,
                  norm_topk_prob=True, first_k_dense_replace=0, attention_bias=True)


@pytest.mark.parametrize("model_type, method", [("qwen3_moe", "full"), ("qwen3_moe", "lora"), ("glm4_moe", "full"),
                                                ("glm4_moe", "lora")])
def test_moe_activation_model_matches_autograds_saved_tensors(model_type: str, method: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # A tiny Qwen3-MoE / GLM-4.5: the router, the top-2 of 8 experts per token (and GLM's shared expert)
    # and, under LoRA (peft's all-linear reaches the expert stacks), the merged expert stack each block
    # keeps for backward.
    monkeypatch.setitem(globals(), "TINY", {**TINY, **(TINY_MOE if model_type == "qwen3_moe" else TINY_GLM45)})
    measured, batch, seq = _saved_bytes_per_layer(model_type, method, 0.0, "bf16")
    _, config = _tiny(model_type, 2)
    spec = spec_from_config(config.to_dict(), "tiny", "test")
    assert spec.is_moe and spec.num_experts_per_tok == 2
    targets = set(spec.default_lora_targets)
    predicted = (batch * seq * activation_bytes_per_token_layer(spec, method, targets, "bf16", 0.0, True, 8,
                                                                device="cpu")
                 + attention_bytes_per_layer(spec, seq, batch, "bf16", padded=True))
    if method == "lora":
        predicted += merged_expert_bytes_per_layer(spec, targets, 2) + spec.lora_params(8) / spec.num_hidden_layers * 2
    assert predicted == pytest.approx(measured, rel=0.03)


MOE = get_model("Qwen/Qwen3-30B-A3B")


def test_moe_keeps_every_expert_resident_but_activates_top_k() -> None:
    import dataclasses
    lora = estimate(MOE, "lora", 1024, 2)
    # all 128 experts' weights are loaded: 30.5B parameters in bf16, not the 3.4B a token uses
    assert lora.breakdown["weights"] == pytest.approx(MOE.param_count() * 2 / GIB, rel=1e-3)
    assert MOE.active_params() < MOE.param_count() / 8
    # activations follow the experts a token passes through (top-k), not how many exist
    full = estimate(MOE, "full", 1024, 2)
    fewer = dataclasses.replace(MOE, num_experts=64)
    assert estimate(fewer, "full", 1024, 2).breakdown["activations"] == pytest.approx(
        full.breakdown["activations"], rel=0.01)
    more_active = dataclasses.replace(MOE, num_experts_per_tok=16)
    assert estimate(more_active, "full", 1024, 2).breakdown["activations"] > 1.3 * full.breakdown["activations"]


def test_moe_lora_counts_every_expert_and_qlora_leaves_them_unquantised() -> None:
    lora = estimate(MOE, "lora", 1024, 1, lora_r=16)
    # all-linear: q/k/v/o, the router and every expert's projections (gate_up at rank 2r)
    experts_only = MOE.lora_params(16, ["gate_up_proj", "down_proj"])
    assert lora.trainable_params == MOE.lora_params(16) > experts_only > 0.9 * lora.trainable_params
    attention_only = estimate(MOE, "lora", 1024, 1, lora_r=16, lora_targets=["q_proj", "k_proj", "v_proj", "o_proj"])
    assert attention_only.trainable_params < lora.trainable_params / 20
    # no merged expert stack when the experts are not adapted
    assert attention_only.breakdown["activations"] < lora.breakdown["activations"] - 1.0
    assert any("merges each block's expert stack" in n for n in lora.notes)
    qlora = estimate(MOE, "qlora", 1024, 1)
    expert_params = MOE.num_hidden_layers * sum(lin.params for lin in MOE.linears() if lin.experts)
    # bitsandbytes quantises nn.Linear only: the experts stay unquantised (and peft upcasts them to fp32)
    assert qlora.breakdown["weights"] > expert_params * 4 / GIB
    assert qlora.total_gb > lora.total_gb and any("unquantised" in n for n in qlora.notes)


# -- DPO ------------------------------------------------------------------------------------------------
QWEN3_8B = get_model("Qwen/Qwen3-8B")


@pytest.mark.parametrize("tuning", ["lora", "qlora"])
def test_dpo_with_an_adapter_is_two_sequences_per_pair_and_no_reference_copy(tuning: str) -> None:
    dpo = estimate(QWEN3_8B, "dpo", 1024, 2, dpo_tuning=tuning)
    sft_same_sequences = estimate(QWEN3_8B, tuning, 1024, 4)
    assert dpo.method == "dpo" and dpo.dpo_tuning == tuning and dpo.batch == 2
    assert dpo.reference == "adapter disabled" and dpo.breakdown["reference"] == 0.0
    assert dpo.total_gb == pytest.approx(sft_same_sequences.total_gb, abs=0.01)
    assert dpo.total_gb > estimate(QWEN3_8B, tuning, 1024, 2).total_gb
    assert any("adapter switched off" in n for n in dpo.notes)


def test_full_dpo_holds_a_frozen_reference_copy_without_gradients() -> None:
    dpo = estimate(QWEN3_8B, "dpo", 1024, 1, dpo_tuning="full")
    sft = estimate(QWEN3_8B, "full", 1024, 2)
    assert dpo.reference == "frozen copy"
    assert dpo.breakdown["reference"] == pytest.approx(QWEN3_8B.param_count() * 2 / GIB, rel=1e-3)
    # the reference adds its weights only: no gradients or optimizer states of its own
    assert dpo.breakdown["gradients"] == sft.breakdown["gradients"]
    assert dpo.breakdown["optimizer"] == sft.breakdown["optimizer"]
    assert dpo.total_gb == pytest.approx(sft.total_gb + dpo.breakdown["reference"], rel=0.02)
    assert dpo.to_dict()["reference"] == "frozen copy"


def test_dpo_from_an_sft_adapter_keeps_a_frozen_copy_of_that_adapter_only() -> None:
    fresh = estimate(QWEN3_8B, "dpo", 1024, 1, dpo_tuning="lora")
    started = estimate(QWEN3_8B, "dpo", 1024, 1, dpo_tuning="lora", dpo_from_adapter=True)
    assert started.reference == "frozen adapter"
    assert started.breakdown["reference"] == pytest.approx(QWEN3_8B.lora_params(16) * 4 / GIB, abs=1e-3)
    assert 0 < started.total_gb - fresh.total_gb < 0.5          # an adapter, not a second base


def test_dpo_tuning_must_be_known() -> None:
    with pytest.raises(EstimateError, match="dpo_tuning 'cpt' is not one of lora, qlora, full"):
        estimate(QWEN3_8B, "dpo", 512, 1, dpo_tuning="cpt")


# -- today's newest layouts: GLM-4.5-Air (dense first block + experts), Qwen3.5 (hybrid linear attention) --------
AIR = get_model("zai-org/GLM-4.5-Air")
QWEN35 = get_model("Qwen/Qwen3.5-27B")


def test_glm45_air_keeps_every_expert_resident_and_qlora_quantises_only_linear_modules() -> None:
    lora = estimate(AIR, "lora", 1024, 1)
    assert lora.breakdown["weights"] == pytest.approx(AIR.param_count() * 2 / GIB, rel=1e-3)   # ~199 GB in bf16
    assert lora.fits is None and lora.total_gb > 190
    qlora = estimate(AIR, "qlora", 1024, 1, kbit_upcast=False)
    # NF4: attention, the dense first block's MLP and the shared experts; the stacked experts stay bf16
    quantised = AIR.quantisable_params()
    assert quantised == AIR.param_count() - AIR.expert_params() - AIR.num_hidden_layers * 0 - (
        AIR.embedding_params() + AIR.head_params() + AIR.norm_params() + AIR.num_hidden_layers * (
            (AIR.q_dim + 2 * AIR.kv_dim)) + 45 * 128 * 4096)   # minus q/k/v biases and the 45 routers
    assert qlora.breakdown["weights"] > AIR.expert_params() * 2 / GIB
    assert any("unquantised" in n for n in qlora.notes)
    # peft's all-linear adapts the experts (rank 2r on gate_up), not the dense first block's MLP
    assert lora.trainable_params == AIR.lora_params(16) == 45 * (16 * 128 * (2 * (4096 + 2816) + 1408 + 4096)
                                                                + 16 * (4096 + 128)) + 46 * 16 * (
        (4096 + 12288) + 2 * (4096 + 1024) + (12288 + 4096))


def test_hybrid_linear_attention_blocks_have_no_square_term() -> None:
    # Only Qwen3.5's 16 full-attention blocks keep a seq x seq copy of the padding mask; its 48 Gated
    # DeltaNet blocks scale with the length alone, so padding costs a quarter of what an all-full-attention
    # model of the same shape pays.
    import dataclasses
    all_full = dataclasses.replace(QWEN35, full_attention_interval=0)
    def square(spec) -> float:
        padded = estimate(spec, "lora", 4096, 1, grad_checkpointing=False)
        packed = estimate(spec, "lora", 4096, 1, grad_checkpointing=False, padded=False)
        return (padded.breakdown["activations"] - packed.breakdown["activations"]) * GIB - 4096 * 4096
    assert square(QWEN35) == pytest.approx(16 * 4096 * 4096 * 2, rel=0.01)   # (breakdown rounds to 1 MB)
    assert square(all_full) == pytest.approx(64 * 4096 * 4096 * 2, rel=0.01)
    e = estimate(QWEN35, "lora", 4096, 1)
    assert any("48 of 64 blocks use Gated DeltaNet" in n and "not measured" in n for n in e.notes)
    # its LoRA reaches the linear-attention projections too
    assert {"in_proj_qkv", "in_proj_z", "in_proj_b", "in_proj_a", "out_proj"} <= set(e.lora_targets)


def test_hybrid_activations_follow_each_kind_of_block() -> None:
    # The mean over blocks weighs 48 linear-attention and 16 full-attention blocks; with gradient
    # checkpointing the one recomputed block is the larger kind.
    from engine.memory import block_activation_bytes_per_token
    args = ("lora", set(QWEN35.default_lora_targets), "bf16", 0.05, True, 16, "cuda")
    linear = block_activation_bytes_per_token(QWEN35, "linear", "dense", *args)
    full = block_activation_bytes_per_token(QWEN35, "full", "dense", *args)
    assert linear != full
    assert activation_bytes_per_token_layer(QWEN35, *args) == pytest.approx((48 * linear + 16 * full) / 64)
    assert activation_bytes_per_token_layer(QWEN35, *args, block="max") == max(linear, full)
