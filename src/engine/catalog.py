"""The one source of truth for model facts: open-weight presets and OpenAI's fine-tunable models.

Open models: the architecture numbers the memory estimator needs, copied from each model's public
`config.json` on the Hugging Face hub (field names differ per family: GLM4 says `num_layers`,
`ffn_hidden_size`, `multi_query_group_num`, `padded_vocab_size`; Baichuan2-13B says
`model_max_length`). Parameter counts are computed from those numbers, not copied from model cards,
and a test checks them against transformers' own models built on the `meta` device. The tables live
in engine/catalog_models.py (the guide's models and today's: Qwen3 dense and MoE, Qwen3.5's hybrid
linear attention, Gemma 3, Llama 3.3, GLM-4-0414 and GLM-4.5-Air, each with its config.json source)
and ModelSpec in engine/model_spec.py; this module indexes them and is the one entry point callers
import from.

A model outside the catalog is described by its `config.json` alone: from a local folder, or
fetched on its own from the hub (a few KB, never the weights).

OpenAI: context and per-example limits, training price per 1M tokens and the platform's wind-down
dates, each with the date it was checked and where it comes from. Prices change; the `as_of` is
there so the screens can say how old a figure is.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from engine.catalog_models import (  # noqa: F401  (re-exported: callers import them from here)
    GUIDE_CHECKED,
    LLAMA31_LANGS,
    QWEN_LANGS,
    QWEN_LICENSE,
    TODAY_CHECKED,
    build_catalog,
)
from engine.model_spec import AttentionKind, Linear, ModelConfigError, ModelSpec  # noqa: F401
from engine.estimate_messages import note


class UnknownModelError(LookupError):
    """No catalog entry, no local config.json and no hub config: says what was tried and what to do."""


CATALOG: tuple[ModelSpec, ...] = tuple(build_catalog())


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
_LLAMA_LIKE = {"llama", "mistral", "qwen2", "qwen3", "qwen3_moe", "gemma", "gemma2", "gemma3_text", "internlm2",
               "yi", "deepseek", "olmo", "olmo2", "granite", "cohere", "stablelm", "smollm3", "glm4_moe",
               "qwen3_5_text", "qwen3_5_moe_text"}
# Mixture-of-experts layouts modelled exactly (others are estimated with Qwen3-MoE's, with a note).
_MOE_MODELLED = {"qwen3_moe", "glm4_moe", "qwen3_5_moe_text"}


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
        if raw is None and key == "intermediate_size" and _moe_fields_present(config):
            raw = config.get("moe_intermediate_size")   # every block sparse (Qwen3.5-MoE): no dense width given
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
        notes.append(note("spec-context", context=ctx))
        ctx = 4096
    if model_type not in _LLAMA_LIKE | {"chatglm", "baichuan", "phi3", "glm", "glm4"}:
        notes.append(note("spec-type", model_type=model_type))
    hybrid = _hybrid_fields(config, model_type, values["num_hidden_layers"], notes)
    moe = _moe_fields(config, source)
    if moe and model_type not in _MOE_MODELLED:
        notes.append(note("spec-moe", model_type=model_type))
    return ModelSpec(
        id=model_type if not model_id else model_id, num_hidden_layers=values["num_hidden_layers"],
        hidden_size=values["hidden_size"], intermediate_size=values["intermediate_size"],
        num_attention_heads=heads, num_key_value_heads=int(kv), vocab_size=values["vocab_size"],
        # Absent means untied: that is the default of LlamaConfig, Qwen2Config and most others.
        tie_word_embeddings=bool(config.get("tie_word_embeddings", False)),
        max_position_embeddings=int(ctx), model_type=model_type,
        head_dim=int(head_dim) if isinstance(head_dim, int) and head_dim > 0 else None,
        attention_bias=bool(config.get("attention_bias") or config.get("add_qkv_bias") or model_type == "qwen2"),
        trust_remote_code=bool(config.get("auto_map")), source=source, notes=tuple(notes), **moe, **hybrid)


_LINEAR_FIELDS = ("linear_num_key_heads", "linear_num_value_heads", "linear_key_head_dim", "linear_value_head_dim",
                  "linear_conv_kernel_dim")


def _hybrid_fields(config: dict[str, Any], model_type: str, layers: int, notes: list[str]) -> dict[str, Any]:
    """Qwen3.5's hybrid attention as ModelSpec fields: every Nth block full attention, the rest Gated DeltaNet
    ({} for a model whose blocks all use full attention). Notes what is only approximated."""
    out: dict[str, Any] = {}
    if model_type.startswith("qwen3_5") and config.get("attn_output_gate", True):
        out["attn_output_gate"] = True
    layer_types = config.get("layer_types")
    kinds = layer_types if isinstance(layer_types, list) else []
    if "linear_attention" not in kinds and not _is_int(config.get("full_attention_interval")):
        return out
    linear = sum(1 for kind in kinds if kind == "linear_attention")
    interval = config.get("full_attention_interval")
    if not _is_int(interval) or interval < 1:
        full = [i for i, kind in enumerate(kinds) if kind == "full_attention"]
        interval = full[0] + 1 if full else 0
    regular = interval > 0 and (not kinds or kinds == ["full_attention" if (i + 1) % interval == 0
                                                       else "linear_attention" for i in range(len(kinds))])
    geometry = {name: config.get(name) for name in _LINEAR_FIELDS}
    known = all(_is_int(v) and 0 < v <= 65536 for v in geometry.values())
    if not (regular and known and len(kinds) in (0, layers) and model_type.startswith("qwen3_5")):
        notes.append(note("spec-linear", linear=linear, layers=layers, model_type=model_type) if linear
                     else note("spec-linear-some", layers=layers, model_type=model_type))
        return out
    return {**out, "full_attention_interval": interval, **geometry}


def _moe_fields_present(config: dict[str, Any]) -> bool:
    return any(_is_int(config.get(n)) and config[n] > 0 for n in ("num_experts", "num_local_experts", "n_routed_experts"))


def _moe_fields(config: dict[str, Any], source: str) -> dict[str, Any]:
    """A mixture-of-experts config's expert numbers as ModelSpec fields ({} for a dense model)."""
    experts = next((config[n] for n in ("num_experts", "num_local_experts", "n_routed_experts")
                    if _is_int(config.get(n)) and config[n] > 0), 0)
    if not experts:
        return {}
    top_k = config.get("num_experts_per_tok")
    width = config.get("moe_intermediate_size") or config.get("intermediate_size")
    shared = config.get("shared_expert_intermediate_size") or 0
    n_shared = config.get("n_shared_experts")
    if not shared and _is_int(n_shared) and 0 < n_shared <= 64 and _is_int(width):
        shared = n_shared * width          # GLM-4.5 / DeepSeek: n_shared_experts experts of moe_intermediate_size
    first_dense = config.get("first_k_dense_replace")
    if not (_is_int(top_k) and 0 < top_k <= experts <= 4096 and _is_int(width) and 0 < width <= 1_048_576):
        raise ModelConfigError(f"{source}: config.json describes a mixture of experts but its num_experts_per_tok / "
                               "moe_intermediate_size are missing or out of range; check the file")
    return {"num_experts": experts, "num_experts_per_tok": top_k, "moe_intermediate_size": width,
            "shared_expert_intermediate_size": shared if _is_int(shared) and shared > 0 else 0,
            "norm_topk_prob": bool(config.get("norm_topk_prob")),
            "first_k_dense_replace": first_dense if _is_int(first_dense) and first_dense > 0 else 0}


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

    Same family first (biggest first), then the Qwen3 ladder (today's default: strong in Chinese and
    English), then the guide's Qwen2.5 ladder, keeping Instruct/base as the original. Gated and
    remote-code models are not offered as a replacement: a fallback should work without extra steps.
    """
    want_instruct = spec.instruct or spec.id == "demo"
    size = spec.param_count()
    pool = [m for m in CATALOG if m.id != "demo" and m.param_count() < size and m.instruct == want_instruct
            and not m.trust_remote_code]
    same = sorted((m for m in pool if spec.family and m.family == spec.family), key=lambda m: -m.param_count())
    ladders = [sorted((m for m in pool if m.family == family and not m.gated and m not in same),
                      key=lambda m: -m.param_count()) for family in ("qwen3", "qwen2.5")]
    return list(dict.fromkeys(same + ladders[0] + ladders[1]))


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
