"""Experiment trackers (`report_to`): the HF Trainer's own integrations, writing inside the run directory.

tunewiz's events.jsonl stays the record its screens read; a tracker gets a copy of the same metrics
for the tools people already use. Each tracker's files go under `<run>/tracking/` (runs.TRACKING_DIR),
set through the environment variables the integrations read, in the trainer's own process:

  tensorboard  TENSORBOARD_LOGGING_DIR = <run>/tracking/tensorboard
  trackio      TRACKIO_DIR = <run>/tracking/trackio (project "tunewiz", the run's name as its run)
  wandb        WANDB_DIR = <run>/tracking/wandb (W&B's local copy; it syncs as the user set it up)
  mlflow       MLFLOW_TRACKING_URI = file:<run>/tracking/mlruns, unless the user set one
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any, Iterable

from engine import runs
from engine.messages import EngineMessage, message

# tracker -> (the package it needs, how to install it)
TRACKER_PACKAGES: dict[str, tuple[str, str]] = {
    "tensorboard": ("tensorboard", "pip install 'tunewiz[tracking]'"),
    "trackio": ("trackio", "pip install 'tunewiz[tracking]'"),
    "wandb": ("wandb", "pip install wandb"),
    "mlflow": ("mlflow", "pip install mlflow"),
}
TRACKIO_PROJECT = "tunewiz"


def missing_trackers(report_to: Iterable[str]) -> list[tuple[str, str, str]]:
    """(tracker, package, install command) for each tracker whose package is not installed (found
    without importing it)."""
    missing = []
    for name in report_to:
        package, install = TRACKER_PACKAGES[name]
        if importlib.util.find_spec(package) is None:
            missing.append((name, package, install))
    return missing


def tracker_messages(report_to: Iterable[str]) -> list[EngineMessage]:
    """`tracking.package-missing` (code + params + English, engine/export_messages.py) for each tracker that
    cannot run here; the TUI says them in the user's language (tui.messages.text_of)."""
    return [message("tracking.package-missing", tracker=name, package=package, install=install)
            for name, package, install in missing_trackers(report_to)]


def tracker_problems(report_to: Iterable[str]) -> list[str]:
    """`report_to: why` in English for each tracker that cannot run here (launch.preflight: before a run
    directory exists); `tracker_messages` gives the same with their codes."""
    return [m.text for m in tracker_messages(report_to)]


def tracking_arguments(run_dir: Path, report_to: list[str]) -> dict[str, Any]:
    """TrainingArguments for the trackers (report_to, run_name, project), after pointing each tracker's
    files into `<run>/tracking/`. Sets environment variables of this (the trainer's) process."""
    if not report_to:
        return {"report_to": []}
    base = Path(run_dir) / runs.TRACKING_DIR
    places = {"tensorboard": ("TENSORBOARD_LOGGING_DIR", base / "tensorboard", True),
              "trackio": ("TRACKIO_DIR", base / "trackio", True),
              "wandb": ("WANDB_DIR", base / "wandb", True),
              "mlflow": ("MLFLOW_TRACKING_URI", base / "mlruns", False)}
    for name in report_to:
        variable, folder, always = places[name]
        if not always and os.environ.get(variable):
            continue  # the user's own MLflow server or store
        folder.mkdir(parents=True, exist_ok=True)
        os.environ[variable] = f"file:{folder}" if name == "mlflow" else str(folder)
    return {"report_to": list(report_to), "run_name": Path(run_dir).name, "project": TRACKIO_PROJECT}
