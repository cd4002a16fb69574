"""The monitor's part for an OpenAI / Azure job (a run with a remote `backend`): the job panel that
takes the GPU panel's place, following again when no process follows the job, Stop as a cancel at
the service, and Chat with the fine-tuned model beside its base.

The job goes on at the service whatever happens here; its run directory (remote_job.json, status.json)
says where it is. A key typed into the wizard reaches this screen in memory only (`api_key`); else
the key comes from the service's environment variable.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from textual.markup import escape

from engine import runs
from tui.i18n import t

FOLLOW_GRACE_S = 2.0
"""A run seen without a follower this long gets one (a follower just spawned needs a moment to say so)."""
SHOWN_CHECKPOINTS = 3


def remote_info(run_dir: Path) -> dict[str, Any]:
    """What the job panel shows, read from the run directory (called from the monitor's thread)."""
    from engine.openai_ft import read_job
    status = runs.read_status(run_dir) or {}
    return {"job": read_job(run_dir) or {}, "remote_state": status.get("remote_state")}


def service_of(job: dict[str, Any]) -> Any:
    from engine.openai_ft import Service
    return Service.from_record(job.get("service") or {})


class RemoteJob:
    """The monitor's handle on one remote job: its follower, the key, and the panel's text."""

    def __init__(self, screen: Any, run_dir: Path, follower: Any = None, api_key: Any = None) -> None:
        self.screen, self.run_dir = screen, run_dir
        self.follower = follower
        self.api_key = api_key
        self.info: dict[str, Any] = {}
        self.unfollowed_since: float | None = None
        self.tried = False
        self.note: str | None = None
        self.busy = False

    @property
    def job(self) -> dict[str, Any]:
        return self.info.get("job") or {}

    def key(self) -> Any:
        """The key typed into the wizard (memory only), else the service's variable; None if neither."""
        return self.api_key if self.api_key is not None else service_of(self.job).key()

    def follower_starting(self) -> bool:
        return self.follower is not None and self.follower.poll() is None

    # -- the panel ---------------------------------------------------------------------------------------
    def panel(self, snapshot: Any) -> str:
        job, svc = self.job, service_of(self.job)
        label = svc.label if svc.kind in ("openai", "azure") else t("monitor.job.compatible")
        lines = [f"[b]{escape(label)}[/b] [$text-muted]{escape(svc.where)}[/]",
                 escape(t("monitor.job.id", job=job.get("job_id") or "-")),
                 escape(t("monitor.job.state", state=self.info.get("remote_state") or "-"))]
        if job.get("fine_tuned_model"):
            lines.append("[$text-success]" + escape(t("monitor.job.model", model=job["fine_tuned_model"])) + "[/]")
        checkpoints = job.get("checkpoints") or []
        if checkpoints:
            lines.append(escape(t("monitor.job.checkpoints", n=len(checkpoints))))
            for c in checkpoints[-SHOWN_CHECKPOINTS:]:
                lines.append("[$text-muted]" + escape(t("monitor.job.checkpoint", step=c.get("step"),
                                                         model=c.get("model") or "-")) + "[/]")
        cost = (job.get("estimate") or {}).get("cost_usd")
        if isinstance(cost, (int, float)):
            lines.append("[$text-muted]" + escape(t("monitor.job.cost", cost=cost)) + "[/]")
        if snapshot.active:
            if snapshot.followed or self.follower_starting():
                lines.append("[$text-muted]" + escape(t("monitor.job.followed", pid=snapshot.pid or "…")) + "[/]")
            else:
                lines.append("[$text-warning]" + escape(t("monitor.job.not_followed")) + "[/]")
        if self.note:
            lines.append("[$text-warning]" + escape(self.note) + "[/]")
        return "\n".join(lines)

    # -- following ---------------------------------------------------------------------------------------
    def observe(self, snapshot: Any, info: dict[str, Any] | None) -> None:
        """A new snapshot: keep the panel's facts, and follow again a job that nobody follows."""
        if info is not None:
            self.info = info
        if not snapshot.active or snapshot.followed or self.follower_starting():
            self.unfollowed_since = None
            if snapshot.followed and snapshot.active:
                self.note = None
            return
        now = time.monotonic()
        if self.unfollowed_since is None:
            self.unfollowed_since = now
        if not self.tried and now - self.unfollowed_since >= FOLLOW_GRACE_S:
            self.follow_again()

    def follow_again(self) -> bool:
        """Starts a detached follower when a key is at hand; else says how to follow the job."""
        from engine.openai_ft import FineTuneError, spawn_follower
        self.tried = True
        job, svc = self.job, service_of(self.job)
        if not job.get("job_id"):
            return False
        key = self.key()
        if key is None:
            self.note = t("monitor.job.how", env=svc.key_env, name=self.run_dir.name)
            return False
        typed = key.source == "typed"
        try:
            self.follower = spawn_follower(self.run_dir, key_value=key.reveal() if typed else None,
                                           key_env=svc.key_env if typed else None)
        except (OSError, FineTuneError) as exc:
            self.note = t("monitor.job.follow_failed", error=str(exc))
            return False
        self.note = t("monitor.job.following_again", pid=self.follower.pid)
        return True

    # -- stop = cancel at the service ------------------------------------------------------------------
    def ask_cancel(self) -> None:
        from tui.widgets.confirm import ConfirmScreen
        name = self.run_dir.name
        svc = service_of(self.job)
        self.screen.app.push_screen(
            ConfirmScreen(t("monitor.cancel.title", name=name),
                          t("monitor.cancel.body", job=self.job.get("job_id") or "-", label=svc.label),
                          t("monitor.cancel.yes"), t("monitor.cancel.no")), self._answered)

    def _answered(self, yes: bool | None) -> None:
        if not yes or self.busy:
            return
        key = self.key()
        svc = service_of(self.job)
        if key is None:
            self.screen.notify(t("monitor.cancel.no_key", env=svc.key_env, name=self.run_dir.name),
                               severity="error", timeout=12)
            return
        self.busy = True
        self.screen.run_worker(lambda: self._cancel(key), thread=True, exit_on_error=False, group="monitor-cancel")

    def _cancel(self, key: Any) -> None:
        from engine.openai_ft import FineTuneError, cancel, make_client
        svc, job_id = service_of(self.job), self.job.get("job_id") or ""
        try:
            result = cancel(make_client(svc, key), svc, job_id)
        except FineTuneError as err:
            self.screen.app.call_from_thread(self._cancelled, None, err)
            return
        self.screen.app.call_from_thread(self._cancelled, getattr(result, "status", "cancelled"), None)

    def _cancelled(self, status: str | None, error: Any) -> None:
        self.busy = False
        if error is not None:
            from tui.messages import fine_tune_error_text
            self.screen.notify(t("monitor.cancel.failed", error=fine_tune_error_text(error)), severity="error",
                               timeout=12)
            return
        self.screen.notify(t("monitor.cancel.sent", status=status))
        # The follower records the end (`stopped`) with the service's events; start one if none runs.
        from engine.openai_ft import follower_alive
        if not follower_alive(self.run_dir) and not self.follower_starting():
            self.follow_again()

    # -- chat -------------------------------------------------------------------------------------------
    def open_chat(self) -> None:
        from engine.openai_ft import FineTuneError, read_job
        from engine.openai_ft.jobs import chat_backends
        job = read_job(self.run_dir) or self.job
        try:
            columns = chat_backends(job, compare=True, key=self.api_key)
        except FineTuneError as err:
            from tui.messages import fine_tune_error_text
            self.screen.notify(fine_tune_error_text(err), severity="warning", timeout=10)
            return
        self.screen.app.open_screen("chat", backends=columns)
