"""The event stream of a run, `events.jsonl`: the one definition of its schema (version 1).

The trainer is the only writer of `events.jsonl` (through `EventWriter`), or for an OpenAI / Azure
job the process following it (engine/openai_ft/follow.py, which turns the service's metrics into
`step` / `eval` events); the monitor, `tunewiz runs`, `watch` and `train`'s progress lines read it. Every line is one JSON object: the fields of
`EventBase` (`v`, `t`, `type`) and those of its type, below, one TypedDict per type:

    type         TypedDict        written
    start        StartEvent       when training begins (again on each resume)
    step         StepEvent        at each logging step (HF `logging_steps`)
    eval         EvalEvent        after each evaluation
    checkpoint   CheckpointEvent  when a checkpoint folder was written
    log          LogEvent         a message for people (the same line goes to train.log)
    end          EndEvent         last, exactly once per trainer process, whatever happened

Rules every event follows:
- Its TypedDict's required fields are always present (a value the writer does not know is null);
  its optional ones (declared total=False) only when the writer has them.
- JSON has no NaN or infinity: a field whose value was not finite is written as null plus
  `<field>_nonfinite` (NONFINITE_SUFFIX), the value's Python spelling: "nan", "inf" or "-inf".
  E.g. a diverged step has `"loss": null, "loss_nonfinite": "nan"`.
- An eval event also carries whatever other `eval_<metric>` numbers the trainer logged with the
  eval loss (EVAL_METRIC_PREFIX); the usual ones are declared in EvalEvent.
- Any other field is a programmer error: `make_event` refuses it (declare it here first).
Readers tolerate a partial last line (the writer may be mid-write), lines that are not JSON,
unknown types and unknown fields (files from newer or foreign writers), and wrong value types.
"""
from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any, Iterator, TypedDict

try:  # orjson parses event lines ~3x faster than json; json stays the fallback for odd input
    import orjson as _orjson
except ImportError:  # pragma: no cover - orjson is a declared dependency
    _orjson = None

SCHEMA_VERSION = 1
NONFINITE_SUFFIX = "_nonfinite"
EVAL_METRIC_PREFIX = "eval_"


class EventBase(TypedDict):
    v: int                               # SCHEMA_VERSION
    t: float | None                      # unix time of writing (None only in the reader's stand-in
                                         # for an unreadable line, see parse_event_line)
    type: str                            # which of the types below


# Optional fields are declared in a `total=False` subclass (not with NotRequired, which Python 3.10
# lacks and 3.11 ignores under `from __future__ import annotations`).
class _StartFields(EventBase):
    model: str | None                    # the config's model: a hub id, a local path or "demo"
    method: str | None                   # "lora" | "qlora" | "full" | "cpt" | "dpo"
    world_size: int | None               # processes training together (1 unless launched multi-GPU)
    total_steps: int | None              # optimizer steps the run will take (HF max_steps)
    trainable_params: int | None         # parameters that train (the LoRA weights for lora/qlora)
    total_params: int | None             # all parameters of the model
    dataset_rows: int | None             # training rows (after the eval split)
    dataset_tokens: int | None           # tokens of those rows (after truncation to max_length)


class Quantization(TypedDict):
    """StartEvent.quantization: what the loaded model's 4-bit layers are, read from the layers."""

    bits: int                            # 4
    layers: int                          # bitsandbytes Linear4bit layers in the model
    quant_type: str                      # "nf4" | "fp4" (comma-joined if the layers differ)
    double_quant: bool                   # every layer's quantisation constants are quantised too
    compute_dtype: str                   # "bfloat16" | "float16" | "float32" (comma-joined if they differ)


class StartEvent(_StartFields, total=False):
    resumed_from_step: int | None        # the checkpoint's step on a resume; None (or absent) on a
                                         # fresh start. The steps after it are trained (and logged) again
    quantization: Quantization | None    # the model's 4-bit layers (QLoRA); None when none is 4-bit
    # method "dpo" only (engine/train/dpo.py):
    tuning: str                          # how the policy trains: "lora" | "qlora" | "full"
    reference: str                       # what the policy is compared with: "base" (the base model, the new
                                         # adapter switched off), "adapter" (a frozen copy of dpo.from_adapter)
                                         # or "copy" (a frozen copy of the whole model, full tuning)
    beta: float                          # DPO's beta
    loss_type: str                       # DPO's loss: "sigmoid" | "ipo" | "hinge" | "robust"


class _StepFields(EventBase):
    step: int                            # optimizer step (HF global_step), counted across resumes
    epoch: float | None                  # epochs done, fractional (4 decimals)
    loss: float | None                   # training loss over the steps since the previous step event
    lr: float | None                     # learning rate
    grad_norm: float | None              # gradient norm before clipping
    tokens: int | None                   # non-padding tokens trained since the previous step event
    tokens_per_s: float | None           # those tokens per second of training (not of evals or saves)
    samples_per_s: float | None          # training rows per second, likewise
    gpu_mem_alloc_gb: float | None       # GiB torch has allocated on this process's GPU (None on a CPU)
    gpu_mem_reserved_gb: float | None    # GiB torch's caching allocator holds (what nvidia-smi counts)
    gpu_mem_peak_gb: float | None        # peak reserved GiB since the trainer started


class StepEvent(_StepFields, total=False):
    mean_token_accuracy: float           # TRL: share of trained tokens whose top-1 prediction is the label
    entropy: float                       # TRL: mean entropy of the predicted distributions over trained tokens
    remote_id: str                       # a remote job's event this one was made from (engine/openai_ft):
                                         # a follower that resumes skips the ids already in the file
    # method "dpo" (TRL's DPOTrainer logs, means over the steps since the previous step event); a reward is
    # beta x (policy log-prob - reference log-prob) of an answer:
    reward_margin: float                 # chosen reward - rejected reward (rewards/margins): rises as it learns
    reward_accuracy: float               # share of pairs whose chosen reward beats the rejected (rewards/accuracies)
    reward_chosen: float                 # the chosen answers' reward (rewards/chosen)
    reward_rejected: float               # the rejected answers' reward (rewards/rejected)
    gpu_mem_per_rank_gb: list[float | None]  # more than one process (engine/train/distributed.py): each
                                         # rank's reserved GiB, by global rank (None on a CPU); the gpu_mem_*
                                         # fields above are rank 0's, tokens and the rates are summed over ranks


class _EvalFields(EventBase):
    step: int                            # the optimizer step evaluated at
    eval_loss: float | None              # loss on the eval split


class EvalEvent(_EvalFields, total=False):
    # Whatever other eval_<metric> numbers the trainer logged with the loss; these are the usual ones.
    eval_runtime: float                  # seconds the evaluation took
    eval_samples_per_second: float       # eval rows per second
    eval_steps_per_second: float         # eval batches per second
    eval_mean_token_accuracy: float      # as StepEvent.mean_token_accuracy, on the eval split
    eval_entropy: float                  # as StepEvent.entropy, on the eval split
    eval_num_tokens: float               # TRL: input tokens trained on so far (its own count)
    eval_reward_margin: float            # as StepEvent.reward_margin, on the eval pairs (method dpo)
    eval_reward_accuracy: float          # as StepEvent.reward_accuracy, on the eval pairs
    eval_reward_chosen: float            # as StepEvent.reward_chosen, on the eval pairs
    eval_reward_rejected: float          # as StepEvent.reward_rejected, on the eval pairs
    remote_id: str                       # as StepEvent.remote_id


class _CheckpointFields(EventBase):
    step: int                            # the optimizer step saved
    path: str                            # the checkpoint folder (<run>/checkpoints/checkpoint-<step>);
                                         # for a remote job the checkpoint's model name (ft:…:ckpt-step-N)


class CheckpointEvent(_CheckpointFields, total=False):
    remote_id: str                       # as StepEvent.remote_id


class _LogFields(EventBase):
    level: str                           # one of LOG_LEVELS
    message: str                         # for people, in English


class LogEvent(_LogFields, total=False):
    remote_id: str                       # as StepEvent.remote_id
    code: str                            # what the line is about, stable, for screens that word it themselves
                                         # (e.g. "template-drops-reasoning": message log.<code>,
                                         # engine/train/end_messages.py); absent on plain progress lines
    params: dict[str, Any]               # the figures of that code (model, rows, ...)


class _EndFields(EventBase):
    status: str                          # one of END_STATUSES
    error: str | None                    # what went wrong (failed, oom); None otherwise
    advice: str | None                   # a sentence the user can act on (fix, resume); may be None


class EndEvent(_EndFields, total=False):
    code: str                            # what the ending is, stable for screens that word it themselves:
                                         # "oom" | "oom-retry" | "disk-full" | "checkpoint-no-space" | ...; its
                                         # messages end.<code> (error) and end.<code>.advice are registered in
                                         # engine/train/end_messages.py (English; Chinese: tui/i18n/msg_end.py)
    params: dict[str, Any]               # the figures of that code (paths, bytes free and needed, the changes):
                                         # raw values and parts (engine/message_parts.py), never English
    retry_settings: dict[str, Any]       # oom: RunConfig keys -> values the estimator says fit (what
                                         # `tunewiz train CONFIG --set key=value` takes), to restart with


# type -> its TypedDict: the schema `make_event` and `validate_event` check against.
EVENT_TYPES: dict[str, type] = {
    "start": StartEvent, "step": StepEvent, "eval": EvalEvent, "checkpoint": CheckpointEvent,
    "log": LogEvent, "end": EndEvent,
}
_BASE_FIELDS = tuple(EventBase.__annotations__)
# type -> fields every event of that type carries (null where the writer has no value), in the order written.
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    kind: tuple(name for name in schema.__annotations__ if name in schema.__required_keys__ and name not in _BASE_FIELDS)
    for kind, schema in EVENT_TYPES.items()
}
# type -> the fields it may carry besides those (besides `<field>_nonfinite` and, for eval, `eval_*`).
EVENT_OPTIONAL_FIELDS: dict[str, tuple[str, ...]] = {
    kind: tuple(name for name in schema.__annotations__ if name in schema.__optional_keys__)
    for kind, schema in EVENT_TYPES.items()
}
END_STATUSES = ("completed", "stopped", "failed", "oom")
LOG_LEVELS = ("debug", "info", "warning", "error")


class EventSchemaError(ValueError):
    pass


def _declared(kind: str, name: str) -> bool:
    if name in _BASE_FIELDS or name in EVENT_FIELDS[kind] or name in EVENT_OPTIONAL_FIELDS[kind]:
        return True
    return kind == "eval" and name.startswith(EVAL_METRIC_PREFIX)


def validate_event(event: dict[str, Any]) -> None:
    """Raises EventSchemaError when `event` breaks the version-1 schema (used by tests and the writer):
    a field missing, a field its type does not declare, a status or level out of its list."""
    if not isinstance(event, dict):
        raise EventSchemaError("an event is a JSON object")
    if event.get("v") != SCHEMA_VERSION:
        raise EventSchemaError(f"v must be {SCHEMA_VERSION}")
    if not isinstance(event.get("t"), (int, float)):
        raise EventSchemaError("t must be a unix time")
    kind = event.get("type")
    if kind not in EVENT_FIELDS:
        raise EventSchemaError(f"unknown type {kind!r}")
    missing = [f for f in EVENT_FIELDS[kind] if f not in event]
    if missing:
        raise EventSchemaError(f"{kind} event lacks {', '.join(missing)}")
    undeclared = [name for name in event if not _declared(kind, name.removesuffix(NONFINITE_SUFFIX))]
    if undeclared:
        raise EventSchemaError(f"{kind} event: {', '.join(undeclared)} not declared in engine/events.py")
    if kind == "end" and event["status"] not in END_STATUSES:
        raise EventSchemaError(f"end status must be one of {', '.join(END_STATUSES)}")
    if kind == "log" and event["level"] not in LOG_LEVELS:
        raise EventSchemaError(f"log level must be one of {', '.join(LOG_LEVELS)}")


def _clean(value: Any) -> Any:
    # JSON has no NaN/Infinity; a diverged loss is written as null plus a flag so readers never choke.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def make_event(kind: str, **fields: Any) -> dict[str, Any]:
    """An event of type `kind` (see EVENT_TYPES) with `fields`; a field it does not declare raises
    EventSchemaError, a non-finite number becomes null plus `<field>_nonfinite`. `t` defaults to now
    (a remote job's follower passes when the service logged the event)."""
    event: dict[str, Any] = {"v": SCHEMA_VERSION, "t": time.time(), "type": kind}
    for name in EVENT_FIELDS[kind]:
        event[name] = None
    for name, value in fields.items():
        cleaned = _clean(value)
        if cleaned is None and value is not None:
            event[name + NONFINITE_SUFFIX] = str(value)
        event[name] = cleaned
    validate_event(event)
    return event


class EventWriter:
    """Appends events to `events.jsonl`, one whole line per write, flushed at once."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        # O_APPEND makes each single write land at the end even if a reader has the file open.
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def write(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = make_event(kind, **fields)
        os.write(self._fd, (json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8"))
        return event

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def parse_event_line(raw: bytes) -> dict[str, Any]:
    """One event line as a dict; a line that is not a JSON object becomes a warning `log` event."""
    try:
        event = _orjson.loads(raw) if _orjson is not None else json.loads(raw)
    except ValueError:
        try:
            event = json.loads(raw)  # orjson rejects NaN/Infinity literals that foreign writers emit
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than json's stack
            event = None
    if not isinstance(event, dict):
        return {"v": SCHEMA_VERSION, "t": None, "type": "log", "level": "warning",
                "message": f"unreadable event line: {raw[:120]!r}"}
    return event


class EventReader:
    """Reads `events.jsonl` incrementally: the one reader of the stream (the monitor, `watch`,
    `train`'s progress lines and `read_events` all use it).

    Whole lines only: a partial last line is kept back until it is complete, and a line that is not
    JSON comes back as a `log` event saying so rather than stopping the reader. `read_chunk()` reads
    at most `chunk_bytes` (so one poll of a huge file never stalls a UI); `read_new()` reads all
    that is there. When the file is replaced or truncated (a run directory deleted and made again)
    the reader starts over from its beginning and sets `replaced`."""

    def __init__(self, path: str | Path, chunk_bytes: int = 4 << 20) -> None:
        self.path = Path(path)
        self.chunk_bytes = chunk_bytes
        self.offset = 0
        self.size = 0
        self._pending = b""
        self._identity: tuple[int, int] | None = None
        self.replaced = False  # set when the file changed identity; the caller starts over

    @property
    def backlog(self) -> int:
        """Bytes written but not read yet (as of the last read)."""
        return max(0, self.size - self.offset)

    def skip_existing(self) -> None:
        """Start after what the file holds now (to follow only new events)."""
        try:
            stat = self.path.stat()
            self.offset = self.size = stat.st_size
            self._identity = (stat.st_dev, stat.st_ino)
        except OSError:
            self.offset = self.size = 0
        self._pending = b""

    def read_chunk(self) -> list[dict[str, Any]]:
        try:
            with open(self.path, "rb") as handle:
                stat = os.fstat(handle.fileno())
                identity = (stat.st_dev, stat.st_ino)
                if self._identity is not None and (identity != self._identity or stat.st_size < self.offset):
                    self.replaced = True
                    self.offset, self._pending = 0, b""
                self._identity = identity
                self.size = stat.st_size
                if stat.st_size <= self.offset:
                    return []
                handle.seek(self.offset)
                chunk = handle.read(self.chunk_bytes)
        except (FileNotFoundError, NotADirectoryError, PermissionError, IsADirectoryError):
            self.size = 0
            return []
        self.offset += len(chunk)
        lines = (self._pending + chunk).split(b"\n")
        self._pending = lines.pop()  # b"" when the data ended with a newline
        return [parse_event_line(raw) for raw in lines if raw.strip()]

    def read_new(self) -> list[dict[str, Any]]:
        """Every whole line added since the last read."""
        events = self.read_chunk()
        while self.backlog:  # each chunk advances the offset, or finds the file shorter (backlog 0)
            events.extend(self.read_chunk())
        return events


def read_events(path: str | Path) -> list[dict[str, Any]]:
    """All complete events of a file (tolerates a partial last line)."""
    return EventReader(path).read_new()


def iter_events(path: str | Path) -> Iterator[dict[str, Any]]:
    yield from read_events(path)
