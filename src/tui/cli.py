"""The `tunewiz` command line. Typer gives typed options and rich help for free.

`tunewiz` with no command opens the app. Each group of commands lives in
`tui/commands/<group>.py` and exposes `register(app)`. Those modules import only light things at
the top; torch and transformers are imported inside the commands that need them, so
`tunewiz --help` stays fast.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Optional

import typer

COMMAND_MODULES = ("train", "data", "advise", "watch", "chat", "openai", "export", "serve")

app = typer.Typer(
    name="tunewiz",
    help="From 'should I fine-tune at all?' to a tested LLM adapter, in the terminal. "
         "Run without a command to open the app.",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    lang: Optional[str] = typer.Option(None, "--lang", help="en or zh (default: $TUNEWIZ_LANG, else the locale)."),
    runs_dir: Optional[Path] = typer.Option(None, "--runs-dir", help="Where runs live (default: $TUNEWIZ_RUNS_DIR or ./runs)."),
) -> None:
    if ctx.invoked_subcommand is None:
        from tui.app import run_app
        run_app(lang=lang, runs_dir=runs_dir)


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"tui.commands.{_name}")
    except ModuleNotFoundError as _exc:  # a command group not written yet
        if _exc.name != f"tui.commands.{_name}":
            raise
        continue
    _module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
