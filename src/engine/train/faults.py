"""TEST-ONLY fault injection for the trainer subprocess, through the environment variable TUNEWIZ_TEST_FAULTS.

Not a feature and not for users: tests/test_faults.py sets this variable for the trainer it starts, to
produce faults a test cannot otherwise cause on demand on a CPU box: a disk that fills while a checkpoint
is written, CUDA running out of memory, a trainer that stops at a known step so a test can SIGKILL it
there. When the variable is unset (always, outside those tests) `install` returns None at once and
nothing here touches the trainer.

    TUNEWIZ_TEST_FAULTS="enospc_at_checkpoint=8,free_bytes=4096,oom_at_step=3,vram_gb=1.5,hang_after_step=6"

- enospc_at_checkpoint=N: writing checkpoint-N or a later one fails: the optimizer file (written with
  torch.save, after the weights) gets a few bytes, then OSError(ENOSPC), as a full disk does.
- free_bytes=B: the free space the checkpoint check sees (engine/train/checkpoints.py).
- oom_at_step=N: optimizer step N raises torch.OutOfMemoryError (CUDA's message) before it trains.
- vram_gb=G: the GPU size in GB the out-of-memory advice plans for (engine/train/errors.py).
- hang_after_step=N: after step N's events (and its checkpoint, if any) the trainer waits to be killed
  (for HANG_LIMIT_S at most, then it exits without an end event).
- hang_in_checkpoint=N: the first file this process writes into checkpoint-N (with torch.save: rank 0's
  optimizer state, another rank's RNG state) is not written; the process waits to be killed there.
- step_delay_s=S: every optimizer step takes S seconds longer (a slow GPU), so a test can act while a tiny
  model's run is still going (tests/test_ssh.py drops and re-attaches mid-run).
- train_end_delay_s=S: the training summary's log (HF's last collective of trainer.train() is just before
  it) waits S seconds, so the other ranks leave trainer.train() first (the race tests/test_faults_distributed.py
  guards: another rank removed the staging folder while this one still listed it).
- only_rank=R: with several processes (tests/test_faults_distributed.py), the faults above happen on
  global rank R only (torchrun's RANK); without it, on every rank.
"""
from __future__ import annotations

import errno
import os
import time
from typing import Any

ENV = "TUNEWIZ_TEST_FAULTS"
HANG_LIMIT_S = 300  # a frozen trainer nobody killed exits after this
KEYS = {"enospc_at_checkpoint": int, "free_bytes": int, "oom_at_step": int, "vram_gb": float, "hang_after_step": int,
        "hang_in_checkpoint": int, "only_rank": int, "step_delay_s": float,
        "train_end_delay_s": float}


def parse(text: str) -> dict[str, Any]:
    """`key=value,...` -> {key: value}; an unknown key or a bad value raises ValueError."""
    out: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, _, value = item.partition("=")
        if key not in KEYS:
            raise ValueError(f"{ENV}: unknown fault {key!r}; known: {', '.join(KEYS)}")
        out[key] = KEYS[key](value)
    return out


def install() -> Any:
    """The faults $TUNEWIZ_TEST_FAULTS asks for, installed; returns a TrainerCallback for the step faults
    (or None when none is asked for)."""
    text = os.environ.get(ENV)
    if not text:
        return None
    faults = parse(text)
    rank = int(os.environ.get("RANK", "0"))
    if faults.get("only_rank", rank) != rank:
        return None  # another rank's faults
    print(f"[warning] {ENV} is set: injecting test faults {faults}", flush=True)
    if "free_bytes" in faults:
        from engine.train.checkpoints import FREE_BYTES_HOOK
        FREE_BYTES_HOOK[:] = [faults["free_bytes"]]
    if "vram_gb" in faults:
        from engine.train.errors import VRAM_HOOK
        VRAM_HOOK[:] = [faults["vram_gb"]]
    if "enospc_at_checkpoint" in faults:
        _fill_disk_at(faults["enospc_at_checkpoint"])
    if "hang_in_checkpoint" in faults:
        _hang_in_checkpoint(faults["hang_in_checkpoint"])
    return _callback(faults.get("oom_at_step"), faults.get("hang_after_step"), faults.get("step_delay_s"),
                     faults.get("train_end_delay_s"))


def _checkpoint_step(path: str) -> int | None:
    """N when `path` is a file directly inside a folder named checkpoint-N."""
    folder = os.path.basename(os.path.dirname(path))
    return int(folder[11:]) if folder.startswith("checkpoint-") and folder[11:].isdigit() else None


def _wrap_torch_save(fault: Any) -> None:
    """torch.save with `fault(path)` called first for every file written into a checkpoint folder."""
    import torch
    real_save = torch.save

    def save(obj: Any, f: Any, *args: Any, **kwargs: Any) -> Any:
        if _checkpoint_step(str(f)) is not None:
            fault(str(f))
        return real_save(obj, f, *args, **kwargs)

    torch.save = save


def _fill_disk_at(first_step: int) -> None:
    def fault(path: str) -> None:
        if _checkpoint_step(path) >= first_step:
            with open(path, "wb") as handle:
                handle.write(b"PK\x03\x04")  # the start of a file that never got finished
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)

    _wrap_torch_save(fault)


def _hang_in_checkpoint(step: int) -> None:
    def fault(path: str) -> None:
        if _checkpoint_step(path) == step:
            _wait_to_be_killed(f"before writing {path}")

    _wrap_torch_save(fault)


def _wait_to_be_killed(where: str) -> None:
    print(f"[warning] test fault: waiting to be killed {where}", flush=True)
    deadline = time.monotonic() + HANG_LIMIT_S
    while time.monotonic() < deadline:
        time.sleep(1)
    os._exit(3)  # never killed (the test failed early): do not stay behind forever


def _callback(oom_at: int | None, hang_after: int | None, step_delay: float | None = None,
              train_end_delay: float | None = None) -> Any:
    if oom_at is None and hang_after is None and not step_delay and not train_end_delay:
        return None
    from transformers import TrainerCallback

    class Faults(TrainerCallback):
        def on_step_begin(self, args, state, control, **kwargs):
            if oom_at is not None and state.global_step + 1 == oom_at:
                import torch
                raise torch.OutOfMemoryError(
                    "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of "
                    "1.00 GiB of which 0 bytes is free. (simulated by TUNEWIZ_TEST_FAULTS)")
            if step_delay:
                time.sleep(step_delay)

        def on_save(self, args, state, control, **kwargs):
            self._maybe_hang(state)

        def on_log(self, args, state, control, logs=None, **kwargs):
            # After the step event (and the checkpoint, when this step saves: on_save runs later).
            if not control.should_save:
                self._maybe_hang(state)
            if train_end_delay and logs and "train_runtime" in logs:
                print(f"[warning] test fault: training ends {train_end_delay:g} s late on this rank", flush=True)
                time.sleep(train_end_delay)

        def _maybe_hang(self, state):
            if hang_after is not None and state.global_step == hang_after:
                _wait_to_be_killed(f"after step {hang_after}")

    return Faults()
