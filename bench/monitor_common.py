"""Shared pieces of the monitor benchmarks: the real app in a pseudo-terminal, what it draws with
timestamps, its CPU time, and the synthetic run writer of the tests.

The app runs exactly as a user starts it (its own process, a real terminal of a given size); the
benchmark reads the terminal's output stream, strips the escape sequences and notes when a piece
of text first appears, so "on screen" means "written to the terminal"."""
from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the synthetic run writer lives with the tests
sys.path.insert(0, str(REPO / "src"))

from monitor_synth import SyntheticRun, write_long_run  # noqa: E402,F401

APP_SCRIPT = """
import json, sys
from pathlib import Path
from tui.app import TunewizApp
args = json.loads(sys.argv[1])
TunewizApp(lang=args.get("lang", "en"), runs_dir=Path(args["runs_dir"]), start=args["start"],
           start_args=args.get("start_args") or {}).run()
"""
_ANSI = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|P[^\x1b]*\x1b\\|[()][0-9A-Za-z]|[=>78M])")
CLK_TCK = os.sysconf("SC_CLK_TCK")


class PtyApp:
    """The tunewiz app in a pseudo-terminal of `size`; `wait_for(text)` returns when it was drawn."""

    def __init__(self, runs_dir: Path, start: str, start_args: dict | None = None, size: tuple[int, int] = (120, 40),
                 lang: str = "en", env: dict | None = None) -> None:
        master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        args = {"runs_dir": str(runs_dir), "start": start, "start_args": start_args or {}, "lang": lang}
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-c", APP_SCRIPT, json.dumps(args)], stdin=slave, stdout=slave, stderr=slave,
            start_new_session=True, cwd=str(REPO),
            env={**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(REPO / "src"), **(env or {})})
        os.close(slave)
        self.master = master
        self._text = bytearray()        # everything drawn, escape sequences removed
        self._marks: list[tuple[int, float]] = []  # (length of _text after a chunk, when it arrived)
        self._tail = b""
        self.keep = True       # False: read and drop what is drawn (cheapest possible terminal)
        self.bytes_read = 0
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.master, 1 << 16)
            except OSError:
                return
            if not data:
                return
            self.bytes_read += len(data)
            if not self.keep:  # a terminal that only displays: nothing to search for
                continue
            now = time.monotonic()
            data = self._tail + data
            # An escape sequence cut at the chunk's end waits for the next chunk.
            cut = data.rfind(b"\x1b")
            if cut != -1 and len(data) - cut < 32 and not _ANSI.match(data, cut):
                data, self._tail = data[:cut], data[cut:]
            else:
                self._tail = b""
            plain = _ANSI.sub(b"", data)
            with self._lock:
                self._text.extend(plain)
                self._marks.append((len(self._text), now))

    def position(self) -> int:
        with self._lock:
            return len(self._text)

    def find(self, needle: str, since: int = 0) -> float | None:
        """When `needle` was first drawn at or after text position `since` (None: not yet)."""
        raw = needle.encode()
        with self._lock:
            index = self._text.find(raw, since)
            if index < 0:
                return None
            end = index + len(raw)
            for length, when in self._marks:
                if length >= end:
                    return when
        return None

    def wait_for(self, needle: str, since: int = 0, timeout: float = 10.0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            when = self.find(needle, since)
            if when is not None:
                return when
            time.sleep(0.005)
        raise TimeoutError(f"{needle!r} not drawn within {timeout} s")

    def press(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def close(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.close(self.master)
        except OSError:
            pass


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def verdict(ok: bool) -> str:
    return "meets the target" if ok else "MISSES the target"
