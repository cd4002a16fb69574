"""engine/upstream.py lists every private or undocumented upstream name tunewiz relies on. Each entry's
check passes with the installed versions (constraints.txt) and fails on a fake whose signature or
attributes differ the way a new release could; the call sites take the library's own path when a
check fails; each entry names real code and a real test that guards the behaviour itself.

When a newer TRL/peft/transformers/torch breaks something, the failing test here names the entry."""
from __future__ import annotations

import re
import sys
import textwrap
import types
from pathlib import Path
from typing import Any, Callable

import pytest

from engine import upstream
from engine.upstream import (UPSTREAM_NAMES, UpstreamMismatch, UpstreamName, check_bitsandbytes_quant_state,
                             check_peft_disable_adapters, check_peft_lora_dropout, check_torch_mkldnn_bf16,
                             check_transformers_attention_interface, check_transformers_attn_implementation,
                             check_transformers_loading_tqdm, check_transformers_streamer_state,
                             check_trl_chunked_logprob, check_trl_dpo_trainer, check_trl_sft_collator,
                             check_trl_use_triton,
                             library_version)

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("key", sorted(UPSTREAM_NAMES))
def test_every_entry_checks_out_with_the_installed_versions(key):
    UPSTREAM_NAMES[key].check()  # raises UpstreamMismatch, naming the library version, if not


def defined_names(path: Path) -> set[str]:
    return set(re.findall(r"^\s*(?:async def|def|class)\s+(\w+)", path.read_text(), re.MULTILINE))


@pytest.mark.parametrize("key", sorted(UPSTREAM_NAMES))
def test_every_entry_names_the_code_that_uses_it_and_the_test_that_guards_it(key):
    entry = UPSTREAM_NAMES[key]
    assert entry.library in ("trl", "peft", "transformers", "torch", "bitsandbytes")
    assert entry.uses and entry.why and entry.on_mismatch
    for place in entry.where.split("; "):
        path, names = place.split(": ", 1)
        assert (REPO / path).is_file(), f"{key}: {path} does not exist"
        defined = defined_names(REPO / path)
        for name in re.findall(r"[A-Za-z_][\w.]*", names.split(" (")[0]):
            assert name.rsplit(".", 1)[-1] in defined, f"{key}: {path} defines no {name}"
    test_file, _, test_name = entry.guarded_by.partition("::")
    assert (REPO / test_file).is_file(), f"{key}: {test_file} does not exist"
    if test_name:
        assert test_name in defined_names(REPO / test_file), f"{key}: {test_file} has no {test_name}"


# -- each check fails on a mismatched fake ----------------------------------------------------------
# A fake upstream module per entry, written the way the installed library is (the check passes on it),
# and edits to it the way a new release could change it (the check must fail on each).

def module_from(source: str, monkeypatch: pytest.MonkeyPatch, name: str = "fake_upstream") -> types.ModuleType:
    module = types.ModuleType(name)
    monkeypatch.setitem(sys.modules, name, module)  # the checks look modules up by name, as for the real ones
    exec(textwrap.dedent(source), module.__dict__)
    return module


FAKES: dict[str, tuple[str, Callable[[Any], None], list[tuple[str, str]]]] = {
    "trl.chunked_logprob": ('''
        OPTIONAL_OUTPUTS = ("entropy", "log_sum_sq_probs", "mean_logits", "is_top1")
        class _ChunkedLogProbFunction:
            @staticmethod
            def forward(ctx, hidden, weight, bias, targets, temperature, chunk_size,
                        final_logit_softcapping=None, logit_scale=1.0, outputs=OPTIONAL_OUTPUTS):
                pass
        def add_fused_lm_head(model):
            def fused_forward(*args):
                return _ChunkedLogProbFunction.apply(*args)
            return fused_forward
        ''', check_trl_chunked_logprob, [
            ("hidden, weight, bias, targets", "hidden, weight, targets, bias"),  # arguments reordered
            ("logit_scale=1.0, outputs", "outputs"),  # one argument fewer
            ('"entropy", "log_sum_sq_probs"', '"log_sum_sq_probs", "entropy"'),  # outputs reordered
            ("return _ChunkedLogProbFunction.apply", "return ChunkedLogProbFunction.apply"),  # patch bypassed
        ]),
    "trl.use_triton": ('''
        def _use_triton(device):
            return device.type == "cuda"
        def add_fused_lm_head(model):
            def fused_forward(hidden):
                return _use_triton(hidden.device)
            return fused_forward
        ''', check_trl_use_triton, [
            ("def _use_triton(device)", "def _use_triton(device, dtype)"),
            ("def _use_triton(device)", "def _use_triton(*, device)"),
            ("return _use_triton(hidden.device)", "return hidden.is_cuda"),
        ]),
    "trl.sft_collator": ('''
        from dataclasses import dataclass
        @dataclass
        class DataCollatorForLanguageModeling:
            pad_token_id: int
            padding_free: bool = False
            return_position_ids: bool = False
            def torch_call(self, examples):
                output = {"input_ids": examples, "labels": examples}
                if self.padding_free or self.return_position_ids:
                    output["position_ids"] = examples
                if not self.padding_free:
                    output["attention_mask"] = examples
                return output
        ''', lambda m: check_trl_sft_collator(m.DataCollatorForLanguageModeling), [
            ("return_position_ids", "with_positions"),
            ("padding_free: bool = False", "flatten: bool = False"),
            ('output["attention_mask"]', 'output["padding_mask"]'),  # a batch key renamed
        ]),
    "transformers.attn_implementation": ('''
        class PretrainedConfig:
            def __init__(self):
                self._attn_implementation_internal = None
            @property
            def _attn_implementation(self):
                return self._attn_implementation_internal
            @_attn_implementation.setter
            def _attn_implementation(self, value):
                self._attn_implementation_internal = value
        ''', lambda m: check_transformers_attn_implementation(m.PretrainedConfig), [
            ("return self._attn_implementation_internal", "return 'eager'"),  # no longer what was set
            ("_attn_implementation", "attn_implementation"),  # renamed (made public)
        ]),
    "transformers.attention_interface": ('''
        class AttentionInterface:
            @classmethod
            def register(cls, key, value):
                pass
        class AttentionMaskInterface(AttentionInterface):
            pass
        def sdpa_attention_forward(module, query, key, value, attention_mask, dropout=0.0, scaling=None,
                                   is_causal=None, **kwargs):
            pass
        def sdpa_mask(batch_size, q_length, kv_length, q_offset=0, **kwargs):
            pass
        ''', lambda m: check_transformers_attention_interface(m.AttentionInterface.register,
                                                              m.AttentionMaskInterface.register,
                                                              m.sdpa_attention_forward, m.sdpa_mask), [
            ("def register(cls, key, value)", "def register(cls, value, key)"),
            ("(module, query, key, value, attention_mask,", "(query, key, value, attention_mask, module,"),
            ("is_causal=None, **kwargs", "**kwargs"),  # is_causal would vanish into kwargs
            ("def sdpa_mask(batch_size, q_length, kv_length", "def sdpa_mask(q_length, kv_length, batch_size"),
        ]),
    "peft.lora_dropout": ('''
        class LoraLayer:
            other_param_names = ("r", "lora_alpha", "scaling", "lora_dropout")
            def update_layer(self, adapter_name, r, lora_alpha, config):
                layer = nn.Dropout(p=config.lora_dropout) if config.lora_dropout else nn.Identity()
                self.lora_dropout.update(nn.ModuleDict({adapter_name: layer}))
        class Linear(LoraLayer):
            def forward(self, x):
                return self.lora_B(self.lora_A(self.lora_dropout["default"](x)))
        def dropout(input, p=0.5, training=True, inplace=False):
            pass
        ''', lambda m: check_peft_lora_dropout(m.LoraLayer, [m.Linear], m.dropout), [
            ('"scaling", "lora_dropout")', '"scaling")'),
            ('self.lora_dropout["default"](x)', 'F.dropout(x, self.p)'),  # the forward reads no module
            ("nn.Dropout(p=config.lora_dropout)", "nn.AlphaDropout(p=config.lora_dropout)"),
            ("def dropout(input, p=0.5, training=True", "def dropout(input, training=True, p=0.5"),
        ]),
    "bitsandbytes.quant_state": ('''
        class QuantState:
            def __init__(self, absmax, shape=None, code=None, blocksize=None, quant_type=None, dtype=None,
                         offset=None, state2=None):
                self.quant_type = quant_type
                self.nested = state2 is not None
        class Linear4bit:
            def __init__(self, input_features, output_features, bias=True, compute_dtype=None,
                         compress_statistics=True, quant_type="fp4"):
                self.weight = Params4bit(quant_state=None)
                self.weight.quant_state = None
                self.compute_dtype = compute_dtype
        ''', lambda m: check_bitsandbytes_quant_state(m.Linear4bit, m.QuantState), [
            ("self.nested = state2 is not None", "self.double_quant = state2 is not None"),
            ("self.compute_dtype = compute_dtype", "self.dtype_for_compute = compute_dtype"),
            ("offset=None, state2=None", "offset=None, nested=None"),
        ]),
    "torch.mkldnn_bf16": ('''
        def is_mkldnn_bf16_supported():
            return False
        ''', lambda m: check_torch_mkldnn_bf16(m.is_mkldnn_bf16_supported), [
            ("return False", "return 0"),  # not a bool
            ("is_mkldnn_bf16_supported():", "is_mkldnn_bf16_supported(device):"),  # needs an argument now
        ]),
    "peft.disable_adapters": ('''
        class BaseTunerLayer:
            @property
            def disable_adapters(self):
                return self._disable_adapters
            def enable_adapters(self, enabled):
                self._disable_adapters = not enabled
        ''', lambda m: check_peft_disable_adapters(m.BaseTunerLayer), [
            ("return self._disable_adapters", "return self._adapters_off"),
            ("return self._disable_adapters", "return self._disable_adapters or self.merged"),
            ("return self._disable_adapters", "return not self._disable_adapters"),  # the flag's meaning flipped
            ("def enable_adapters(self, enabled)", "def enable_adapters(self, adapter_names, enabled)"),
        ]),
    "transformers.loading_tqdm": ('''
        def tqdm(iterable, **kwargs):
            return iterable
        def convert_and_load(params):
            for name, value in tqdm(params.items(), desc="weights"):
                pass
        ''', check_transformers_loading_tqdm, [
            ('tqdm(params.items(), desc="weights")', "params.items()"),
            ("def tqdm(iterable", "def progress(iterable"),
        ]),
    "transformers.streamer_state": ('''
        class TextStreamer:
            def __init__(self, tokenizer, skip_prompt=False, **decode_kwargs):
                self.tokenizer, self.skip_prompt, self.decode_kwargs = tokenizer, skip_prompt, decode_kwargs
                self.token_cache = []
                self.print_len = 0
                self.next_tokens_are_prompt = True
            def put(self, value):
                pass
            def end(self):
                text = self.tokenizer.decode(self.token_cache)[self.print_len:]
                self.on_finalized_text(text, stream_end=True)
            def on_finalized_text(self, text, stream_end=False):
                pass
        class TextIteratorStreamer(TextStreamer):
            def __init__(self, tokenizer, skip_prompt=False, timeout=None, **decode_kwargs):
                super().__init__(tokenizer, skip_prompt, **decode_kwargs)
        ''', lambda m: check_transformers_streamer_state(m.TextIteratorStreamer, m.TextStreamer), [
            ("self.print_len = 0", "self.printed = 0"),
            ("[self.print_len:]", "[self.printed_length:]"),  # end() keeps its own count
            ("def on_finalized_text(self, text, stream_end=False)", "def on_finalized_text(self, text)"),
            ("def put(self, value)", "def put(self, token_ids)"),
        ]),
    "trl.dpo_prepare_dataset": ('''
        from dataclasses import dataclass
        @dataclass
        class DPOConfig:
            beta: float = 0.1
            loss_type: str = "sigmoid"
            precompute_ref_log_probs: bool = False
            max_length: int = 1024
        class DPOTrainer:
            def __init__(self, model, ref_model=None, args=None, train_dataset=None, eval_dataset=None,
                         processing_class=None):
                pass
            def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
                return dataset
            def get_batch_loss_metrics(self, model, batch):
                return {"rewards/margins": 0, "rewards/accuracies": 0, "rewards/chosen": 0, "rewards/rejected": 0}
        ''', check_trl_dpo_trainer, [
            ("def _prepare_dataset(self, dataset, processing_class, args, dataset_name)",
             "def _prepare_dataset(self, dataset, args, processing_class, dataset_name)"),  # reordered
            ("def _prepare_dataset", "def _prepare_rows"),  # the hook renamed
            ("precompute_ref_log_probs: bool", "precompute_ref_logps: bool"),  # a field renamed
            ('"rewards/margins": 0, ', ""),  # a metric no longer logged
            ("processing_class=None):", "tokenizer=None):"),  # the keyword renamed
        ]),
}


def test_every_entry_has_a_fake():
    assert set(FAKES) == set(UPSTREAM_NAMES)


@pytest.mark.parametrize("key", sorted(FAKES))
def test_the_check_passes_on_a_faithful_fake_and_fails_on_each_mismatch(key, monkeypatch):
    source, check, edits = FAKES[key]
    check(module_from(source, monkeypatch))  # the fake is faithful: the check is not failing on anything
    library = UPSTREAM_NAMES[key].library
    for before, after in edits:
        assert before in source, (key, before)
        fake = module_from(source.replace(before, after), monkeypatch)
        with pytest.raises(UpstreamMismatch) as caught:
            check(fake)
        # The message names the library and its installed version, so a bug report says what changed
        # (the entry's library, or torch for the torch function an entry also relies on).
        named = str(caught.value).split(" ", 1)[0]
        assert named in (library, "torch"), (key, before, caught.value)
        assert str(caught.value).startswith(f"{named} {library_version(named)}: "), (key, before, caught.value)


def test_the_lm_head_check_looks_beneath_an_installed_patch(monkeypatch):
    import trl.trainer.utils as trl_utils

    from engine.train.lm_head import LogProbDispatch
    patched = types.SimpleNamespace(_ChunkedLogProbFunction=LogProbDispatch(trl_utils._ChunkedLogProbFunction),
                                    add_fused_lm_head=trl_utils.add_fused_lm_head)
    check_trl_chunked_logprob(patched)  # a second run in one process checks TRL's function, not ours


def test_the_lm_head_check_compares_trls_signature_with_the_dispatchers_own():
    import trl.trainer.utils as trl_utils

    def apply(self, hidden, weight, bias, targets, temperature, chunk_size, final_logit_softcapping=None,
              logit_scale=1.0, outputs=("log_probs",)):
        pass

    check_trl_chunked_logprob(trl_utils, apply)
    with pytest.raises(UpstreamMismatch, match="_ChunkedLogProbFunction.forward takes"):
        check_trl_chunked_logprob(trl_utils, lambda self, weight, hidden, bias, targets, temperature, chunk_size,
                                  final_logit_softcapping, logit_scale, outputs: None)


# -- the registry: once per process, and what a call site gets --------------------------------------
def test_mismatch_checks_once_and_require_raises_with_the_library_version(monkeypatch):
    calls = []

    def failing_check() -> None:
        calls.append(1)
        raise upstream.mismatch_error("trl", "the fake name is gone")

    entry = UpstreamName(key="test.fake", library="trl", uses="a fake", where="tests/test_upstream.py: nothing",
                         why="a test", on_mismatch="none", guarded_by="tests/test_upstream.py", check=failing_check)
    monkeypatch.setitem(UPSTREAM_NAMES, "test.fake", entry)
    problem = upstream.mismatch("test.fake")
    assert problem == f"trl {library_version('trl')}: the fake name is gone"
    assert upstream.mismatch("test.fake") == problem and len(calls) == 1  # cached: no cost per step
    assert upstream.mismatches_found()["test.fake"] == problem
    with pytest.raises(UpstreamMismatch, match=re.escape(problem) + ".*tests/test_upstream.py.*constraints.txt"):
        upstream.require("test.fake")
    assert upstream.mismatch("trl.use_triton") is None
    upstream.require("trl.use_triton")


def pretend_mismatch(monkeypatch: pytest.MonkeyPatch, *keys: str) -> None:
    real = upstream.mismatch
    monkeypatch.setattr(upstream, "mismatch", lambda key: f"fake mismatch of {key}" if key in keys else real(key))


def test_without_trls_names_the_lm_head_stays_trls(monkeypatch):
    import trl.trainer.utils as trl_utils

    from engine.train.lm_head import use_fast_cpu_lm_head
    saved = trl_utils._use_triton, trl_utils._ChunkedLogProbFunction
    for key in ("trl.chunked_logprob", "trl.use_triton"):
        with monkeypatch.context() as patch:
            pretend_mismatch(patch, key)
            assert use_fast_cpu_lm_head() is False
            assert (trl_utils._use_triton, trl_utils._ChunkedLogProbFunction) == saved  # untouched


def test_without_torchs_bf16_question_4bit_layers_compute_in_fp32(monkeypatch):
    import torch

    from engine.train.trainer import native_bf16
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True)  # a CPU with native bf16
    assert native_bf16(False) is True
    pretend_mismatch(monkeypatch, "torch.mkldnn_bf16")
    assert native_bf16(False) is False


def test_without_bitsandbytes_names_the_start_event_carries_no_quantization(tiny_model_dir, tmp_path, monkeypatch):
    from engine.train.config import RunConfig
    from engine.train.context import RunContext
    from engine.train.trainer import load_model, quantization_of

    config = RunConfig(model=str(tiny_model_dir), method="qlora", runs_dir=str(tmp_path))
    model = load_model(RunContext(tmp_path, config), str(tiny_model_dir), "fp32", on_gpu=False)
    assert quantization_of(model)["quant_type"] == "nf4"
    pretend_mismatch(monkeypatch, "bitsandbytes.quant_state")
    assert quantization_of(model) is None  # rather than a crash at the start of training


def test_without_peft_or_transformers_names_training_takes_the_library_path(tiny_model_dir, tmp_path, monkeypatch):
    import torch
    from transformers import AutoModelForCausalLM

    from engine.train.config import RunConfig
    from engine.train.context import RunContext
    from engine.train.lora_dropout import count_cpu_lora_dropouts
    from engine.train.packed_attention import use_packed_sdpa
    from engine.train.trainer import RowPackedCollator, describe_paths, load_model, use_row_packing

    pretend_mismatch(monkeypatch, "peft.lora_dropout", "transformers.attention_interface")
    config = RunConfig(model=str(tiny_model_dir), method="lora", lora={"dropout": 0.1}, runs_dir=str(tmp_path),
                       packing=True)
    model = load_model(RunContext(tmp_path, config), str(tiny_model_dir), "fp32", on_gpu=False)
    assert count_cpu_lora_dropouts(model) == 0  # peft's nn.Dropout stays
    assert any(type(m) is torch.nn.Dropout for m in model.modules())
    plain = AutoModelForCausalLM.from_pretrained(tiny_model_dir, attn_implementation="sdpa")
    assert use_packed_sdpa(plain) is False and plain.config._attn_implementation == "sdpa"

    trainer = types.SimpleNamespace(data_collator=None)
    tokenizer = types.SimpleNamespace(pad_token_id=0)
    # Rows still, with transformers' own per-row mask instead of the per-sequence SDPA.
    assert use_row_packing(trainer, model, tokenizer) == "rows of up to max_length with a per-row sequence mask (sdpa attention)"
    assert isinstance(trainer.data_collator, RowPackedCollator)
    line = describe_paths(config, model, trainer, on_gpu=False, lm_head_installed=False)
    assert line == ("paths in use: LM head loss: TRL's kernel (its names changed upstream, see the warning); "
                    "LoRA dropout: torch's (its names changed upstream, see the warning); "
                    "packing: rows with a per-row sequence mask (sdpa attention); attention: sdpa")

    pretend_mismatch(monkeypatch, "trl.sft_collator")
    trl_trainer = types.SimpleNamespace(data_collator="TRL's padding-free collator")
    assert use_row_packing(trl_trainer, model, tokenizer) is None and trl_trainer.data_collator == "TRL's padding-free collator"
    assert "packing: TRL's padding-free (its names changed upstream, see the warning)" in describe_paths(
        config, model, trl_trainer, on_gpu=False, lm_head_installed=True)


def test_the_paths_line_names_each_cpu_path_and_the_count_of_dropout_layers(tiny_model_dir, tmp_path):
    from engine.train.config import RunConfig
    from engine.train.context import RunContext
    from engine.train.trainer import describe_paths, load_model

    config = RunConfig(model=str(tiny_model_dir), method="lora", runs_dir=str(tmp_path))
    model = load_model(RunContext(tmp_path, config), str(tiny_model_dir), "fp32", on_gpu=False)
    trainer = types.SimpleNamespace(data_collator=None)
    # The tiny model: 2 blocks x 7 linear layers (q/k/v/o, gate/up/down), all adapted ("all-linear").
    assert describe_paths(config, model, trainer, on_gpu=False, lm_head_installed=True) == (
        "paths in use: LM head loss: tunewiz's CPU head; LoRA dropout: tunewiz's CPU dropout on 14 layers; "
        "packing: none; attention: sdpa")
    bf16 = load_model(RunContext(tmp_path, config), str(tiny_model_dir), "bf16", on_gpu=False)
    assert "LM head loss: TRL's kernel (bfloat16 weights)" in describe_paths(config, bf16, trainer, False, True)


def test_without_peft_or_transformers_names_chat_takes_the_public_paths(tiny_model_dir, monkeypatch):
    # The chat's three upstream names: peft's adapter flag, transformers' loading tqdm and its streamer's
    # state. On a mismatch each call site takes the library's public path and the user sees the same answers.
    import torch
    from transformers import AutoTokenizer

    from engine.chat.local import LocalChat, _make_streamer
    from engine.run_model import LoadProgress
    import transformers.core_model_loading as loading

    pretend_mismatch(monkeypatch, "transformers.loading_tqdm")
    original = loading.tqdm
    with LoadProgress(0.0, 1.0, lambda *a, **k: None, "weights") as progress:
        assert loading.tqdm is original and progress.module is None  # not swapped
    assert loading.tqdm is original

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    eager = _make_streamer(tokenizer)
    pretend_mismatch(monkeypatch, "transformers.loading_tqdm", "transformers.streamer_state")
    stock = _make_streamer(tokenizer)
    assert type(stock).__name__ == "CountingStreamer" and type(eager).__name__ == "EagerCountingStreamer"
    ids = tokenizer("Hello there, how are you?")["input_ids"]
    stock.put(torch.tensor([ids]))  # the prompt: skipped and not counted
    for token in ids:
        stock.put(torch.tensor([token]))
    stock.end()
    assert stock.tokens == len(ids)
    assert "".join(stock) == tokenizer.decode(ids, skip_special_tokens=True)  # every piece, in order

    class Peft:  # enough of a PeftModel for the base-side switch
        def __init__(self) -> None:
            self.switched = 0

        def modules(self):
            return iter(())

        def disable_adapter(self):
            self.switched += 1
            return torch.no_grad()

    chat = LocalChat.__new__(LocalChat)
    chat.model, chat.base_model, chat._tuner_layers = Peft(), None, None
    pretend_mismatch(monkeypatch, "peft.disable_adapters")
    with chat._side(adapter=False):
        pass
    assert chat._tuner_layers == [] and chat.model.switched == 1  # peft's public switch
