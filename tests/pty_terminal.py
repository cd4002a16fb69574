"""A real terminal for tests: a command on a pseudo-terminal, as the leader of its own session with
the pty as its controlling terminal — what `ssh box COMMAND` or a terminal window gives a program.

Ctrl-C is the byte 0x03 written to the master (the kernel turns it into SIGINT for the terminal's
foreground process group); closing the master hangs the terminal up (SIGHUP), as an SSH drop does.
Stdlib only (`os.openpty`), so the test extra needs no terminal emulator.
"""
from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from typing import Sequence

# Runs in the child after `start_new_session` made it a session leader: take the pty (stdin) as the
# controlling terminal, then become the command (same pid). A launcher rather than `preexec_fn`,
# which is unsafe when the test process has threads (torch's).
_TAKE_TERMINAL_THEN_EXEC = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); os.execvp(sys.argv[1], sys.argv[1:])"
)

# CSI (colours, cursor moves, erase), OSC (titles, links) and two-byte escapes: what a screen does, not shows.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def plain_text(raw: bytes) -> str:
    """What the bytes a program wrote to a terminal say, without escape sequences or carriage returns."""
    return _ESCAPES.sub("", raw.decode("utf-8", "replace")).replace("\r", "")


_CONTROL = re.compile(r"\x1b\[([0-?]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\r|\n|\x07|\x08")


def screen_lines(raw: bytes, columns: int) -> list[str]:
    """The screen a terminal `columns` wide shows after `raw`, line by line (trailing blanks cut).

    Enough of a VT100 for what rich writes: text with automatic wrapping, CR, LF, backspace, cursor
    up, down, forward, back, to a column, and line erasure; colours and cursor visibility show
    nothing. Any other control sequence fails the test, so a change in what rich sends is seen, not
    silently mis-drawn. Every character counts one column (the tests draw no wide ones)."""
    rows: list[list[str]] = [[]]
    row = col = 0
    pending_wrap = False  # a character in the last column leaves the cursor there until the next one

    def put(char: str) -> None:
        nonlocal row, col, pending_wrap
        if pending_wrap:
            row, col, pending_wrap = row + 1, 0, False
            while len(rows) <= row:
                rows.append([])
        line = rows[row]
        line.extend(" " * (col + 1 - len(line)))
        line[col] = char
        if col == columns - 1:
            pending_wrap = True
        else:
            col += 1

    text = raw.decode("utf-8", "replace")
    position = 0
    for match in _CONTROL.finditer(text):
        for char in text[position:match.start()]:
            put(char)
        position = match.end()
        token, final, params = match.group(0), match.group(2), match.group(1)
        if token == "\r":
            col, pending_wrap = 0, False
        elif token == "\n":
            row, pending_wrap = row + 1, False
            while len(rows) <= row:
                rows.append([])
        elif token == "\x08":
            col, pending_wrap = max(0, col - 1), False
        elif token == "\x07" or token.startswith("\x1b]") or final == "m" or params in ("?25", "?25l", "?25h"):
            pass  # bell, titles, colours, cursor shown or hidden
        elif final in "ABCDG":
            count = int(params or 1)
            if final == "A":
                row = max(0, row - count)
            elif final == "B":
                row += count
                while len(rows) <= row:
                    rows.append([])
            elif final == "C":
                col = min(columns - 1, col + count)
            elif final == "D":
                col = max(0, col - count)
            else:
                col = min(columns, count) - 1
            pending_wrap = False
        elif final == "K":
            line = rows[row]
            if params in ("", "0"):
                del line[col:]
            elif params == "1":
                line[:col + 1] = [" "] * min(len(line), col + 1)
            else:
                line.clear()
        else:
            raise AssertionError(f"screen_lines: no support for the control sequence {token!r}")
    for char in text[position:]:
        put(char)
    lines = ["".join(line).rstrip() for line in rows]
    while lines and not lines[-1]:
        lines.pop()
    return lines


class Terminal:
    def __init__(self, argv: Sequence[str], columns: int = 100, rows: int = 30, env: dict | None = None,
                 cwd: str | os.PathLike | None = None, sigint_ignored: bool = False) -> None:
        """`sigint_ignored`: start the program with SIGINT ignored, as a shell's background job (or a CI
        runner started that way) passes it on."""
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        environment = {**os.environ, "TERM": "xterm-256color", **(env or {})}
        for name in ("COLUMNS", "LINES"):  # the program must learn its size from the terminal
            environment.pop(name, None)
        take = ("import signal; signal.signal(signal.SIGINT, signal.SIG_IGN)\n" if sigint_ignored else "") \
            + _TAKE_TERMINAL_THEN_EXEC
        self.process = subprocess.Popen([sys.executable, "-c", take, *argv],
                                        stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                                        env=environment, cwd=cwd)
        os.close(slave)
        self.master: int | None = master
        self.columns = columns
        self._raw = bytearray()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        # Drain the master all along: a program blocks once the pty's small buffer is full.
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        while not self._closing.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: every process has closed the slave
                return
            if not chunk:
                return
            with self._lock:
                self._raw += chunk

    @property
    def raw(self) -> bytes:
        with self._lock:
            return bytes(self._raw)

    def text(self) -> str:
        return plain_text(self.raw)

    def screen(self) -> list[str]:
        """What the terminal shows now, line by line (see `screen_lines`)."""
        return screen_lines(self.raw, self.columns)

    def wait_for(self, needle: str, timeout: float = 60) -> str:
        """Waits until the screen output contains `needle`; returns the whole text so far."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if needle in text:
                return text
            if self.process.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} never appeared on the terminal; it shows:\n{self.text()}")

    def press_ctrl_c(self) -> None:
        os.write(self.master, b"\x03")

    def wait(self, timeout: float = 60) -> int:
        """Waits for the program to exit; returns its exit code, with the output read to the end."""
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    def hang_up(self) -> None:
        """Closes the terminal: the master's last descriptor goes, the kernel hangs up the session."""
        self._closing.set()
        self._reader.join(timeout=5)
        if self.master is not None:
            os.close(self.master)
            self.master = None

    def close(self) -> None:
        """Teardown: hangs up, and kills the program if it is still there."""
        self.hang_up()
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
