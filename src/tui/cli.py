"""The `tunewiz` command line. Typer gives typed options and rich help for free.

Each group of commands lives in `tui/commands/<group>.py` and exposes `register(app)`. Those modules
import only light things at the top; torch and transformers are imported inside the commands that
need them, so `tunewiz --help` stays fast.
"""
from __future__ import annotations

import importlib

import typer

COMMAND_MODULES = ("train", "data", "advise")

app = typer.Typer(
    name="tunewiz",
    help="From 'should I fine-tune at all?' to a tested LLM adapter, in the terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"tui.commands.{_name}").register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
