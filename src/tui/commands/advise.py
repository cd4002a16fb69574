"""`tunewiz hardware | estimate | advise`: the headless twins of the wizard's first screens.

Exit codes are stable for scripts: 0 success, 1 `estimate` found that the configuration does not fit
the given (or detected) GPU, 2 bad input (an unknown model, a VRAM figure that makes no sense, ...)
with one clear line on stderr. `--json` prints one JSON object on stdout.
Only light modules are imported: the engine's hardware/catalog/memory/advisor never import torch.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from tui import clikit

from tui.cli_args import whole_number
from tui.i18n import t
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


def _fail(message: str, code: int = 2) -> "clikit.Exit":
    # Messages quote what was typed (a model path, a number): escaped, so `[x]` in one is text, not markup.
    err.print(f"[bold red]{t('advise_cli.error')}[/]{escape(message)}", highlight=False)
    return clikit.Exit(code)


def _check_range(name: str, value: Optional[int], low: int, high: int, unit: str) -> None:
    """`unit`: the advise_cli.unit.* key naming what the number counts."""
    from engine.inputs import number_text
    if value is not None and value < low:
        raise _fail(t("advise_cli.zero-or-more" if low == 0 else "advise_cli.at-least", name=name, low=low,
                      value=number_text(value)))
    if value is not None and value > high:
        raise _fail(t("advise_cli.too-large", name=name, value=number_text(value), high=high,
                      unit=t(f"advise_cli.unit.{unit}")))


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    lowered = value.strip().lower()
    if lowered not in choices:
        from tui.message_parts import join_list
        raise _fail(t("advise_cli.not-one-of", name=name, value=repr(value), choices=join_list(choices)))
    return lowered


def _check_vram(vram_gb: Optional[float], allow_zero: bool = False) -> Optional[float]:
    if vram_gb is None:
        return None
    if vram_gb != vram_gb or vram_gb < 0 or (vram_gb == 0 and not allow_zero):
        raise _fail(t("advise_cli.vram-nonsense-zero" if allow_zero else "advise_cli.vram-nonsense", value=f"{vram_gb:g}"))
    if vram_gb > MAX_VRAM_GB:
        raise _fail(t("advise_cli.vram-too-large", value=f"{vram_gb:g}"))
    return vram_gb


def t_en(key: str) -> str:
    """The English of a key: `--json` stays English in every language."""
    from tui.i18n import tables
    return tables()["en"][key]


def _print_json(data: Any) -> None:
    # Plain print, not rich: JSON must reach pipes byte-for-byte, without markup or wrapping.
    print(json.dumps(data, ensure_ascii=False, indent=2))


# -- hardware -------------------------------------------------------------------------------------
def hardware(as_json: bool = clikit.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Show the NVIDIA GPUs (through NVML), CPU cores and RAM that training can use."""
    from engine.hardware import detect

    hw = detect()
    if as_json:
        _print_json(hw.to_dict())
        return
    if hw.gpus:
        table = Table(title=t("advise_cli.hw.gpus"), title_justify="left")
        for col in ("#", "name", "memory", "free", "compute", "bf16", "driver"):
            table.add_column(t(f"advise_cli.hw.{col}") if col not in ("#", "bf16") else col,
                             justify="right" if col in ("#", "memory", "free") else "left")
        for g in hw.gpus:
            table.add_row(str(g.index), g.name, f"{g.total_gb:.1f} GB", f"{g.free_gb:.1f} GB",
                          f"{g.compute_capability[0]}.{g.compute_capability[1]}",
                          t("advise_cli.hw.yes") if g.bf16 else t("advise_cli.hw.no-fp16"), g.driver)
        out.print(table)
    else:
        out.print(f"[bold]{t('advise_cli.hw.no-gpu')}[/]{t('advise_cli.hw.cpu-only')}", highlight=False)
    if hw.note:
        from tui.messages import text_of
        out.print(f"[yellow]{t('advise_cli.note')}[/]{escape(text_of(hw.note))}", highlight=False)
    ram = t("advise_cli.hw.ram-available", ram=hw.ram_gb, available=hw.ram_available_gb) if hw.ram_available_gb \
        else t("advise_cli.hw.ram", ram=hw.ram_gb)
    out.print(t("advise_cli.hw.cpu", cores=hw.cpu_cores, ram=ram), highlight=False)


# -- estimate -------------------------------------------------------------------------------------
def _resolve(model: str):
    from engine.catalog import ModelConfigError, UnknownModelError, resolve_model_spec
    try:
        return resolve_model_spec(model)
    except (UnknownModelError, ModelConfigError) as exc:
        raise _fail(str(exc)) from None


def estimate(
    model: str = clikit.Option(..., "--model", "-m", help="Catalog id or alias (e.g. Qwen/Qwen2.5-7B-Instruct, demo), "
                                                      "a local model folder, or a hub id (its config.json only).",
                              show_default=False),
    method: str = clikit.Option("lora", "--method", help=" | ".join(METHODS) + " (dpo: preference pairs, trained as "
                                                        "--dpo-tuning)"),
    dpo_tuning: str = clikit.Option("lora", "--dpo-tuning", help="With --method dpo: " + " | ".join(DPO_TUNINGS) +
                                   " (full keeps a frozen reference copy; an adapter needs none)."),
    seq_len: int = clikit.Option(1024, "--seq-len", parser=whole_number, help="Tokens per example (max_length)."),
    batch: int = clikit.Option(1, "--batch", parser=whole_number, help="Examples per step on the GPU (batch_size)."),
    grad_checkpointing: bool = clikit.Option(True, "--grad-checkpointing/--no-grad-checkpointing",
                                            help="Recompute activations in backward to save memory."),
    lora_r: int = clikit.Option(16, "--lora-r", parser=whole_number, help="LoRA rank."),
    lora_targets: Optional[str] = clikit.Option(None, "--lora-targets",
                                               help="Comma-separated module names (default: every linear layer)."),
    optimizer: str = clikit.Option("adamw", "--optimizer", help="adamw | adamw_8bit | paged_adamw_8bit"),
    vram_gb: Optional[float] = clikit.Option(None, "--vram-gb", help="GPU memory to check against (GB). "
                                                                    "Default: the largest detected GPU."),
    plain_trainer: bool = clikit.Option(False, "--plain-trainer", help="Estimate for a plain transformers Trainer "
                                                                      "(full logits in memory), not tunewiz's trainer."),
    world_size: Optional[int] = clikit.Option(None, "--world-size", parser=whole_number, help="GPUs training together, one process each "
                                             "(--batch is per GPU). Default: the detected GPUs; 1 with --vram-gb or "
                                             "without a GPU."),
    sharding: str = clikit.Option("ddp", "--sharding", help=SHARDING_HELP),
    as_json: bool = clikit.Option(False, "--json", help="Print one JSON object."),
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
    _check_range("--world-size", world_size, 1, MAX_WORLD_SIZE, "gpus")
    from engine.memory import MAX_BATCH, MAX_SEQ_LEN
    _check_range("--seq-len", seq_len, 1, MAX_SEQ_LEN, "tokens")
    _check_range("--batch", batch, 1, MAX_BATCH, "batch")
    _check_range("--lora-r", lora_r, 1, 65_536, "lora-r")
    if lora_targets is not None and len(lora_targets) > MAX_TARGETS_CHARS:
        raise _fail(t("advise_cli.targets-too-long", length=len(lora_targets)))
    vram_gb = _check_vram(vram_gb)
    detected_from = None
    world_source = "option" if world_size is not None else "default"   # advise_cli.est.source.*
    if vram_gb is None or world_size is None:
        from engine.hardware import detect
        hw = detect()
        gpu = hw.best_gpu
        if gpu is not None and vram_gb is None:
            vram_gb, detected_from = gpu.total_gb, gpu.name
            if world_size is None:
                world_size, world_source = len(hw.gpus), "detected"
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
        data.update(world_size=world_size, world_size_source=t_en(f"advise_cli.est.source.{world_source}"),
                    sharding=sharding, divided=divided,
                    per_gpu=True, one_gpu_total_gb=one.total_gb)
        _print_json(data)
        raise clikit.Exit(1 if e.fits is False else 0)
    from tui.messages import message_text
    shown = t("advise_cli.est.dpo" if batch > 1 else "advise_cli.est.dpo-one", tuning=dpo_tuning, batch=batch,
              sequences=2 * batch) if method == "dpo" else method
    title = t("advise_cli.est.title", model=spec.id, method=shown, seq_len=seq_len, batch=batch,
              checkpointing=t("advise_cli.checkpointing" if grad_checkpointing else "advise_cli.no-checkpointing"))
    if world_size > 1:
        title += t("advise_cli.est.per-gpu", sharding=sharding, world=world_size)
    table = Table(title=title, title_justify="left")
    table.add_column(t("advise_cli.est.term"))
    table.add_column("GB", justify="right")
    table.add_column(t("advise_cli.est.what"))
    for key, value in e.breakdown.items():
        what = message_text(f"estimate.term.{key}", {}, TERM_HELP.get(key, ""))
        table.add_row(key, f"{value:.2f}", t("advise_cli.est.divided", world=world_size, what=what) if key in divided
                      else what)
    table.add_row(f"[bold]{t('advise_cli.est.total')}[/]", f"[bold]{e.total_gb:.2f}[/]", "")
    out.print(table)
    if world_size > 1:
        from tui.message_parts import join_list
        shared = join_list(divided) if divided else t("advise_cli.est.nothing-divided")
        out.print(t("advise_cli.est.sharded", sharding=sharding, world=world_size,
                    source=t(f"advise_cli.est.source.{world_source}"), shared=shared, per_gpu=e.total_gb,
                    one=one.total_gb), highlight=False)
    elif sharding != "ddp":
        out.print(f"[yellow]{t('advise_cli.note')}[/]{t('advise_cli.est.one-gpu', sharding=sharding)}", highlight=False)
    out.print(t("advise_cli.est.params", params=e.params / 1e9, trainable=e.trainable_params), highlight=False)
    where = f" ({detected_from})" if detected_from else ""
    style = "green" if e.fits else "red" if e.fits is False else "default"
    from tui.messages import text_of
    out.print(f"[{style}]{escape(text_of(e.verdict))}[/]{where}", highlight=False)
    for note in e.notes:
        out.print(f"[yellow]{t('advise_cli.note')}[/]{escape(text_of(note))}", highlight=False)
    # A pipeline can gate on the exit code: 1 means "this configuration will not fit".
    raise clikit.Exit(1 if e.fits is False else 0)


# -- advise ---------------------------------------------------------------------------------------
def advise(
    goal: str = clikit.Option("task", "--goal", help="knowledge (facts from documents) | style (tone, format) | "
                                                   "task (a narrow task, structured output, tools) | domain "
                                                   "(raw domain text, new vocabulary) | preference (prefer "
                                                   "answer A over B: DPO on chosen/rejected pairs)"),
    pairs: Optional[bool] = clikit.Option(None, "--pairs/--no-pairs",
                                         help="Preference goal: the data is chosen/rejected pairs (default: "
                                              "assumed); --no-pairs: single answers only."),
    examples: Optional[int] = clikit.Option(None, "--examples", parser=whole_number, help="How many clean training examples you have."),
    avg_tokens: Optional[int] = clikit.Option(None, "--avg-tokens", parser=whole_number, help="Average tokens per example."),
    avg_output_tokens: Optional[int] = clikit.Option(None, "--avg-output-tokens", parser=whole_number,
                                                    help="Average tokens per answer (labels: 1-3)."),
    cloud_ok: bool = clikit.Option(False, "--cloud-ok/--no-cloud",
                                  help="The data may go to OpenAI and your organisation can still create "
                                       "fine-tuning jobs there."),
    own_weights: bool = clikit.Option(False, "--own-weights", help="You must own/self-host the tuned weights."),
    raw_corpus: bool = clikit.Option(True, "--raw-corpus/--qa-pairs",
                                    help="Domain goal: raw text (continual pretraining) or question/answer pairs."),
    vram_gb: Optional[float] = clikit.Option(None, "--vram-gb", help="Assume one GPU with this much memory (GB) "
                                                                    "instead of detecting; 0 = no GPU."),
    model: Optional[str] = clikit.Option(None, "--model", "-m", help="The model you want (catalog id, local folder "
                                                                   "or hub id). Default: Qwen/Qwen2.5-7B-Instruct."),
    world_size: Optional[int] = clikit.Option(None, "--world-size", parser=whole_number, help="GPUs to train on together (like the "
                                             "largest one). Default: every detected GPU; 1 with --vram-gb."),
    sharding: Optional[str] = clikit.Option(None, "--sharding", help="How GPUs divide a model one cannot hold: fsdp "
                                           "(default), zero3 or zero2; ddp never divides it."),
    as_json: bool = clikit.Option(False, "--json", help="Print one JSON object."),
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
    _check_range("--world-size", world_size, 1, MAX_WORLD_SIZE, "gpus")
    from engine.memory import MAX_SEQ_LEN
    _check_range("--examples", examples, 0, MAX_EXAMPLES, "examples")
    _check_range("--avg-tokens", avg_tokens, 1, MAX_SEQ_LEN, "avg-tokens")
    _check_range("--avg-output-tokens", avg_output_tokens, 0, MAX_SEQ_LEN, "answer-tokens")
    vram_gb = _check_vram(vram_gb, allow_zero=True)
    hw = detect()
    if vram_gb is not None:
        hw = assumed(vram_gb, hw)
    world_source = "detected" if vram_gb is None else "vram"   # advise_cli.est.source.*
    if world_size is not None:
        if world_size > 1 and not hw.gpus:
            raise _fail(t("advise_cli.world-without-gpu", world=world_size))
        hw, world_source = _with_gpu_count(hw, world_size), "option"
    answers = Answers(goal=goal, examples=examples, avg_tokens=avg_tokens, avg_output_tokens=avg_output_tokens,
                      raw_corpus=raw_corpus, cloud_ok=cloud_ok, needs_weights=own_weights, model=model, pairs=pairs)
    try:
        rec = run_advise(answers, hw, sharding=sharding)
    except (AdviceError, UnknownModelError, ModelConfigError, EstimateError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        _print_json({**rec.to_dict(), "gpus": len(hw.gpus),
                     "world_size_source": t_en(f"advise_cli.est.source.{world_source}")})
        return
    shown = (rec.method or "").upper() + (f" ({rec.estimate.dpo_tuning.upper()})" if rec.method == "dpo"
                                          and rec.estimate is not None else "")
    headline = {"rag": t("advise_cli.adv.rag"), "openai": t("advise_cli.adv.openai", model=rec.model),
                "open": t("advise_cli.adv.open", method=shown, model=rec.model)
                + (t("advise_cli.adv.cpu") if rec.device == "cpu" else "")}
    if rec.world_size > 1:
        from engine.advisor import SHARDING_NAMES
        headline["open"] += t("advise_cli.adv.across", world=rec.world_size, sharding=SHARDING_NAMES[rec.sharding or "ddp"])
    out.print(f"[bold]{headline[rec.path]}[/]", highlight=False)
    from tui.message_parts import render_item
    for reason in rec.reasons:   # in the --lang language; --json keeps the English with code and params
        out.print(f"  • {escape(render_item(reason))} [dim]({reason.rule})[/]", highlight=False)
    if rec.fit and rec.vram_gb:
        table = Table(title=t("advise_cli.adv.fit", vram=rec.vram_gb, seq_len=next(iter(rec.fit.values())).seq_len),
                      title_justify="left")
        table.add_column(t("advise_cli.adv.method"))
        table.add_column(t("advise_cli.adv.needs"), justify="right")
        table.add_column("")
        for method, e in rec.fit.items():
            share = min(1.0, e.total_gb / rec.vram_gb)
            bar = "█" * round(share * 20) + "░" * (20 - round(share * 20))
            style = "green" if e.fits else "red"
            table.add_row(method, f"{e.total_gb:.1f} GB", f"[{style}]{bar}[/]" + ("" if e.fits else t("advise_cli.adv.too-big")))
        out.print(table)
        if rec.world_size > 1 and rec.estimate is not None:
            e = rec.estimate
            out.print(t("advise_cli.adv.sharded", world=rec.world_size, sharding=rec.sharding, method=e.method,
                        total=e.total_gb, batch=e.batch, checkpointing=t("advise_cli.checkpointing" if e.gradient_checkpointing
                                                                         else "advise_cli.no-checkpointing")),
                      highlight=False)
    if rec.settings:
        out.print(f"[bold]{t('advise_cli.adv.settings')}[/]"
                  + (t("advise_cli.adv.settings-keys") if rec.path == "open" else t("advise_cli.colon")))
        for key, value in rec.settings.items():
            out.print(f"  {key}: {json.dumps(value)}", highlight=False)
    for alt in rec.alternatives:
        out.print(f"[cyan]{t('advise_cli.adv.alternative')}[/]{escape(render_item(alt))}", highlight=False)
    if rec.next_steps:
        out.print(f"[bold]{t('advise_cli.adv.next')}[/]{t('advise_cli.colon')}")
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


def models(as_json: bool = clikit.Option(False, "--json", help="Print one JSON list.")) -> None:
    """List the model catalog: ids, sizes, context, licence, and OpenAI's fine-tunable models."""
    from datetime import date

    from engine.catalog import OPENAI_WIND_DOWN, models as catalog_models, openai_models

    specs = catalog_models()
    if as_json:
        _print_json({"open": [s.to_dict() for s in specs], "openai": [m.to_dict() for m in openai_models()],
                     "openai_wind_down": OPENAI_WIND_DOWN.to_dict()})
        return
    table = Table(title=t("advise_cli.models.open"), title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column(t("advise_cli.models.size"), justify="right", no_wrap=True)
    table.add_column(t("advise_cli.models.ctx"), justify="right", no_wrap=True)
    table.add_column(t("advise_cli.models.licence"), overflow="ellipsis", no_wrap=True)
    for s in specs:
        # Short licence names so the table fits 80 columns; `--json` has the full text.
        licence = s.license.split(" (")[0].replace("Meta ", "").replace(" Community License", "").replace(" License", "").replace(" licence", "")
        flags = t("advise_cli.models.remote-code") if s.trust_remote_code else t("advise_cli.models.gated") if s.gated else ""
        flags += t("advise_cli.models.thinks") if s.reasoning else ""
        # Mixture of experts: total and active parameters, "30.5B (3.4B active)".
        table.add_row(s.id, s.size_label, f"{s.max_position_embeddings // 1024}k", licence + flags)
    out.print(table)
    table = Table(title=t("advise_cli.models.openai"), title_justify="left")
    table.add_column("id", no_wrap=True)
    for col in ("context", "per-example", "price", "as-of"):
        table.add_column(t(f"advise_cli.models.{col}"), justify="right")
    table.add_column(t("advise_cli.models.today"))
    for m in openai_models():
        # A model stays listed after its shut-down (ft: names made from it still resolve), marked as such.
        today = t("advise_cli.models.fine-tunable") if m.fine_tunable() else (
            f"[red]{t('advise_cli.models.shut', date=m.shut_down.value)}[/]" if m.shut_down and
            m.shut_down.value <= date.today().isoformat() else f"[yellow]{t('advise_cli.models.no-new-jobs')}[/]")
        table.add_row(m.id, f"{m.context_tokens.value:,}", f"{m.example_tokens.value:,}",
                      f"{m.training_price_per_1m.value:.2f}", m.training_price_per_1m.as_of, today)
    out.print(table)
    from tui.i18n import language
    from tui.messages import wind_down_text   # the wizard's words, in the current language
    out.print(f"[yellow]{escape(OPENAI_WIND_DOWN.sentence() if language() == 'en' else wind_down_text())}[/]",
              highlight=False)


def register(app: clikit.App) -> None:
    """Adds `hardware`, `estimate`, `advise` and `models` to the app."""
    app.command("hardware", help=hardware.__doc__)(hardware)
    app.command("estimate", help=estimate.__doc__)(estimate)
    app.command("advise", help=advise.__doc__)(advise)
    app.command("models", help=models.__doc__)(models)
