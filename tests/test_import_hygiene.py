"""Start-up stays light: `tunewiz --help` never imports torch or transformers, and the engine never
imports textual (harlequin's import-hygiene test, adapted)."""
from __future__ import annotations

import subprocess
import sys

import pytest

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


@pytest.mark.parametrize("module", ["engine.events", "engine.runs", "engine.launch", "engine.train.config",
                                    "engine.train.run", "engine.demo", "engine.data.formats"])
def test_engine_modules_stay_headless_and_light(module):
    modules = imported_modules(f"import {module}")
    assert "textual" not in modules
    assert not modules & set(HEAVY), modules & set(HEAVY)
