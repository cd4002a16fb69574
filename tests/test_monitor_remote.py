"""The monitor on an OpenAI / Azure job (a run with a remote backend), against the fake service on
127.0.0.1 and the real detached follower: the job panel instead of the GPU panel (service, job id,
the service's state, checkpoints, the ft: model), a job nobody follows detected and followed again
(or, without a key, the command that does it), Stop as a cancel at the service, and Chat with the
fine-tuned model beside its base."""
from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from engine import runs
from engine.openai_ft import ApiKey, Service, make_client, read_job, spawn_follower, start_job
from fake_openai_server import FakeOpenAI
from pilot_support import until
from tui.app import TunewizApp
from tui.i18n import set_language, t

KEY = "sk-proj-Monitor-Env-Secret-0123456789abcd"
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "support_openai.jsonl"


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("TUNEWIZ_FOLLOW_POLL_S", "0.2")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    for name in ("AZURE_OPENAI_ENDPOINT", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    yield
    set_language("en")


@pytest.fixture
def fake():
    with FakeOpenAI(api_key=KEY, total_steps=6, auto_advance=False) as server:
        yield server


@pytest.fixture
def job_run(fake, tmp_path):
    """A job created at the fake service, recorded in a run directory; nothing follows it yet.
    Any follower still alive at the end is killed."""
    service = Service(kind="compatible", base_url=fake.base_url)
    run_dir, job = start_job(make_client(service, ApiKey(KEY, "OPENAI_API_KEY")), service, tmp_path / "runs",
                             training=SAMPLE, validation=None, model="gpt-4o-mini-2024-07-18",
                             estimate={"examples": 784, "cost_usd": 1.9})
    yield run_dir, job.id
    status = runs.read_status(run_dir) or {}
    if runs.trainer_alive(status):
        try:
            os.killpg(status["pid"], signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def panel(app) -> str:
    return str(app.screen.query_one("#mon-job").render())


async def open_monitor(pilot, run_dir: Path, **kwargs):
    await pilot.pause()
    pilot.app.open_screen("monitor", run_dir=run_dir, **kwargs)
    await until(pilot, lambda: type(pilot.app.screen).__name__ == "MonitorScreen"
                and pilot.app.screen._snapshot is not None, what="the monitor")
    return pilot.app.screen


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_job_panel_replaces_the_gpus_and_chat_opens_on_the_fine_tuned_model(fake, job_run, lang):
    run_dir, job_id = job_run
    follower = spawn_follower(run_dir)
    app = TunewizApp(lang=lang, runs_dir=run_dir.parent)
    async with app.run_test(size=(100, 30)) as pilot:
        monitor = await open_monitor(pilot, run_dir, follower=follower)
        assert not monitor.query_one("#mon-gpu").display or not monitor.query_one("#mon-gpu").region.height
        await until(pilot, lambda: job_id in panel(app), what="the job id")
        assert fake.base_url in panel(app)
        fake.advance(job_id, 4)    # running, 4 steps, checkpoints at 2 and 4
        await until(pilot, lambda: t("monitor.job.state", state="running") in panel(app), what="running")
        await until(pilot, lambda: t("monitor.job.checkpoint", step=4, model="").strip() in panel(app),
                    what="the checkpoints")
        assert t("monitor.job.followed", pid=follower.pid) in panel(app)
        fake.advance(job_id, 5)
        await until(pilot, lambda: monitor._snapshot.state == "completed", timeout=15, what="completed")
        ft_model = read_job(run_dir)["fine_tuned_model"]
        await until(pilot, lambda: ft_model in panel(app), what="the ft: model in the panel")
        await pilot.press("c")
        await until(pilot, lambda: type(app.screen).__name__ == "ChatScreen", what="the chat screen")
        columns = app.screen.injected
        assert set(columns) == {"base", "tuned"}
        assert columns["tuned"].model == ft_model and columns["base"].model == "gpt-4o-mini-2024-07-18"


async def test_a_job_nobody_follows_is_detected_and_followed_again(fake, job_run):
    run_dir, job_id = job_run
    app = TunewizApp(lang="en", runs_dir=run_dir.parent)
    async with app.run_test(size=(100, 30)) as pilot:
        monitor = await open_monitor(pilot, run_dir)
        await until(pilot, lambda: t("monitor.job.not_followed") in panel(app) or "Following it again" in panel(app),
                    what="not followed")
        assert monitor._snapshot.state != "crashed" and not monitor._snapshot.followed
        # The key is in the environment: the monitor starts a follower itself.
        await until(pilot, lambda: "Following it again" in panel(app), timeout=10, what="followed again")
        await until(pilot, lambda: monitor._snapshot.followed, timeout=10, what="the follower's pid")
        fake.advance(job_id, 10)
        await until(pilot, lambda: monitor._snapshot.state == "completed", timeout=15, what="completed")


async def test_without_a_key_the_monitor_says_how_to_follow_the_job(fake, job_run, monkeypatch):
    run_dir, _ = job_run
    monkeypatch.delenv("OPENAI_API_KEY")
    app = TunewizApp(lang="en", runs_dir=run_dir.parent)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_monitor(pilot, run_dir)
        await until(pilot, lambda: f"tunewiz openai watch {run_dir.name}" in panel(app), timeout=10,
                    what="how to follow")
        assert runs.read_status(run_dir).get("pid") is None     # nothing was started


async def test_stop_cancels_the_job_at_the_service_after_a_confirm(fake, job_run):
    run_dir, job_id = job_run
    follower = spawn_follower(run_dir)
    app = TunewizApp(lang="en", runs_dir=run_dir.parent)
    async with app.run_test(size=(100, 30)) as pilot:
        monitor = await open_monitor(pilot, run_dir, follower=follower)
        fake.advance(job_id, 3)
        await until(pilot, lambda: monitor._snapshot.state == "running" and monitor._snapshot.followed,
                    what="running")
        await pilot.press("s")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="the confirm")
        assert job_id in "\n".join(str(w.render()) for w in app.screen.query("Static"))
        await pilot.press("y")
        await until(pilot, lambda: fake.jobs[job_id]["status"] == "cancelled", what="cancelled at the service")
        await until(pilot, lambda: monitor._snapshot.state == "stopped", timeout=15, what="the run stopped")
        assert follower.wait(timeout=10) == 0       # the follower recorded the end and left by itself
