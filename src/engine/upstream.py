"""Every private or undocumented name of TRL, peft, transformers, bitsandbytes and torch tunewiz relies on.

tunewiz reaches past the documented API of its libraries in a few places, each for speed or for a
hook the library does not offer. A new release can rename, reorder or drop such a name without
notice, and the failure would be silent (a patch that no longer takes effect) or wrong (arguments
read in the wrong order). So each use is listed here once, in `UPSTREAM_NAMES`, with:

- what tunewiz uses, where (file and function), and why;
- a check of the signature or attributes it needs (`inspect.signature` parameter names and
  positions, the names a function's code reads), run once per process before the use (`mismatch`
  caches its answer, so no training step or generated token pays for it);
- what the call site does when the check fails: the library's own path (logged) or a clear error;
- the test that guards the behaviour itself (tests/test_upstream.py runs every check against the
  installed versions and against mismatched fakes).

This module stays light: the libraries are imported inside the checks, which only run where the
library is in use anyway. `constraints.txt` pins the versions the suite passes with; see the README
(Development) for trying newer ones.

Also used, but documented (no entry): `peft.tuners.tuners_utils.BaseTunerLayer` and its `merge`
(chat, export); `transformers.utils.logging`'s progress-bar switches (export, data stats);
`transformers.AttentionInterface` itself (its registered functions' signature is an entry);
`PreTrainedModel.set_attn_implementation`; TRL's pre-tokenized datasets with an `assistant_masks`
column (train/tokenize.py, documented in `SFTTrainer`'s docstring); `Trainer.training_step` /
`prediction_step` overrides and `Trainer.data_collator` (train/trainer.py); bitsandbytes'
`nn.Linear4bit` class itself and `transformers.BitsAndBytesConfig`.
"""
from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence


class UpstreamMismatch(RuntimeError):
    """An upstream name no longer looks the way tunewiz uses it. The message names the library and
    its installed version."""


def library_version(library: str) -> str:
    """The installed version of a distribution, or "not installed"."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(library)
    except PackageNotFoundError:
        return "not installed"


def mismatch_error(library: str, text: str) -> UpstreamMismatch:
    return UpstreamMismatch(f"{library} {library_version(library)}: {text}")


def parameter_names(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


def expect_positional(function: Callable[..., Any], expected: Sequence[str], what: str, library: str) -> None:
    """`function`'s parameters start with `expected`, in this order, each one passable by position."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError) as exc:
        raise mismatch_error(library, f"{what}: no readable signature ({exc})") from None
    names = [p.name for p in parameters[:len(expected)]]
    positional = all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters[:len(expected)])
    if names != list(expected) or not positional:
        raise mismatch_error(library, f"{what} takes ({', '.join(p.name for p in parameters)}); tunewiz passes "
                                      f"({', '.join(expected)}) by position")


def expect_keywords(function: Callable[..., Any], expected: Iterable[str], what: str, library: str) -> None:
    """`function` accepts each of `expected` as a keyword."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError) as exc:
        raise mismatch_error(library, f"{what}: no readable signature ({exc})") from None
    missing = [name for name in expected if name not in parameters
               or parameters[name].kind not in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)]
    if missing:
        raise mismatch_error(library, f"{what} takes ({', '.join(parameters)}); tunewiz passes "
                                      f"{', '.join(missing)} by keyword")


def code_names(function: Callable[..., Any]) -> set[str]:
    """The global and attribute names `function`'s code reads or writes, nested functions included."""
    code = getattr(inspect.unwrap(function), "__code__", None)
    names: set[str] = set()
    pending = [code] if code is not None else []
    while pending:
        current = pending.pop()
        names.update(current.co_names)
        pending.extend(c for c in current.co_consts if inspect.iscode(c))
    return names


def code_strings(function: Callable[..., Any]) -> set[str]:
    """The string constants in `function`'s code (dictionary keys among them), nested functions included."""
    code = getattr(inspect.unwrap(function), "__code__", None)
    strings: set[str] = set()
    pending = [code] if code is not None else []
    while pending:
        current = pending.pop()
        for constant in current.co_consts:  # a dict display's keys are one tuple constant
            strings.update(c for c in (constant if isinstance(constant, tuple) else (constant,)) if isinstance(c, str))
        pending.extend(c for c in current.co_consts if inspect.iscode(c))
    return strings


def expect_reads(function: Callable[..., Any], expected: Iterable[str], what: str, library: str) -> None:
    """`function`'s code reads each of `expected` (a module global looked up at call time, or an attribute)."""
    missing = sorted(set(expected) - code_names(function))
    if missing:
        raise mismatch_error(library, f"{what} no longer reads {', '.join(missing)}")


# -- the checks -------------------------------------------------------------------------------------
# Each takes the upstream objects as optional arguments (tests pass mismatched fakes) and raises
# UpstreamMismatch.

def check_trl_chunked_logprob(trl_utils: Any = None, ours: Callable[..., Any] | None = None) -> None:
    """TRL's fused LM head calls `trl.trainer.utils._ChunkedLogProbFunction.apply` with nine positional
    arguments and unpacks five outputs; `LogProbDispatch.apply` (train/lm_head.py) stands in for it."""
    if trl_utils is None:
        import trl.trainer.utils as trl_utils
    if ours is None:
        from engine.train.lm_head import LogProbDispatch
        ours = LogProbDispatch.apply
    function = getattr(trl_utils, "_ChunkedLogProbFunction", None)
    function = getattr(function, "original", function)  # already replaced by LogProbDispatch: check TRL's
    if function is None or not callable(getattr(function, "forward", None)):
        raise mismatch_error("trl", "trl.trainer.utils._ChunkedLogProbFunction is gone")
    expected = parameter_names(ours)[1:]  # without self
    expect_positional(function.forward, ["ctx", *expected], "_ChunkedLogProbFunction.forward", "trl")
    module = sys.modules.get(function.__module__)
    outputs = getattr(module, "OPTIONAL_OUTPUTS", None)
    # LogProbDispatch.apply returns (log_probs, entropy, None, None, is_top1): this order.
    if tuple(outputs or ()) != ("entropy", "log_sum_sq_probs", "mean_logits", "is_top1"):
        raise mismatch_error("trl", f"_ChunkedLogProbFunction returns log_probs and {outputs}; tunewiz returns "
                                    "log_probs, entropy, log_sum_sq_probs, mean_logits, is_top1")
    adder = getattr(trl_utils, "add_fused_lm_head", None)
    if adder is None:
        raise mismatch_error("trl", "trl.trainer.utils.add_fused_lm_head is gone")
    # The patch replaces the module global; it takes effect only if the fused forward looks it up there.
    expect_reads(adder, ["_ChunkedLogProbFunction"], "add_fused_lm_head", "trl")


def check_trl_use_triton(trl_utils: Any = None) -> None:
    """`trl.trainer.utils._use_triton(device) -> bool` decides whether only labelled positions are
    projected; tunewiz wraps it to say yes for CPU tensors."""
    if trl_utils is None:
        import trl.trainer.utils as trl_utils
    choose = getattr(trl_utils, "_use_triton", None)
    if not callable(choose):
        raise mismatch_error("trl", "trl.trainer.utils._use_triton is gone")
    expect_positional(choose, ["device"], "_use_triton", "trl")
    if len(parameter_names(choose)) != 1:
        raise mismatch_error("trl", f"_use_triton takes ({', '.join(parameter_names(choose))}); tunewiz's "
                                    "wrapper takes (device)")
    adder = getattr(trl_utils, "add_fused_lm_head", None)
    if adder is None:
        raise mismatch_error("trl", "trl.trainer.utils.add_fused_lm_head is gone")
    expect_reads(adder, ["_use_triton"], "add_fused_lm_head", "trl")


def check_trl_sft_collator(collator_class: Any = None) -> None:
    """RowPackedCollator wraps `trl.trainer.sft_trainer.DataCollatorForLanguageModeling` (not exported
    from `trl`), built with keywords, and reads the batch keys it returns."""
    if collator_class is None:
        try:
            from trl.trainer.sft_trainer import DataCollatorForLanguageModeling as collator_class
        except ImportError as exc:
            raise mismatch_error("trl", f"trl.trainer.sft_trainer.DataCollatorForLanguageModeling: {exc}") from None
    expect_keywords(collator_class, ["pad_token_id", "padding_free", "return_position_ids"],
                    "DataCollatorForLanguageModeling", "trl")
    call = getattr(collator_class, "torch_call", None) or getattr(collator_class, "__call__", None)
    # It must still honour the two flags RowPackedCollator sets and build the batch keys it reads.
    expect_reads(call, ["return_position_ids", "padding_free"], "DataCollatorForLanguageModeling.torch_call", "trl")
    missing = sorted({"input_ids", "labels", "attention_mask", "position_ids"} - code_strings(call))
    if missing:
        raise mismatch_error("trl", f"DataCollatorForLanguageModeling.torch_call no longer builds {', '.join(missing)}")


def check_transformers_attn_implementation(config_class: Any = None) -> None:
    """A model config's `_attn_implementation` says which attention kernel runs (sdpa, eager,
    flash_attention_2, a registered name); `set_attn_implementation` is how the model switches."""
    if config_class is None:
        from transformers import PretrainedConfig as config_class
    if not hasattr(config_class, "_attn_implementation"):
        raise mismatch_error("transformers", f"{config_class.__name__}._attn_implementation is gone")
    try:
        config = config_class()
        config._attn_implementation = "sdpa"
        read_back = config._attn_implementation
    except Exception as exc:  # any failure means the attribute no longer works the way it is used
        raise mismatch_error("transformers", f"{config_class.__name__}._attn_implementation: {exc}") from None
    if read_back != "sdpa":
        raise mismatch_error("transformers", f"{config_class.__name__}._attn_implementation set to 'sdpa' reads "
                                             f"{read_back!r}")


def check_transformers_attention_interface(register: Callable[..., Any] | None = None,
                                           mask_register: Callable[..., Any] | None = None,
                                           sdpa_forward: Callable[..., Any] | None = None,
                                           mask_builder: Callable[..., Any] | None = None) -> None:
    """packed_attention.py registers a function with `AttentionInterface` and SDPA's mask builder
    (`transformers.masking_utils.sdpa_mask`) with `AttentionMaskInterface`, and calls
    `transformers.integrations.sdpa_attention.sdpa_attention_forward` per packed sequence."""
    if register is None:
        from transformers import AttentionInterface
        from transformers.integrations.sdpa_attention import sdpa_attention_forward as sdpa_forward
        from transformers.masking_utils import AttentionMaskInterface, sdpa_mask as mask_builder
        register, mask_register = AttentionInterface.register, AttentionMaskInterface.register
    expect_positional(register, ["key", "value"], "AttentionInterface.register", "transformers")
    expect_positional(mask_register, ["key", "value"], "AttentionMaskInterface.register", "transformers")
    # Called as (module, query, key, value, mask) and dropout=, scaling=, is_causal= (packed_sdpa_attention).
    expect_positional(sdpa_forward, ["module", "query", "key", "value", "attention_mask"], "sdpa_attention_forward",
                      "transformers")
    expect_keywords(sdpa_forward, ["dropout", "scaling", "is_causal"], "sdpa_attention_forward", "transformers")
    expect_positional(mask_builder, ["batch_size", "q_length", "kv_length"], "sdpa_mask", "transformers")


def check_peft_lora_dropout(lora_layer: Any = None, lora_linears: Sequence[Any] | None = None,
                            functional_dropout: Callable[..., Any] | None = None) -> None:
    """LoRA layers keep their input dropout per adapter in `lora_dropout` (an `nn.ModuleDict` holding
    `nn.Dropout(p)`, `nn.Identity()` for p=0), and their forward calls it; CpuLoraDropout replaces
    the module and calls `torch.nn.functional.dropout(x, p, training)` off the CPU."""
    if lora_layer is None:
        from peft.tuners.lora import LoraLayer as lora_layer
        from peft.tuners.lora.layer import Linear
        lora_linears = [Linear]
        bnb = sys.modules.get("peft.tuners.lora.bnb")  # QLoRA's 4-bit layer, where bitsandbytes is loaded
        if bnb is not None and hasattr(bnb, "Linear4bit"):
            lora_linears.append(bnb.Linear4bit)
    if functional_dropout is None:
        import torch
        functional_dropout = torch.nn.functional.dropout
    if "lora_dropout" not in getattr(lora_layer, "other_param_names", ()):
        raise mismatch_error("peft", f"{lora_layer.__name__}.other_param_names no longer lists lora_dropout")
    expect_reads(lora_layer.update_layer, ["lora_dropout", "Dropout", "ModuleDict"], "LoraLayer.update_layer", "peft")
    for linear in lora_linears or ():
        expect_reads(linear.forward, ["lora_dropout"], f"{linear.__module__}.{linear.__name__}.forward", "peft")
    expect_positional(functional_dropout, ["input", "p", "training"], "torch.nn.functional.dropout", "torch")


def check_bitsandbytes_quant_state(linear4bit: Any = None, quant_state: Any = None) -> None:
    """The start event's `quantization` is read from the model's layers: each
    `bitsandbytes.nn.Linear4bit`'s `compute_dtype` and its weight's `quant_state`
    (`bitsandbytes.functional.QuantState`) with `quant_type` and `nested` (double quantisation)."""
    if linear4bit is None:
        import bitsandbytes
        linear4bit, quant_state = bitsandbytes.nn.Linear4bit, bitsandbytes.functional.QuantState
    expect_keywords(linear4bit.__init__, ["compute_dtype", "quant_type"], "Linear4bit", "bitsandbytes")
    expect_reads(linear4bit.__init__, ["compute_dtype", "quant_state"], "Linear4bit.__init__", "bitsandbytes")
    expect_keywords(quant_state.__init__, ["quant_type", "state2"], "QuantState", "bitsandbytes")
    expect_reads(quant_state.__init__, ["quant_type", "nested"], "QuantState.__init__", "bitsandbytes")


def check_torch_mkldnn_bf16(op: Callable[[], Any] | None = None) -> None:
    """`torch.ops.mkldnn._is_mkldnn_bf16_supported()` tells whether the CPU does bf16 natively
    (AVX512-BF16/AMX); torch has no public question for it."""
    if op is None:
        import torch
        op = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
    if op is None:
        raise mismatch_error("torch", "torch.ops.mkldnn._is_mkldnn_bf16_supported is gone")
    try:
        answer = op()
    except (RuntimeError, TypeError) as exc:
        raise mismatch_error("torch", f"torch.ops.mkldnn._is_mkldnn_bf16_supported(): {exc}") from None
    if not isinstance(answer, bool):
        raise mismatch_error("torch", f"torch.ops.mkldnn._is_mkldnn_bf16_supported() returned {answer!r}, not a bool")


def check_peft_disable_adapters(tuner_layer: Any = None) -> None:
    """Chat's base side flips each LoRA layer's `_disable_adapters` flag directly (what
    `enable_adapters(False)` sets), skipping `disable_adapter()`'s per-call walk of the model."""
    if tuner_layer is None:
        from peft.tuners.tuners_utils import BaseTunerLayer as tuner_layer
    flag = inspect.getattr_static(tuner_layer, "disable_adapters", None)
    if not isinstance(flag, property) or flag.fget is None:
        raise mismatch_error("peft", f"{tuner_layer.__name__}.disable_adapters is no longer a property")
    # The forward reads `disable_adapters`; it must be nothing but the private flag.
    for value in (True, False):
        probe = type("Probe", (), {})()
        probe._disable_adapters = value
        try:
            read = flag.fget(probe)
        except Exception as exc:  # reads something else than the flag
            raise mismatch_error("peft", f"{tuner_layer.__name__}.disable_adapters reads more than "
                                         f"_disable_adapters ({exc})") from None
        if read is not value:
            raise mismatch_error("peft", f"{tuner_layer.__name__}.disable_adapters is not _disable_adapters")
    expect_positional(tuner_layer.enable_adapters, ["self", "enabled"], "BaseTunerLayer.enable_adapters", "peft")


def check_transformers_loading_tqdm(loading: Any = None) -> None:
    """transformers 5 walks the weights in `transformers.core_model_loading` under the module global
    `tqdm(iterable, ...)`; chat and export swap it for their load progress while they load."""
    if loading is None:
        try:
            import transformers.core_model_loading as loading
        except ImportError as exc:
            raise mismatch_error("transformers", f"transformers.core_model_loading: {exc}") from None
    if not callable(getattr(loading, "tqdm", None)):
        raise mismatch_error("transformers", f"{loading.__name__}.tqdm is gone")
    readers = [f for f in vars(loading).values()
               if inspect.isfunction(f) and f.__module__ == loading.__name__ and "tqdm" in code_names(f)]
    if not readers:
        raise mismatch_error("transformers", f"no function of {loading.__name__} calls tqdm any more")


def check_transformers_streamer_state(streamer_class: Any = None, base_class: Any = None) -> None:
    """Chat's EagerCountingStreamer overrides `TextIteratorStreamer.put` and keeps the parent's state
    (`token_cache`, `print_len`, `next_tokens_are_prompt`, `skip_prompt`, `decode_kwargs`), which the
    inherited `end()` flushes; it hands text on with `on_finalized_text(text, stream_end)`."""
    if streamer_class is None:
        from transformers import TextIteratorStreamer as streamer_class
        from transformers import TextStreamer as base_class
    base_class = base_class or streamer_class
    try:
        streamer = streamer_class(object(), skip_prompt=True)
    except Exception as exc:  # the constructor's signature or its use of the tokenizer changed
        raise mismatch_error("transformers", f"{streamer_class.__name__}(tokenizer, skip_prompt=True): {exc}") from None
    expected = {"token_cache": list, "print_len": int, "next_tokens_are_prompt": bool, "skip_prompt": bool,
                "decode_kwargs": dict}
    wrong = [name for name, kind in expected.items() if not isinstance(getattr(streamer, name, None), kind)]
    if wrong:
        raise mismatch_error("transformers", f"{streamer_class.__name__} has no {', '.join(wrong)} "
                                             "of the expected type")
    expect_reads(base_class.end, ["token_cache", "print_len"], f"{base_class.__name__}.end", "transformers")
    expect_positional(streamer_class.put, ["self", "value"], f"{streamer_class.__name__}.put", "transformers")
    expect_positional(streamer_class.on_finalized_text, ["self", "text", "stream_end"],
                      f"{streamer_class.__name__}.on_finalized_text", "transformers")


def check_trl_dpo_trainer(trl_module: Any = None) -> None:
    """engine/train/dpo.py overrides DPOTrainer._prepare_dataset (pairs arrive tokenized by tunewiz) and reads
    DPOConfig's fields and the reward metrics TRL logs; the check lives beside that code. `trl_module`: any
    module with DPOTrainer and DPOConfig (default: trl)."""
    from engine.train.dpo import check_trl_dpo
    if trl_module is None:
        check_trl_dpo()
    else:
        check_trl_dpo(trl_module.DPOTrainer, trl_module.DPOConfig)


# -- the table --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UpstreamName:
    """One reliance on an upstream name that is private or undocumented."""

    key: str                      # short id, e.g. "trl.chunked_logprob"
    library: str                  # the distribution whose version the name depends on
    uses: str                     # the names tunewiz relies on
    where: str                    # file: function(s) that use them
    why: str                      # what tunewiz gets from them
    on_mismatch: str              # what the call site does when the check fails
    guarded_by: str               # the test that guards the behaviour itself
    check: Callable[[], None]     # raises UpstreamMismatch


UPSTREAM_NAMES: dict[str, UpstreamName] = {entry.key: entry for entry in (
    UpstreamName(
        key="trl.chunked_logprob", library="trl",
        uses="trl.trainer.utils._ChunkedLogProbFunction (module global, replaced) and the nine positional "
             "arguments add_fused_lm_head passes to its .apply, the order of its five outputs "
             "(trl.kernels.chunked_logprob.OPTIONAL_OUTPUTS)",
        where="src/engine/train/lm_head.py: LogProbDispatch.apply, use_fast_cpu_lm_head",
        why="on a CPU the LM head's loss in a few passes over the vocabulary instead of TRL's ~two dozen",
        on_mismatch="use_fast_cpu_lm_head() changes nothing and returns False: TRL's kernel (logged in train.log)",
        guarded_by="tests/test_lm_head.py",
        check=check_trl_chunked_logprob),
    UpstreamName(
        key="trl.use_triton", library="trl",
        uses="trl.trainer.utils._use_triton(device) -> bool (module global, wrapped), read by add_fused_lm_head",
        where="src/engine/train/lm_head.py: use_fast_cpu_lm_head",
        why="project only labelled positions on a CPU too (TRL does it on Triton devices only)",
        on_mismatch="use_fast_cpu_lm_head() changes nothing and returns False: TRL's kernel (logged in train.log)",
        guarded_by="tests/test_lm_head.py::test_a_model_scores_labelled_positions_only_with_the_same_loss_and_gradients",
        check=check_trl_use_triton),
    UpstreamName(
        key="trl.sft_collator", library="trl",
        uses="trl.trainer.sft_trainer.DataCollatorForLanguageModeling(pad_token_id=, padding_free=, "
             "return_position_ids=) (not exported from trl) and its input_ids/labels/attention_mask/position_ids",
        where="src/engine/train/trainer.py: RowPackedCollator, use_row_packing",
        why="packed rows kept as rows (attention per row) instead of TRL's one flattened sequence",
        on_mismatch="use_row_packing() keeps TRL's padding-free packing (logged in train.log)",
        guarded_by="tests/test_packing.py::test_a_packed_run_trains_and_reports_real_tokens",
        check=check_trl_sft_collator),
    UpstreamName(
        key="transformers.attn_implementation", library="transformers",
        uses="PretrainedConfig._attn_implementation (read and, through set_attn_implementation, set)",
        where="src/engine/train/trainer.py: use_row_packing, describe_paths; "
              "src/engine/train/packed_attention.py: use_packed_sdpa",
        why="which attention kernel runs decides how to pack (varlen kernels take TRL's flattened batch)",
        on_mismatch="no row packing: TRL's padding-free packing (logged in train.log)",
        guarded_by="tests/test_packing.py",
        check=check_transformers_attn_implementation),
    UpstreamName(
        key="transformers.attention_interface", library="transformers",
        uses="AttentionInterface.register(key, value), transformers.masking_utils.AttentionMaskInterface.register "
             "and sdpa_mask, transformers.integrations.sdpa_attention.sdpa_attention_forward(module, query, key, "
             "value, attention_mask, dropout=, scaling=, is_causal=)",
        where="src/engine/train/packed_attention.py: register, packed_sdpa_attention, use_packed_sdpa",
        why="attention per packed sequence (causal SDPA) instead of over the whole row with a block-diagonal mask",
        on_mismatch="use_packed_sdpa() returns False: row packing with transformers' per-row mask (logged)",
        guarded_by="tests/test_packing.py::test_a_packed_row_gives_each_sequence_the_logits_it_has_alone",
        check=check_transformers_attention_interface),
    UpstreamName(
        key="peft.lora_dropout", library="peft",
        uses="each LoRA layer's lora_dropout ModuleDict of nn.Dropout (LoraLayer.other_param_names, "
             "update_layer, the forward of lora.Linear / lora.bnb.Linear4bit); torch.nn.functional.dropout "
             "(input, p, training) by position",
        where="src/engine/train/lora_dropout.py: use_cpu_lora_dropout, CpuLoraDropout.forward",
        why="LoRA's input dropout on a CPU from a quarter of the random draws (~2x faster forward+backward)",
        on_mismatch="use_cpu_lora_dropout() replaces nothing: torch's dropout (logged in train.log)",
        guarded_by="tests/test_lora_dropout.py",
        check=check_peft_lora_dropout),
    UpstreamName(
        key="torch.mkldnn_bf16", library="torch",
        uses="torch.ops.mkldnn._is_mkldnn_bf16_supported() -> bool",
        where="src/engine/train/trainer.py: native_bf16",
        why="QLoRA's 4-bit layers compute in bf16 on CPUs that do bf16 natively",
        on_mismatch="native_bf16() says False: 4-bit layers compute in fp32 on the CPU (slower, same result)",
        guarded_by="tests/test_train.py::test_qlora_runs_on_the_cpu_with_nf4_double_quant",
        check=check_torch_mkldnn_bf16),
    UpstreamName(
        key="bitsandbytes.quant_state", library="bitsandbytes",
        uses="Linear4bit.compute_dtype and Linear4bit.weight.quant_state (QuantState) .quant_type and .nested",
        where="src/engine/train/trainer.py: quantization_of",
        why="the start event says what the trained model's 4-bit layers really are (NF4, double quantisation)",
        on_mismatch="quantization_of() returns None: the start event carries no quantization (logged)",
        guarded_by="tests/test_train.py::test_qlora_runs_on_the_cpu_with_nf4_double_quant",
        check=check_bitsandbytes_quant_state),
    UpstreamName(
        key="peft.disable_adapters", library="peft",
        uses="BaseTunerLayer._disable_adapters, the flag behind the disable_adapters property",
        where="src/engine/chat/local.py: LocalChat._side, _adapters_off",
        why="the base side of a comparison without disable_adapter()'s 40-65 ms walk before every answer",
        on_mismatch="use PeftModel.disable_adapter() (the public path)",
        guarded_by="tests/test_chat.py::test_disabled_adapter_reproduces_the_base_exactly",
        check=check_peft_disable_adapters),
    UpstreamName(
        key="transformers.loading_tqdm", library="transformers",
        uses="transformers.core_model_loading.tqdm (module global, swapped while loading)",
        where="src/engine/run_model.py: LoadProgress (chat and export load through it)",
        why="progress of a long weight load (the only hook into transformers' loading loop)",
        on_mismatch="no swap: loading reports its stages only",
        guarded_by="tests/test_chat_screen.py::test_the_real_model_loads_with_progress_streams_both_sides_stops_and_exports",
        check=check_transformers_loading_tqdm),
    UpstreamName(
        key="transformers.streamer_state", library="transformers",
        uses="TextStreamer/TextIteratorStreamer state token_cache, print_len, next_tokens_are_prompt, "
             "skip_prompt, decode_kwargs; put(value); on_finalized_text(text, stream_end)",
        where="src/engine/chat/local.py: _make_streamer (EagerCountingStreamer.put)",
        why="every token's text handed on at once (the stock streamer holds punctuation back) and counted",
        on_mismatch="count tokens around the stock put() (text then waits for the next space, as stock does)",
        guarded_by="tests/test_chat.py::test_streaming_yields_pieces_while_generating",
        check=check_transformers_streamer_state),
    UpstreamName(
        key="trl.dpo_prepare_dataset", library="trl",
        uses="DPOTrainer._prepare_dataset(self, dataset, processing_class, args, dataset_name) (overridden), "
             "DPOConfig's beta, loss_type, precompute_ref_log_probs, max_length, the logged keys rewards/margins, "
             "rewards/accuracies, rewards/chosen, rewards/rejected",
        where="src/engine/train/dpo.py: train_dpo, check_trl_dpo",
        why="pairs rendered through the model's own chat template with the run's thinking setting, tools and "
            "system turn, and labels as tunewiz computes them, instead of TRL's own preparation",
        on_mismatch="a DPO run fails before loading the model, naming TRL's version and constraints.txt",
        guarded_by="tests/test_dpo.py::test_the_trl_names_dpo_relies_on_are_checked_against_the_installed_version",
        check=check_trl_dpo_trainer),
)}


# Answers per entry, once per process: the checks import and inspect, the call sites run per step.
_answers: dict[str, str | None] = {}


def mismatch(key: str) -> str | None:
    """None when the upstream names of entry `key` look as tunewiz uses them; otherwise why not, with
    the library's version. Checked once per process."""
    if key not in _answers:
        try:
            UPSTREAM_NAMES[key].check()
            _answers[key] = None
        except UpstreamMismatch as exc:
            _answers[key] = str(exc)
    return _answers[key]


def require(key: str) -> None:
    """Raises UpstreamMismatch (naming the library version) unless entry `key` checks out."""
    problem = mismatch(key)
    if problem is not None:
        raise UpstreamMismatch(f"{problem} (tunewiz uses it in {UPSTREAM_NAMES[key].where}; constraints.txt "
                               "lists the versions tunewiz is tested with)")


def mismatches_found() -> dict[str, str]:
    """The entries checked so far in this process that did not check out, with why."""
    return {key: problem for key in UPSTREAM_NAMES if (problem := _answers.get(key)) is not None}
