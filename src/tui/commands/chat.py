"""`tunewiz chat`: the headless twin of the chat pane (`tunewiz export` is in tui/commands/export.py).

Exit codes are stable for scripts: 0 success; 1 a generation or export failed on the way (an
endpoint that refused or timed out, out of memory); 2 bad input (no such run, no adapter yet, base
model not found, base/adapter mismatch, bad settings), with the reason on stderr. `--json` prints
one JSON object on stdout. torch, transformers, peft and openai are imported inside the commands.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

from tui import clikit

from tui.cli_args import whole_number
from tui.i18n import t
from tui.messages import error_parts


def _err(message: str) -> None:
    clikit.echo(message, err=True)


def _fail(exc: Any, code: int = 2) -> "clikit.Exit":
    message, advice = error_parts(exc)   # a coded error (engine.messages) in the user's language
    _err(f"tunewiz: {message}")
    if advice:
        _err(f"  {advice}")
    return clikit.Exit(code)


def _columns(run: Optional[str], runs_dir: Optional[Path], checkpoint: Optional[str], base: Optional[str],
             model: Optional[str], base_url: Optional[str], compare_model: Optional[str], api_key_env: str,
             timeout: float, compare: bool, quiet: bool) -> tuple[dict[str, Any], Path | None, Any]:
    """column -> backend, the run directory (if any), the loaded LocalChat (if any)."""
    from engine import chat as engine_chat
    from engine.runs import RunNotFound, resolve_run

    if run and model:
        raise _fail(ValueError(t("chat_cli.run-and-model")))
    if not run and not model:
        raise _fail(ValueError(t("chat_cli.run-or-model")))
    if model:
        tuned = engine_chat.RemoteBackend(model, base_url, api_key_env, timeout)
        problems = tuned.problems()
        if problems:
            raise _fail(ValueError("; ".join(problems)))
        columns: dict[str, Any] = {"tuned": tuned}
        if compare:
            if not compare_model:
                raise _fail(ValueError(t("chat_cli.compare-model")))
            columns = {"base": engine_chat.RemoteBackend(compare_model, base_url, api_key_env, timeout), **columns}
        return columns, None, None
    try:
        run_dir = resolve_run(run, runs_dir)
    except RunNotFound as exc:
        raise _fail(exc)
    remote = remote_columns(run_dir, compare, checkpoint)
    if remote is not None:
        return remote, run_dir, None
    try:
        target = engine_chat.locate_run_model(run_dir, checkpoint=checkpoint, base=base)
    except engine_chat.ChatError as exc:
        raise _fail(exc)
    warning = engine_chat.gpu_sharing_warning(runs_dir)
    if warning:
        _err(t("chat_cli.warning", text=warning))
    local = engine_chat.LocalChat(target)
    shown: set[str] = set()

    from tui.chat_stages import stage_text

    def progress(fraction: float | None, message: str) -> None:
        stage = message.split(":")[0]
        if not quiet and stage not in shown:  # one line per stage, not one per percent
            shown.add(stage)
            _err(f"… {stage_text(message)}")

    try:
        for note in local.load(progress):
            _err(t("chat_cli.note", text=note))
    except engine_chat.ChatError as exc:
        raise _fail(exc)
    columns = {"tuned": engine_chat.LocalBackend(local, adapter=True)}
    if compare:
        columns = {"base": engine_chat.LocalBackend(local, adapter=False), **columns}
    return columns, run_dir, local


def remote_columns(run_dir: Path, compare: bool, checkpoint: Optional[str], deployment: Optional[str] = None,
                   base_deployment: Optional[str] = None) -> dict[str, Any] | None:
    """The columns for an OpenAI / Azure job's run (its ft: model, and its base with `compare`); None
    for a local run."""
    from engine.openai_ft import FineTuneError, read_job
    from engine.openai_ft.jobs import chat_backends
    job = read_job(run_dir)
    if job is None:
        return None
    if checkpoint is not None and not str(checkpoint).isdigit():
        raise _fail(ValueError(t("chat_cli.checkpoint-step", checkpoint=repr(checkpoint))))
    try:
        return chat_backends(job, compare=compare, checkpoint=int(checkpoint) if checkpoint is not None else None,
                             deployment=deployment, base_deployment=base_deployment)
    except FineTuneError as exc:
        raise _fail(exc)


def chat(
    run: Optional[str] = clikit.Argument(None, help="Run name or folder (see `tunewiz runs`).", show_default=False),
    prompt: Optional[str] = clikit.Option(None, "--prompt", "-p", help="Answer this one prompt and exit ('-' reads "
                                                                     "stdin). Without it: an interactive chat."),
    compare: bool = clikit.Option(False, "--compare", help="Answer as the base (adapter off) and as the tuned model."),
    as_json: bool = clikit.Option(False, "--json", help="With --prompt: print one JSON object "
                                                       "({\"base\": ..., \"tuned\": ...} with --compare)."),
    system: str = clikit.Option("", "--system", help="System prompt."),
    temperature: float = clikit.Option(0.7, "--temperature", "-t", help="0 = greedy (deterministic)."),
    top_p: float = clikit.Option(0.9, "--top-p", help="Nucleus sampling threshold (0-1]."),
    max_new_tokens: int = clikit.Option(256, "--max-new-tokens", "-n", parser=whole_number, help="Longest answer, in tokens."),
    seed: Optional[int] = clikit.Option(None, "--seed", parser=whole_number, help="Sampling seed (default: a new one per prompt, "
                                                           "shared by both sides)."),
    base: Optional[str] = clikit.Option(None, "--base", help="The base model folder or hub id, when the run's "
                                                           "recorded base has moved."),
    checkpoint: Optional[str] = clikit.Option(None, "--checkpoint", help="Chat with checkpoint N (or its folder) "
                                                                       "instead of the final adapter."),
    model: Optional[str] = clikit.Option(None, "--model", "-m", help="An OpenAI-compatible endpoint's model instead "
                                                                    "of a run, e.g. ft:gpt-4o-mini-2024-07-18:org::id."),
    base_url: Optional[str] = clikit.Option(None, "--base-url", help="Endpoint URL, e.g. http://localhost:8000/v1 "
                                                                    "(vLLM). Default: OpenAI."),
    compare_model: Optional[str] = clikit.Option(None, "--compare-model", help="With --model --compare: the "
                                                                              "endpoint's base model to compare with."),
    api_key_env: str = clikit.Option("OPENAI_API_KEY", "--api-key-env", help="Environment variable holding the "
                                                                            "endpoint's API key (never stored)."),
    timeout: float = clikit.Option(60.0, "--timeout", help="Seconds to wait for an endpoint."),
    save: bool = clikit.Option(False, "--save", help="Write the transcript (JSONL) into the run's transcripts/."),
    runs_dir: Optional[Path] = clikit.Option(None, "--runs-dir", help="Default: $TUNEWIZ_RUNS_DIR or ./runs"),
) -> None:
    """Chat with a run's tuned adapter (and its base with --compare), or with an OpenAI-compatible endpoint."""
    from engine import chat as engine_chat

    sampling = engine_chat.Sampling(temperature, top_p, max_new_tokens, seed)
    problems = sampling.problems()
    if problems:
        raise _fail(ValueError("; ".join(problems)))
    if as_json and prompt is None:
        raise _fail(ValueError(t("chat_cli.json-needs-prompt")))
    if prompt == "-":
        prompt = sys.stdin.read()
    if prompt is not None and not prompt.strip():
        raise _fail(ValueError(t("chat_cli.empty-prompt")))
    columns, run_dir, local = _columns(run, runs_dir, checkpoint, base, model, base_url, compare_model,
                                       api_key_env, timeout, compare, quiet=as_json)
    converse(columns, run_dir, runs_dir, prompt, sampling, system, as_json, save, local)


def converse(columns: dict[str, Any], run_dir: Path | None, runs_dir: Optional[Path], prompt: Optional[str],
             sampling: Any, system: str = "", as_json: bool = False, save: bool = False, local: Any = None) -> None:
    """Answers `prompt` in every column and exits (1 when one failed), or runs the interactive chat."""
    from engine import chat as engine_chat
    conversation = engine_chat.Conversation(system)
    try:
        if prompt is not None:
            replies = _answer(conversation, columns, prompt, sampling, echo=not as_json)
            if save:
                _save(conversation, columns, run_dir, runs_dir)
            failed = {c: r for c, r in replies.items() if r.error}
            for column, reply in failed.items():
                said, advice = error_parts(reply.error)
                _err(f"tunewiz: {column}: {said}")
                if advice:
                    _err(f"  {advice}")
            if failed:
                raise clikit.Exit(1)
            if as_json:
                print(json.dumps({c: r.text for c, r in replies.items()}, ensure_ascii=False))
            return
        _repl(conversation, columns, sampling, run_dir, runs_dir, save)
    finally:
        if local is not None:
            local.close()


def _answer(conversation: Any, columns: dict[str, Any], prompt: str, sampling: Any, echo: bool) -> dict[str, Any]:
    """Answers one prompt in every column, one after the other, streaming to stdout when `echo`."""
    import os
    import signal

    from engine import chat as engine_chat

    if sampling.seed is None:  # one seed for the turn, so both sides draw the same random numbers
        sampling = engine_chat.Sampling(sampling.temperature, sampling.top_p, sampling.max_new_tokens,
                                        int.from_bytes(os.urandom(4), "little"))
    stopper = engine_chat.Stopper()
    previous = signal.signal(signal.SIGINT, lambda *_: stopper.stop())  # Ctrl-C stops the answer, not the program
    replies: dict[str, Any] = {}
    try:
        for column, backend in columns.items():
            reply = engine_chat.Reply()
            replies[column] = reply
            if stopper.stopped:
                reply.stopped = True
                continue
            if echo and len(columns) > 1:
                print(f"── {column}: {backend.label()} ──", flush=True)
            try:
                for piece in backend.stream(conversation.messages(column, prompt), sampling, stopper, reply):
                    if echo:
                        print(piece, end="", flush=True)
            except engine_chat.ChatError as exc:
                reply.error, reply.finish = exc, "error"
            if echo:
                print(flush=True)
                if reply.stopped:
                    _err(t("chat_cli.stopped"))
                if reply.note:
                    _err(t("chat_cli.note", text=reply.note))
    finally:
        signal.signal(signal.SIGINT, previous)
    conversation.add(prompt, replies, sampling, {column: backend.describe() for column, backend in columns.items()})
    return replies


def _save(conversation: Any, columns: dict[str, Any], run_dir: Path | None, runs_dir: Optional[Path]) -> Path:
    from engine import chat as engine_chat
    path = engine_chat.transcript_path(run_dir, conversation.started, runs_dir)
    engine_chat.save_transcript(path, conversation, {c: b.describe() for c, b in columns.items()})
    _err(t("chat_cli.transcript", path=path))
    return path


def _repl(conversation: Any, columns: dict[str, Any], sampling: Any, run_dir: Path | None,
          runs_dir: Optional[Path], save: bool) -> None:
    _err(t("chat_cli.help"))
    while True:
        try:
            line = input("you> ")
        except (EOFError, KeyboardInterrupt):
            print()
            break
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit"):
            break
        if text == "/help":
            _err(t("chat_cli.help"))
            continue
        if text == "/clear":
            conversation.clear()
            _err(t("chat_cli.cleared"))
            continue
        if text == "/save":
            _save(conversation, columns, run_dir, runs_dir)
            continue
        if text.startswith("/system"):
            conversation.system = text[len("/system"):].strip()
            _err(t("chat_cli.system-set" if conversation.system else "chat_cli.system-cleared"))
            continue
        replies = _answer(conversation, columns, line, sampling, echo=True)
        for column, reply in replies.items():
            if reply.error:
                said, advice = error_parts(reply.error)
                _err(f"{column}: {said}")
                if advice:
                    _err(f"  {advice}")
    if save and conversation.turns:
        _save(conversation, columns, run_dir, runs_dir)


def register(app: clikit.App) -> None:
    """Adds `chat` to the app (`export` lives in tui/commands/export.py)."""
    app.command("chat", help=chat.__doc__)(chat)
