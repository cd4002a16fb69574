"""A run's checkpoints: each one whole or absent, rotated, and sized against the disk before the first.

Written under a temporary name, then renamed. HF's Trainer writes `checkpoint-<step>` straight into its
`output_dir`; a disk that fills (or a SIGKILL) mid-write would leave a half-written folder under the name
resume looks for. So the Trainer's `output_dir` (TrainingArguments, public) is a staging folder,
`checkpoints/.writing`, and when the Trainer reports the checkpoint written (`TrainerCallback.on_save`,
public) `publish` moves it up into `checkpoints/` with one rename. A `checkpoint-<step>` folder under
`checkpoints/` is therefore complete; the staging folder holds at most the one being written and is
emptied when the run starts again (`clear_staging`). No private Trainer name is involved.

Several processes (torchrun): every rank writes its part into the same staging checkpoint (rank 0 the
weights, optimizer and trainer state; every rank its RNG state), the trainer's on_save waits for all of
them (a barrier), and only the rank that saves (`TrainingArguments.should_save`) publishes and rotates.
A rank that meets a full disk leaves the staging folder alone (another rank may still be writing into
it); the supervisor removes it once every rank has exited (distributed.supervise).

Rotation (`rotate`): the newest `save_total_limit` checkpoints are kept, plus the best by eval loss when
there is an eval split. Which step was best is HF's own bookkeeping (`metric_for_best_model="eval_loss"`
sets `state.best_global_step`; `load_best_model_at_end` stays off: the final adapter is the last step's).
Unlike HF's `save_total_limit`, whose count includes the best one, the best is kept on top of the newest
N, so a resume always has the newest N to fall back on.

Size (`checkpoint_size`): read from the loaded model. A LoRA/QLoRA checkpoint holds the adapter weights
(the trainable parameters only) and AdamW's two states for them; a full/cpt checkpoint holds every
weight and two states per weight. `check_free_space` compares that with the disk before training starts.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from engine import runs
from engine.message_parts import part, parts
from engine.train.errors import TrainingError, coded_failure

if TYPE_CHECKING:
    from engine.train.context import RunContext

STAGING = ".writing"            # under checkpoints/: where the Trainer writes the checkpoint in progress
PREFIX = "checkpoint-"
OTHER_FILES_BYTES = 256 << 10   # scheduler, RNG states, trainer_state.json, training_args.bin
HUB_TOKENIZER_BYTES = 20 << 20  # a hub model's tokenizer files, unseen before download (Qwen's: 11 MB)
TOKENIZER_PREFIXES = ("tokenizer", "vocab", "merges", "spiece", "special_tokens_map", "chat_template",
                      "added_tokens")
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
FREE_BYTES_HOOK: list[int] = []  # test-only (engine/train/faults.py): the free space check_free_space sees


def human(size: float) -> str:
    """Bytes as people read them: 512 B, 245 KB, 1.6 GB (powers of 1024, as `df -h`)."""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(size) < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"  # pragma: no cover - the loop returns at GB


def staging_dir(checkpoints_dir: Path) -> Path:
    return checkpoints_dir / STAGING


def clear_staging(checkpoints_dir: Path) -> Path:
    """An empty staging folder (a checkpoint left half-written by a full disk or a kill is removed)."""
    staging = staging_dir(checkpoints_dir)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True, exist_ok=True)
    return staging


def remove_staging(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def finish_staging(staging: Path, saves: bool) -> None:
    """After trainer.train(): the staging folder removed by the process that publishes (`saves`:
    TrainingArguments.should_save). Another rank leaves the final barrier while that one is still renaming
    the last checkpoint out of the folder (and TRL writing its model card into it): removing it there
    failed the run. The supervisor removes whatever is left once every rank has exited."""
    if saves or not shared_staging():
        remove_staging(staging)


def shared_staging() -> bool:
    """Whether this process is one of several ranks writing into one staging folder (torchrun sets
    WORLD_SIZE for each rank it starts)."""
    try:
        return int(os.environ.get("WORLD_SIZE", "1")) > 1
    except ValueError:
        return False


# -- size -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckpointSize:
    weights: int      # what save_model writes: the adapter (LoRA/QLoRA) or the whole model
    optimizer: int    # AdamW's two states per trainable parameter, in the parameter's dtype
    other: int        # tokenizer files, scheduler, RNG states, trainer state

    @property
    def total(self) -> int:
        return self.weights + self.optimizer + self.other

    def describe(self) -> str:
        from engine.message_parts import english_params
        return english_params({"size": self.part()})["size"]

    def part(self) -> dict[str, Any]:
        """describe() as a part (engine.message_parts) of the end.* messages."""
        from engine.message_parts import part
        return part("end.part.checkpoint-size", total=human(self.total), weights=human(self.weights),
                    optimizer=human(self.optimizer), other=human(self.other))


def checkpoint_size(model: Any, model_path: str) -> CheckpointSize:
    """The bytes one checkpoint of this run takes, from the loaded (peft-wrapped) model."""
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = sum(2 * p.numel() * p.element_size() for p in trainable)
    if hasattr(model, "peft_config"):
        weights = sum(p.numel() * p.element_size() for p in trainable)
    else:  # tied weights share storage and are written once
        seen: dict[int, int] = {}
        for p in model.parameters():
            seen[p.data_ptr()] = p.numel() * p.element_size()
        weights = sum(seen.values())
    folder = Path(model_path)
    if folder.is_dir():
        tokenizer = sum(f.stat().st_size for f in folder.iterdir()
                        if f.is_file() and f.name.startswith(TOKENIZER_PREFIXES))
    else:
        tokenizer = HUB_TOKENIZER_BYTES
    return CheckpointSize(weights=int(weights), optimizer=int(optimizer), other=int(tokenizer + OTHER_FILES_BYTES))


def free_bytes(folder: Path) -> int:
    if FREE_BYTES_HOOK:
        return FREE_BYTES_HOOK[0]
    return shutil.disk_usage(folder).free


def check_free_space(checkpoints_dir: Path, size: CheckpointSize, keep: int, best: bool) -> str | None:
    """Before the first checkpoint: TrainingError when the disk cannot take even one; a warning (returned)
    when it cannot take all a run holds at its fullest: `keep` checkpoints, the best one, the one being
    written. None when there is room."""
    free = free_bytes(checkpoints_dir)
    if free < size.total:
        raise coded_failure("checkpoint-no-space", path=str(checkpoints_dir), free_bytes=free, needed_bytes=size.total,
                            free=human(free), size=size.part(), short=human(size.total - free))
    most = keep + (1 if best else 0) + 1
    if free < most * size.total:
        return (f"checkpoints: {checkpoints_dir} has {human(free)} free; this run holds up to {most} checkpoints "
                f"of {human(size.total)} at once ({human(most * size.total)}: save_total_limit {keep}"
                f"{', the best by eval loss' if best else ''} and the one being written), so the disk may fill "
                "before the run ends; a full disk ends the run with the last checkpoint intact")
    return None


def prepare(ctx: "RunContext", model: Any, model_path: str, best_by_eval: bool) -> tuple[Path, CheckpointSize]:
    """Before training: an empty staging folder (the Trainer's output_dir), this run's checkpoint size
    logged, and the disk checked against it. Returns (staging folder, size)."""
    checkpoints_dir = ctx.run_dir / runs.CHECKPOINTS_DIR
    staging = clear_staging(checkpoints_dir)
    size = checkpoint_size(model, model_path)
    keep = ctx.config.save_total_limit
    ctx.log(f"each checkpoint takes {size.describe()}; keeping the newest {keep}"
            + (" and the best by eval loss" if best_by_eval else ""))
    warning = check_free_space(checkpoints_dir, size, keep, best_by_eval)
    if warning:
        ctx.log(warning, "warning")
    return staging, size


# -- publishing and rotation ------------------------------------------------------------------------------
def publish(checkpoints_dir: Path, state: Any, keep: int, best_by_eval: bool) -> Path:
    """Moves the checkpoint the Trainer just wrote (staging/checkpoint-<step>) to checkpoints/ in one
    rename, then deletes the checkpoints the rotation no longer keeps. Returns the published folder."""
    name = f"{PREFIX}{state.global_step}"
    written = staging_dir(checkpoints_dir) / name
    final = checkpoints_dir / name
    best_step = state.best_global_step if best_by_eval else None
    # trainer_state.json names the best checkpoint by path: name it where it will be (HF checks it on resume).
    state.best_model_checkpoint = str(checkpoints_dir / f"{PREFIX}{best_step}") if best_step else None
    state_file = written / "trainer_state.json"
    if state_file.is_file():
        tmp = state_file.with_suffix(".json.tmp")
        state.save_to_json(str(tmp))
        os.replace(tmp, state_file)
    if final.exists():  # left by an older tunewiz that wrote in place: the fresh one replaces it
        shutil.rmtree(final)
    os.rename(written, final)
    rotate(checkpoints_dir, keep, best_step)
    return final


def checkpoints_of(checkpoints_dir: Path) -> list[tuple[int, Path]]:
    """(step, folder) of every published checkpoint, oldest first."""
    found = []
    if checkpoints_dir.is_dir():
        for child in checkpoints_dir.iterdir():
            if child.is_dir() and child.name.startswith(PREFIX) and child.name[len(PREFIX):].isdigit():
                found.append((int(child.name[len(PREFIX):]), child))
    return sorted(found)


def rotate(checkpoints_dir: Path, keep: int, best_step: int | None) -> list[Path]:
    """Deletes all but the newest `keep` checkpoints and the best one; returns what was deleted."""
    found = checkpoints_of(checkpoints_dir)
    kept = {step for step, _ in found[-keep:]} | ({best_step} if best_step else set())
    gone = [folder for step, folder in found if step not in kept]
    for folder in gone:
        shutil.rmtree(folder, ignore_errors=True)
    return gone


def best_step_of(checkpoint: Path) -> int | None:
    """The best step a checkpoint's trainer_state.json records (None when it records none)."""
    try:
        value = json.loads((checkpoint / "trainer_state.json").read_text()).get("best_global_step")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- a full disk ------------------------------------------------------------------------------------------
def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS


@contextmanager
def disk_full_ends_run(run_dir: Path, size: CheckpointSize | None) -> Iterator[None]:
    """Inside: a full disk (ENOSPC, EDQUOT) becomes the TrainingError of `disk_full_error`."""
    try:
        yield
    except OSError as exc:
        if not is_disk_full(exc):
            raise
        raise disk_full_error(exc, run_dir, size) from None


def disk_full_error(exc: OSError, run_dir: Path, size: CheckpointSize | None) -> TrainingError:
    """The ending of a checkpoint that did not fit: the half-written one is deleted (which frees its
    space; with several ranks the supervisor deletes it once none is writing), the last whole checkpoint
    is named and resume explained."""
    checkpoints_dir = run_dir / runs.CHECKPOINTS_DIR
    staging = staging_dir(checkpoints_dir)
    partial = sorted(p.name for p in staging.glob(f"{PREFIX}*")) if staging.is_dir() else []
    if not shared_staging():
        shutil.rmtree(staging, ignore_errors=True)
    what = (part("end.part.writing-into", checkpoint=partial[0], path=str(checkpoints_dir)) if partial
            else str(exc.filename or run_dir))
    free = free_bytes(checkpoints_dir if checkpoints_dir.is_dir() else run_dir)
    need = [part("end.part.checkpoint-needs", size=size.part())] if size and partial else []
    last = runs.last_checkpoint(run_dir)
    kept = part("end.part.intact", checkpoint=last.name) if last else part("end.part.no-earlier")
    short = max(0, size.total - free) if size else None
    room = part("end.part.free-at-least", size=human(short)) if short else part("end.part.free-space")
    then = (part("end.part.continue-from", step=last.name[len(PREFIX):], name=run_dir.name) if last
            else part("end.part.start-again", config=str(run_dir / runs.CONFIG_FILE)))
    return coded_failure("disk-full", path=str(checkpoints_dir if partial else exc.filename or run_dir),
                         file=exc.filename, free_bytes=free, needed_bytes=size.total if size else None,
                         last_checkpoint=str(last) if last else None, what=what, reason=str(exc.strerror or exc),
                         free=human(free), need=parts(need, sep=""), kept=kept, room=room, then=then)
