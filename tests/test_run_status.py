"""status.json has one schema (engine.runs.RunStatus): what is written keeps to it, and the README
documents it."""
from __future__ import annotations

import ast
import json
import re

import pytest

from engine import runs


def test_write_status_refuses_a_field_runstatus_does_not_declare(tmp_path):
    runs.write_status(tmp_path, state="running", pid=1, step=3)
    before = (tmp_path / runs.STATUS_FILE).read_text()
    with pytest.raises(TypeError, match="lastloss"):
        runs.write_status(tmp_path, state="running", lastloss=1.0)  # a typo: a programmer error
    assert (tmp_path / runs.STATUS_FILE).read_text() == before  # nothing half-written
    status = runs.write_status(tmp_path, last_loss=1.5)
    assert (status["state"], status["step"], status["last_loss"]) == ("running", 3, 1.5)
    assert runs.read_status(tmp_path) == status and isinstance(status["updated_at"], float)


def test_every_status_write_in_the_engine_names_declared_fields_and_every_field_is_written(repo):
    """Static: the keyword names of each `write_status(...)` and `ctx.status(...)` call in src/engine
    are RunStatus fields, and each field RunStatus declares is written somewhere (no stale field)."""
    written: set[str] = set()
    for path in sorted((repo / "src" / "engine").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name not in ("write_status", "status"):
                continue
            for keyword in node.keywords:
                if keyword.arg is not None:
                    assert keyword.arg in runs.STATUS_FIELDS, f"{path}: status.json gets {keyword.arg}, not in RunStatus"
                    written.add(keyword.arg)
    assert written == runs.STATUS_FIELDS - {"updated_at"}  # updated_at: write_status sets it itself


def test_the_readme_documents_every_status_field(repo):
    readme = (repo / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### The run directory"):]
    section = section[:section.index("\n## ")]
    documented = set(re.findall(r"`([a-z_]+)`", section))
    assert runs.STATUS_FIELDS <= documented, sorted(runs.STATUS_FIELDS - documented)
    assert "src/engine/events.py" in section and "src/engine/runs.py" in section


def test_a_hostile_status_file_reads_as_missing_and_runs_still_lists(tmp_path, monkeypatch):
    # Binary, a JSON list, and nesting deeper than Python's json can recurse: `tunewiz runs` must list
    # every run (state from what else it knows), never a traceback.
    from cli_runner import CliRunner

    from engine.runs import read_status
    from tui.cli import app
    contents = {"binary": b"\x00\xff\xfe binary", "list": b"[1, 2, 3]",
                "deep": b'{"state": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"}
    for name, raw in contents.items():
        run = tmp_path / name
        run.mkdir()
        (run / "config.yaml").write_text("model: demo\n")
        (run / "status.json").write_bytes(raw)
        assert read_status(run) is None, name
    monkeypatch.setenv("TUNEWIZ_RUNS_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["runs", "--json"])
    assert result.exit_code == 0, result.output
    assert sorted(r["name"] for r in json.loads(result.stdout)) == sorted(contents)
