"""Runs the `tunewiz` command line in this process, stdout and stderr apart (what Typer's CliRunner did for the
tests before the command line moved to argparse: tui/clikit.py)."""
from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass
from typing import Any


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class CliRunner:
    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = env or {}

    def invoke(self, app: Any, args: list[str], catch_exceptions: bool = True,
               env: dict[str, str] | None = None, input: str = "") -> Result:
        """Runs `app(args=args)` with `input` as stdin, stdout and stderr captured (each with a bytes `buffer`, as a
        terminal's has) and `env` set; returns the exit code and what was printed."""
        variables = {**self.env, **(env or {})}
        saved_env = {k: os.environ.get(k) for k in variables}
        saved_io = sys.stdin, sys.stdout, sys.stderr
        out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
        # (as a terminal's: Python's stderr writes what UTF-8 cannot hold as escapes, its stdout refuses it)
        err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace", write_through=True)
        code, exception = 0, None
        try:
            os.environ.update(variables)
            sys.stdin, sys.stdout, sys.stderr = io.StringIO(input), out, err
            try:
                app(args=list(args))
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
            except Exception as exc:  # noqa: BLE001 - returned (or raised) as the test asks
                if not catch_exceptions:
                    raise
                code, exception = 1, exc
        finally:
            sys.stdin, sys.stdout, sys.stderr = saved_io
            for k, v in saved_env.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        return Result(code, _text(out), _text(err), exception)


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    return stream.buffer.getvalue().decode("utf-8", "replace")  # type: ignore[attr-defined]
