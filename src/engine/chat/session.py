"""A chat session, whatever answers it: the sampling settings, one answer (`Reply`), stopping,
what a column talks to (`Backend`), the conversation, answering a turn in every column
(`run_columns`) and its transcript.

Nothing here imports torch, transformers, peft or openai; the backends live in `local` and `remote`.
"""
from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol

from engine import runs
from engine.run_model import ModelLoadError

TRANSCRIPTS_DIR = "transcripts"

# One error type for loading a run and chatting with it: what `locate_run_model` and `LocalChat.load`
# raise and what a backend raises are caught alike, by either name.
ChatError = ModelLoadError


# -- reasoning in answers ------------------------------------------------------------------------
THINK_OPEN, THINK_CLOSE = "<think>", "</think>"


def split_reasoning(text: str) -> tuple[str | None, str]:
    """(reasoning, answer) of a generated text: a leading `<think>…</think>` block is the reasoning.
    Also while streaming: an unclosed `<think>` is all reasoning so far; a `</think>` without its opening
    (templates that put `<think>` into the generation prompt) closes reasoning that started the text.
    None when the text has no reasoning."""
    stripped = text.lstrip()
    if stripped.startswith(THINK_OPEN):
        body = stripped[len(THINK_OPEN):]
        if THINK_CLOSE not in body:
            return body.strip("\n"), ""
        reasoning, answer = body.split(THINK_CLOSE, 1)
        return reasoning.strip("\n"), answer.lstrip("\n")
    if THINK_CLOSE in text and THINK_OPEN not in text:
        reasoning, answer = text.split(THINK_CLOSE, 1)
        return reasoning.strip("\n"), answer.lstrip("\n")
    return None, text


# -- settings and answers ----------------------------------------------------------------------
@dataclass
class Sampling:
    """The settings both sides of a comparison generate with."""

    temperature: float = 0.7
    """0 = greedy (deterministic); higher = more varied."""
    top_p: float = 0.9
    """Nucleus sampling: sample from the smallest set of tokens whose probability reaches top_p."""
    max_new_tokens: int = 256
    """Upper bound on the length of each answer."""
    seed: int | None = None
    """Fixed seed for sampling; None picks one per turn (the same for both sides of that turn)."""

    def problems(self) -> list[str]:
        """Every invalid field at once, each as `field: what is allowed`."""
        out = []
        if not (0.0 <= self.temperature <= 2.0):
            out.append(f"temperature: {self.temperature:g} is outside 0–2 (0 = greedy)")
        if not (0.0 < self.top_p <= 1.0):
            out.append(f"top_p: {self.top_p:g} must be above 0 and at most 1")
        if not (1 <= self.max_new_tokens <= 32768):
            out.append(f"max_new_tokens: {self.max_new_tokens} must be between 1 and 32768")
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Reply:
    """One answer of one side: its text and how it went."""

    text: str = ""
    tokens: int = 0
    first_token_s: float | None = None   # from the request to the first visible text
    seconds: float = 0.0
    stopped: bool = False                # the user stopped it
    finish: str | None = None            # "stop" (end of turn), "length" (max_new_tokens), "stopped", "error"
    error: ChatError | None = None
    note: str | None = None              # e.g. max_new_tokens lowered to fit the context
    seed: int | None = None

    @property
    def tokens_per_s(self) -> float | None:
        if self.tokens < 2 or self.first_token_s is None or self.seconds <= self.first_token_s:
            return None
        # Decode speed: tokens after the first over the time after the first (prefill excluded).
        return (self.tokens - 1) / (self.seconds - self.first_token_s)

    @property
    def reasoning(self) -> str | None:
        """The answer's reasoning (a `<think>` block), None when it has none."""
        return split_reasoning(self.text)[0]

    @property
    def answer(self) -> str:
        """The answer without its reasoning."""
        return split_reasoning(self.text)[1]

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "error"}
        out["error"] = {"message": self.error.message, "advice": self.error.advice} if self.error else None
        out["reasoning"] = self.reasoning
        out["tokens_per_s"] = self.tokens_per_s
        return out


class Stopper:
    """Stops generations: sets a flag that local generation checks every token, and runs callbacks
    (closing remote HTTP streams) so a stalled read ends at once too. Thread-safe."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    @property
    def stopped(self) -> bool:
        return self._event.is_set()

    def stop(self) -> None:
        with self._lock:
            self._event.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback()
            except Exception:  # closing an already closed stream: nothing to do
                pass

    def on_stop(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Registers `callback` (run at once when already stopped); returns its removal."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return lambda: self._remove(callback)
        callback()
        return lambda: None

    def _remove(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)


# -- what a column talks to --------------------------------------------------------------------
class Backend(Protocol):
    """Something that answers a conversation as a stream of text pieces."""

    exclusive: object | None
    """Backends with the same (non-None) `exclusive` share one model and answer one after the other."""

    def label(self) -> str: ...

    def describe(self) -> dict[str, Any]: ...

    def stream(self, messages: list[dict[str, str]], sampling: Sampling, stopper: Stopper,
               reply: Reply) -> Iterator[str]: ...


# -- conversations ------------------------------------------------------------------------------
@dataclass
class Turn:
    user: str
    replies: dict[str, Reply]
    sampling: dict[str, Any]
    t: float = field(default_factory=time.time)
    columns: dict[str, dict[str, Any]] | None = None  # what answered in each column (backends change)


class Conversation:
    """Shared user messages; each column keeps its own answers as its history (multi-turn)."""

    def __init__(self, system: str = "") -> None:
        self.system = system
        self.turns: list[Turn] = []
        self.started = time.time()

    def messages(self, column: str, user: str) -> list[dict[str, str]]:
        """The conversation as `column` saw it, plus the new user message."""
        out: list[dict[str, str]] = []
        if self.system.strip():
            out.append({"role": "system", "content": self.system})
        for turn in self.turns:
            reply = turn.replies.get(column)
            if reply is None or reply.error is not None or not reply.text:
                continue  # a failed answer leaves no half-turn behind (templates want user/assistant pairs)
            out.append({"role": "user", "content": turn.user})
            # The answer only: chat templates leave earlier turns' reasoning out (as training rendered them).
            out.append({"role": "assistant", "content": reply.answer})
        out.append({"role": "user", "content": user})
        return out

    def add(self, user: str, replies: dict[str, Reply], sampling: Sampling,
            columns: dict[str, dict[str, Any]] | None = None) -> Turn:
        turn = Turn(user=user, replies=replies, sampling=sampling.to_dict(), columns=columns)
        self.turns.append(turn)
        return turn

    def clear(self) -> None:
        self.turns.clear()
        self.started = time.time()


def run_columns(jobs: list[tuple[str, Backend, list[dict[str, str]]]], sampling: Sampling, stopper: Stopper,
                on_piece: Callable[[str, str], None] | None = None,
                on_done: Callable[[str, Reply], None] | None = None) -> dict[str, Reply]:
    """Answers every (column, backend, messages) job. Jobs on one model take turns in the given order
    (base, then tuned); jobs on different backends run at the same time. Errors end up in
    `Reply.error`; this never raises for a backend's failure."""
    if sampling.seed is None:
        # One seed for the whole turn: both sides sample with the same random draws.
        sampling = Sampling(sampling.temperature, sampling.top_p, sampling.max_new_tokens,
                            int.from_bytes(os.urandom(4), "little"))
    replies = {column: Reply() for column, _, _ in jobs}
    groups: dict[int, list[tuple[str, Backend, list[dict[str, str]]]]] = {}
    for job in jobs:
        key = id(job[1].exclusive) if job[1].exclusive is not None else id(job)
        groups.setdefault(key, []).append(job)

    def run_group(group: list[tuple[str, Backend, list[dict[str, str]]]]) -> None:
        for column, backend, messages in group:
            reply = replies[column]
            if stopper.stopped:
                reply.stopped, reply.finish = True, "stopped"
            else:
                try:
                    for piece in backend.stream(messages, sampling, stopper, reply):
                        if on_piece:
                            on_piece(column, piece)
                except ChatError as exc:
                    reply.error, reply.finish = exc, "error"
                except Exception as exc:  # never a traceback in the pane: say what broke
                    reply.error = ChatError(f"{type(exc).__name__}: {exc}", "This looks like a bug in tunewiz.")
                    reply.finish = "error"
            if on_done:
                on_done(column, reply)

    threads = [threading.Thread(target=run_group, args=(g,), daemon=True) for g in list(groups.values())[1:]]
    for thread in threads:
        thread.start()
    if groups:
        run_group(next(iter(groups.values())))
    for thread in threads:
        thread.join()
    return replies


# -- transcripts ---------------------------------------------------------------------------------
def transcript_path(run_dir: str | Path | None, started: float, runs_dir: str | Path | None = None) -> Path:
    """`<run>/transcripts/chat-<time>.jsonl`; chats without a run go under `<runs_dir>/transcripts/`."""
    folder = Path(run_dir) if run_dir else (Path(runs_dir) if runs_dir else runs.default_runs_dir())
    return folder / TRANSCRIPTS_DIR / f"chat-{time.strftime('%Y%m%d-%H%M%S', time.localtime(started))}.jsonl"


def save_transcript(path: str | Path, conversation: Conversation, columns: dict[str, dict[str, Any]]) -> Path:
    """Writes the whole conversation as JSONL (a `session` line, then one `turn` line per prompt).

    Rewritten atomically on each save, so saving twice updates one file instead of duplicating turns.
    `columns` maps a column to its backend's `describe()` (the backends at saving time; each turn also
    records those that answered it): URLs and key *names*, never key values."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [{"v": 1, "type": "session", "t": conversation.started, "system": conversation.system,
              "columns": columns}]
    for index, turn in enumerate(conversation.turns):
        line = {"v": 1, "type": "turn", "t": turn.t, "turn": index, "user": turn.user, "sampling": turn.sampling,
                "replies": {column: reply.to_dict() for column, reply in turn.replies.items()}}
        if turn.columns is not None:
            line["columns"] = turn.columns
        lines.append(line)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    os.replace(tmp, path)
    return path
