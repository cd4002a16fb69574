"""`tunewiz hardware | estimate | advise`: the headless twins of the wizard's first screens.

Exit codes are stable for scripts: 0 success, 1 `estimate` found that the configuration does not fit
the given (or detected) GPU, 2 bad input (an unknown model, a VRAM figure that makes no sense, ...)
with one clear line on stderr. `--json` prints one JSON object on stdout.
Only light modules are imported: the engine's hardware/catalog/memory/advisor never import torch.
"""
from __future__ import annotations

import json
from typing import Any, Optional

import typer

from tui.cli_args import whole_number
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from engine.methods import DPO_TUNINGS, METHODS

err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

# No single GPU has more than this (B300: 288 GB); a bigger figure is a typo (MB for GB, or a sum of GPUs).
MAX_VRAM_GB = 512.0
# Upper bounds of the numeric arguments: far above any real run, far below what overflows the arithmetic.
MAX_EXAMPLES = 10 ** 12
MAX_TARGETS_CHARS = 2000
MAX_WORLD_SIZE = 65536       # engine.memory.estimate's bound on world_size
SHARDING_HELP = ("What the GPUs divide among them: ddp nothing (a whole copy each), zero2 gradients and optimizer "
                 "states, zero3 and fsdp the weights too.")
# Breakdown terms a sharded run divides (compared with the same settings on one GPU): the state per parameter.
SHARDED_TERMS = ("weights", "lora_params", "gradients", "optimizer")


def _fail(message: str, code: int = 2) -> "typer.Exit":
    # Messages quote what was typed (a model path, a number): escaped, so `[x]` in one is text, not markup.
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


def _check_range(name: str, value: Optional[int], low: int, high: int, unit: str) -> None:
    from engine.inputs import number_text
    if value is not None and value < low:
        raise _fail(f"{name} must be {'0 or more' if low == 0 else f'at least {low}'}, not {number_text(value)}")
    if value is not None and value > high:
        raise _fail(f"{name} {number_text(value)} is more than any run takes: give at most {high:,} {unit}")


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    lowered = value.strip().lower()
    if lowered not in choices:
        raise _fail(f"{name} {value!r} is not one of {', '.join(choices)}")
    return lowered


def _check_vram(vram_gb: Optional[float], allow_zero: bool = False) -> Optional[float]:
    if vram_gb is None:
        return None
    if vram_gb != vram_gb or vram_gb < 0 or (vram_gb == 0 and not allow_zero):
        raise _fail(f"--vram-gb {vram_gb:g} makes no sense: give the memory of one GPU in GB, e.g. --vram-gb 24"
                    + (" (0 means no GPU)" if allow_zero else ""))
    if vram_gb > MAX_VRAM_GB:
        raise _fail(f"--vram-gb {vram_gb:g}: no single GPU has that much memory; give one GPU's memory in GB "
                    "(tunewiz estimates one GPU), e.g. --vram-gb 80")
    return vram_gb


def _print_json(data: Any) -> None:
    # Plain print, not rich: JSON must reach pipes byte-for-byte, without markup or wrapping.
    print(json.dumps(data, ensure_ascii=False, indent=2))


# -- hardware -------------------------------------------------------------------------------------
def hardware(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Show the NVIDIA GPUs (through NVML), CPU cores and RAM that training can use."""
    from engine.hardware import detect

    hw = detect()
    if as_json:
        _print_json(hw.to_dict())
        return
    if hw.gpus:
        table = Table(title="GPUs", title_justify="left")
        for col in ("#", "name", "memory", "free", "compute", "bf16", "driver"):
            table.add_column(col, justify="right" if col in ("#", "memory", "free") else "left")
        for g in hw.gpus:
            table.add_row(str(g.index), g.name, f"{g.total_gb:.1f} GB", f"{g.free_gb:.1f} GB",
                          f"{g.compute_capability[0]}.{g.compute_capability[1]}", "yes" if g.bf16 else "no (fp16)",
                          g.driver)
        out.print(table)
    else:
        out.print("[bold]No NVIDIA GPU[/]: CPU only.", highlight=False)
    if hw.note:
        from tui.messages import text_of
        out.print(f"[yellow]note:[/] {escape(text_of(hw.note))}", highlight=False)
    ram = f"{hw.ram_gb:.1f} GB RAM" + (f" ({hw.ram_available_gb:.1f} GB available)" if hw.ram_available_gb else "")
    out.print(f"CPU: {hw.cpu_cores} cores, {ram}", highlight=False)


# -- estimate -------------------------------------------------------------------------------------
def _resolve(model: str):
    from engine.catalog import ModelConfigError, UnknownModelError, resolve_model_spec
    try:
        return resolve_model_spec(model)
    except (UnknownModelError, ModelConfigError) as exc:
        raise _fail(str(exc)) from None


def estimate(
    model: str = typer.Option(..., "--model", "-m", help="Catalog id or alias (e.g. Qwen/Qwen2.5-7B-Instruct, demo), "
                                                      "a local model folder, or a hub id (its config.json only).",
                              show_default=False),
    method: str = typer.Option("lora", "--method", help=" | ".join(METHODS) + " (dpo: preference pairs, trained as "
                                                        "--dpo-tuning)"),
    dpo_tuning: str = typer.Option("lora", "--dpo-tuning", help="With --method dpo: " + " | ".join(DPO_TUNINGS) +
                                   " (full keeps a frozen reference copy; an adapter needs none)."),
    seq_len: int = typer.Option(1024, "--seq-len", parser=whole_number, help="Tokens per example (max_length)."),
    batch: int = typer.Option(1, "--batch", parser=whole_number, help="Examples per step on the GPU (batch_size)."),
    grad_checkpointing: bool = typer.Option(True, "--grad-checkpointing/--no-grad-checkpointing",
                                            help="Recompute activations in backward to save memory."),
    lora_r: int = typer.Option(16, "--lora-r", parser=whole_number, help="LoRA rank."),
    lora_targets: Optional[str] = typer.Option(None, "--lora-targets",
                                               help="Comma-separated module names (default: every linear layer)."),
    optimizer: str = typer.Option("adamw", "--optimizer", help="adamw | adamw_8bit | paged_adamw_8bit"),
    vram_gb: Optional[float] = typer.Option(None, "--vram-gb", help="GPU memory to check against (GB). "
                                                                    "Default: the largest detected GPU."),
    plain_trainer: bool = typer.Option(False, "--plain-trainer", help="Estimate for a plain transformers Trainer "
                                                                      "(full logits in memory), not tunewiz's trainer."),
    world_size: Optional[int] = typer.Option(None, "--world-size", parser=whole_number, help="GPUs training together, one process each "
                                             "(--batch is per GPU). Default: the detected GPUs; 1 with --vram-gb or "
                                             "without a GPU."),
    sharding: str = typer.Option("ddp", "--sharding", help=SHARDING_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Peak GPU memory of one training step per GPU, with the breakdown and whether it fits (exit 1 if not)."""
    from engine.catalog import ModelConfigError
    from engine.memory import OPTIMIZERS, TERM_HELP, EstimateError
    from engine.memory import estimate as run_estimate

    from engine.memory import SHARDINGS
    method = _check_choice("--method", method, METHODS)
    dpo_tuning = _check_choice("--dpo-tuning", dpo_tuning, DPO_TUNINGS)
    optimizer = _check_choice("--optimizer", optimizer, OPTIMIZERS)
    sharding = _check_choice("--sharding", sharding, SHARDINGS)
    _check_range("--world-size", world_size, 1, MAX_WORLD_SIZE, "GPUs")
    from engine.memory import MAX_BATCH, MAX_SEQ_LEN
    _check_range("--seq-len", seq_len, 1, MAX_SEQ_LEN, "tokens")
    _check_range("--batch", batch, 1, MAX_BATCH, "examples per step")
    _check_range("--lora-r", lora_r, 1, 65_536, "(the LoRA rank, e.g. 16)")
    if lora_targets is not None and len(lora_targets) > MAX_TARGETS_CHARS:
        raise _fail(f"--lora-targets is {len(lora_targets):,} characters long; give a few module names, e.g. "
                    "q_proj,v_proj")
    vram_gb = _check_vram(vram_gb)
    detected_from = None
    world_source = "--world-size" if world_size is not None else "default"
    if vram_gb is None or world_size is None:
        from engine.hardware import detect
        hw = detect()
        gpu = hw.best_gpu
        if gpu is not None and vram_gb is None:
            vram_gb, detected_from = gpu.total_gb, gpu.name
            if world_size is None:
                world_size, world_source = len(hw.gpus), "detected GPUs"
    world_size = world_size or 1
    spec = _resolve(model)

    def priced(world: int):
        return run_estimate(spec, method, seq_len, batch, grad_checkpointing=grad_checkpointing, lora_r=lora_r,
                            lora_targets=lora_targets, optimizer=optimizer, vram_gb=vram_gb,
                            loss_impl="full" if plain_trainer else "chunked", sharding=sharding,  # type: ignore[arg-type]
                            world_size=world, dpo_tuning=dpo_tuning)
    try:
        e = priced(world_size)
        one = priced(1) if world_size > 1 else e
    except (EstimateError, ModelConfigError) as exc:
        raise _fail(str(exc)) from None
    divided = [k for k in SHARDED_TERMS if e.breakdown.get(k, 0) < one.breakdown.get(k, 0)]
    if as_json:
        data = e.to_dict()
        data["vram_source"] = detected_from or ("--vram-gb" if vram_gb is not None else None)
        data["model_params_b"] = spec.params
        data.update(world_size=world_size, world_size_source=world_source, sharding=sharding, divided=divided,
                    per_gpu=True, one_gpu_total_gb=one.total_gb)
        _print_json(data)
        raise typer.Exit(1 if e.fits is False else 0)
    shown = f"dpo ({dpo_tuning}, {batch} pair{'s' if batch > 1 else ''} = {2 * batch} sequences)" \
        if method == "dpo" else method
    title = (f"{spec.id} · {shown} · seq {seq_len} × batch {batch} · "
             f"{'checkpointing' if grad_checkpointing else 'no checkpointing'}")
    if world_size > 1:
        title += f" · {sharding} × {world_size} GPUs, per GPU"
    table = Table(title=title, title_justify="left")
    table.add_column("term")
    table.add_column("GB", justify="right")
    table.add_column("what")
    for key, value in e.breakdown.items():
        what = TERM_HELP.get(key, "")
        table.add_row(key, f"{value:.2f}", f"÷{world_size}: {what}" if key in divided else what)
    table.add_row("[bold]total[/]", f"[bold]{e.total_gb:.2f}[/]", "")
    out.print(table)
    if world_size > 1:
        shared = ", ".join(divided) if divided else "nothing (every GPU holds a whole copy)"
        out.print(f"{sharding} over {world_size} GPUs ({world_source}): divided by {world_size}: {shared}; "
                  f"{e.total_gb:.1f} GB per GPU, {one.total_gb:.1f} GB on one GPU alone", highlight=False)
    elif sharding != "ddp":
        out.print(f"[yellow]note:[/] {sharding} over 1 GPU divides nothing: give --world-size", highlight=False)
    params = f"{e.params / 1e9:.2f}B params, {e.trainable_params:,} trainable"
    out.print(params, highlight=False)
    where = f" ({detected_from})" if detected_from else ""
    style = "green" if e.fits else "red" if e.fits is False else "default"
    from tui.estimate_notes import note_text
    out.print(f"[{style}]{escape(note_text(e.verdict))}[/]{where}", highlight=False)
    for note in e.notes:
        out.print(f"[yellow]note:[/] {escape(note_text(note))}", highlight=False)
    # A pipeline can gate on the exit code: 1 means "this configuration will not fit".
    raise typer.Exit(1 if e.fits is False else 0)


# -- advise ---------------------------------------------------------------------------------------
def advise(
    goal: str = typer.Option("task", "--goal", help="knowledge (facts from documents) | style (tone, format) | "
                                                   "task (a narrow task, structured output, tools) | domain "
                                                   "(raw domain text, new vocabulary) | preference (prefer "
                                                   "answer A over B: DPO on chosen/rejected pairs)"),
    pairs: Optional[bool] = typer.Option(None, "--pairs/--no-pairs",
                                         help="Preference goal: the data is chosen/rejected pairs (default: "
                                              "assumed); --no-pairs: single answers only."),
    examples: Optional[int] = typer.Option(None, "--examples", parser=whole_number, help="How many clean training examples you have."),
    avg_tokens: Optional[int] = typer.Option(None, "--avg-tokens", parser=whole_number, help="Average tokens per example."),
    avg_output_tokens: Optional[int] = typer.Option(None, "--avg-output-tokens", parser=whole_number,
                                                    help="Average tokens per answer (labels: 1-3)."),
    cloud_ok: bool = typer.Option(False, "--cloud-ok/--no-cloud",
                                  help="The data may go to OpenAI and your organisation can still create "
                                       "fine-tuning jobs there."),
    own_weights: bool = typer.Option(False, "--own-weights", help="You must own/self-host the tuned weights."),
    raw_corpus: bool = typer.Option(True, "--raw-corpus/--qa-pairs",
                                    help="Domain goal: raw text (continual pretraining) or question/answer pairs."),
    vram_gb: Optional[float] = typer.Option(None, "--vram-gb", help="Assume one GPU with this much memory (GB) "
                                                                    "instead of detecting; 0 = no GPU."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="The model you want (catalog id, local folder "
                                                                   "or hub id). Default: Qwen/Qwen2.5-7B-Instruct."),
    world_size: Optional[int] = typer.Option(None, "--world-size", parser=whole_number, help="GPUs to train on together (like the "
                                             "largest one). Default: every detected GPU; 1 with --vram-gb."),
    sharding: Optional[str] = typer.Option(None, "--sharding", help="How GPUs divide a model one cannot hold: fsdp "
                                           "(default), zero3 or zero2; ddp never divides it."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Which path (RAG, OpenAI or an open model), method, model and settings fit your goal and GPU."""
    from engine.advisor import GOALS, AdviceError, Answers
    from engine.advisor import advise as run_advise
    from engine.catalog import ModelConfigError, UnknownModelError
    from engine.hardware import assumed, detect
    from engine.memory import EstimateError

    from engine.memory import SHARDINGS
    goal = _check_choice("--goal", goal, GOALS)
    if sharding is not None:
        sharding = _check_choice("--sharding", sharding, SHARDINGS)
    _check_range("--world-size", world_size, 1, MAX_WORLD_SIZE, "GPUs")
    from engine.memory import MAX_SEQ_LEN
    _check_range("--examples", examples, 0, MAX_EXAMPLES, "examples")
    _check_range("--avg-tokens", avg_tokens, 1, MAX_SEQ_LEN, "tokens per example")
    _check_range("--avg-output-tokens", avg_output_tokens, 0, MAX_SEQ_LEN, "tokens per answer")
    vram_gb = _check_vram(vram_gb, allow_zero=True)
    hw = detect()
    if vram_gb is not None:
        hw = assumed(vram_gb, hw)
    world_source = "detected GPUs" if vram_gb is None else "--vram-gb (one GPU)"
    if world_size is not None:
        if world_size > 1 and not hw.gpus:
            raise _fail(f"--world-size {world_size}: there is no GPU to have {world_size} of; give the memory of "
                        "one with --vram-gb, e.g. --vram-gb 24")
        hw, world_source = _with_gpu_count(hw, world_size), "--world-size"
    answers = Answers(goal=goal, examples=examples, avg_tokens=avg_tokens, avg_output_tokens=avg_output_tokens,
                      raw_corpus=raw_corpus, cloud_ok=cloud_ok, needs_weights=own_weights, model=model, pairs=pairs)
    try:
        rec = run_advise(answers, hw, sharding=sharding)
    except (AdviceError, UnknownModelError, ModelConfigError, EstimateError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        _print_json({**rec.to_dict(), "gpus": len(hw.gpus), "world_size_source": world_source})
        return
    headline = {"rag": "Use retrieval (RAG), not fine-tuning",
                "openai": f"Fine-tune on OpenAI: {rec.model}",
                "open": f"{(rec.method or '').upper()}" + (f" ({rec.estimate.dpo_tuning.upper()})" if rec.method == "dpo"
                                                            and rec.estimate is not None else "")
                        + f" on {rec.model}" + (" (CPU)" if rec.device == "cpu" else "")}
    if rec.world_size > 1:
        from engine.advisor import SHARDING_NAMES
        headline["open"] += f" across {rec.world_size} GPUs ({SHARDING_NAMES[rec.sharding or 'ddp']})"
    out.print(f"[bold]{headline[rec.path]}[/]", highlight=False)
    from tui.message_parts import render_item
    for reason in rec.reasons:   # in the --lang language; --json keeps the English with code and params
        out.print(f"  • {escape(render_item(reason))} [dim]({reason.rule})[/]", highlight=False)
    if rec.fit and rec.vram_gb:
        table = Table(title=f"Fit on {rec.vram_gb:.0f} GB (batch 1, checkpointing, max_length "
                            f"{next(iter(rec.fit.values())).seq_len})", title_justify="left")
        table.add_column("method")
        table.add_column("needs", justify="right")
        table.add_column("")
        for method, e in rec.fit.items():
            share = min(1.0, e.total_gb / rec.vram_gb)
            bar = "█" * round(share * 20) + "░" * (20 - round(share * 20))
            style = "green" if e.fits else "red"
            table.add_row(method, f"{e.total_gb:.1f} GB", f"[{style}]{bar}[/]" + ("" if e.fits else " too big"))
        out.print(table)
        if rec.world_size > 1 and rec.estimate is not None:
            e = rec.estimate
            out.print(f"Across {rec.world_size} GPUs with {rec.sharding}: {e.method} needs {e.total_gb:.1f} GB per GPU "
                      f"(batch {e.batch} per GPU, {'checkpointing' if e.gradient_checkpointing else 'no checkpointing'})",
                      highlight=False)
    if rec.settings:
        out.print("[bold]Settings[/] (RunConfig keys):" if rec.path == "open" else "[bold]Settings[/]:")
        for key, value in rec.settings.items():
            out.print(f"  {key}: {json.dumps(value)}", highlight=False)
    for alt in rec.alternatives:
        out.print(f"[cyan]alternative:[/] {escape(render_item(alt))}", highlight=False)
    if rec.next_steps:
        out.print("[bold]Next[/]:")
        for i, step in enumerate(map(render_item, rec.next_steps), 1):
            out.print(f"  {i}. {escape(step)}", highlight=False)


def _with_gpu_count(hardware: Any, count: int) -> Any:
    """`hardware` with `count` GPUs: its largest ones, then copies of its largest ("what if I had 4?")."""
    from engine.hardware import GPU, Hardware
    own = sorted(hardware.gpus, key=lambda g: g.total_gb, reverse=True)
    best = own[0]
    extra = [GPU(index=i, nvml_index=best.nvml_index, name=best.name, uuid="", total_gb=best.total_gb,
                 free_gb=best.free_gb, driver=best.driver, compute_capability=best.compute_capability)
             for i in range(len(own), count)]
    return Hardware(gpus=own[:count] + extra, cpu_cores=hardware.cpu_cores, ram_gb=hardware.ram_gb,
                    ram_available_gb=hardware.ram_available_gb, note=hardware.note)


def models(as_json: bool = typer.Option(False, "--json", help="Print one JSON list.")) -> None:
    """List the model catalog: ids, sizes, context, licence, and OpenAI's fine-tunable models."""
    from datetime import date

    from engine.catalog import OPENAI_WIND_DOWN, models as catalog_models, openai_models

    specs = catalog_models()
    if as_json:
        _print_json({"open": [s.to_dict() for s in specs], "openai": [m.to_dict() for m in openai_models()],
                     "openai_wind_down": OPENAI_WIND_DOWN.to_dict()})
        return
    table = Table(title="Open models", title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("size", justify="right", no_wrap=True)
    table.add_column("ctx", justify="right", no_wrap=True)
    table.add_column("licence / access", overflow="ellipsis", no_wrap=True)
    for s in specs:
        # Short licence names so the table fits 80 columns; `--json` has the full text.
        licence = s.license.split(" (")[0].replace("Meta ", "").replace(" Community License", "").replace(" License", "").replace(" licence", "")
        flags = " · remote code" if s.trust_remote_code else " · gated" if s.gated else ""
        flags += " · thinks" if s.reasoning else ""
        # Mixture of experts: total and active parameters, "30.5B (3.4B active)".
        table.add_row(s.id, s.size_label, f"{s.max_position_embeddings // 1024}k", licence + flags)
    out.print(table)
    table = Table(title="OpenAI fine-tuning models", title_justify="left")
    table.add_column("id", no_wrap=True)
    for col in ("context", "per example", "$/1M train", "as of"):
        table.add_column(col, justify="right")
    table.add_column("today")
    for m in openai_models():
        # A model stays listed after its shut-down (ft: names made from it still resolve), marked as such.
        today = "fine-tunable" if m.fine_tunable() else (f"[red]shut {m.shut_down.value}[/]" if m.shut_down and
                                                         m.shut_down.value <= date.today().isoformat() else "[yellow]no new jobs[/]")
        table.add_row(m.id, f"{m.context_tokens.value:,}", f"{m.example_tokens.value:,}",
                      f"{m.training_price_per_1m.value:.2f}", m.training_price_per_1m.as_of, today)
    out.print(table)
    out.print(f"[yellow]{OPENAI_WIND_DOWN.sentence()}[/]", highlight=False)


def register(app: typer.Typer) -> None:
    """Adds `hardware`, `estimate`, `advise` and `models` to the app."""
    app.command("hardware", help=hardware.__doc__)(hardware)
    app.command("estimate", help=estimate.__doc__)(estimate)
    app.command("advise", help=advise.__doc__)(advise)
    app.command("models", help=models.__doc__)(models)
