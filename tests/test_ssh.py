"""tunewiz over a real SSH session (issue 16): an asyncssh server on 127.0.0.1 in the test process, a client
logged in with a throwaway key, the app on the session's pty, and what the client receives rendered by a
terminal emulator (pyte), so every check reads the screen the user would see. Keys only: some SSH clients
pass no mouse."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from pathlib import Path

import asyncssh
import pytest

from conftest import memorise_rows, write_jsonl
from engine.events import read_events
from engine.runs import pid_alive, read_status
from monitor_synth import SyntheticRun
from ssh_support import SshServer, SshTerminal
from test_watch import COLUMNS as WATCH_COLUMNS, one_panel
from tui.i18n import set_language, t

RUN = "ssh-run"


@pytest.fixture
async def server(tmp_path, runs_dir):
    set_language("en")
    env = {"TUNEWIZ_RUNS_DIR": str(runs_dir), "TUNEWIZ_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1",
           "LANG": "en_US.UTF-8", "LC_ALL": "", "LC_MESSAGES": "",
           # A tiny model's 30 steps take seconds on a free CPU: slow each step so the run is still going
           # when the test drops the link, re-attaches and watches (engine/train/faults.py, tests only).
           "TUNEWIZ_TEST_FAULTS": "step_delay_s=0.8"}
    ssh = await SshServer(env=env, cwd=tmp_path).start()
    yield ssh
    await ssh.stop()


@pytest.fixture
def reaper(runs_dir):
    """At the end, ends every trainer the test's runs started (detached: they outlive the app on purpose)."""
    yield
    for status_file in runs_dir.glob("*/status.json"):
        pid = (read_status(status_file.parent) or {}).get("pid")
        if pid_alive(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


async def login(server: SshServer, command: str | None, columns: int = 80, rows: int = 24) -> SshTerminal:
    return await SshTerminal(server, command, columns, rows).open()


def steps(run_dir: Path) -> list[dict]:
    path = run_dir / "events.jsonl"
    return [e for e in read_events(path) if e["type"] == "step"] if path.exists() else []


async def eventually(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def home_is_readable(terminal: SshTerminal) -> None:
    """The title, the question and every area with its key, whole; the footer names every key."""
    lines = terminal.lines()
    text = "\n".join(lines)
    assert "tunewiz" in lines[0] and t("home.heading") in text
    for key, name in (("w", "wizard"), ("d", "dataset"), ("r", "runs"), ("c", "chat")):
        assert any(re.search(rf"│ {key}  {re.escape(t('home.' + name))}\s*│", line) for line in lines), (name, text)
    footer = lines[-1]
    for key, label in (("w", "home.key.wizard"), ("d", "home.key.dataset"), ("r", "home.key.runs"),
                       ("c", "home.key.chat"), ("q", "key.quit")):
        assert f"{key} {t(label)}" in footer, (label, footer)
    assert all(len(line) <= terminal.columns for line in lines)


async def test_home_screen_at_80x24_from_a_login_shell_and_at_120x40(server):
    # `ssh box`, then `tunewiz` typed at the shell prompt, in an 80x24 window.
    shell = await login(server, None, 80, 24)
    try:
        await shell.type("tunewiz\r")
        await shell.wait_for(t("home.heading"), 60)
        await shell.wait_for(lambda text: "Hardware: " in text and "detecting" not in text
                             and f"q {t('key.quit')}" in text.splitlines()[-1], 30, "the hardware line and the footer")
        home_is_readable(shell)
        await shell.resize(100, 30)  # the window grows: the app redraws to the new size (SIGWINCH)
        await shell.wait_for(lambda text: len(text.splitlines()) == 30 and f"q {t('key.quit')}" in text.splitlines()[-1]
                             and "╮" in text and len(max(text.splitlines(), key=len)) > 80, 15, "the home at 100x30")
        home_is_readable(shell)
        await shell.press("q")  # quit: the app leaves its screen, the shell is still there
        await eventually(lambda: b"\x1b[?1049l" in shell.raw, 15, "the app to leave the alternate screen")
        await shell.type("echo still-here-$((6*7))\r")
        await shell.wait_for("still-here-42", 10)
        await shell.type("exit\r")
        assert await shell.exit_status() == 0
    finally:
        await shell.close()

    # `ssh -t box tunewiz` in a 120x40 window.
    wide = await login(server, "tunewiz", 120, 40)
    try:
        await wide.wait_for(lambda text: t("home.heading") in text and f"q {t('key.quit')}" in text.splitlines()[-1],
                            60, "the home screen and its footer")
        home_is_readable(wide)
        assert wide.lines()[-1].startswith(" w ") and len(wide.lines()) == 40
        await wide.press("q")
        assert await wide.exit_status() == 0
    finally:
        await wide.close()


def last_x_label(lines: list[str]) -> tuple[int, int] | None:
    """The loss chart's x axis, first and last step labels (the line under the axis's `└┬…┬┘`)."""
    for i, line in enumerate(lines[:-1]):
        if "└┬" in line:
            numbers = re.findall(r"\d+", lines[i + 1])
            return (int(numbers[0]), int(numbers[-1])) if numbers else None
    return None


def shown_step(text: str) -> int | None:
    found = re.search(r"step (\d+)/(\d+)", text)
    return int(found.group(1)) if found else None


async def test_wizard_to_start_by_keys_drop_the_link_reattach_and_watch(server, reaper, tmp_path, runs_dir,
                                                                        tiny_model_dir):
    data = write_jsonl(tmp_path / "chat.jsonl", memorise_rows(80))
    run_dir = runs_dir / RUN
    terminal = await login(server, "tunewiz", 80, 24)
    try:
        # The wizard, keys only, from home to Start.
        await terminal.wait_for(t("home.heading"), 60)
        await terminal.press("w")
        await terminal.wait_for(t("wizard.hw.heading"), 30)
        await terminal.press("ctrl+n")
        await terminal.wait_for(t("wizard.q.goal.title"), 15)
        await terminal.choose(t("wizard.q.goal.task")[:30])
        await terminal.wait_for(t("wizard.q.examples.title"), 15)
        await terminal.type("80")
        await terminal.press("enter")
        await terminal.wait_for(t("wizard.q.length.title"), 15)
        await terminal.choose(t("wizard.q.length.short")[:30])
        await terminal.wait_for(t("wizard.q.cloud.title")[:40], 15)
        await terminal.choose(t("wizard.q.cloud.no")[:30])
        # Wait for the recommendation to be drawn (its memory bar), as a user reading it would; Ctrl+N pressed
        # earlier says it is still working and goes on by itself (tests/test_wizard_keys.py).
        await terminal.wait_for(lambda text: t("wizard.step.recommend") in text and "▶ " in text, 30,
                                "the recommendation")
        await terminal.press("ctrl+n")
        await terminal.wait_for(t("wizard.step.model"), 15)
        await terminal.press("shift+tab", "ctrl+u", pause=0.5)  # from the catalog to the model field, emptied
        await terminal.paste(str(tiny_model_dir))
        await terminal.press("enter")
        # The info line names the model's folder after its context (cut to the width: match its start).
        folder_start = re.escape(str(tiny_model_dir)[:16])
        await terminal.wait_for(lambda text: re.search(r"parameters · context [\d,]+ · " + folder_start, text)
                                and "▶ LoRA" in text, 30, "the local model read and its estimate")
        await terminal.press("ctrl+n")
        await terminal.wait_for(t("wizard.data.title"), 15)
        await terminal.type("chat.jsonl")  # relative to the login's working directory, as in a shell
        await terminal.press("ctrl+n")
        await terminal.wait_for(t("wizard.step.review"), 30)
        await terminal.wait_for(lambda text: text.splitlines()[-3].startswith(" name:"), 15, "the name field focused")
        await terminal.type(RUN)
        await terminal.wait_for(f"data.path               {str(data)[:45]}", 5)  # the line is cut at 80 columns
        await terminal.press("ctrl+s")

        # The monitor, on the same screen, shows the loss once the detached trainer steps.
        monitor = await terminal.wait_for(lambda text: re.search(r"^ loss \d+\.\d{4}", text, re.M), 150,
                                          "the loss on the monitor")
        assert f"● running  {RUN}" in monitor and "step " in monitor
        trainer = read_status(run_dir)["pid"]
        assert pid_alive(trainer)
        app = server.sessions[-1]

        # The link drops mid-training: the app goes with its terminal (SIGHUP), the trainer goes on.
        at_drop = len(steps(run_dir))
        terminal.drop()
        await eventually(lambda: app.poll() is not None, 15, "the app to end with its terminal")
        assert pid_alive(trainer), "the trainer died with the SSH session"
        await eventually(lambda: len(steps(run_dir)) > at_drop + 1, 90, "steps after the drop")
        assert read_events(run_dir / "events.jsonl")[-1]["type"] != "end", "the run ended: nothing was proven"
    finally:
        await terminal.close()

    # Log in again: the runs screen, Enter re-attaches; the chart holds every step, from before the drop too.
    again = await login(server, "tunewiz", 80, 24)
    try:
        await again.wait_for(t("home.heading"), 60)
        await again.press("r")
        await again.wait_for(RUN, 30)
        await again.press("enter")
        screen = await again.wait_for(lambda text: f"● running  {RUN}" in text and last_x_label(text.splitlines()),
                                      30, "the re-attached monitor with its chart")
        shown = shown_step(screen)
        assert shown is not None and shown > at_drop, screen
        first, last = last_x_label(screen.splitlines())
        assert first == 1 and last >= shown - 1, screen  # the chart starts at step 1, before the drop
        await again.press("q")
    finally:
        await again.close()

    # `tunewiz watch RUN` over the same server: the live panel, as on a local terminal; Ctrl-C ends the
    # watch with 130 and the run goes on.
    watch = await login(server, f"tunewiz watch {RUN} --interval 0.2", WATCH_COLUMNS, 30)
    try:
        panel = await watch.wait_for(lambda text: one_panel(text.splitlines()), 60, "one whole watch panel")
        panel = one_panel(panel.splitlines())
        assert panel[0].startswith(f"● running  {RUN}") and re.search(r"step \d+/\d+ · epoch", panel[1]), panel
        await watch.press("ctrl+c")
        assert await watch.exit_status() == 130
        assert f"stopped watching; {RUN} is running and keeps running" in watch.text()
        assert "Traceback" not in watch.text()
    finally:
        await watch.close()
    assert pid_alive(trainer)


async def test_watch_of_a_finished_run_over_ssh_is_the_local_panel(server, runs_dir):
    run = SyntheticRun(runs_dir, "done")
    run.start(total_steps=3)
    for step in (1, 2, 3):
        run.step(step, loss=2.0 - step / 10)
    run.end("completed")
    watch = await login(server, "tunewiz watch done", WATCH_COLUMNS, 30)
    try:
        assert await watch.exit_status() == 0
        lines = [line for line in watch.lines() if line]
        panel = one_panel(lines)
        assert panel, "\n".join(lines)
        assert panel[0] == "● completed  done  tiny-test-model · lora" and "100%  step 3/3" in panel[1]
        assert lines[-1].startswith("╰") and "Traceback" not in watch.text()
        assert b"step 1/3  epoch" not in watch.raw  # the live view, not the plain lines of a pipe
    finally:
        await watch.close()


async def test_only_the_authorized_key_logs_in(server):
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    with pytest.raises(asyncssh.PermissionDenied):
        await asyncssh.connect("127.0.0.1", server.port, username="tester", client_keys=[stranger],
                               known_hosts=None, agent_path=None, config=[])
