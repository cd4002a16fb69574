"""Start-up stays light: `tunewiz --help` never imports torch or transformers, and the engine never
imports textual (harlequin's import-hygiene test, adapted)."""
from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import engine
import tui

HEAVY = ("torch", "transformers", "trl", "peft", "datasets")


def imported_modules(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_help_does_not_import_heavy_libraries():
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "tui.cli", "--help"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and "train" in result.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert not imported & set(HEAVY), imported & set(HEAVY)


ENGINE_MODULES = sorted(m.name for m in pkgutil.walk_packages(engine.__path__, "engine."))
TUI_MODULES = sorted(m.name for m in pkgutil.walk_packages(tui.__path__, "tui."))


def test_every_engine_module_stays_headless_and_light():
    # One interpreter per module would take a minute; importing them all in one is the stricter check.
    modules = imported_modules("\n".join(f"import {m}" for m in ENGINE_MODULES))
    assert "textual" not in modules
    assert not modules & set(HEAVY), modules & set(HEAVY)


def test_the_app_and_every_screen_import_without_torch():
    modules = imported_modules("\n".join(f"import {m}" for m in TUI_MODULES))
    assert "textual" in modules
    assert not modules & set(HEAVY), modules & set(HEAVY)


def test_the_import_contract_holds():
    # pyproject.toml's [tool.importlinter]: tui above engine, the engine never imports textual, wizard
    # steps import only base/texts/state (never each other nor the flow). --no-cache: write nothing.
    lint_imports = Path(sys.executable).with_name("lint-imports")
    assert lint_imports.is_file(), f"{lint_imports} is missing: pip install -e '.[test]' installs import-linter"
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=Path(__file__).resolve().parents[1],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
