"""Run directories: layout, status.json, finding a run by name or path, listing runs.

The run directory is the contract between the trainer and everything that watches it
(DESIGN.md). Everything here reads files only, so the app can die and come back.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from engine.events import END_STATUSES, read_events

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack for **kwargs needs Python 3.12

CONFIG_FILE = "config.yaml"
REMOTE_JOB_FILE = "remote_job.json"  # an OpenAI / Azure job's record (engine/openai_ft/jobs.py); no config.yaml then
EVENTS_FILE = "events.jsonl"
STATUS_FILE = "status.json"
TRAINER_MODULE = "engine.train.run"  # `python -m TRAINER_MODULE RUN_DIR`: how a trainer process is told apart
LOG_FILE = "train.log"
CHECKPOINTS_DIR = "checkpoints"
ADAPTER_DIR = "adapter"
MODEL_DIR = "model"
# How training rendered the chat template (thinking on/off, what the template supports, its hash): chat and
# export render the same way. Fields: engine.train.template.RenderRecord.
RENDER_FILE = "chat_template.json"
# Experiment trackers' own files when the config's report_to names them (engine/train/tracking.py):
# tracking/tensorboard (event files), tracking/trackio (trackio's database), tracking/wandb (W&B's local
# files), tracking/mlruns (MLflow's file store, unless MLFLOW_TRACKING_URI names another). They copy what
# the monitor shows; events.jsonl stays the record every tunewiz screen reads.
TRACKING_DIR = "tracking"

ACTIVE_STATES = ("starting", "running", "stopping")
# `crashed`: the status says active but the process is gone without writing an `end` event.
ALL_STATES = ACTIVE_STATES + END_STATUSES + ("crashed",)


class RunNotFound(LookupError):
    """No run by that name or path. Carries its coded message (`message_code`, `params`; engine/run_messages.py)
    so the commands and the monitor say it in the user's language; str() is the English."""

    def __init__(self, run: str, root: Path, known: list[str]) -> None:
        import engine.run_messages  # noqa: F401 - registers the run.* codes
        from engine.messages import english
        self.message_code = "run.not-found" if known else "run.not-found.none"
        self.params: dict[str, Any] = {"run": run, "root": str(root), **({"runs": known[:10]} if known else {})}
        self.message = english(self.message_code, self.params)
        super().__init__(self.message)


def default_runs_dir() -> Path:
    """$TUNEWIZ_RUNS_DIR, else ./runs (the guide's `runs/<name>/adapter`)."""
    return Path(os.environ.get("TUNEWIZ_RUNS_DIR") or "runs")


class RunStatus(TypedDict, total=False):
    """status.json: the latest state of a run, for cheap reads (the run list reads every run's file
    every two seconds). The one definition of its fields; README's "The run directory" lists them.

    The trainer (engine/train/run.py and its callback in trainer.py) is its only writer (for an
    OpenAI / Azure job, the process following the job: engine/openai_ft/follow.py), through
    `write_status`, which merges what it is given into the file, so any field may be missing: a
    file written by an older tunewiz, or one read before the trainer got that far. Values on disk
    are not checked on reading (a foreign or damaged file may hold anything); readers that show
    them take them through `engine.history.num`/`integer`/`text` or check their type. History
    (every step, eval, checkpoint) is in events.jsonl; this file holds only the latest figures.
    """

    # -- written when the trainer starts (again on each resume) -------------------------------
    state: str                # "starting" | "running" | "stopping" while the trainer works, then its end
                              # status ("completed" | "stopped" | "failed" | "oom"). Never "crashed":
                              # readers derive that from a dead `pid` (effective_state)
    pid: int                  # the trainer's process id
    pid_start: int | None     # the trainer's start time (clock ticks since boot, /proc/PID/stat field
                              # 22; None without /proc): a recycled `pid` is not taken for the trainer
    name: str                 # the run's name (its directory's name)
    model: str                # the config's model: a hub id, a local path or "demo"
    method: str               # the config's method: "lora" | "qlora" | "full" | "cpt"
    started_at: float         # unix time the run first started (kept across resumes)
    # -- written as training goes ---------------------------------------------------------------
    step: int                 # the latest optimizer step (0 before the first)
    total_steps: int          # optimizer steps the run will take (HF Trainer's max_steps)
    last_loss: float | None   # the training loss of the latest step; None when it was not finite
    output: str               # the folder the final adapter (or model) was saved to
    # -- written at the end (error and advice are reset to None on each start) ------------------
    error: str | None         # why the run failed or ran out of memory; None otherwise
    advice: str | None        # a sentence the user can act on (how to fix it, how to resume)
    ended_at: float           # unix time the trainer ended (any end status)
    # -- written for a remote (OpenAI / Azure) job, by the process following it -----------------
    backend: str              # "local" (absent means local) | "openai" | "azure" | "compatible": where
                              # the training runs. A remote job goes on when its follower (`pid`) dies,
                              # so such a run is never `crashed` (effective_state)
    remote_state: str         # the service's own word for the job (validating_files, queued, ...)
    # -- written by write_status itself ---------------------------------------------------------
    updated_at: float         # unix time of the latest write


STATUS_FIELDS: frozenset[str] = frozenset(RunStatus.__annotations__)


def write_status(run_dir: str | Path, **fields: Unpack[RunStatus]) -> RunStatus:
    """Merges `fields` into status.json atomically (write a temp file, then rename).

    Only the fields of `RunStatus` are accepted: another name is a programmer error (TypeError),
    so the schema cannot drift from what is written."""
    unknown = sorted(set(fields) - STATUS_FIELDS)
    if unknown:
        raise TypeError(f"write_status: {', '.join(unknown)} not a field of RunStatus (engine/runs.py); "
                        "declare a new field there first")
    path = Path(run_dir) / STATUS_FILE
    status = read_status(run_dir) or RunStatus()
    status.update(fields)
    status["updated_at"] = time.time()
    tmp = path.with_name(f".{STATUS_FILE}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(status, ensure_ascii=False, indent=1))
    os.replace(tmp, path)
    return status


def read_status(run_dir: str | Path) -> RunStatus | None:
    """The run's status.json as written (unchecked values, see RunStatus); None when it is missing
    or not a JSON object."""
    try:
        value = json.loads((Path(run_dir) / STATUS_FILE).read_text())
        return value if isinstance(value, dict) else None
    except (OSError, ValueError, RecursionError):  # RecursionError: hostile nesting (json recurses)
        return None


def pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) is not running.
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def process_start_ticks(pid: Any) -> int | None:
    """When the process started (clock ticks since boot, /proc/PID/stat field 22); None without /proc.

    A pid plus its start time names one process for good: a recycled pid has a later start."""
    if not isinstance(pid, int) or pid <= 0:
        return None
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def is_trainer_process(pid: Any) -> bool:
    """True when `pid` is alive and is a tunewiz trainer (guards against recycled pids)."""
    if not pid_alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return True  # no /proc: trust the pid
    return TRAINER_MODULE.encode() in cmdline


def trainer_alive(status: RunStatus | None) -> bool:
    """Whether the process that status.json names is still the one that wrote it.

    The trainer records `pid_start` next to `pid`; when the pid has since been reused by another
    process, the start times differ. Status files without `pid_start` (older runs, other writers)
    fall back to "the pid is alive"."""
    if not status:
        return False
    pid = status.get("pid")
    if not pid_alive(pid):
        return False
    recorded = status.get("pid_start")
    if not isinstance(recorded, int):
        return True
    current = process_start_ticks(pid)
    return current is None or current == recorded


def effective_state(status: RunStatus | None) -> str:
    if not status:
        return "starting"
    state = status.get("state", "starting")
    if state in ACTIVE_STATES and not trainer_alive(status) and not is_remote(status):
        return "crashed"
    return state


def is_remote(status: RunStatus | None) -> bool:
    """Whether the run is a job on a service (OpenAI, Azure, ...) rather than a local trainer."""
    backend = (status or {}).get("backend")
    return isinstance(backend, str) and backend not in ("", "local")


@dataclass
class RunInfo:
    """One row of `tunewiz runs` (and its --json) and of the runs screen: the run's RunStatus fields
    as found on disk (unchecked), with `state` made effective (a dead trainer is `crashed`)."""

    name: str
    path: str
    state: str
    model: str | None
    method: str | None
    step: int | None
    total_steps: int | None
    last_loss: float | None
    started_at: float | None
    updated_at: float | None
    error: str | None = None
    advice: str | None = None
    backend: str = "local"          # RunStatus.backend: where it trains
    followed: bool = True           # False: a remote job that no process follows now (its state is the
                                    # last one seen; `tunewiz openai watch NAME` follows it again)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_info(run_dir: str | Path) -> RunInfo:
    run_dir = Path(run_dir)
    status = read_status(run_dir) or {}
    return RunInfo(
        name=run_dir.name, path=str(run_dir.resolve()), state=effective_state(status),
        model=status.get("model"), method=status.get("method"), step=status.get("step"),
        total_steps=status.get("total_steps"), last_loss=status.get("last_loss"),
        started_at=status.get("started_at"), updated_at=status.get("updated_at"),
        error=status.get("error"), advice=status.get("advice"),
        backend=status["backend"] if is_remote(status) else "local",
        followed=not is_remote(status) or status.get("state") not in ACTIVE_STATES or trainer_alive(status),
    )


def is_run_dir(path: Path) -> bool:
    return path.is_dir() and ((path / CONFIG_FILE).is_file() or (path / REMOTE_JOB_FILE).is_file())


def list_runs(runs_dir: str | Path | None = None) -> list[RunInfo]:
    """Every run under `runs_dir`, newest first."""
    root = Path(runs_dir) if runs_dir else default_runs_dir()
    if not root.is_dir():
        return []
    runs = [run_info(p) for p in root.iterdir() if is_run_dir(p)]
    return sorted(runs, key=lambda r: r.started_at or 0, reverse=True)


def resolve_run(run: str, runs_dir: str | Path | None = None) -> Path:
    """A run directory path, or a run name under the runs directory."""
    as_path = Path(run).expanduser()
    if is_run_dir(as_path):
        return as_path.resolve()
    root = Path(runs_dir) if runs_dir else default_runs_dir()
    named = root / run
    if is_run_dir(named):
        return named.resolve()
    raise RunNotFound(run, root, [r.name for r in list_runs(root)])


def last_checkpoint(run_dir: str | Path) -> Path | None:
    """The newest complete HF checkpoint (checkpoint-<step>) of a run, if any."""
    folder = Path(run_dir) / CHECKPOINTS_DIR
    if not folder.is_dir():
        return None
    candidates = []
    for child in folder.iterdir():
        if child.is_dir() and child.name.startswith("checkpoint-") and child.name[11:].isdigit():
            if (child / "trainer_state.json").is_file():  # written last: the checkpoint is complete
                candidates.append((int(child.name[11:]), child))
    return max(candidates)[1] if candidates else None


def run_events(run_dir: str | Path) -> list[dict[str, Any]]:
    return read_events(Path(run_dir) / EVENTS_FILE)


def run_ending(run_dir: str | Path, state: str | None = None, tail_bytes: int = 1 << 16) -> tuple[str | None, Any]:
    """(code, params) of a run's `end` event, the last line of its events.jsonl (only its tail is read), for its
    messages `end.<code>` and `end.<code>.advice` (engine/train/end_messages.py); (None, None) when the run has no
    coded ending, or one of another `state` than the one given."""
    try:
        with open(Path(run_dir) / EVENTS_FILE, "rb") as handle:
            handle.seek(0, 2)
            handle.seek(max(0, handle.tell() - tail_bytes))
            lines = handle.read().splitlines()
        event = json.loads(next(line for line in reversed(lines) if line.strip()))
    except (OSError, ValueError, StopIteration):
        return None, None
    if not isinstance(event, dict) or event.get("type") != "end" or (state and event.get("status") != state):
        return None, None
    code, params = event.get("code"), event.get("params")
    return (code, params) if isinstance(code, str) and isinstance(params, dict) else (None, None)


# -- live trainers (chat warns before it loads onto a GPU that one of them uses) ---------------------
@dataclass
class Trainer:
    """A live tunewiz trainer process, as `active_trainers` finds it."""

    pid: int
    run: str                       # its run's name ("?" when its command line names none)
    cuda_visible: str | None       # the trainer's CUDA_VISIBLE_DEVICES (None: unset or unreadable)
    env_known: bool = True         # False when its environment could not be read


def active_trainers(runs_dir: str | Path | None = None) -> list[Trainer]:
    """Live tunewiz trainers: the active runs under `runs_dir`, and any other TRAINER_MODULE process
    of this machine (a run started from another folder still uses the GPU)."""
    found: dict[int, str] = {}
    for info in list_runs(runs_dir):
        if info.state in ACTIVE_STATES:
            pid = (read_status(info.path) or {}).get("pid")
            if is_trainer_process(pid):
                found[pid] = info.name
    module = TRAINER_MODULE.encode()
    proc = Path("/proc")
    if proc.is_dir():
        for entry in proc.iterdir():
            if not entry.name.isdigit() or int(entry.name) in found or int(entry.name) == os.getpid():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            # `python -m engine.train.run RUN_DIR`: the module is an argument of its own, the run
            # directory the first non-option argument after it.
            if module in cmdline and pid_alive(int(entry.name)):
                run = next((Path(a.decode(errors="replace")).name for a in cmdline[cmdline.index(module) + 1:]
                            if a and not a.startswith(b"-")), "?")
                found[int(entry.name)] = run
    out = []
    for pid, run in sorted(found.items()):
        try:
            env = dict(item.split(b"=", 1) for item in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                       if b"=" in item)
            visible = env.get(b"CUDA_VISIBLE_DEVICES")
            out.append(Trainer(pid, run, visible.decode() if visible is not None else None))
        except OSError:
            out.append(Trainer(pid, run, None, env_known=False))
    return out
