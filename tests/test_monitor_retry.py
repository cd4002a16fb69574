"""After an out-of-memory end, the monitor offers a new run with the estimator's next settings (the `oom`
end's retry_settings): it asks first, starts a real trainer with the settings applied and follows it.
The run that ran out of memory is left as it was."""
from __future__ import annotations

import yaml

from conftest import memorise_rows, write_jsonl
from engine import launch, runs
from engine.train.config import load_config
from monitor_synth import SyntheticRun, dead_pid
from pilot_support import until
from tui.app import TunewizApp
from tui.i18n import t

RETRY = {"batch_size": 2, "grad_accum": 8}


def oom_run(runs_dir, tmp_path, tiny_model_dir, retry=RETRY):
    run = SyntheticRun(runs_dir, "too-big", pid=dead_pid())
    data = write_jsonl(tmp_path / "rows.jsonl", memorise_rows(16))
    config = {"model": str(tiny_model_dir), "method": "lora", "data": str(data), "runs_dir": str(runs_dir),
              "name": "too-big", "max_steps": 2, "batch_size": 16, "grad_accum": 1, "max_length": 64,
              "eval_split": 0, "gradient_checkpointing": False}
    (run.dir / runs.CONFIG_FILE).write_text(yaml.safe_dump(config))
    run.start(total_steps=2)
    run.step(1)
    fields = {"retry_settings": retry} if retry else {}
    run.writer.write("end", status="oom", error="CUDA out of memory", advice="Out of GPU memory.", **fields)
    run.status(state="oom", error="CUDA out of memory", advice="Out of GPU memory.")
    return run


def footer(screen) -> dict[str, bool]:
    return {b.binding.key: b.enabled for b in screen.active_bindings.values() if b.binding.show}


async def test_an_oom_run_restarts_with_the_proposed_settings_after_asking(runs_dir, tmp_path, tiny_model_dir):
    run = oom_run(runs_dir, tmp_path, tiny_model_dir)
    app = TunewizApp(runs_dir=runs_dir, start="monitor", start_args={"run_dir": run.dir})
    async with app.run_test(size=(100, 30)) as pilot:
        monitor = app.screen
        await until(pilot, lambda: monitor._snapshot is not None and monitor._snapshot.state == "oom", what="oom")
        assert footer(monitor).get("n") is True
        await pilot.press("n")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="the question")
        assert "batch_size = 2" in str(app.screen.query_one("#confirm-body").render())
        await pilot.press("y")
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen" and app.screen is not monitor,
                    what="the new run's monitor")
        new_dir = app.screen.run_dir
        try:
            assert new_dir.name == "too-big-2"
            started = load_config(new_dir / runs.CONFIG_FILE)
            assert (started.batch_size, started.grad_accum, started.max_length) == (2, 8, 64)
            await until(pilot, lambda: (runs.read_status(new_dir) or {}).get("pid") is not None, timeout=60,
                        what="the new trainer")
            assert runs.is_trainer_process(runs.read_status(new_dir)["pid"])
        finally:
            try:
                launch.request_stop(new_dir)
            except launch.LaunchError:
                pass
            launch.wait_for_end(new_dir, timeout=120)
    # The run that ran out of memory is untouched.
    assert runs.read_status(run.dir)["state"] == "oom" and load_config(run.dir / runs.CONFIG_FILE).batch_size == 16


async def test_no_offer_without_proposed_settings_and_no_means_no(runs_dir, tmp_path, tiny_model_dir):
    bare = oom_run(runs_dir, tmp_path, tiny_model_dir, retry=None)
    app = TunewizApp(runs_dir=runs_dir, start="monitor", start_args={"run_dir": bare.dir})
    async with app.run_test(size=(100, 30)) as pilot:
        monitor = app.screen
        await until(pilot, lambda: monitor._snapshot is not None and monitor._snapshot.state == "oom", what="oom")
        assert not footer(monitor).get("n")  # nothing proposed (a model the estimator does not know)
    offered = SyntheticRun(runs_dir, "offered", pid=dead_pid())
    (offered.dir / runs.CONFIG_FILE).write_text((bare.dir / runs.CONFIG_FILE).read_text().replace("too-big", "offered"))
    offered.writer.write("end", status="oom", error="CUDA out of memory", advice=None, retry_settings=RETRY)
    offered.status(state="oom")
    app = TunewizApp(runs_dir=runs_dir, start="monitor", start_args={"run_dir": offered.dir})
    async with app.run_test(size=(100, 30)) as pilot:
        monitor = app.screen
        await until(pilot, lambda: monitor._snapshot is not None and monitor._snapshot.state == "oom", what="oom")
        await pilot.press("n")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="the question")
        await pilot.press("n")
        await until(pilot, lambda: app.screen is monitor, what="back, nothing started")
    assert sorted(p.name for p in runs_dir.iterdir()) == ["offered", "too-big"]
    assert t("monitor.key.retry") != "monitor.key.retry"
