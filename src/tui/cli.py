"""The `tunewiz` command line: typed options declared in each command's signature, parsed by argparse
(tui/clikit.py says why not Typer).

`tunewiz` with no command opens the app. Each group of commands lives in
`tui/commands/<group>.py` and exposes `register(app)`. Those modules import only light things at
the top; torch and transformers are imported inside the commands that need them, so
`tunewiz --help` stays fast.
"""
from __future__ import annotations

import engine.cpu_busy  # noqa: F401  (first: its CPU sample at start-up is what `tunewiz lint` plans workers by)
import importlib
import sys
from pathlib import Path
from typing import Optional

from tui import clikit

COMMAND_MODULES = ("train", "data", "advise", "watch", "chat", "openai", "export", "serve")

_app = clikit.App(
    name="tunewiz",
    help="From 'should I fine-tune at all?' to a tested LLM adapter, in the terminal. "
         "Run without a command to open the app.",
)


@_app.callback()
def root(
    ctx: clikit.Context,
    lang: Optional[str] = clikit.Option(None, "--lang", help="en or zh (default: $TUNEWIZ_LANG, else the locale)."),
    runs_dir: Optional[Path] = clikit.Option(None, "--runs-dir", help="Where runs live (default: $TUNEWIZ_RUNS_DIR or ./runs)."),
) -> None:
    if ctx.invoked_subcommand is None:
        from tui.app import run_app
        run_app(lang=lang, runs_dir=runs_dir)
        return
    # The plain-text commands say the engine's coded messages (findings, config problems) in this language too.
    from tui.i18n import detect_language, set_language
    set_language(detect_language(lang)[0])


# The command (or group) each module of COMMAND_MODULES registers, so that `tunewiz lint ...` imports only
# tui.commands.data and not every group (start-up time). A name missing here still works: every module is
# then registered, as for `tunewiz --help`. tests/test_cli_startup.py checks this table against what the
# modules register.
COMMAND_HOME = {
    "train": "train", "runs": "train", "stop": "train", "resume": "train",
    "lint": "data",
    "hardware": "advise", "estimate": "advise", "advise": "advise", "models": "advise",
    "watch": "watch",
    "chat": "chat",
    "export": "export",
    "openai": "openai",
    "serve": "serve",
}
# Options of the root callback that take a value (the command name is the first word after them).
ROOT_VALUE_OPTIONS = ("--lang", "--runs-dir")
_registered: set[str] = set()


def register(modules: tuple[str, ...] = COMMAND_MODULES) -> clikit.App:
    """Registers these command modules (by default all of them) on the app, each once; returns the app."""
    for name in modules:
        if name in _registered:
            continue
        _registered.add(name)
        try:
            module = importlib.import_module(f"tui.commands.{name}")
        except ModuleNotFoundError as exc:  # a command group not written yet
            if exc.name != f"tui.commands.{name}":
                raise
            continue
        module.register(_app)
    return _app


def invoked_command(argv: list[str]) -> str | None:
    """The command word of a `tunewiz` command line (None: none, or a help option comes first)."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in ("-h", "--help"):
            return None
        elif word in ROOT_VALUE_OPTIONS:
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def __getattr__(name: str) -> clikit.App:
    # `from tui.cli import app` (tests, other tools) gets the app with every command registered.
    if name == "app":
        return register()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def requested_language(argv: list[str]) -> str | None:
    """The value of the root's --lang (given before the command word), if any."""
    for i, word in enumerate(argv):
        if word == "--lang":
            return argv[i + 1] if i + 1 < len(argv) else None
        if word.startswith("--lang="):
            return word.partition("=")[2]
        if not word.startswith("-") and (i == 0 or argv[i - 1] not in ROOT_VALUE_OPTIONS):
            return None   # the command word: a later --lang is the command's own (serve's)
    return None


def help_language(argv: list[str]) -> None:
    """Sets the language of --help and of the commands' descriptions: --lang, else $TUNEWIZ_LANG, else the locale."""
    from tui.i18n import detect_language
    if detect_language(requested_language(argv))[0] == "zh":
        from tui.i18n.cli_help import HELP_ZH
        clikit.set_help_translations(HELP_ZH)
    else:
        clikit.set_help_translations(None)


def main(argv: list[str] | None = None) -> None:
    """The `tunewiz` entry point: registers only the module of the command being run (all for help or an
    unknown word), then runs it, its help in the user's language."""
    args = sys.argv[1:] if argv is None else argv
    home = COMMAND_HOME.get(invoked_command(args) or "")
    register((home,) if home else COMMAND_MODULES)
    help_language(args)
    if argv is None:
        _app()
    else:
        _app(args=argv)


if __name__ == "__main__":
    main()
