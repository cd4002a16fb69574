"""`tunewiz export RUN --merge OUT | --ollama OUT | --gguf OUT.gguf [--quant TYPE]`.

--merge: the adapter merged into its base, safetensors + tokenizer + chat template (engine.export).
--ollama: that folder as OUT/model plus OUT/Modelfile whose TEMPLATE and stop PARAMETERs come from the
model's own chat template (engine.ollama); prints the `ollama create` command.
--gguf: a GGUF file written by llama.cpp's own converter (engine.gguf_export), loaded back and compared
with the merged model; the comparison is printed and written to OUT.gguf.json.

Exit codes: 0 success; 1 the export failed on the way; 2 bad input (no such run, a template Ollama cannot
reproduce, a missing converter, a type the converter cannot write), with the reason, the code and what to
do on stderr; 130 interrupted (nothing half-written is left). torch and transformers are imported inside.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

from tui import clikit

from tui.i18n import t


def _err(message: str) -> None:
    clikit.echo(message, err=True)


def _fail(exc: Any, code: int = 2) -> "clikit.Exit":
    """The error on stderr in the current language (by its message code, engine/export_messages.py; the
    English where it has none), with its stable code in brackets."""
    from tui.messages import error_parts
    message, advice = error_parts(exc)
    tag = getattr(exc, "code", None)
    _err(f"tunewiz: {message}" + (f" [{tag}]" if tag else ""))
    if advice:
        _err(f"  {advice}")
    return clikit.Exit(code)


def progress_reporter(quiet: bool) -> tuple[Any, Any]:
    """A progress callback: a live bar on a terminal, one line per stage in logs and pipes."""
    if quiet:
        return (lambda fraction, message: None), (lambda: None)
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
        bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                       TimeElapsedColumn(), console=Console(stderr=True), transient=False)
        task = bar.add_task("export", total=1.0)
        bar.start()

        def update(fraction: float | None, message: str) -> None:
            bar.update(task, completed=fraction if fraction is not None else None, description=message[:60])

        return update, bar.stop
    shown: set[str] = set()

    def line(fraction: float | None, message: str) -> None:
        stage = message.split(":")[0].rstrip("0123456789 of")
        if stage not in shown:
            shown.add(stage)
            _err(f"[{(fraction or 0) * 100:3.0f}%] {message}")

    return line, (lambda: None)


def export(
    run: str = clikit.Argument(..., help="Run name or folder (see `tunewiz runs`).", show_default=False),
    merge: Optional[Path] = clikit.Option(None, "--merge", help="Merge the adapter into its base and write the "
                                                              "standalone model to this new folder.",
                                         show_default=False),
    ollama: Optional[Path] = clikit.Option(None, "--ollama", help="Write the merged model and an Ollama Modelfile "
                                                                "(template and stops from the model's own chat "
                                                                "template) to this new folder.", show_default=False),
    gguf: Optional[Path] = clikit.Option(None, "--gguf", help="Write a GGUF file (llama.cpp's converter), e.g. "
                                                            "exports/model-q8_0.gguf.", show_default=False),
    quant: str = clikit.Option("q8_0", "--quant", help="With --gguf: f16 | bf16 | f32 | q8_0 (the converter's "
                                                     "types); q4_k_m and other k-quants need llama-quantize."),
    no_verify: bool = clikit.Option(False, "--no-verify", help="With --gguf: skip loading the file back and "
                                                             "comparing answers."),
    name: Optional[str] = clikit.Option(None, "--name", help="With --ollama: the model name in the printed "
                                                           "`ollama create` command (default: OUT's name)."),
    base: Optional[str] = clikit.Option(None, "--base", help="The base model folder or hub id, when the run's "
                                                           "recorded base has moved."),
    checkpoint: Optional[str] = clikit.Option(None, "--checkpoint", help="Export checkpoint N instead of the final "
                                                                       "adapter."),
    dtype: str = clikit.Option("auto", "--dtype", help="auto (the base's own dtype; 16-bit for QLoRA) | bf16 | "
                                                      "fp16 | fp32"),
    force: bool = clikit.Option(False, "--force", help="Replace OUT when it is not empty."),
    as_json: bool = clikit.Option(False, "--json", help="Print one JSON object describing the export."),
    runs_dir: Optional[Path] = clikit.Option(None, "--runs-dir", help="Default: $TUNEWIZ_RUNS_DIR or ./runs"),
) -> None:
    """Export a run: --merge OUT (safetensors + tokenizer + chat template, loadable with
    AutoModelForCausalLM.from_pretrained(OUT)), --ollama OUT (that plus a Modelfile) or --gguf OUT.gguf
    (llama.cpp's converter, checked against the merged model)."""
    from engine.runs import RunNotFound, resolve_run

    chosen = [flag for flag, value in (("--merge", merge), ("--ollama", ollama), ("--gguf", gguf)) if value]
    if len(chosen) != 1:
        raise _fail(ValueError(t("export_cli.not-both", flags=" + ".join(chosen)) if chosen
                               else t("export_cli.choose-one")))
    try:
        run_dir = resolve_run(run, runs_dir)
    except RunNotFound as exc:
        raise _fail(exc)
    if gguf is not None:
        from engine.gguf_export import GGUFError, check_quant
        try:
            check_quant(quant)  # before any loading: a k-quant is refused at once, with the types there are
        except GGUFError as exc:
            raise _fail(exc)
    progress, finish = progress_reporter(quiet=False)
    try:
        if merge is not None:
            _merge(run_dir, merge, base, checkpoint, dtype, force, progress, finish, as_json)
        elif ollama is not None:
            _ollama(run_dir, ollama, base, checkpoint, dtype, force, progress, finish, as_json, name)
        else:
            _gguf(run_dir, gguf, quant, base, checkpoint, dtype, force, progress, finish, as_json, not no_verify)
    except KeyboardInterrupt:
        finish()
        _err(t("export_cli.interrupted"))
        raise clikit.Exit(130)


def _merge(run_dir: Path, out: Path, base: Optional[str], checkpoint: Optional[str], dtype: str, force: bool,
           progress: Any, finish: Any, as_json: bool) -> None:
    from engine.export import merge_adapter
    from engine.run_model import ModelLoadError
    try:
        result = merge_adapter(run_dir, out, base=base, checkpoint=checkpoint, dtype=dtype, force=force,
                               progress=progress)
    except ModelLoadError as exc:
        finish()
        raise _fail(exc)
    finish()
    _err(t("export_cli.merged", layers=result.merged_layers, dtype=result.dtype, base=result.base,
           mib=result.bytes / 2**20, seconds=result.seconds, readme=Path(result.out) / "README.md"))
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1) if as_json else result.out)


def _ollama(run_dir: Path, out: Path, base: Optional[str], checkpoint: Optional[str], dtype: str, force: bool,
            progress: Any, finish: Any, as_json: bool, name: Optional[str]) -> None:
    from engine.export import export_ollama
    from engine.run_model import ModelLoadError
    from tui.messages import message_text
    try:
        result = export_ollama(run_dir, out, base=base, checkpoint=checkpoint, dtype=dtype, force=force,
                               progress=progress, name=name)
    except ModelLoadError as exc:
        finish()
        raise _fail(exc)
    finish()
    thinking = t("export_cli.thinking." + {None: "none", True: "on", False: "off"}[result.enable_thinking])
    _err(t("export_cli.modelfile", modelfile=result.modelfile, stops=", ".join(result.stops), thinking=thinking,
           prompt=repr(result.generation_prompt)))
    for notice in result.notices:
        _err(t("export.note", text=message_text(notice["code"], notice.get("params"), notice["message"]),
               code=notice["code"]))
    _err(t("export_cli.create"))
    if as_json:
        _err(f"  {result.create_command}")
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(result.create_command)


def _gguf(run_dir: Path, out: Path, quant: str, base: Optional[str], checkpoint: Optional[str], dtype: str,
          force: bool, progress: Any, finish: Any, as_json: bool, check: bool) -> None:
    from engine.gguf_export import export_gguf, summary
    from engine.run_model import ModelLoadError
    try:
        result = export_gguf(run_dir, out, quant=quant, base=base, checkpoint=checkpoint, dtype=dtype, force=force,
                             progress=progress, check=check)
    except ModelLoadError as exc:
        finish()
        raise _fail(exc)
    finish()
    _err(t("export_cli.gguf-done", quant=result.quant, mib=result.bytes / 2**20, seconds=result.seconds,
           summary=summary(result), details=f"{result.out}.json"))
    if result.verified and not result.tokens_equal:
        _err(t("export_cli.drift"))
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1) if as_json else result.out)


def register(app: clikit.App) -> None:
    """Adds `export` to the app."""
    app.command("export", help=export.__doc__)(export)
