"""The runs screen with Pilot: every run with its state, live refresh, Enter attaches the monitor."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.events import read_events
from monitor_synth import SyntheticRun, dead_pid
from tui.app import TunewizApp
from tui.i18n import t
from pilot_support import until


async def listed_runs_screen(pilot, app):
    """The runs screen once it is on show and has listed the runs directory once."""
    await until(pilot, lambda: type(app.screen).__name__ == "RunsScreen", what="runs screen")
    screen = app.screen
    await until(pilot, lambda: screen.loads > 0, what="a listing")
    return screen


def rows(screen) -> dict[str, list[str]]:
    table = screen.query_one("#runs-table")
    return {key.value: [str(cell) for cell in table.get_row(key)] for key in table.rows}


def make_runs(runs_dir):
    running = SyntheticRun(runs_dir, "qwen-lora", model="Qwen/Qwen2.5-7B-Instruct")
    running.start(total_steps=200)
    for step in range(1, 13):
        running.step(step)
    crashed = SyntheticRun(runs_dir, "ghost", pid=dead_pid())
    crashed.start(total_steps=50)
    crashed.step(1)
    oom = SyntheticRun(runs_dir, "big", model="/models/glm-4-9b-chat", method="full")
    oom.start(total_steps=50)
    oom.step(1)
    oom.end("oom", "CUDA out of memory: tried to allocate 2.00 GiB", "Use method: qlora.")
    done = SyntheticRun(runs_dir, "done")
    done.start(total_steps=3)
    for step in range(1, 4):
        done.step(step, loss=0.5)
    done.end("completed")
    return running, crashed, oom, done


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_lists_every_run_with_state_step_loss_and_attaches(runs_dir, lang):
    running, crashed, oom, done = make_runs(runs_dir)
    app = TunewizApp(lang=lang, runs_dir=runs_dir, start="runs")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await listed_runs_screen(pilot, app)
        listed = {row[0]: row for row in rows(screen).values()}
        assert set(listed) == {"qwen-lora", "ghost", "big", "done"}
        # the loss column shows the run's real last loss: the last step event's, to four places
        last_loss = [e for e in read_events(running.dir / "events.jsonl") if e["type"] == "step"][-1]["loss"]
        assert listed["qwen-lora"][1:4] == [t("runs.state.running"), "12/200", f"{last_loss:.4f}"]
        assert listed["ghost"][3] == f"{[e for e in read_events(crashed.dir / 'events.jsonl') if e['type'] == 'step'][-1]['loss']:.4f}"
        assert listed["ghost"][1] == t("runs.state.crashed")
        assert listed["big"][1] == t("runs.state.oom") and listed["big"][4] == "glm-4-9b-chat"
        assert listed["done"][1] == t("runs.state.completed") and listed["done"][3] == "0.5000"
        # the detail line under the table explains a failure
        table = screen.query_one("#runs-table")
        table.move_cursor(row=list(rows(screen)).index(str(oom.dir.resolve())))
        await until(pilot, lambda: "CUDA out of memory" in str(screen.query_one("#runs-detail").render()),
                    what="the detail of the highlighted run")
        detail = str(screen.query_one("#runs-detail").render())
        assert "CUDA out of memory" in detail and "qlora" in detail
        keys = {b.binding.key: b.enabled for b in screen.active_bindings.values() if b.binding.show}
        assert keys["enter"] is True and keys["s"] is False and keys["c"] is False
        # Enter attaches the monitor to the highlighted run; escape comes back
        table.move_cursor(row=list(rows(screen)).index(str(running.dir.resolve())))
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", what="monitor")
        monitor = app.screen
        await until(pilot, lambda: monitor._snapshot is not None and monitor._snapshot.step == 12, what="history")
        assert monitor.run_dir == running.dir.resolve()
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, what="back to the list")


TESTS = Path(__file__).resolve().parent


def footer_keys(screen) -> dict[str, bool]:
    """Shown bindings -> enabled."""
    return {b.binding.key: b.enabled for b in screen.active_bindings.values() if b.binding.show}


async def test_stop_key_asks_first_then_the_trainer_checkpoints_and_the_list_shows_stopped(runs_dir):
    done = SyntheticRun(runs_dir, "done")
    done.start(total_steps=3)
    done.end("completed")
    run_dir = runs_dir / "stoppable"
    run_dir.mkdir(parents=True)
    # A trainer that honours the engine's stop (SIGTERM from engine.launch.request_stop) by writing a
    # checkpoint and an `end stopped` event, as the real one does, but without loading torch.
    trainer = subprocess.Popen([sys.executable, str(TESTS / "monitor_fake_trainer.py"), "engine.train.run", str(run_dir)],
                               stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        app = TunewizApp(lang="en", runs_dir=runs_dir, start="runs")
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await listed_runs_screen(pilot, app)
            key = str(run_dir.resolve())
            await until(pilot, lambda: key in rows(screen) and rows(screen)[key][1] == t("runs.state.running"),
                        what="the running run listed")
            table = screen.query_one("#runs-table")
            table.move_cursor(row=list(rows(screen)).index(str(done.dir.resolve())))
            await pilot.pause(0.1)
            assert footer_keys(screen)["s"] is False  # a finished run: nothing to stop
            await pilot.press("s")
            await pilot.pause(0.2)
            assert app.screen is screen
            table.move_cursor(row=list(rows(screen)).index(key))
            await until(pilot, lambda: footer_keys(screen)["s"] is True, what="stop offered for the running run")
            await pilot.press("s")
            await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="the question")
            assert "stoppable" in str(app.screen.query_one("#confirm-title").render())
            await pilot.press("n")  # no: the run goes on
            await until(pilot, lambda: app.screen is screen, what="back on the list")
            await pilot.pause(0.3)
            assert trainer.poll() is None
            await pilot.press("s")
            await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="the question again")
            await pilot.press("y")
            await until(pilot, lambda: app.screen is screen, what="back on the list")
            await pilot.press("r")
            await until(pilot, lambda: rows(screen)[key][1] == t("runs.state.stopped"), what="stopped in the list")
            assert trainer.wait(timeout=10) == 0
            assert any(e["type"] == "checkpoint" for e in read_events(run_dir / "events.jsonl"))
            assert "tunewiz resume stoppable" in str(screen.query_one("#runs-detail").render())
            assert footer_keys(screen)["s"] is False
    finally:
        if trainer.poll() is None:
            trainer.kill()


async def test_chat_key_opens_the_chat_on_the_highlighted_finished_run(runs_dir):
    running, crashed, oom, done = make_runs(runs_dir)
    app = TunewizApp(lang="en", runs_dir=runs_dir, start="runs")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await listed_runs_screen(pilot, app)
        table = screen.query_one("#runs-table")
        table.move_cursor(row=list(rows(screen)).index(str(running.dir.resolve())))
        await pilot.pause(0.1)
        assert footer_keys(screen)["c"] is False  # still training: no adapter to chat with yet
        await pilot.press("c")
        await pilot.pause(0.2)
        assert app.screen is screen
        table.move_cursor(row=list(rows(screen)).index(str(done.dir.resolve())))
        await until(pilot, lambda: footer_keys(screen)["c"] is True, what="chat offered for the finished run")
        await pilot.press("c")
        await until(pilot, lambda: type(app.screen).__name__ == "ChatScreen", what="the chat screen")
        chat = app.screen
        assert chat.run_dir == done.dir.resolve()
        # it loads that run (this synthetic one has no adapter: the pane says so, naming the run)
        await until(pilot, lambda: chat.load_error is not None, what="the load's outcome")
        assert t("chat.load_failed", run="done") in str(chat.query_one("#chat-error").render())
        assert "done" in str(chat.query_one("#chat-status").render())
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, what="back on the list")


async def test_refreshes_new_finished_and_deleted_runs(runs_dir):
    running, crashed, oom, done = make_runs(runs_dir)
    app = TunewizApp(lang="en", runs_dir=runs_dir, start="runs")
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await listed_runs_screen(pilot, app)
        fresh = SyntheticRun(runs_dir, "fresh")
        fresh.start(total_steps=10)
        shutil.rmtree(crashed.dir)
        running.step(13)
        running.end("completed")
        await pilot.press("r")
        await until(pilot, lambda: {r[0] for r in rows(screen).values()} == {"qwen-lora", "big", "done", "fresh"},
                    what="new and deleted runs")
        listed = {row[0]: row for row in rows(screen).values()}
        assert listed["qwen-lora"][1] == "completed" and listed["qwen-lora"][2] == "13/200"


async def test_empty_and_missing_runs_directory(tmp_path):
    app = TunewizApp(lang="en", runs_dir=tmp_path / "nowhere", start="runs")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await listed_runs_screen(pilot, app)
        assert "does not exist yet" in str(screen.query_one("#runs-empty").render())
        assert not screen.query_one("#runs-table").display
        await pilot.press("enter")  # nothing to attach: no crash
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "HomeScreen", what="home")


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_remote_job_says_where_it_trains_and_that_nothing_follows_it(runs_dir, lang):
    # An OpenAI job whose follower died: the job goes on at OpenAI, so it is not `crashed`, and the
    # list says nothing follows it (the monitor or `tunewiz openai watch` follows it again).
    job = SyntheticRun(runs_dir, "oa-job", model="gpt-4o-mini-2024-07-18", method="supervised", pid=dead_pid())
    job.start(total_steps=6)
    job.step(2, loss=1.2)
    job.status(backend="openai", remote_state="running")
    app = TunewizApp(lang=lang, runs_dir=runs_dir, start="runs")
    async with app.run_test(size=(120, 24)) as pilot:
        screen = await listed_runs_screen(pilot, app)
        row = next(iter(rows(screen).values()))
        assert row[1] == f"{t('runs.state.running')} {t('runs.unfollowed')}"
        assert row[5] == f"{t('runs.backend.openai')} · supervised"
