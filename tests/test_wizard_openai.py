"""The wizard's OpenAI branch, walked as a user walks it (Pilot) against the fake OpenAI service on
127.0.0.1 (tests/fake_openai_server.py) with the real detached follower: the questions that route to
OpenAI, the key typed into the masked field and checked, the file validated with its cost, the job
uploaded and started, the monitor's live loss curve to `completed` with the ft: model; the typed
key found nowhere on disk or on screen. Failures: a wrong key (401 on the key step), OpenAI's 403
training_not_available (the dated rule on the start step), and "train an open model on the same
file instead" landing on the open path with that file."""
from __future__ import annotations

import json
import os
import signal
import time
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Input

from engine.hardware import Hardware
from fake_openai_server import FakeOpenAI
from pilot_support import answer, at_step, step, until
from tui.app import TunewizApp
from tui.i18n import set_language, t

NO_GPU = Hardware(gpus=[], cpu_cores=2, ram_gb=7.8, ram_available_gb=5.0, note="no NVIDIA GPU (test)")
TODAY = date(2026, 12, 1)
KEY = "sk-proj-Wizard-Typed-Secret-0123456789abcdef"
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "support_openai.jsonl"


@pytest.fixture(autouse=True)
def _env(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TUNEWIZ_FOLLOW_POLL_S", "0.2")
    for name in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "OPENAI_API_VERSION",
                 "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    yield
    set_language("en")


@pytest.fixture
def fake(monkeypatch):
    with FakeOpenAI(api_key=KEY, total_steps=8, auto_advance=False) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        yield server


@pytest.fixture
def followers():
    """Run directories whose detached follower must not outlive the test."""
    dirs: list[Path] = []
    yield dirs
    from engine import runs
    for run_dir in dirs:
        pid = (runs.read_status(run_dir) or {}).get("pid")
        if isinstance(pid, int) and runs.trainer_alive(runs.read_status(run_dir)):
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


# -- helpers -------------------------------------------------------------------------------------------
def screen_text(app) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query("Static, Label") if w.display)


async def shows(pilot, text: str, timeout: float = 15.0) -> None:
    await until(pilot, lambda: text in screen_text(pilot.app), timeout, what=repr(text))


async def to_openai_key_step(pilot, runs_dir: Path) -> None:
    """From the first question, answers that route to OpenAI: style, 1200 examples, medium, cloud ok."""
    await pilot.pause()
    pilot.app.open_screen("wizard", hardware=NO_GPU, runs_dir=runs_dir, today=TODAY)
    await at_step(pilot, "hardware")
    await pilot.press("ctrl+n")
    await at_step(pilot, "goal")
    await answer(pilot, "style")
    await at_step(pilot, "examples")
    await pilot.press(*"1200", "enter")
    await at_step(pilot, "length")
    await answer(pilot, "medium")
    await at_step(pilot, "cloud")
    await answer(pilot, "yes")
    await at_step(pilot, "recommend")
    await until(pilot, lambda: pilot.app.screen.state.rec is not None, what="the recommendation")
    assert pilot.app.screen.state.rec.path == "openai"
    await pilot.press("ctrl+n")
    await at_step(pilot, "openai_key")


async def type_key_and_go_on(pilot, key: str) -> None:
    field = pilot.app.screen.query_one("#oa-key", Input)
    assert field.password and field.has_focus
    await pilot.press(*key)
    await pilot.press("ctrl+n")


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


# -- the walk ------------------------------------------------------------------------------------------
async def test_from_the_first_question_to_a_completed_job_with_a_typed_key_that_is_never_written(
        fake, followers, tmp_path):
    runs_dir = tmp_path / "runs"
    app = TunewizApp(lang="en", runs_dir=runs_dir)
    async with app.run_test(size=(100, 34)) as pilot:
        await to_openai_key_step(pilot, runs_dir)
        text = screen_text(app)
        assert t("openai.key.none", env="OPENAI_API_KEY", label="the service at " + fake.base_url) in text
        assert "2027-01-06" in text and "2026-07-02" in text and "2027-04-01" in text  # OpenAI's and Azure's dates
        await type_key_and_go_on(pilot, KEY)

        # The file step: the sample (the wizard's default) validated with its cost and dated price.
        await at_step(pilot, "openai_file")
        assert app.screen.query_one("#oa-file", Input).value == str(SAMPLE)
        await shows(pilot, "Estimated cost $")
        text = screen_text(app)
        assert "784 usable examples" in text and "/1M (as of 2025-06-01" in text
        assert "tiktoken" in text                      # the offline notice: tokens are an estimate
        await pilot.press("ctrl+n")

        # The start step: what goes where, the cost; Ctrl+S asks, y starts.
        await at_step(pilot, "openai_start")
        text = screen_text(app)
        assert "support_openai.jsonl" in text and fake.base_url in text and "gpt-4o-mini-2024-07-18" in text
        assert KEY not in text and KEY[:3] in text   # the masked key only
        await pilot.press("ctrl+s")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="the confirm")
        await pilot.press("y")
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", timeout=20, what="the monitor")
        monitor = app.screen
        run_dir = Path(monitor.run_dir)
        followers.append(run_dir)
        job_id = json.loads((run_dir / "remote_job.json").read_text())["job_id"]

        # The job runs at the service: step events arrive and the loss curve grows.
        fake.advance(job_id, 3)   # validating -> queued -> running, 2 steps
        await until(pilot, lambda: monitor._snapshot is not None and (monitor._snapshot.step or 0) >= 2,
                    timeout=15, what="the first steps")
        await until(pilot, lambda: monitor.charts_applied > 0 and monitor._snapshot.loss is not None,
                    what="the loss chart")
        first_loss = monitor._snapshot.loss
        assert f"{first_loss:.4f}" in str(monitor.query_one("#mon-figures").render())   # the figure shown
        fake.advance(job_id, 10)
        await until(pilot, lambda: monitor._snapshot.state == "completed", timeout=20, what="completed")
        assert monitor._snapshot.loss < first_loss
        await until(pilot, lambda: "ft:gpt-4o-mini-2024-07-18" in screen_text(app), what="the ft: model")
        shot = app.save_screenshot(path=str(tmp_path), filename="monitor.svg")

    # The follower the wizard started got the key through its environment (it followed the job to its
    # end; the monitor never needed to start another), and nothing on disk or on screen holds the key.
    assert "ft:gpt-4o-mini" in (run_dir / "status.json").read_text()
    assert not monitor.remote.tried and "No API key" not in (run_dir / "train.log").read_text()
    for path in files_under(runs_dir) + [Path(shot)]:
        assert KEY not in path.read_text(errors="replace"), path
        assert KEY[-12:] not in path.read_text(errors="replace"), path


# -- failures ------------------------------------------------------------------------------------------
async def test_a_wrong_key_gets_the_services_401_on_the_key_step_in_chinese(fake, tmp_path):
    app = TunewizApp(lang="zh", runs_dir=tmp_path / "runs")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_openai_key_step(pilot, tmp_path / "runs")
        await type_key_and_go_on(pilot, "sk-wrong-0000000000000000")
        await shows(pilot, "401")
        text = screen_text(app)
        assert "不接受这个 API 密钥" in text and "Incorrect API key" in text   # ours translated, the service's own words
        assert step(app) == "openai_key"                                    # it stays on the key step
        assert "sk-wrong-0000000000000000" not in text


async def test_training_not_available_is_explained_with_the_date_rule_on_the_start_step(fake, tmp_path):
    fake.training_not_available = True
    runs_dir = tmp_path / "runs"
    app = TunewizApp(lang="en", runs_dir=runs_dir)
    async with app.run_test(size=(100, 34)) as pilot:
        await to_openai_key_step(pilot, runs_dir)
        await type_key_and_go_on(pilot, KEY)
        await at_step(pilot, "openai_file")
        await shows(pilot, "Estimated cost $")
        await pilot.press("ctrl+n")
        await at_step(pilot, "openai_start")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="the confirm")
        await pilot.press("y")
        await shows(pilot, "403 training_not_available", timeout=20)
        text = screen_text(app)
        # The rule that applies on the day: since 2026-07-02 organisations without recent fine-tuned inference.
        assert "since 2026-07-02" in text and "60 days" in text and "2027-01-06" in text
        assert "Train an open model on the same file instead" in text
        assert step(app) == "openai_start"
        # Ctrl+O there: the open path, with the same file as its dataset.
        await pilot.press("ctrl+o")
        await at_step(pilot, "recommend")
        await until(pilot, lambda: app.screen.state.rec is not None and app.screen.state.rec.path == "open",
                    what="the open path")
        await pilot.press("ctrl+n")
        await at_step(pilot, "model")
        await pilot.press("ctrl+n")
        await at_step(pilot, "dataset")
        assert app.screen.query_one("#wz-data-path", Input).value == str(SAMPLE)


async def test_the_open_model_button_on_the_file_step_takes_the_file_chosen_there(fake, tmp_path):
    mine = tmp_path / "mine.jsonl"
    mine.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    app = TunewizApp(lang="en", runs_dir=tmp_path / "runs")
    async with app.run_test(size=(100, 34)) as pilot:
        await to_openai_key_step(pilot, tmp_path / "runs")
        await type_key_and_go_on(pilot, KEY)
        await at_step(pilot, "openai_file")
        app.screen.query_one("#oa-file", Input).value = "mine.jsonl"
        await pilot.pause()
        await pilot.click("#oa-alt-button")
        await at_step(pilot, "recommend")
        await until(pilot, lambda: app.screen.state.rec is not None, what="the recommendation")
        assert app.screen.state.rec.path == "open" and app.screen.state.cloud == "no"
        await pilot.press("ctrl+n")
        await at_step(pilot, "model")
        await pilot.press("ctrl+n")
        await at_step(pilot, "dataset")
        assert app.screen.query_one("#wz-data-path", Input).value == "mine.jsonl"
