"""A real SSH session for tests: an asyncssh server on 127.0.0.1 (a random port, in the test process) and an
asyncssh client, with what the client receives rendered through a terminal emulator (pyte).

The server does what sshd does for `ssh -t box COMMAND` (or a plain `ssh box`): it checks the client's
key against its authorized keys, gives the session a pseudo-terminal of the size and type the client
asked for, and runs the command through `/bin/sh -c` (no command: an interactive shell) as the leader of
its own session with that pty as the controlling terminal. Bytes go both ways unchanged; a window-size
change from the client resizes the pty (SIGWINCH); when the connection goes, the pty's master is closed,
so the kernel hangs the session up (SIGHUP), as sshd does when a link drops.

Keys (host and client) are thrown away with the test session. The client checks the server's host key
(a known_hosts entry for this key only), as `ssh` does with StrictHostKeyChecking.
"""
from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Callable, Mapping

import asyncssh
import pyte

USER = "tester"
SHELL = shutil.which("bash") or "/bin/sh"  # a login shell; bash, like sshd's usual one, execs a lone command
VENV_BIN = str(Path(sys.executable).parent)  # where the `tunewiz` console script is

# Runs in the child after `start_new_session` made it a session leader: take the pty (stdin) as the
# controlling terminal, then become the command (same pid). Not `preexec_fn`: the test process has threads.
TAKE_TERMINAL_THEN_EXEC = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); os.execvp(sys.argv[1], sys.argv[1:])"
)

# What a key sends on an xterm (Textual reads these); ctrl+<letter> is the letter's control code.
KEYS: dict[str, bytes] = {
    "enter": b"\r", "tab": b"\t", "shift+tab": b"\x1b[Z", "escape": b"\x1b", "backspace": b"\x7f",
    "up": b"\x1b[A", "down": b"\x1b[B", "right": b"\x1b[C", "left": b"\x1b[D", "home": b"\x1b[H", "end": b"\x1b[F",
}


def key_bytes(key: str) -> bytes:
    """The bytes a terminal sends for `key` (a name in KEYS, ctrl+<letter>, or text typed as is)."""
    if key in KEYS:
        return KEYS[key]
    if key.startswith("ctrl+") and len(key) == 6 and key[5].isalpha():
        return bytes([ord(key[5].lower()) - ord("a") + 1])
    return key.encode()


def set_size(fd: int, columns: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


class SshServer:
    """An SSH server on 127.0.0.1 that runs each session's command on a pty. `env`: the environment the
    commands get on top of this process's (a login's variables: TUNEWIZ_RUNS_DIR, HOME, ...)."""

    def __init__(self, env: Mapping[str, str] | None = None, cwd: str | os.PathLike | None = None) -> None:
        self.env = dict(env or {})
        self.cwd = str(cwd) if cwd else None
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.client_key = asyncssh.generate_private_key("ssh-ed25519")
        self.port = 0
        self.sessions: list[subprocess.Popen] = []  # every command started, for the test to inspect or end
        self._server: asyncssh.SSHAcceptor | None = None

    async def start(self) -> "SshServer":
        authorized = asyncssh.import_authorized_keys(self.client_key.export_public_key().decode())
        self._server = await asyncssh.create_server(
            asyncssh.SSHServer, "127.0.0.1", 0, server_host_keys=[self.host_key],
            authorized_client_keys=authorized, process_factory=self._session, encoding=None,
            password_auth=False, kbdint_auth=False)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        for process in self.sessions:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _session(self, process: asyncssh.SSHServerProcess) -> None:
        loop = asyncio.get_running_loop()
        term_type = process.get_terminal_type()
        if term_type is None:  # `ssh -T`: this server only serves terminals
            process.stderr.write(b"this test server needs a pty (ssh -t)\r\n")
            process.exit(1)
            return
        columns, rows = process.get_terminal_size()[:2]
        master, slave = os.openpty()
        set_size(slave, columns, rows)
        env = {**os.environ, **self.env, "TERM": term_type, "PATH": VENV_BIN + os.pathsep + os.environ.get("PATH", ""),
               **{k: v for k, v in (process.env or {}).items() if isinstance(k, str)}}
        for name in ("COLUMNS", "LINES", "PYTEST_CURRENT_TEST"):  # the program learns its size from the pty
            env.pop(name, None)
        shell = [SHELL, "-c", process.command] if process.command else [SHELL, "-i"]
        child = subprocess.Popen([sys.executable, "-c", TAKE_TERMINAL_THEN_EXEC, *shell], stdin=slave, stdout=slave,
                                 stderr=slave, start_new_session=True, env=env, cwd=self.cwd)
        os.close(slave)
        self.sessions.append(child)
        output_done = asyncio.Event()

        def readable() -> None:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every process closed the pty
                data = b""
            if not data:
                loop.remove_reader(master)
                output_done.set()
                return
            try:
                process.stdout.write(data)
            except (asyncssh.Error, OSError, BrokenPipeError):  # the channel went: nobody reads any more
                loop.remove_reader(master)
                output_done.set()

        loop.add_reader(master, readable)

        async def pump_input() -> None:
            while True:
                try:
                    data = await process.stdin.read(65536)
                except asyncssh.TerminalSizeChanged as change:
                    set_size(master, change.width, change.height)
                    continue
                except (asyncssh.Error, OSError, BrokenPipeError):
                    return
                if not data:
                    return
                os.write(master, data)

        pump = asyncio.ensure_future(pump_input())
        done, _ = await asyncio.wait([pump, asyncio.ensure_future(output_done.wait())],
                                     return_when=asyncio.FIRST_COMPLETED)
        if pump in done and not output_done.is_set():  # the client went away: hang the terminal up
            loop.remove_reader(master)
        else:
            pump.cancel()
        os.close(master)
        code = await loop.run_in_executor(None, _wait_or_none, child, 10)
        try:
            if code is not None and code < 0:  # killed by a signal: say which, as sshd does (exit-signal)
                process.exit_with_signal(signal.Signals(-code).name[3:])
            else:
                process.exit(code if code is not None else 255)
        except (asyncssh.Error, OSError):
            pass


def _wait_or_none(child: subprocess.Popen, timeout: float) -> int | None:
    try:
        return child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


class SshTerminal:
    """The user's side: `ssh -t 127.0.0.1 COMMAND` in a terminal `columns` x `rows`, which is a pyte
    screen: `lines()` is what the user sees now."""

    def __init__(self, server: SshServer, command: str | None, columns: int = 80, rows: int = 24) -> None:
        self.server = server
        self.command = command
        self.columns, self.rows = columns, rows
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.connection: asyncssh.SSHClientConnection | None = None
        self.process: asyncssh.SSHClientProcess | None = None
        self._reader: asyncio.Task | None = None

    async def open(self) -> "SshTerminal":
        known = asyncssh.import_known_hosts(
            f"[127.0.0.1]:{self.server.port} {self.server.host_key.export_public_key().decode().strip()}\n")
        self.connection = await asyncssh.connect(
            "127.0.0.1", self.server.port, username=USER, client_keys=[self.server.client_key], known_hosts=known,
            agent_path=None, config=[])
        self.process = await self.connection.create_process(
            self.command, term_type="xterm-256color", term_size=(self.columns, self.rows), encoding=None)
        self._reader = asyncio.ensure_future(self._read())
        return self

    async def _read(self) -> None:
        while True:
            try:
                data = await self.process.stdout.read(65536)
            except (asyncssh.Error, OSError):
                return
            if not data:
                return
            self.raw += data
            self.stream.feed(data)

    def lines(self) -> list[str]:
        """The screen now, row by row (trailing blanks cut)."""
        return [line.rstrip() for line in self.screen.display]

    def text(self) -> str:
        return "\n".join(self.lines())

    async def press(self, *keys: str, pause: float = 0.2) -> None:
        """Presses keys (see `key_bytes`) one by one, with a pause after each, as a user's keystrokes
        arrive (a burst of them in one packet can land before the screen they are meant for)."""
        for key in keys:
            self.process.stdin.write(key_bytes(key))
            await asyncio.sleep(pause)

    async def type(self, text: str, pause: float = 0.02) -> None:
        """Types text into whatever has the focus, a key at a time."""
        for char in text:
            self.process.stdin.write(char.encode())
            await asyncio.sleep(pause)
        await asyncio.sleep(0.2)

    async def paste(self, text: str) -> None:
        """Pastes text, as a terminal does with bracketed paste (what a user does with a long path)."""
        self.process.stdin.write(b"\x1b[200~" + text.encode() + b"\x1b[201~")
        await asyncio.sleep(0.2)

    def highlighted_rows(self) -> list[int]:
        """The rows of a bordered list drawn on another background than its border on the same row: the
        highlight bar, as the eye sees it."""
        rows = []
        for y, line in enumerate(self.lines()):
            border = line.find("│")
            if 0 <= border < len(line) - 2:
                row = self.screen.buffer[y]
                if row[border + 2].bg != row[border].bg:
                    rows.append(y)
        return rows

    async def choose(self, label: str, tries: int = 15) -> None:
        """Moves a list's highlight down to the row showing `label` (it must be on screen), then Enter.
        Each step waits for the highlight to be drawn where it moved, so no key is pressed blind."""
        for _ in range(tries):
            before = await self._wait_for_value(self.highlighted_rows, 10, "a highlighted row")
            if any(label in self.lines()[y] for y in before):
                await self.press("enter")
                return
            await self.press("down", pause=0)
            await self._wait_for_value(lambda: (rows := self.highlighted_rows()) and rows != before and rows, 10,
                                       "the highlight to move")
        raise AssertionError(f"{label!r} never got the highlight; the screen shows:\n{self.text()}")

    async def _wait_for_value(self, probe: Callable[[], object], timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = probe()
            if value:
                return value
            await asyncio.sleep(0.05)
        raise AssertionError(f"{what} never appeared over SSH; the screen shows:\n{self.text()}")

    async def wait_for(self, condition: str | Callable[[str], object], timeout: float = 30, what: str = "") -> str:
        """Waits until the screen shows `condition` (a string, or a test on the screen's text); returns the text."""
        test = (lambda text: condition in text) if isinstance(condition, str) else condition
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if test(text):
                return text
            if self._reader is not None and self._reader.done():
                break
            await asyncio.sleep(0.1)
        raise AssertionError(f"{what or repr(condition)} never appeared over SSH; the screen shows:\n{self.text()}")

    async def exit_status(self, timeout: float = 30) -> int | None:
        await asyncio.wait_for(self.process.wait_closed(), timeout)
        if self._reader is not None:
            await asyncio.wait_for(self._reader, 5)
        return self.process.exit_status

    async def resize(self, columns: int, rows: int) -> None:
        """The user resizes the window: the client says so (window-change) and its screen takes the size."""
        self.columns, self.rows = columns, rows
        self.screen.resize(rows, columns)
        self.process.change_terminal_size(columns, rows)
        await asyncio.sleep(0.2)

    def drop(self) -> None:
        """The link drops: the TCP connection is cut with no goodbye (no channel close, no disconnect)."""
        self.connection.abort()

    async def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            try:
                await asyncio.wait_for(self.connection.wait_closed(), 5)
            except (asyncio.TimeoutError, asyncssh.Error, OSError):
                pass
        if self._reader is not None:
            self._reader.cancel()
