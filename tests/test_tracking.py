"""report_to: the HF Trainer's trackers write inside the run directory, from a real tiny-model run."""
from __future__ import annotations

import subprocess
import sys

import pytest

from engine.events import read_events
from engine.train.config import ConfigError, parse_config
from test_train import make_config, run_dir_of, tunewiz


def loss_points(run_dir) -> list[tuple[int, float]]:
    return [(e["step"], e["loss"]) for e in read_events(run_dir / "events.jsonl") if e["type"] == "step"]


def test_tensorboard_and_trackio_receive_the_same_losses_as_events_jsonl(tmp_path, tiny_model_dir, runs_dir):
    config = make_config(tmp_path, tiny_model_dir, runs_dir, max_steps=5, name="tracked",
                         report_to=["tensorboard", "trackio"])
    run_dir = run_dir_of(tunewiz("train", str(config), check=True))
    events = loss_points(run_dir)
    assert len(events) == 5

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    folder = run_dir / "tracking" / "tensorboard"
    assert list(folder.glob("events.out.tfevents.*")), sorted(p.name for p in run_dir.rglob("*"))
    board = EventAccumulator(str(folder))
    board.Reload()
    scalars = board.Scalars("train/loss")
    assert [(s.step, round(s.value, 4)) for s in scalars] == [(step, round(loss, 4)) for step, loss in events]

    # trackio keeps its database in the run directory too, offline (no Space, no network), and reads back.
    store = run_dir / "tracking" / "trackio"
    assert list(store.rglob("*.db")), sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*"))
    script = ("import json, trackio.sqlite_storage as s; "
              "print(json.dumps(s.SQLiteStorage.get_logs('tunewiz', 'tracked')))")
    read = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "TRACKIO_DIR": str(store)})
    assert read.returncode == 0, read.stderr
    import json
    logs = [entry for entry in json.loads(read.stdout) if "train/loss" in entry]
    # (trackio numbers its own log calls from 0; the values and their order are the run's)
    assert [round(entry["train/loss"], 4) for entry in logs] == [round(loss, 4) for _, loss in events]


def test_report_to_takes_one_name_or_a_list_and_names_the_allowed_ones():
    assert parse_config({"report_to": "tensorboard"}).report_to == ["tensorboard"]
    assert parse_config({"report_to": ["trackio", "wandb"]}).report_to == ["trackio", "wandb"]
    assert parse_config({}).report_to == []
    with pytest.raises(ConfigError) as caught:
        parse_config({"report_to": ["tensorbord"]}, "run.yaml")
    message = str(caught.value)
    assert "report_to" in message and "'tensorbord' is not allowed" in message
    assert all(f"'{name}'" in message for name in ("tensorboard", "trackio", "wandb", "mlflow"))  # what is


def test_a_tracker_that_is_not_installed_is_refused_before_a_run_directory_exists(tmp_path, tiny_model_dir,
                                                                                  runs_dir):
    import importlib.util
    if importlib.util.find_spec("wandb") is not None:
        pytest.skip("wandb is installed here; the refusal needs a tracker that is not")
    config = make_config(tmp_path, tiny_model_dir, runs_dir, report_to="wandb")
    result = tunewiz("train", str(config))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "report_to: wandb needs the Python package 'wandb'" in result.stderr
    assert "pip install wandb" in result.stderr
    assert not runs_dir.exists()
