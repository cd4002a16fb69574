"""Starting, stopping and resuming trainers.

The trainer always runs in its own process session with stdin closed and its output in
`train.log`: it never writes to the caller's terminal, and closing that terminal (or an SSH drop)
leaves it running. Watchers read the run directory, not pipes.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from engine import runs
from engine.messages import EngineMessage, message
from engine.train.config import RunConfig, config_path_problems


class LaunchError(RuntimeError):
    pass


def looks_like_local_path(model: str) -> bool:
    """Hub ids are `owner/name`; paths start with /, ., ~ or exist on disk."""
    return model.startswith(("/", ".", "~")) or Path(model).expanduser().exists()


def preflight(config: RunConfig) -> list[str]:
    """Problems that are certain before any heavy import, in English (`preflight_messages` gives them with
    their codes, for the user's language): caught here, no run directory is made."""
    return [m.text for m in preflight_messages(config)]


def preflight_messages(config: RunConfig) -> list[EngineMessage]:
    """`preflight` as coded messages (engine/launch_messages.py `preflight.*`, `tracking.*`)."""
    # Paths that cannot exist (NUL byte, unknown ~user, a name over 255 bytes) are named first: the file
    # system calls below would raise on them. A RunConfig built in code skips load_config's check.
    problems = [message("preflight.path", key=key, problem=problem)
                for key, problem in (p.split(": ", 1) for p in config_path_problems(config))]
    if problems:
        return problems
    if not config.data:
        problems.append(message("preflight.data-none"))
    try:
        for source in config.data:
            path = Path(source.path).expanduser()
            if not path.exists():
                problems.append(message("preflight.data-not-found", path=str(path)))
            elif path.is_dir():
                problems.append(message("preflight.data-is-folder", path=str(path)))
        if config.model != "demo" and looks_like_local_path(config.model):
            model = Path(config.model).expanduser()
            if not model.exists():
                problems.append(message("preflight.model-path-missing", path=str(model)))
            elif not (model / "config.json").is_file():
                problems.append(message("preflight.model-no-config", path=str(model)))
            else:
                problems += _remote_code_problems(config, model)
        elif not config.trust_remote_code:
            problems += _remote_code_problems(config, None)
    except (OSError, ValueError, RuntimeError) as exc:   # permissions, loops: named, not a traceback
        problems.append(message("preflight.paths-unreadable", detail=str(exc)))
    if not problems:
        problems += data_shape_messages(config)
    from engine.train.tracking import tracker_messages
    return problems + tracker_messages(config.report_to)


def data_shape_problems(config: RunConfig) -> list[str]:
    """`data_shape_messages` in English."""
    return [m.text for m in data_shape_messages(config)]


def data_shape_messages(config: RunConfig) -> list[EngineMessage]:
    """method dpo on data that is not pairs, or a supervised method on pairs: said before a run directory
    exists, from the first records of each file (engine.data.preference decides; unreadable files are left
    to the lint gate and the trainer)."""
    from engine.data.preference import detect_pair_file, looks_like_pair_file
    from engine.data.records import DatasetError, sniff
    problems = []
    for source in config.data:
        if source.format == "text":
            pairs = False
        else:
            try:
                pairs = looks_like_pair_file(source.path) and detect_pair_file(sniff(source.path)) is not None
            except (DatasetError, OSError, ValueError):
                continue
        if config.method == "dpo" and not pairs:
            from engine.train.dpo import PAIR_SHAPES_PART
            problems.append(message("preflight.not-pairs", path=str(source.path), shapes=PAIR_SHAPES_PART))
        elif config.method != "dpo" and pairs:
            problems.append(message("preflight.pairs-need-dpo", path=str(source.path), method=config.method))
    return problems


def _remote_code_problems(config: RunConfig, folder: Path | None) -> list[EngineMessage]:
    """trust_remote_code is an explicit opt-in: a model that ships its own Python code is refused without it."""
    if config.trust_remote_code:
        return []
    if folder is not None:
        import json
        try:
            remote = bool(json.loads((folder / "config.json").read_text(encoding="utf-8")).get("auto_map"))
        except (OSError, ValueError, RecursionError, AttributeError):
            return []           # the trainer names an unreadable config.json
    else:
        from engine.catalog import get_model
        spec = get_model(config.model)
        remote = bool(spec and spec.trust_remote_code)
        folder = spec.id if spec else None
    if not remote:
        return []
    return [message("preflight.remote-code", where=str(folder))]


def create_run_dir(config: RunConfig) -> Path:
    """Makes `<runs_dir>/<name>/` and writes the full validated config into it.

    A name already taken gets a numeric suffix rather than mixing two runs in one folder."""
    root = Path(config.runs_dir).expanduser()
    name = config.name or config.default_name()
    run_dir = root / name
    suffix = 2
    while run_dir.exists():
        run_dir = root / f"{name}-{suffix}"
        suffix += 1
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    # Readable by its owner only: configs, logs and weights are the user's (and may be private data).
    run_dir.mkdir(mode=0o700)
    run_dir.chmod(0o700)    # mkdir's mode is filtered by the umask
    update: dict = {"name": run_dir.name, "runs_dir": str(root.resolve())}
    if config.nproc_per_node is None:  # "every visible GPU", fixed now so that a resume runs as many
        from engine.train.distributed import default_nproc
        update["nproc_per_node"] = default_nproc()
    config = config.model_copy(update=update)
    (run_dir / runs.CONFIG_FILE).write_text(config.to_yaml(), encoding="utf-8")
    return run_dir.resolve()


def _trainer_env() -> dict[str, str]:
    env = dict(os.environ)
    # The trainer must find the engine even when tunewiz runs from a source checkout.
    src = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONUNBUFFERED"] = "1"
    # A shell inside another launcher (a torchrun or Slurm job) must not make the trainer think it is one
    # of that launcher's ranks: torchrun sets these afresh for the ranks it starts (engine/train/distributed.py).
    for key in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Secrets stay in the environment only; nothing here writes them anywhere.
    return env


def spawn_trainer(run_dir: Path, resume: bool = False) -> subprocess.Popen:
    """Starts `python -m engine.train.run RUN_DIR` (runs.TRAINER_MODULE) detached from this process's terminal."""
    log = open(run_dir / runs.LOG_FILE, "ab")
    cmd = [sys.executable, "-m", runs.TRAINER_MODULE, str(run_dir)] + (["--resume"] if resume else [])
    try:
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, env=_trainer_env(), cwd=str(run_dir.parent))
    finally:
        log.close()


def start_run(config: RunConfig) -> tuple[Path, subprocess.Popen]:
    run_dir = create_run_dir(config)
    return run_dir, spawn_trainer(run_dir)


def restart_with(run_dir: Path, settings: dict[str, Any]) -> tuple[Path, subprocess.Popen]:
    """Starts a new run from `run_dir`'s config with `settings` (RunConfig keys -> values, as an
    `oom` end's retry_settings) applied and validated like `--set`; the new run takes the old name
    with a numeric suffix. The old run is left as it is."""
    from engine.train.config import ConfigError, load_config
    overrides = [f"{key}={str(value).lower() if isinstance(value, bool) else value}" for key, value in settings.items()]
    try:
        config = load_config(run_dir / runs.CONFIG_FILE, overrides)
    except ConfigError as exc:
        raise LaunchError(str(exc)) from None
    problems = preflight(config)
    if problems:
        raise LaunchError("; ".join(problems))
    return start_run(config)


def _refuse_remote(run_dir: Path, what: str) -> None:
    status = runs.read_status(run_dir)
    if runs.is_remote(status):
        raise LaunchError(f"{run_dir.name} is a fine-tuning job at {status.get('backend')}, not a local trainer: "
                          f"{what}")


def resume_run(run_dir: Path) -> subprocess.Popen:
    _refuse_remote(run_dir, f"`tunewiz openai watch {run_dir.name}` follows it; a cancelled or failed job starts "
                            "again with `tunewiz openai start FILE`")
    info = runs.run_info(run_dir)
    if info.state in runs.ACTIVE_STATES:
        raise LaunchError(f"{run_dir.name} is still {info.state} (pid {runs.read_status(run_dir).get('pid')}); "
                          f"stop it first with `tunewiz stop {run_dir.name}`")
    if info.state == "completed":
        raise LaunchError(f"{run_dir.name} already completed; start a new run with more epochs or max_steps instead")
    if runs.last_checkpoint(run_dir) is None:
        raise LaunchError(f"{run_dir.name} has no checkpoint to resume from (checkpoints are written every "
                          f"save_steps and on stop); start it again: tunewiz train {run_dir / runs.CONFIG_FILE}")
    return spawn_trainer(run_dir, resume=True)


def request_stop(run_dir: Path) -> int:
    """Sends SIGTERM to the run's trainer (it checkpoints, then ends with `stopped`). Returns the pid."""
    _refuse_remote(run_dir, f"cancel it at the service with `tunewiz openai cancel {run_dir.name}`")
    status = runs.read_status(run_dir) or {}
    pid = status.get("pid")
    state = runs.effective_state(status)
    if state not in runs.ACTIVE_STATES:
        raise LaunchError(f"{run_dir.name} is not running (state: {state})")
    if not runs.is_trainer_process(pid):
        raise LaunchError(f"{run_dir.name} is not running: its trainer (pid {pid}) has gone without an end event "
                          f"(crashed); see {run_dir / runs.LOG_FILE}")
    os.kill(pid, signal.SIGTERM)
    return pid


def wait_for_end(run_dir: Path, timeout: float | None = None, poll: float = 0.5) -> str:
    """Waits until the run reaches an end state (or crashes). Returns that state."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        state = runs.run_info(run_dir).state
        if state not in runs.ACTIVE_STATES:
            return state
        if deadline is not None and time.monotonic() > deadline:
            return state
        time.sleep(poll)
