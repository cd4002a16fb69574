"""Dialogs of the chat pane: pick the run to chat with, and export the run (merged, Ollama, GGUF)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, ProgressBar, RadioButton, RadioSet, Select, Static
from textual.widgets.option_list import Option

from tui.chat_stages import stage_text
from tui.i18n import t
from tui.screens.base import localize_bindings

NO_RUN = "\0no-run"  # the picker's "endpoints only" entry (a name no folder can have)

class RunPickerScreen(ModalScreen["str | None"]):
    """Lists the runs that have something to chat with; returns a run path, NO_RUN, or None (cancel)."""

    CSS_PATH = "../styles/chat.tcss"
    BINDINGS = [Binding("enter", "pick", "chat.key.pick"), Binding("escape", "cancel", "chat.key.cancel")]

    def __init__(self, runs_dir: Path | None) -> None:
        super().__init__()
        localize_bindings(self)
        self.runs_dir = runs_dir

    def compose(self) -> ComposeResult:
        from engine import chat as engine_chat
        from engine import runs

        options: list[Option] = []
        found = runs.list_runs(self.runs_dir)
        for info in found:
            what, why = engine_chat.available_weights(info.path)
            label = Text.assemble((info.name, "bold"), f"  {info.state}  {info.method or ''}  ")
            if what is None:
                label.append(t("chat.pick.nothing"), style="dim")
                options.append(Option(label, id=info.path, disabled=True))
                continue
            if what.startswith("checkpoint-"):
                label.append(t("chat.pick.checkpoint", checkpoint=what))
            else:
                label.append(t(f"chat.pick.{what}"))
            options.append(Option(label, id=info.path))
        options.append(Option(Text(t("chat.pick.none"), style="italic"), id=NO_RUN))
        with Vertical(id="chat-picker", classes="dialog"):
            yield Static(t("chat.pick.title"), classes="heading")
            if not found:
                folder = self.runs_dir or runs.default_runs_dir()
                yield Static(t("chat.pick.empty", folder=folder), classes="muted")
            yield OptionList(*options, id="pick-list")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_pick(self) -> None:
        # Reached only when the list is not focused (the list handles Enter itself).
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            options.action_select()

    def action_cancel(self) -> None:
        self.dismiss(None)


# What the dialog can write (the same as `tunewiz export --merge / --ollama / --gguf`), and its default name.
EXPORT_FORMATS = ("merged", "ollama", "gguf")
GGUF_TYPES = ("q8_0", "f16", "bf16", "f32")   # llama.cpp's converter writes these (engine.gguf_export.CONVERTER_TYPES)


def export_default(run_name: str, fmt: str, quant: str = "q8_0") -> Path:
    """Where the dialog proposes to write: exports/RUN-merged, exports/RUN-ollama, exports/RUN-QUANT.gguf."""
    name = f"{run_name}-{quant}.gguf" if fmt == "gguf" else f"{run_name}-{fmt}"
    return Path.cwd() / "exports" / name


class ExportScreen(ModalScreen[None]):
    """Exports the run in a thread worker, with a progress bar: merged safetensors, that plus an Ollama
    Modelfile, or a GGUF file through llama.cpp's converter (checked against the merged model), as
    `tunewiz export` does."""

    CSS_PATH = "../styles/chat.tcss"
    BINDINGS = [Binding("enter", "start", "chat.key.start"), Binding("escape", "close", "chat.key.close")]

    class Progress(Message):
        def __init__(self, fraction: float | None, text: str) -> None:
            super().__init__()
            self.fraction, self.text = fraction, text

    class Finished(Message):
        def __init__(self, result: Any = None, error: Any = None) -> None:
            super().__init__()
            self.result, self.error = result, error

    def __init__(self, run_dir: Path, base: str | None, checkpoint: str | None) -> None:
        super().__init__()
        localize_bindings(self)
        self.run_dir = run_dir
        self.base = base
        self.checkpoint = checkpoint
        self.running = False
        self.format = "merged"
        self.proposed = str(export_default(run_dir.name, "merged"))   # the out path the dialog last proposed

    def compose(self) -> ComposeResult:
        with Vertical(id="chat-export", classes="dialog"):
            yield Static(t("chat.export.title", run=self.run_dir.name), classes="heading")
            with RadioSet(id="export-format", compact=True):
                for fmt in EXPORT_FORMATS:
                    yield RadioButton(t(f"chat.export.format.{fmt}"), value=fmt == "merged", id=f"export-{fmt}")
            yield Static(t("chat.export.explain.merged"), id="export-explain", classes="muted")
            with Horizontal(id="export-quant-row"):
                yield Static(t("chat.export.quant"), classes="label")
                yield Select([(q, q) for q in GGUF_TYPES], value="q8_0", allow_blank=False, id="export-quant",
                             compact=True)
            yield Static(t("chat.export.memory"), classes="muted")
            yield Static(t("chat.export.out"))
            yield Input(self.proposed, id="export-out", compact=True)
            yield Static(t("chat.export.enter"), classes="muted")
            yield ProgressBar(total=100, show_eta=False, id="export-bar")
            yield Static("", id="export-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#export-bar").display = False
        self.query_one("#export-quant-row").display = False
        self.query_one("#export-out", Input).focus()

    def _quant(self) -> str:
        return str(self.query_one("#export-quant", Select).value)

    def _propose(self) -> None:
        """A new default path for the chosen format, unless the user typed their own."""
        out = self.query_one("#export-out", Input)
        fresh = str(export_default(self.run_dir.name, self.format, self._quant()))
        if out.value.strip() in ("", self.proposed):
            out.value = fresh
        self.proposed = fresh

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self.format = EXPORT_FORMATS[event.index]
        self.query_one("#export-explain", Static).update(t(f"chat.export.explain.{self.format}"))
        self.query_one("#export-quant-row").display = self.format == "gguf"
        self._propose()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._propose()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_start()

    def action_start(self) -> None:
        if self.running:
            self.notify(t("chat.export.busy"))
            return
        out = self.query_one("#export-out", Input).value.strip()
        if not out:
            return
        self.running = True
        self.query_one("#export-bar").display = True
        self.query_one("#export-status", Static).update(t("chat.export.running"))
        self.export(self.format, Path(out).expanduser(), self._quant())

    @work(thread=True, exclusive=True, exit_on_error=False, group="chat-export")
    def export(self, fmt: str, out: Path, quant: str) -> None:
        from engine.run_model import ModelLoadError
        say = lambda f, m: self.post_message(self.Progress(f, m))  # noqa: E731
        try:
            if fmt == "ollama":
                from engine.export import export_ollama
                result = export_ollama(self.run_dir, out, base=self.base, checkpoint=self.checkpoint, progress=say)
            elif fmt == "gguf":
                from engine.gguf_export import export_gguf
                result = export_gguf(self.run_dir, out, quant=quant, base=self.base, checkpoint=self.checkpoint,
                                     progress=say)
            else:
                from engine.export import merge_adapter
                result = merge_adapter(self.run_dir, out, base=self.base, checkpoint=self.checkpoint, progress=say)
        except ModelLoadError as exc:
            self.post_message(self.Finished(error=exc))
            return
        except Exception as exc:  # the dialog must survive anything the libraries raise
            self.post_message(self.Finished(error=ModelLoadError(f"{type(exc).__name__}: {exc}")))
            return
        self.post_message(self.Finished(result=result))

    def on_export_screen_progress(self, message: "ExportScreen.Progress") -> None:
        if message.fraction is not None:
            self.query_one("#export-bar", ProgressBar).update(progress=message.fraction * 100)
        self.query_one("#export-status", Static).update(stage_text(message.text))

    def on_export_screen_finished(self, message: "ExportScreen.Finished") -> None:
        from tui.messages import error_parts
        self.running = False
        status = self.query_one("#export-status", Static)
        if message.error is not None:
            text, advice = error_parts(message.error)
            status.update(t("chat.export.failed-with", error=text) + (f"\n{advice}" if advice else ""))
            status.add_class("error")
            return
        result = message.result
        status.remove_class("error")
        status.update(done_text(result))
        self.query_one("#export-bar", ProgressBar).update(progress=100)

    def action_close(self) -> None:
        if self.running:
            self.notify(t("chat.export.busy"), severity="warning")
            return
        self.dismiss(None)


def done_text(result: Any) -> str:
    """What the dialog says when an export is written: where, how big, and what to run next."""
    if hasattr(result, "create_command"):   # Ollama (engine.export.OllamaResult)
        return t("chat.export.done.ollama", out=result.out, size=result.merged.get("bytes", 0) / 2**20,
                 seconds=result.seconds, command=result.create_command)
    if hasattr(result, "quant"):            # GGUF (engine.gguf_export.GGUFResult)
        summary = result.verify_note if not result.verified else \
            t("chat.export.gguf.equal" if result.tokens_equal else "chat.export.gguf.differ")
        return t("chat.export.done.gguf", out=result.out, quant=result.quant, size=result.bytes / 2**20,
                 seconds=result.seconds, summary=summary)
    return t("chat.export.done", out=result.out, size=result.bytes / 2**20, seconds=result.seconds)
