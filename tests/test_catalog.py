"""The model catalog: architecture numbers, lookups, config.json fallbacks, OpenAI facts."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from engine import catalog
from engine.catalog import (OPENAI_WIND_DOWN, ModelConfigError, UnknownModelError, get_model, get_openai_model,
                            models, openai_models, openai_training_cost, resolve_model_spec, smaller_models)

REQUIRED = [
    *(f"Qwen/Qwen2.5-{s}{i}" for s in ("0.5B", "1.5B", "3B", "7B", "14B", "32B") for i in ("", "-Instruct")),
    "THUDM/glm-4-9b-chat", "baichuan-inc/Baichuan2-7B-Chat", "baichuan-inc/Baichuan2-13B-Chat",
    "meta-llama/Meta-Llama-3-8B", "meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.2-1B-Instruct",
    "meta-llama/Llama-3.2-3B-Instruct", "HuggingFaceTB/SmolLM2-135M-Instruct", "HuggingFaceTB/SmolLM2-360M-Instruct",
    "HuggingFaceTB/SmolLM2-1.7B-Instruct", "demo",
]


# The attention head size in each model's published config.json (`head_dim`, GLM's `kv_channels`, or
# hidden_size / num_attention_heads where the config gives none).
PUBLISHED_HEAD_SIZE = {
    **{f"Qwen/Qwen2.5-{s}{i}": 64 if s == "0.5B" else 128 for s in ("0.5B", "1.5B", "3B", "7B", "14B", "32B")
       for i in ("", "-Instruct")},
    "THUDM/glm-4-9b-chat": 128, "baichuan-inc/Baichuan2-7B-Chat": 128, "baichuan-inc/Baichuan2-13B-Chat": 128,
    "meta-llama/Meta-Llama-3-8B": 128, "meta-llama/Llama-3.1-8B-Instruct": 128,
    "meta-llama/Llama-3.2-1B-Instruct": 64, "meta-llama/Llama-3.2-3B-Instruct": 128,
    "HuggingFaceTB/SmolLM2-135M-Instruct": 64, "HuggingFaceTB/SmolLM2-360M-Instruct": 64,
    "HuggingFaceTB/SmolLM2-1.7B-Instruct": 64, "demo": 64,
}


@pytest.mark.parametrize("model_id", REQUIRED)
def test_every_model_the_guide_names_is_in_the_catalog(model_id: str) -> None:
    spec = get_model(model_id)
    assert spec is not None, model_id
    assert spec.num_hidden_layers > 0 and spec.intermediate_size > 0 and spec.vocab_size > 0
    # The attention geometry: the published head size (an explicit head_dim included), query heads
    # that share the key/value heads evenly, and, for every one of these models, heads x head size
    # filling the hidden size.
    assert spec.head_size == PUBLISHED_HEAD_SIZE[model_id]
    assert spec.num_attention_heads % spec.num_key_value_heads == 0
    assert spec.num_attention_heads * spec.head_size == spec.hidden_size
    assert spec.default_lora_targets and spec.license and spec.languages


def test_demo_is_smollm2_135m_instruct() -> None:
    demo = get_model("demo")
    assert (demo.num_hidden_layers, demo.hidden_size, demo.intermediate_size) == (30, 576, 1536)
    assert (demo.num_attention_heads, demo.num_key_value_heads, demo.vocab_size) == (9, 3, 49152)
    assert demo.tie_word_embeddings and demo.max_position_embeddings == 8192 and demo.model_type == "llama"
    assert demo.hub_id == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert demo.param_count() == 134_515_008          # SmolLM2-135M's published count


@pytest.mark.parametrize("model_id, published_billions", [
    ("Qwen/Qwen2.5-7B-Instruct", 7.62), ("Qwen/Qwen2.5-0.5B", 0.49), ("meta-llama/Meta-Llama-3-8B", 8.03),
    ("THUDM/glm-4-9b-chat", 9.40), ("baichuan-inc/Baichuan2-7B-Chat", 7.51), ("baichuan-inc/Baichuan2-13B-Chat", 13.90),
    ("meta-llama/Llama-3.2-1B-Instruct", 1.24), ("HuggingFaceTB/SmolLM2-1.7B", 1.71),
])
def test_parameter_counts_match_the_model_cards(model_id: str, published_billions: float) -> None:
    assert get_model(model_id).params == pytest.approx(published_billions, rel=0.01)


# Today's models: the head size each config.json publishes as head_dim. For several it is not
# hidden_size / num_attention_heads (Qwen3-0.6B: 1024/16 = 64, Qwen3-4B and -32B: 80, Gemma 3: 288,
# 360, 240, 168), so a catalog that derived it would get every count below wrong.
TODAY_HEAD_DIM = {
    **{f"Qwen/Qwen3-{s}{b}": 128 for s in ("0.6B", "1.7B", "4B", "8B", "14B", "32B", "30B-A3B") for b in ("", "-Base")},
    "Qwen/Qwen3-235B-A22B": 128, "meta-llama/Llama-3.3-70B-Instruct": 128, "THUDM/GLM-4-9B-0414": 128,
    **{f"google/gemma-3-{s}-{k}": 128 if s == "27b" else 256 for s in ("1b", "4b", "12b", "27b") for k in ("it", "pt")},
    # GLM-4.5-Air: 96 heads of 128 in a 4096-wide model (4096 / 96 is not even whole); Qwen3.5: 256.
    "THUDM/GLM-4-32B-0414": 128, "zai-org/GLM-4.5-Air": 128, "Qwen/Qwen3.5-27B": 256, "Qwen/Qwen3.5-35B-A3B": 256,
}
# What the meta-device count needs beyond the spec's dense numbers, per model_type.
TRANSFORMERS_TYPES = ("llama", "qwen2", "qwen3", "qwen3_moe", "gemma3_text", "glm4", "glm4_moe", "qwen3_5_text",
                      "qwen3_5_moe_text")


def _head_dim(spec) -> int:
    return TODAY_HEAD_DIM.get(spec.id) or PUBLISHED_HEAD_SIZE.get(spec.id) or spec.hidden_size // spec.num_attention_heads


def _meta_count(spec, layers: int) -> int:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    extra = {}
    if spec.is_moe:
        extra = dict(num_experts=spec.num_experts, num_experts_per_tok=spec.num_experts_per_tok,
                     moe_intermediate_size=spec.moe_intermediate_size, norm_topk_prob=spec.norm_topk_prob)
    if spec.model_type == "glm4_moe":
        # GLM-4.5's config.json names: n_routed_experts, n_shared_experts (of moe_intermediate_size each)
        extra = dict(n_routed_experts=extra.pop("num_experts"), **extra, first_k_dense_replace=spec.first_k_dense_replace,
                     n_shared_experts=spec.shared_expert_intermediate_size // spec.moe_intermediate_size)
    if spec.shared_expert_intermediate_size and spec.model_type != "glm4_moe":
        extra["shared_expert_intermediate_size"] = spec.shared_expert_intermediate_size
    if spec.is_hybrid:
        extra.update(layer_types=["full_attention" if (i + 1) % spec.full_attention_interval == 0 else "linear_attention"
                                  for i in range(layers)],
                     linear_num_key_heads=spec.linear_num_key_heads, linear_num_value_heads=spec.linear_num_value_heads,
                     linear_key_head_dim=spec.linear_key_head_dim, linear_value_head_dim=spec.linear_value_head_dim,
                     linear_conv_kernel_dim=spec.linear_conv_kernel_dim)
    if spec.model_type in ("qwen2", "glm4", "glm4_moe"):
        extra["attention_bias"] = spec.attention_bias
    config = AutoConfig.for_model(
        spec.model_type, num_hidden_layers=layers, hidden_size=spec.hidden_size,
        intermediate_size=spec.intermediate_size, num_attention_heads=spec.num_attention_heads,
        num_key_value_heads=spec.num_key_value_heads, vocab_size=spec.vocab_size,
        tie_word_embeddings=spec.tie_word_embeddings, head_dim=_head_dim(spec), **extra)
    with torch.device("meta"):
        return sum(p.numel() for p in AutoModelForCausalLM.from_config(config).parameters())


def test_parameter_counts_match_transformers_exactly() -> None:
    # Every distinct architecture transformers builds natively (Llama, Qwen2, Qwen3 dense and MoE,
    # Gemma 3's text model, GLM-4-0414), built on the meta device (no memory) with the head size the
    # config.json publishes. Blocks are identical, so 1- and 2-block models give the exact count for
    # any depth, fast. Gemma 3's vision tower is checked below.
    seen = set()
    for spec in models():
        if spec.model_type not in TRANSFORMERS_TYPES:
            continue  # GLM-4-9B-Chat and Baichuan2 need their remote code; checked against their cards above
        key = (spec.model_type, spec.num_hidden_layers, spec.hidden_size, spec.intermediate_size,
               spec.num_attention_heads, spec.num_key_value_heads, spec.vocab_size, spec.tie_word_embeddings,
               spec.num_experts, spec.moe_intermediate_size)
        if key in seen:
            continue
        seen.add(key)
        # The smallest model holding every kind of block once (GLM-4.5's dense first block, one period of
        # Qwen3.5's 3 linear + 1 full attention blocks), then one more period: the rest repeats it.
        period = spec.full_attention_interval or 1
        one = _meta_count(spec, spec.first_k_dense_replace + period)
        two = _meta_count(spec, spec.first_k_dense_replace + 2 * period)
        periods = (spec.num_hidden_layers - spec.first_k_dense_replace) // period
        assert one + (periods - 1) * (two - one) == spec.param_count() - spec.vision_params, spec.id
    assert len(seen) >= 28
    assert {k[0] for k in seen} == set(TRANSFORMERS_TYPES)


def test_multimodal_gemma3_counts_its_vision_tower() -> None:
    import torch
    from transformers import AutoModelForCausalLM, Gemma3Config

    spec = get_model("google/gemma-3-4b-it")
    config = Gemma3Config(
        text_config=dict(hidden_size=spec.hidden_size, intermediate_size=spec.intermediate_size,
                         num_hidden_layers=spec.num_hidden_layers, num_attention_heads=spec.num_attention_heads,
                         num_key_value_heads=spec.num_key_value_heads, head_dim=256, vocab_size=spec.vocab_size),
        vision_config=dict(hidden_size=1152, image_size=896, intermediate_size=4304, num_attention_heads=16,
                           num_hidden_layers=27, patch_size=14, vision_use_head=False))
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    assert sum(p.numel() for p in model.parameters()) == spec.param_count()
    assert spec.vision_params > 0 and get_model("google/gemma-3-1b-it").vision_params == 0


def test_today_models_are_in_the_catalog_with_their_published_shape() -> None:
    for model_id, head_dim in TODAY_HEAD_DIM.items():
        spec = get_model(model_id)
        assert spec is not None, model_id
        assert spec.head_size == head_dim and spec.config_source.startswith(f"https://huggingface.co/{model_id}/")
        assert spec.license and spec.languages and spec.default_lora_targets
        assert spec.instruct == bool(spec.chat_template), model_id
    # head_dim is carried, not derived: these sizes would come out wrong as hidden / heads
    assert [get_model(f"Qwen/Qwen3-{s}").hidden_size // get_model(f"Qwen/Qwen3-{s}").num_attention_heads
            for s in ("0.6B", "4B", "32B")] == [64, 80, 80]
    qwen3 = get_model("qwen3-8b")
    assert qwen3.reasoning and qwen3.tools and not qwen3.trust_remote_code and qwen3.params == pytest.approx(8.19, abs=0.01)
    assert not get_model("gemma-3-12b-it").reasoning and get_model("gemma-3-12b-it").sliding_window == 1024
    moe = get_model("Qwen/Qwen3-30B-A3B")
    assert (moe.num_experts, moe.num_experts_per_tok, moe.moe_intermediate_size, moe.norm_topk_prob) == (128, 8, 768, True)
    # Qwen's card: 30.5B total, 3.3B activated (without the embeddings it counts 3.3B; with them 3.4B)
    assert moe.params == pytest.approx(30.5, abs=0.05) and moe.size_label == "30.5B (3.4B active)"
    assert get_model("Qwen/Qwen3-235B-A22B").size_label.startswith("235B (22.")
    assert get_model("glm-4-9b-0414").model_type == "glm4" and get_model("glm4").id == "THUDM/glm-4-9b-chat"
    assert get_model("llama-3.3-70b").params == pytest.approx(70.55, abs=0.01)


def test_moe_lora_targets_match_peft_all_linear() -> None:
    # peft's "all-linear" on a transformers-5 Qwen3-MoE adapts q/k/v/o, the router and every expert's
    # stacked gate_up (rank 2r) and down projections: a tiny model built from a config says how many.
    import dataclasses

    from peft import LoraConfig, get_peft_model
    from transformers import AutoConfig, AutoModelForCausalLM

    spec = dataclasses.replace(get_model("Qwen/Qwen3-30B-A3B"), num_hidden_layers=2, hidden_size=48,
                               num_attention_heads=4, num_key_value_heads=2, head_dim=16, vocab_size=128,
                               num_experts=6, num_experts_per_tok=2, moe_intermediate_size=24)
    config = AutoConfig.for_model("qwen3_moe", num_hidden_layers=2, hidden_size=48, intermediate_size=64,
                                  num_attention_heads=4, num_key_value_heads=2, head_dim=16, vocab_size=128,
                                  num_experts=6, num_experts_per_tok=2, moe_intermediate_size=24)
    model = AutoModelForCausalLM.from_config(config)
    assert sum(p.numel() for p in model.parameters()) == spec.param_count()
    peft_model = get_peft_model(model, LoraConfig(r=4, target_modules="all-linear"))
    trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    assert trainable == spec.lora_params(4, "all-linear")
    assert set(spec.default_lora_targets) == {"q_proj", "k_proj", "v_proj", "o_proj", "gate", "gate_up_proj",
                                              "down_proj"}


def test_moe_config_json_is_read_with_its_experts(tmp_path: Path) -> None:
    config = {**QWEN_LIKE, "model_type": "qwen3_moe", "head_dim": 64, "num_experts": 16, "num_experts_per_tok": 4,
              "moe_intermediate_size": 96, "norm_topk_prob": True}
    spec = resolve_model_spec(str(_write_config(tmp_path / "m", config)))
    assert (spec.num_experts, spec.num_experts_per_tok, spec.moe_intermediate_size) == (16, 4, 96)
    dense = resolve_model_spec(str(_write_config(tmp_path / "d", {**config, "model_type": "qwen3", "num_experts": 0})))
    # every block trades its dense MLP for 16 experts' MLPs and a 16-way router
    per_block = 16 * 3 * 128 * 96 + 16 * 128 - 3 * 128 * 256
    assert spec.param_count() - dense.param_count() == 4 * per_block and not dense.is_moe
    assert not any("too low" in n for n in spec.notes)
    broken = {**config}
    del broken["num_experts_per_tok"]
    with pytest.raises(ModelConfigError, match="num_experts_per_tok"):
        resolve_model_spec(str(_write_config(tmp_path / "b", broken)))


def test_lookup_by_id_short_name_and_alias_ignores_case() -> None:
    assert get_model("qwen/qwen2.5-7b-instruct").id == "Qwen/Qwen2.5-7B-Instruct"
    assert get_model("Qwen2.5-7B-Instruct").id == "Qwen/Qwen2.5-7B-Instruct"
    assert get_model("glm4").id == "THUDM/glm-4-9b-chat"
    assert get_model("llama3-8b").id == "meta-llama/Meta-Llama-3-8B"
    assert get_model("no-such-model") is None and get_model("") is None


def test_remote_code_and_lora_targets_per_architecture() -> None:
    glm, baichuan, qwen = get_model("glm4"), get_model("baichuan2-7b"), get_model("Qwen/Qwen2.5-7B")
    assert glm.trust_remote_code and baichuan.trust_remote_code and not qwen.trust_remote_code
    assert set(glm.default_lora_targets) == {"query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"}
    assert set(baichuan.default_lora_targets) == {"W_pack", "o_proj", "gate_proj", "up_proj", "down_proj"}
    assert set(qwen.default_lora_targets) == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                                              "down_proj"}


def test_unknown_lora_target_is_a_clear_error() -> None:
    with pytest.raises(ModelConfigError, match="W_pack.*do not exist.*q_proj"):
        get_model("demo").lora_params(8, ["W_pack"])


def _write_config(folder: Path, config: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config))
    return folder


QWEN_LIKE = {"model_type": "qwen2", "num_hidden_layers": 4, "hidden_size": 128, "intermediate_size": 256,
             "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 1000, "max_position_embeddings": 2048,
             "tie_word_embeddings": True}


def test_local_folder_is_read_from_its_config_json(tmp_path: Path) -> None:
    spec = resolve_model_spec(str(_write_config(tmp_path / "my-model", QWEN_LIKE)))
    assert spec.num_hidden_layers == 4 and spec.num_key_value_heads == 2 and spec.attention_bias
    assert spec.source.endswith("config.json") and spec.tie_word_embeddings


def test_glm_style_field_names_are_understood(tmp_path: Path) -> None:
    glm = {"model_type": "chatglm", "num_layers": 40, "hidden_size": 4096, "ffn_hidden_size": 13696,
           "num_attention_heads": 32, "multi_query_group_num": 2, "kv_channels": 128, "padded_vocab_size": 151552,
           "seq_length": 131072, "add_qkv_bias": True, "auto_map": {"AutoModel": "modeling_chatglm.ChatGLMModel"}}
    spec = resolve_model_spec(str(_write_config(tmp_path / "glm", glm)))
    assert spec.param_count() == get_model("glm4").param_count()
    assert spec.trust_remote_code and spec.max_position_embeddings == 131072


def test_config_missing_a_field_names_it(tmp_path: Path) -> None:
    broken = {k: v for k, v in QWEN_LIKE.items() if k != "intermediate_size"}
    with pytest.raises(ModelConfigError, match="intermediate_size.*ffn_hidden_size"):
        resolve_model_spec(str(_write_config(tmp_path / "broken", broken)))


def test_config_with_nonsense_value_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelConfigError, match="num_hidden_layers.*positive"):
        resolve_model_spec(str(_write_config(tmp_path / "bad", {**QWEN_LIKE, "num_hidden_layers": "four"})))


def test_folder_without_config_json(tmp_path: Path) -> None:
    with pytest.raises(UnknownModelError, match="no config.json"):
        resolve_model_spec(str(tmp_path))


def test_unknown_hub_id_offline_says_what_was_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(UnknownModelError) as info:
        resolve_model_spec("someone/some-model")
    message = str(info.value)
    assert "catalog" in message and "local folder" in message and "HF_HUB_OFFLINE" in message


def test_unreachable_hub_fails_fast_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(catalog, "_hub_reachable", lambda: False)
    with pytest.raises(UnknownModelError, match="unreachable"):
        resolve_model_spec("someone/some-model")


def test_typo_gets_a_suggestion() -> None:
    with pytest.raises(UnknownModelError, match="Did you mean Qwen/Qwen2.5-7B-Instruct"):
        resolve_model_spec("Qwen2.5-7B-Instrct", online=False)


def test_hub_config_is_fetched_alone_when_online(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub
    asked = []

    def fake_download(repo: str, filename: str) -> str:
        asked.append((repo, filename))
        return str(_write_config(tmp_path / "cache", QWEN_LIKE) / "config.json")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    monkeypatch.setattr(catalog, "_hub_reachable", lambda: True)
    spec = resolve_model_spec("someone/tiny-qwen", online=True)
    assert asked == [("someone/tiny-qwen", "config.json")]      # the weights are never asked for
    assert spec.id == "someone/tiny-qwen" and spec.hidden_size == 128


def test_hub_failure_becomes_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub

    def fail(repo: str, filename: str) -> str:
        raise OSError("401 Client Error: repository is gated")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fail)
    monkeypatch.setattr(catalog, "_hub_reachable", lambda: True)
    with pytest.raises(UnknownModelError, match="hub.*gated"):
        resolve_model_spec("someone/gated-model", online=True)


def test_smaller_models_stay_in_the_family_first() -> None:
    ladder = [m.id for m in smaller_models(get_model("Qwen/Qwen2.5-14B-Instruct"))]
    assert ladder[:4] == ["Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-3B-Instruct", "Qwen/Qwen2.5-1.5B-Instruct",
                          "Qwen/Qwen2.5-0.5B-Instruct"]
    # today's ladder: Qwen3 within its family, and Qwen3 before Qwen2.5 for a model outside both
    assert [m.id for m in smaller_models(get_model("Qwen/Qwen3-14B"))][:2] == ["Qwen/Qwen3-8B", "Qwen/Qwen3-4B"]
    outside = [m.family for m in smaller_models(get_model("THUDM/GLM-4-9B-0414"))]
    assert outside[0] == "qwen3" and "qwen2.5" in outside and outside.index("qwen2.5") > outside.index("qwen3")
    llama = [m.id for m in smaller_models(get_model("meta-llama/Llama-3.1-8B-Instruct"))]
    assert llama[0] == "meta-llama/Llama-3.2-3B-Instruct"
    assert not any(get_model(m).trust_remote_code for m in llama)


# -- OpenAI ---------------------------------------------------------------------------------------
OPENAI_IDS = ["gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06", "gpt-4.1-2025-04-14", "gpt-4.1-mini-2025-04-14",
              "gpt-4.1-nano-2025-04-14", "gpt-3.5-turbo-0125"]


@pytest.mark.parametrize("model_id", OPENAI_IDS)
def test_openai_models_carry_sourced_dated_facts(model_id: str) -> None:
    m = get_openai_model(model_id)
    assert m is not None
    for fact in (m.context_tokens, m.example_tokens, m.training_price_per_1m, m.default_epochs, m.min_examples):
        assert fact.as_of and date.fromisoformat(fact.as_of)
        assert "OpenAI" in fact.source and "checked" in fact.source
    assert m.example_tokens.value <= m.context_tokens.value
    assert m.training_price_per_1m.value > 0 and m.min_examples.value == 10


def test_openai_family_alias_finds_the_snapshot() -> None:
    assert get_openai_model("gpt-4o-mini").id == "gpt-4o-mini-2024-07-18"
    assert get_openai_model("gpt-3.5-turbo").id == "gpt-3.5-turbo-0125"
    assert get_openai_model("gpt-5") is None
    assert [m.id for m in openai_models()] and len(openai_models()) == 6


def test_openai_cost_is_tokens_times_epochs_times_price() -> None:
    mini = get_openai_model("gpt-4o-mini-2024-07-18")
    assert openai_training_cost(mini, 1_000_000, epochs=3) == pytest.approx(3 * mini.training_price_per_1m.value)


def test_wind_down_dates_are_sourced_constants() -> None:
    assert OPENAI_WIND_DOWN.new_jobs_end.value == "2027-01-06"
    assert OPENAI_WIND_DOWN.models_shut_down.value == "2027-01-14"
    assert "2026-05-07" in OPENAI_WIND_DOWN.new_jobs_end.source and "deprecations" in OPENAI_WIND_DOWN.new_jobs_end.source
    assert OPENAI_WIND_DOWN.days_left(date(2026, 12, 30)) == (7, 15)
    text = OPENAI_WIND_DOWN.sentence(date(2026, 12, 30))
    assert "2027-01-06" in text and "2027-01-14" in text and "7 days" in text
    assert "since 2027-01-06" in OPENAI_WIND_DOWN.sentence(date(2027, 2, 1))


def test_catalog_to_dict_is_json_ready() -> None:
    import dataclasses

    specs = catalog.models()
    dumped = json.loads(json.dumps([s.to_dict() for s in specs]))  # survives a JSON round trip
    assert [d["id"] for d in dumped] == [s.id for s in specs] and set(REQUIRED) <= {d["id"] for d in dumped}
    for spec, data in zip(specs, dumped):
        fields = {f.name for f in dataclasses.fields(spec)}
        assert set(data) == fields | {"params", "default_lora_targets", "active_params", "size_label"}, spec.id  # every field, nothing else
        for name in fields:  # with its value (tuples as lists)
            value = getattr(spec, name)
            assert data[name] == (list(value) if isinstance(value, tuple) else value), (spec.id, name)
        assert data["params"] == spec.params and data["default_lora_targets"] == list(spec.default_lora_targets)

    facts = ("context_tokens", "example_tokens", "training_price_per_1m", "default_epochs", "min_examples")
    openai = json.loads(json.dumps([m.to_dict() for m in openai_models()]))
    assert [d["id"] for d in openai] == [m.id for m in openai_models()] and len(openai) == 6
    assert set(OPENAI_IDS) == {d["id"] for d in openai}
    for model, data in zip(openai_models(), openai):
        assert set(data) == {"id", "family", "wind_down", *facts, "methods", "encoding", "shut_down", "fine_tunable",
                             "azure"}
        assert (data["family"], data["wind_down"]) == (model.family, model.wind_down)
        assert data["methods"] == list(model.methods) and data["encoding"] == model.encoding
        assert data["shut_down"] == (model.shut_down.to_dict() if model.shut_down else None)
        assert data["azure"] == (model.azure.to_dict() if model.azure else None)
        for name in facts:
            fact = getattr(model, name)
            assert data[name] == {"value": fact.value, "as_of": fact.as_of, "source": fact.source}
            assert date.fromisoformat(data[name]["as_of"]) and "OpenAI" in data[name]["source"]
    wind_down = json.loads(json.dumps(OPENAI_WIND_DOWN.to_dict()))
    # the keys `tunewiz models --json` has always had, then the notice's added facts
    assert list(wind_down)[:3] == ["closed_to_new_users", "new_jobs_end", "models_shut_down"]
    assert {k: v["value"] for k, v in wind_down.items()} == {
        "closed_to_new_users": True, "new_jobs_end": "2027-01-06", "models_shut_down": "2027-01-14",
        "notice": "2026-05-07", "never_fine_tuned_blocked": "2026-05-07", "inactive_blocked": "2026-07-02",
        "inactive_days": 60, "existing_models": "inference continues until the base model is retired",
        "blocked_error": {"status": 403, "code": "training_not_available"}}
    for name, fact in wind_down.items():
        assert fact == getattr(OPENAI_WIND_DOWN, name).to_dict()
        assert date.fromisoformat(fact["as_of"]) and "https://platform.openai.com/docs/deprecations" in fact["source"]


QWEN35_TEXT = {"model_type": "qwen3_5_text", "hidden_size": 5120, "intermediate_size": 17408, "num_hidden_layers": 64,
               "num_attention_heads": 24, "num_key_value_heads": 4, "head_dim": 256, "vocab_size": 248320,
               "layer_types": (["linear_attention"] * 3 + ["full_attention"]) * 16, "full_attention_interval": 4,
               "linear_num_key_heads": 16, "linear_num_value_heads": 48, "linear_key_head_dim": 128,
               "linear_value_head_dim": 128, "linear_conv_kernel_dim": 4, "attn_output_gate": True,
               "max_position_embeddings": 262144, "tie_word_embeddings": False}


def test_a_qwen35_config_json_is_read_with_its_linear_attention(tmp_path: Path) -> None:
    # Qwen3.5's multimodal config.json keeps the text model under text_config: 3 of every 4 layers are
    # Gated DeltaNet linear attention, and the count equals the catalog's (checked on the meta device above).
    spec = resolve_model_spec(str(_write_config(tmp_path / "q35", {"model_type": "qwen3_5", "text_config": QWEN35_TEXT})))
    assert spec.is_hybrid and spec.block_kinds() == [("linear", "dense", 48), ("full", "dense", 16)]
    assert spec.param_count() == get_model("Qwen/Qwen3.5-27B").param_count() and not spec.notes
    assert {"in_proj_qkv", "in_proj_z", "out_proj", "q_proj"} <= set(spec.default_lora_targets)
    # a layout tunewiz does not model (full attention first, then linear) is estimated as full attention, saying so
    odd = {**QWEN35_TEXT, "layer_types": ["full_attention"] + ["linear_attention"] * 63, "full_attention_interval": None}
    spec = resolve_model_spec(str(_write_config(tmp_path / "odd", {"model_type": "qwen3_5", "text_config": odd})))
    assert not spec.is_hybrid and any("63 of 64 layers use linear attention" in n for n in spec.notes)


def test_a_qwen35_moe_config_json_without_a_dense_width_is_read(tmp_path: Path) -> None:
    # Qwen3.5-MoE's text_config gives no intermediate_size (every block is sparse): the experts' width stands in.
    text = {**{k: v for k, v in QWEN35_TEXT.items() if k != "intermediate_size"}, "model_type": "qwen3_5_moe_text",
            "num_hidden_layers": 40, "hidden_size": 2048, "num_attention_heads": 16, "num_key_value_heads": 2,
            "layer_types": (["linear_attention"] * 3 + ["full_attention"]) * 10, "linear_num_value_heads": 32,
            "num_experts": 256, "num_experts_per_tok": 8, "moe_intermediate_size": 512,
            "shared_expert_intermediate_size": 512, "norm_topk_prob": True}
    spec = resolve_model_spec(str(_write_config(tmp_path / "m", {"model_type": "qwen3_5_moe", "text_config": text})))
    assert spec.param_count() == get_model("Qwen/Qwen3.5-35B-A3B").param_count() and not spec.notes


def test_a_glm45_config_json_is_read_with_its_dense_first_block_and_shared_expert(tmp_path: Path) -> None:
    # GLM-4.5-Air's own field names: n_routed_experts, n_shared_experts, first_k_dense_replace.
    config = {"model_type": "glm4_moe", "num_hidden_layers": 46, "hidden_size": 4096, "intermediate_size": 10944,
              "num_attention_heads": 96, "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 151552,
              "attention_bias": True, "n_routed_experts": 128, "n_shared_experts": 1, "num_experts_per_tok": 8,
              "moe_intermediate_size": 1408, "first_k_dense_replace": 1, "norm_topk_prob": True,
              "max_position_embeddings": 131072, "tie_word_embeddings": False}
    spec = resolve_model_spec(str(_write_config(tmp_path / "air", config)))
    air = get_model("zai-org/GLM-4.5-Air")
    assert spec.block_kinds() == [("full", "dense", 1), ("full", "moe", 45)] and not spec.notes
    assert spec.param_count() == air.param_count() and spec.active_params() == air.active_params()
    # peft maps every gate_proj / up_proj / down_proj target to the stacked experts, so the dense first block's
    # MLP and the ungated shared expert get no adapter (the peft test below counts it)
    assert set(spec.default_lora_targets) == {"q_proj", "k_proj", "v_proj", "o_proj", "gate", "gate_up_proj", "down_proj"}


@pytest.mark.parametrize("model_type, extra", [
    ("glm4_moe", dict(n_routed_experts=6, n_shared_experts=1, num_experts_per_tok=2, moe_intermediate_size=24,
                      first_k_dense_replace=1, attention_bias=True)),
    ("qwen3_5_text", dict(layer_types=["linear_attention"] * 3 + ["full_attention"], linear_num_key_heads=2,
                          linear_num_value_heads=4, linear_key_head_dim=16, linear_value_head_dim=16,
                          linear_conv_kernel_dim=4)),
    ("qwen3_5_moe_text", dict(layer_types=["linear_attention"] * 3 + ["full_attention"], linear_num_key_heads=2,
                              linear_num_value_heads=4, linear_key_head_dim=16, linear_value_head_dim=16,
                              linear_conv_kernel_dim=4, num_experts=6, num_experts_per_tok=2, moe_intermediate_size=24,
                              shared_expert_intermediate_size=24)),
])
def test_hybrid_and_glm45_lora_counts_match_peft_all_linear(model_type: str, extra: dict) -> None:
    # peft's all-linear on tiny models of the new layouts: GLM-4.5's dense first block beside expert
    # blocks with an ungated shared expert; Qwen3.5's Gated DeltaNet projections beside gated attention,
    # and its MoE, whose router and expert stacks peft's all-linear leaves alone (nn.Linear modules only).
    from peft import LoraConfig, get_peft_model
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.for_model(model_type, num_hidden_layers=4, hidden_size=48, intermediate_size=64,
                                  num_attention_heads=4, num_key_value_heads=2, head_dim=16, vocab_size=128,
                                  tie_word_embeddings=False, **extra)
    spec = catalog.spec_from_config(config.to_dict(), "tiny", "test")
    model = AutoModelForCausalLM.from_config(config)
    assert sum(p.numel() for p in model.parameters()) == spec.param_count()
    peft_model = get_peft_model(model, LoraConfig(r=4, target_modules="all-linear"))
    assert sum(p.numel() for p in peft_model.parameters() if p.requires_grad) == spec.lora_params(4, "all-linear")


def test_todays_newest_families_are_listed_with_their_talk_flags() -> None:
    # GLM-4-32B-0414, GLM-4.5-Air and Qwen3.5: each with a dated config.json source and what its template does.
    for model_id, reasoning in (("THUDM/GLM-4-32B-0414", False), ("zai-org/GLM-4.5-Air", True),
                                ("Qwen/Qwen3.5-27B", True), ("Qwen/Qwen3.5-35B-A3B", True)):
        spec = get_model(model_id)
        assert spec.config_source.startswith(f"https://huggingface.co/{model_id}/") and "2026-12-01" in spec.config_source
        assert spec.reasoning == reasoning and spec.tools and spec.instruct and not spec.trust_remote_code
    assert get_model("glm-4.5-air").size_label == "107B (13.4B active)"
    assert get_model("qwen3.5-35b-a3b").size_label == "34.7B (3.5B active)"
    assert get_model("glm4-32b").params == pytest.approx(32.57, abs=0.01)
