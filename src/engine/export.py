"""Export a run as a standalone model: the adapter merged into its base, saved as safetensors with
the tokenizer and chat template, loadable with `AutoModelForCausalLM.from_pretrained(OUT)` and
servable by vLLM.

QLoRA adapters are merged into a 16-bit copy of the base, never into the 4-bit weights they trained
on: merging into NF4 would re-quantise the sum and lose most of what the adapter learned, and a
4-bit checkpoint is not what vLLM or transformers expect as a plain model.

The result is written to `OUT.partial-<pid>` and renamed into place when complete, so a crash or
Ctrl-C never leaves a half-written folder that looks like a model. Nothing here imports torch at
module level or imports textual.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from engine.messages import english
from engine.run_model import LoadProgress, ModelLoadError, Progress, RunModel, attach_adapter, locate_run_model

DTYPES = ("auto", "bf16", "fp16", "fp32")
_BYTES = {"bf16": 2, "fp16": 2, "fp32": 4}
_STORED = {"bfloat16": "bf16", "float16": "fp16", "float32": "fp32"}


class ExportError(ModelLoadError):
    """An export that cannot be done: `code` and `params` (engine/export_messages.py `export.*`), the English
    `message` and `advice` (what to do instead) built from the registry."""

    def __init__(self, code: str, params: dict[str, Any]) -> None:
        super().__init__(english(code, params), english(f"{code}.advice", params))
        self.code = code
        self.message_code = code
        self.params = params


@dataclass
class ExportResult:
    out: str
    run: str
    base: str
    weights: str
    method: str
    dtype: str
    merged_layers: int
    params: int
    bytes: int
    seconds: float
    files: list[str] = field(default_factory=list)
    # The run's thinking setting (chat_template.json), now the exported template's default; None when the
    # run has no record (trained before tunewiz recorded it, or a remote job).
    enable_thinking: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def stored_dtype(model_dir: str) -> str | None:
    """The dtype a model folder's config.json records (transformers 5 `dtype`, older `torch_dtype`)."""
    try:
        config = json.loads((Path(model_dir) / "config.json").read_text())
    except (OSError, ValueError):
        return None
    value = config.get("dtype") or config.get("torch_dtype")
    return _STORED.get(str(value)) if value else None


def choose_dtype(requested: str, method: str, base: str) -> str:
    """auto = the base checkpoint's own dtype; for QLoRA a 16-bit one (bf16 unless the base is fp16)."""
    if requested not in DTYPES:
        raise ExportError("export.bad-dtype", {"dtype": requested, "allowed": list(DTYPES)})
    if method == "qlora" and requested == "fp32":
        return "fp32"  # an explicit wish for full precision is honoured; it is still not 4-bit
    if requested != "auto":
        return requested
    stored = stored_dtype(base)
    if method == "qlora":
        return stored if stored in ("bf16", "fp16") else "bf16"
    return stored or "bf16"


def check_out(out: Path, target: RunModel, force: bool) -> None:
    """Raises ExportError when OUT is inside or around the run or its base, a file, or not empty (without force)."""
    places = [(target.weights, "weights"), (target.run_dir, "run")]
    if Path(target.base).expanduser().is_dir():
        places.append((Path(target.base).expanduser(), "base"))
    for protected, what in places:
        protected = protected.resolve()
        if out == protected or protected in out.parents or out in protected.parents:
            raise ExportError(f"export.out-overlaps-{what}", {"out": str(out), "protected": str(protected)})
    if out.exists() and not out.is_dir():
        raise ExportError("export.out-is-file", {"out": str(out)})
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ExportError("export.out-not-empty", {"out": str(out)})


def disk_check(out: Path, base: str, dtype: str) -> None:
    """Raises ExportError when the disk under OUT cannot hold the merged model."""
    folder = Path(base).expanduser()
    stored = stored_dtype(base)
    if not folder.is_dir() or stored not in _BYTES:
        return
    on_disk = sum(p.stat().st_size for p in folder.glob("*.safetensors")) or \
        sum(p.stat().st_size for p in folder.glob("*.bin"))
    need = int(on_disk * _BYTES[dtype] / _BYTES[stored] * 1.05)
    parent = out if out.exists() else next((p for p in out.parents if p.exists()), Path("/"))
    free = shutil.disk_usage(parent).free
    if need > free:
        raise ExportError("export.no-space", {"need_gib": need / 2**30, "parent": str(parent),
                                              "free_gib": free / 2**30})


def export_tokenizer(target: RunModel) -> tuple[Any, bool | None]:
    """The tokenizer an export writes (the run's own, else the base's; ChatML where the model had no template,
    as training used) with the template defaulting to the run's recorded thinking setting, and that setting
    (None when the run has no record)."""
    from transformers import AutoTokenizer

    token_source = str(target.weights) if (target.weights / "tokenizer_config.json").is_file() else target.base
    tokenizer = AutoTokenizer.from_pretrained(token_source, trust_remote_code=target.trust_remote_code)
    from engine.train.tokenize import ensure_chat_template
    ensure_chat_template(tokenizer)  # training used ChatML where the model had no template: keep it
    from engine.train.template import read_record, with_thinking_default
    record = read_record(target.run_dir)
    thinking = record["enable_thinking"] if record else None
    if thinking is not None:
        # Rendered with no `enable_thinking`, the exported template behaves as training rendered: a model
        # trained without thinking does not start thinking once merged (a caller's explicit value still wins).
        tokenizer.chat_template = with_thinking_default(tokenizer.chat_template, thinking)
    return tokenizer, thinking


def merge_adapter(run_dir: str | Path, out: str | Path, base: str | None = None, checkpoint: str | None = None,
                  dtype: str = "auto", force: bool = False, progress: Progress | None = None,
                  final: str | Path | None = None) -> ExportResult:
    """Merges the run's adapter (or re-saves its whole model) into OUT. Raises ModelLoadError/ExportError.
    `final`: where a caller will move OUT once its own export is whole (the README and config name it)."""
    say = progress or (lambda fraction, message: None)
    started = time.perf_counter()
    target = locate_run_model(run_dir, checkpoint=checkpoint, base=base)
    out = Path(out).expanduser().resolve()
    check_out(out, target, force)
    named = Path(final).expanduser().resolve() if final is not None else out
    source = target.base if target.kind == "adapter" else str(target.weights)
    chosen = choose_dtype(dtype, target.tuning, source)
    disk_check(out, source, chosen)

    say(0.02, "loading libraries (torch, transformers, peft)")
    import torch
    from transformers import AutoModelForCausalLM

    torch_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[chosen]
    kwargs = {"dtype": torch_dtype, "trust_remote_code": target.trust_remote_code, "device_map": {"": "cpu"}}
    what = "a 16-bit copy of the base (not the 4-bit weights)" if target.tuning == "qlora" else "the base"
    say(0.05, f"loading {what}: {source} in {chosen}")
    try:
        with LoadProgress(0.05, 0.5, say, f"loading {Path(source).name}"):
            model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
    except (OSError, ValueError) as exc:
        raise ExportError("export.base-unloadable", {"source": str(source),
                                                     "detail": str(exc).splitlines()[0]}) from None
    merged_layers = 0
    if target.kind == "adapter":
        say(0.5, f"attaching the adapter {target.weights}")
        peft_model = attach_adapter(model, target)
        from peft.tuners.tuners_utils import BaseTunerLayer
        layers = [m for m in peft_model.modules() if isinstance(m, BaseTunerLayer)]
        step = max(1, len(layers) // 40)
        for index, layer in enumerate(layers):
            try:
                # safe_merge checks the merged weights for NaN/inf before writing them in place.
                layer.merge(safe_merge=True)
            except ValueError as exc:
                raise ExportError("export.broken-weights", {"detail": str(exc)}) from None
            merged_layers += 1
            if index % step == 0:
                say(0.55 + 0.25 * index / len(layers), f"merging layer {index + 1} of {len(layers)}")
        # The LoRA wrappers go; their base layers already hold the merged weights.
        model = peft_model.unload()
    say(0.8, "reading the tokenizer and chat template")
    tokenizer, thinking = export_tokenizer(target)
    if getattr(model.config, "quantization_config", None) is not None:
        del model.config.quantization_config
    model.config.name_or_path = str(named)
    params = sum(p.numel() for p in model.parameters())

    with staged_folder(out) as work:
        say(0.82, f"writing safetensors to {out}")
        from transformers.utils import logging as hf_logging
        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # our own progress reports the step; no second bar on stderr
        try:
            model.save_pretrained(work, safe_serialization=True, max_shard_size="5GB")
        finally:
            if bars:
                hf_logging.enable_progress_bar()
        tokenizer.save_pretrained(work)
        result = ExportResult(out=str(named), run=str(target.run_dir), base=target.base, weights=str(target.weights),
                              method=target.method, dtype=chosen, merged_layers=merged_layers, params=int(params),
                              bytes=0, seconds=0.0, enable_thinking=thinking)
        (work / "README.md").write_text(readme(result, target), encoding="utf-8")
        result.files = sorted(p.name for p in work.iterdir())
        result.bytes = sum(p.stat().st_size for p in work.iterdir() if p.is_file())
        result.seconds = round(time.perf_counter() - started, 2)
        (work / "tunewiz-export.json").write_text(json.dumps(result.to_dict(), indent=1), encoding="utf-8")
        result.files = sorted(p.name for p in work.iterdir())
        say(0.97, "moving the finished folder into place")
        publish(work, out)
    say(1.0, f"done: {out}")
    return result


@dataclass
class OllamaResult:
    out: str
    modelfile: str
    model: str              # the merged safetensors folder the Modelfile's FROM names
    name: str               # the name the printed `ollama create` gives the model
    create_command: str
    stops: list[str]
    enable_thinking: bool | None
    generation_prompt: str
    notices: list[dict[str, Any]] = field(default_factory=list)
    merged: dict[str, Any] = field(default_factory=dict)  # the merge's ExportResult
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def scaled(say: Progress, low: float, span: float) -> Progress:
    """The progress of a merge inside a longer export: fractions mapped onto [low, low + span], and its own
    "done" (which names a scratch folder) left out."""
    def report(fraction: float | None, message: str) -> None:
        if not message.startswith("done:"):
            say(None if fraction is None else low + span * fraction, message)
    return report


def ollama_name(out: Path) -> str:
    """A model name Ollama accepts, from the output folder's name."""
    return re.sub(r"[^a-z0-9._-]+", "-", out.name.lower()).strip("-._") or "tunewiz-model"


def _eos_ids(model_dir: Path) -> list[int]:
    ids: list[int] = []
    for name in ("generation_config.json", "config.json"):
        try:
            value = json.loads((model_dir / name).read_text()).get("eos_token_id")
        except (OSError, ValueError, AttributeError):
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, int) and item not in ids:
                ids.append(item)
    return ids


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """A fresh scratch folder beside OUT (`.OUT.partial-<pid>`) to build the export in; removed if the body
    fails, so nothing half-written is ever left looking like a model. The body calls `publish` when whole."""
    work = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        yield work
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def publish(work: Path, out: Path) -> None:
    """Moves the finished WORK into OUT's place (replacing an old OUT only once WORK is whole)."""
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
        os.replace(work, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(work, out)


def export_ollama(run_dir: str | Path, out: str | Path, base: str | None = None, checkpoint: str | None = None,
                  dtype: str = "auto", force: bool = False, progress: Progress | None = None,
                  name: str | None = None) -> OllamaResult:
    """OUT/model (the merged safetensors, as merge_adapter writes) + OUT/Modelfile whose TEMPLATE and stop
    PARAMETERs come from the model's own chat template (engine.ollama). The template is translated first, so
    a template Ollama cannot reproduce fails before the merge (OllamaTemplateError, with code and params)."""
    from engine import ollama

    say = progress or (lambda fraction, message: None)
    started = time.perf_counter()
    target = locate_run_model(run_dir, checkpoint=checkpoint, base=base)
    out = Path(out).expanduser().resolve()
    check_out(out, target, force)
    say(0.01, "translating the chat template into an Ollama TEMPLATE")
    tokenizer, thinking = export_tokenizer(target)
    from engine.train.template import probe_template
    abilities = probe_template(tokenizer)
    source_dir = Path(target.base).expanduser() if target.kind == "adapter" else Path(target.weights)
    model_file = ollama.modelfile(tokenizer, "./model", thinking, _eos_ids(source_dir) if source_dir.is_dir() else [],
                                  tools=abilities.tools or abilities.tool_calls)
    with staged_folder(out) as work:
        merged = merge_adapter(run_dir, work / "model", base=base, checkpoint=checkpoint, dtype=dtype,
                               progress=scaled(say, 0.02, 0.93), final=out / "model")
        # The merged model's own eos ids (generation_config.json) may name more end-of-turn tokens.
        model_file = ollama.modelfile(tokenizer, "./model", thinking, _eos_ids(work / "model"),
                                      tools=abilities.tools or abilities.tool_calls)
        (work / "Modelfile").write_text(model_file.text, encoding="utf-8")
        model_name = name or ollama_name(out)
        result = OllamaResult(out=str(out), modelfile=str(out / "Modelfile"), model=str(out / "model"),
                              name=model_name, create_command=ollama.create_command(model_name, out / "Modelfile"),
                              stops=model_file.stops, enable_thinking=thinking,
                              generation_prompt=model_file.pieces.generation_prompt, notices=model_file.notices,
                              merged=merged.to_dict())
        result.seconds = round(time.perf_counter() - started, 2)
        (work / "tunewiz-ollama.json").write_text(json.dumps(result.to_dict(), indent=1, ensure_ascii=False),
                                                  encoding="utf-8")
        say(0.97, "moving the finished folder into place")
        publish(work, out)
    say(1.0, f"done: {out}")
    return result


def thinking_notes(thinking: bool | None) -> str:
    """The README's words on the thinking setting, for servers that render templates themselves."""
    if thinking is None:
        return ""
    word = "true" if thinking else "false"
    ollama = "`think: true`" if thinking else "`think: false` in the API request (or `/set nothink`)"
    modelfile = ("keep the assistant prompt as it is" if thinking else
                 "append an empty think block (`<think>` newline newline `</think>` newline newline) to the "
                 "assistant prompt, as this template does")
    kwargs = '{"enable_thinking": ' + word + '}'
    return f"""
## Thinking (reasoning)

The run was trained with `enable_thinking={word}`. The chat template saved here defaults to it, so
transformers and vLLM prompt the model as training did unless a request sets `enable_thinking` itself.
Servers that build the prompt themselves need the same setting: llama.cpp (after converting to GGUF with
its `convert_hf_to_gguf.py`, e.g. `tunewiz export RUN --gguf OUT.gguf`):
`llama-server --jinja --chat-template-kwargs '{kwargs}'`; Ollama: {ollama};
in an Ollama Modelfile TEMPLATE, {modelfile}
(`tunewiz export RUN --ollama OUT` writes that Modelfile).
"""


def readme(result: ExportResult, target: RunModel) -> str:
    """How to use the exported folder: transformers, vLLM, and back into tunewiz chat."""
    name = Path(result.out).name
    qlora = ("\n> This run trained its adapter on a 4-bit (NF4) base. The adapter was merged into the 16-bit "
             "base weights, which differ slightly from the 4-bit ones it saw in training; compare answers "
             "with `tunewiz chat` before deploying.\n" if target.tuning == "qlora" else "")
    source = ("adapter " + result.weights + " merged into " + result.base) if result.merged_layers else \
        ("whole model " + result.weights)
    return f"""# {name}

A standalone model exported by tunewiz from run `{target.name}`{f' ({target.checkpoint})' if target.checkpoint else ''}:
{source}, saved as {result.dtype} safetensors with its tokenizer and chat template.
{qlora}
- method: {result.method}
- parameters: {result.params:,}
- exported: {time.strftime('%Y-%m-%d %H:%M')}

## transformers

```python
from transformers import AutoModelForCausalLM, AutoTokenizer

model = AutoModelForCausalLM.from_pretrained("{result.out}", dtype="auto", device_map="auto")
tokenizer = AutoTokenizer.from_pretrained("{result.out}")
messages = [{{"role": "user", "content": "Hello!"}}]
inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_dict=True,
                                       return_tensors="pt").to(model.device)
output = model.generate(**inputs, max_new_tokens=256)
print(tokenizer.decode(output[0][inputs["input_ids"].shape[1]:], skip_special_tokens=True))
```

## vLLM (OpenAI-compatible server)

```bash
pip install vllm
vllm serve {result.out} --served-model-name {name} --dtype auto
# then any OpenAI client, e.g.
curl http://localhost:8000/v1/chat/completions -H 'Content-Type: application/json' \\
  -d '{{"model": "{name}", "messages": [{{"role": "user", "content": "Hello!"}}]}}'
```

vLLM uses the chat template saved here (`chat_template.jinja` / `tokenizer_config.json`).
{thinking_notes(result.enable_thinking)}
## Compare it with the run in tunewiz

```bash
tunewiz chat --base-url http://localhost:8000/v1 --model {name}
```
or in the app's chat pane: Settings → a column's backend → endpoint `http://localhost:8000/v1`, model `{name}`,
beside the run's local adapter.
"""
