"""The first steps: the hardware (with a "what if I rent a card?" input) and the goal questions,
one question a screen with a short "why" under it."""
from __future__ import annotations

from typing import Any, Iterable

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.i18n import t
from tui.messages import text_of
from tui.screens.wizard.base import StepScreen, WizardHost, message_row, show_message
from tui.widgets.wizard.fitbar import gb_text
from tui.screens.wizard.state import CLOUD, CORPUS, GOALS, LENGTHS, parse_count, parse_vram

# question -> its options (None: a typed answer); the state attribute each answer goes to.
QUESTIONS: dict[str, tuple[str, ...] | None] = {
    "goal": GOALS, "corpus": CORPUS, "examples": None, "length": tuple(LENGTHS), "cloud": CLOUD}
STATE_FIELD = {"goal": "goal", "corpus": "corpus", "examples": "examples_text", "length": "length", "cloud": "cloud"}


class HardwareDetected(Message):
    def __init__(self, hardware: Any) -> None:
        super().__init__()
        self.hardware = hardware


def describe_hardware(hardware: Any) -> tuple[str, str]:
    """(GPU lines, CPU line) in the current language."""
    if hardware.gpus:
        lines = [t("wizard.hw.gpu", index=g.index, name=g.name, total=g.total_gb, free=g.free_gb,
                   cc=f"{g.compute_capability[0]}.{g.compute_capability[1]}",
                   bf16=t("wizard.yes") if g.bf16 else t("wizard.no"), driver=g.driver or "?")
                 for g in hardware.gpus]
    else:
        lines = [t("wizard.hw.no_gpu")]
    if hardware.note:
        lines.append(t("wizard.hw.note", note=text_of(hardware.note)))
    if hardware.ram_available_gb:
        cpu = t("wizard.hw.cpu_avail", cores=hardware.cpu_cores, ram=hardware.ram_gb, avail=hardware.ram_available_gb)
    else:
        cpu = t("wizard.hw.cpu", cores=hardware.cpu_cores, ram=hardware.ram_gb)
    return "\n".join(lines), cpu


class HardwareStep(StepScreen):
    STEP = "hardware"

    def compose_content(self) -> Iterable[Widget]:
        yield Static(t("wizard.hw.heading"), classes="wz-title")
        yield Static(t("wizard.hw.detecting"), id="wz-hw-gpus", markup=False)
        yield Static("", id="wz-hw-cpu", classes="wz-muted", markup=False)
        yield Static(t("wizard.hw.whatif"), classes="wz-label")
        yield Input(self.state.vram_text, placeholder=t("wizard.hw.placeholder"), id="wz-vram", compact=True,
                    select_on_focus=False)
        yield message_row("wz-vram-msg")
        yield Static("", id="wz-hw-plan", classes="wz-plan", markup=False)
        yield Static(t("wizard.hw.cards"), classes="wz-why")
        yield Static(t("wizard.hw.why"), classes="wz-why")

    def on_mount(self) -> None:
        self.query_one("#wz-vram", Input).focus()
        if self.state.detected is None:
            self.detect()
        else:
            self.show_hardware()

    @work(thread=True, exclusive=True, exit_on_error=False, group="wizard-hardware")
    def detect(self) -> None:
        from engine.hardware import Hardware, detect, detect_cpu
        try:
            hardware = detect(nvml=self.wizard.nvml, env=self.wizard.env)
        except Exception as exc:  # detection must never take the wizard down
            try:
                cores, ram, available = detect_cpu()
            except Exception:
                cores, ram, available = 1, 0.0, None
            hardware = Hardware(cpu_cores=cores, ram_gb=ram, ram_available_gb=available,
                                note=f"hardware detection failed ({type(exc).__name__}: {exc})")
        self.post_message(HardwareDetected(hardware))

    def on_hardware_detected(self, message: HardwareDetected) -> None:
        self.state.detected = message.hardware
        self.show_hardware()

    def show_hardware(self) -> None:
        gpus, cpu = describe_hardware(self.state.detected)
        self.query_one("#wz-hw-gpus", Static).update(gpus)
        self.query_one("#wz-hw-cpu", Static).update(cpu)
        self.update_plan()

    @on(Input.Changed, "#wz-vram")
    def vram_changed(self, event: Input.Changed) -> None:
        self.state.vram_text = event.value
        self.update_plan()

    @on(Input.Submitted, "#wz-vram")
    def vram_submitted(self) -> None:
        self.action_next()

    def update_plan(self) -> None:
        gb, error = parse_vram(self.state.vram_text)
        show_message(self.query_one("#wz-vram-msg", Static),
                     t(error, value=self.state.vram_text.strip()) if error else None)
        plan = self.query_one("#wz-hw-plan", Static)
        detected = self.state.detected
        if detected is None:
            plan.update(t("wizard.hw.detecting"))
            return
        if gb is None:
            gpu = detected.best_gpu
            text = (t("wizard.hw.plan_gpu", name=gpu.name, total=gb_text(gpu.total_gb)) if gpu is not None
                    else t("wizard.hw.plan_cpu", cores=detected.cpu_cores, ram=gb_text(detected.ram_gb)))
            if error:
                text = t("wizard.hw.plan_fallback", plan=text)
        elif gb == 0:
            text = t("wizard.hw.plan_none")
        else:
            text = t("wizard.hw.plan_assumed", gb=gb)
        plan.update(text)

    def ready_for_next(self) -> bool:
        _, error = parse_vram(self.state.vram_text)
        if error:
            show_message(self.query_one("#wz-vram-msg", Static), t(error, value=self.state.vram_text.strip()))
            self.query_one("#wz-vram", Input).focus()
            return False
        if self.state.detected is None:
            self.notify(t("wizard.hw.wait"))
            return False
        return True

    def action_back(self) -> None:
        self.leave("back")   # the first step: Back leaves the wizard (answers are dropped with it)


class QuestionStep(StepScreen):
    """One goal question: a list of answers (Enter picks) or a typed number."""

    def __init__(self, wizard: WizardHost, index: int, total: int, question: str) -> None:
        self.question = question
        self.STEP = question
        super().__init__(wizard, index, total)

    @property
    def options(self) -> tuple[str, ...] | None:
        return QUESTIONS[self.question]

    def current(self) -> Any:
        return getattr(self.state, STATE_FIELD[self.question])

    def compose_content(self) -> Iterable[Widget]:
        q = self.question
        yield Static(t(f"wizard.q.{q}.title"), classes="wz-title")
        yield Static(t(f"wizard.q.{q}.why"), classes="wz-why")
        if self.options is not None:
            yield OptionList(*[Option(self.prompt(value), id=value) for value in self.options], id="wz-options")
        else:
            yield Input(self.current(), placeholder=t(f"wizard.q.{q}.placeholder"), id="wz-answer", compact=True,
                        select_on_focus=False)
            yield message_row("wz-answer-msg")
            yield Static("", id="wz-answer-feedback", classes="wz-plan", markup=False)

    def prompt(self, value: str) -> Text:
        q = self.question
        chosen = self.current() == value
        return Text.assemble(("✓ " if chosen else "  ", "bold"), (t(f"wizard.q.{q}.{value}"), "bold"), "\n",
                             ("\u00a0\u00a0" + t(f"wizard.q.{q}.{value}.hint"), "dim"))

    def on_mount(self) -> None:
        if self.options is not None:
            options = self.query_one("#wz-options", OptionList)
            current = self.current()
            options.highlighted = self.options.index(current) if current in self.options else 0
            options.focus()
        else:
            self.query_one("#wz-answer", Input).focus()
            self.update_feedback()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        setattr(self.state, STATE_FIELD[self.question], event.option.id)
        self.leave("next")

    @on(Input.Changed, "#wz-answer")
    def answer_changed(self, event: Input.Changed) -> None:
        setattr(self.state, STATE_FIELD[self.question], event.value)
        self.update_feedback()

    @on(Input.Submitted, "#wz-answer")
    def answer_submitted(self) -> None:
        self.action_next()

    def update_feedback(self) -> None:
        count, error = parse_count(self.state.examples_text)
        show_message(self.query_one("#wz-answer-msg", Static), t(error, value=self.state.examples_text) if error else None)
        if error:
            text = ""
        elif count is None:
            text = t("wizard.q.examples.fb.unknown")
        elif count < 10:
            text = t("wizard.q.examples.fb.tiny", n=count)
        elif count < 500:
            text = t("wizard.q.examples.fb.few", n=count)
        else:
            text = t("wizard.q.examples.fb.ok", n=count)
        self.query_one("#wz-answer-feedback", Static).update(text)

    def ready_for_next(self) -> bool:
        if self.options is not None:
            options = self.query_one("#wz-options", OptionList)
            if options.highlighted is None:
                return False
            setattr(self.state, STATE_FIELD[self.question], self.options[options.highlighted])
            return True
        _, error = parse_count(self.state.examples_text)
        if error:
            self.query_one("#wz-answer", Input).focus()
            return False
        return True
