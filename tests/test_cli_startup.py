"""`tunewiz COMMAND` imports only the command module it runs (start-up time: a lint of a small file is
mostly start-up), while `tunewiz --help`, an unknown command and `from tui.cli import app` see every command."""
from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import tui.cli as cli
from tui import clikit

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data" / "support_openai.jsonl"


def _names(app: clikit.App) -> list[str]:
    return list(app.commands) + list(app.groups)


def _module_names() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in cli.COMMAND_MODULES:
        try:
            module = importlib.import_module(f"tui.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"tui.commands.{name}":
                raise
            continue
        one = clikit.App()
        module.register(one)
        out[name] = _names(one)
    return out


def test_the_command_table_names_the_module_of_every_command():
    per_module = _module_names()
    owners: dict[str, list[str]] = {}
    for module, names in per_module.items():
        for n in names:
            owners.setdefault(n, []).append(module)
    for name, home in cli.COMMAND_HOME.items():
        # A command several modules register (the last wins in the full app) must not be in the table.
        assert owners.get(name) == [home], f"{name!r}: registered by {owners.get(name)}, table says {home!r}"
    # Every command of a single module is in the table (a missing one would still work, only slower), but for
    # one named like a module of COMMAND_MODULES that is not written yet (its command will move there).
    planned = set(cli.COMMAND_MODULES) - set(per_module)
    missing = sorted(n for n, mods in owners.items() if len(mods) == 1 and n not in cli.COMMAND_HOME
                     and n not in planned)
    assert not missing, missing


def test_the_command_word_is_found_after_the_root_options():
    assert cli.invoked_command(["lint", "f.jsonl"]) == "lint"
    assert cli.invoked_command(["--lang", "zh", "lint", "f.jsonl"]) == "lint"
    assert cli.invoked_command(["--runs-dir", "lint", "train", "c.yaml"]) == "train"
    assert cli.invoked_command(["--lang=zh", "models"]) == "models"
    assert cli.invoked_command(["--help", "lint"]) is None
    assert cli.invoked_command([]) is None


def _modules_after(*argv: str) -> tuple[int, str, set[str]]:
    code = ("import sys; from tui.cli import main\n"
            f"sys.argv = ['tunewiz', *{list(argv)!r}]\n"
            "try:\n    main()\nexcept SystemExit as e:\n    rc = e.code or 0\nelse:\n    rc = 0\n"
            "sys.stdout.flush(); print('\\n@@' + repr(rc) + '@@' + ' '.join(sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120).stdout
    body, _, tail = out.rpartition("\n@@")
    rc, _, modules = tail.partition("@@")
    return int(rc), body, set(modules.split())


def test_lint_imports_only_its_own_command_module_and_reports_as_before():
    rc, out, modules = _modules_after("lint", str(SAMPLE), "--json", "--no-tokenizer")
    assert rc in (0, 1)
    report = json.loads(out)
    assert report["rows"] > 0 and report["format"] == "openai"
    commands = {m for m in modules if m.startswith("tui.commands.")}
    assert commands == {"tui.commands.data"}, commands
    # the same report as through the app with every command registered (in this process)
    from cli_runner import CliRunner
    full = CliRunner().invoke(cli.app, ["lint", str(SAMPLE), "--json", "--no-tokenizer"])
    timing = ("seconds", "scan_mb_per_s")
    other = json.loads(full.stdout)
    assert {k: v for k, v in report["stats"].items() if k not in timing} == \
        {k: v for k, v in other["stats"].items() if k not in timing}
    assert report["findings"] == other["findings"]


def test_chinese_output_of_the_plain_commands_does_not_import_the_app():
    # (the wind-down note of `lint --target openai` and `models` is the wizard's text: it once came with Textual)
    for argv in (("--lang", "zh", "lint", str(SAMPLE), "--target", "openai", "--no-tokenizer"),
                 ("--lang", "zh", "models")):
        rc, out, modules = _modules_after(*argv)
        assert rc in (0, 1) and "OpenAI" in out, out[-2000:]
        assert not {m for m in modules if m.split(".")[0] == "textual" or m.startswith("tui.screens")}, argv


def test_help_and_unknown_commands_still_see_every_command():
    rc, out, modules = _modules_after("--help")
    assert rc == 0
    for name in ("train", "lint", "models", "watch", "chat", "openai"):
        assert f" {name} " in out, name
    rc, _, modules = _modules_after("no-such-command")
    assert rc == 2
    assert {"tui.commands.train", "tui.commands.data", "tui.commands.advise"} <= modules
    assert "lint" in _names(cli.app) and "train" in _names(cli.app)
