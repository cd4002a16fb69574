"""The recommendation: the path (RAG, OpenAI or an open model), the reasons with the rule behind
each, and a fit bar per method (the estimate against the GPU memory, with the margin)."""
from __future__ import annotations

from typing import Any, Iterable

from textual import work
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from engine.methods import ADAPTER_METHODS, PREFERENCE_METHODS, SFT_METHODS
from tui.i18n import t
from tui.screens.wizard.base import StepScreen
from tui.message_parts import render_item
from tui.screens.wizard.texts import method_long, method_short, wind_down_text
from tui.widgets.wizard.fitbar import FitBar, gb_text

# The fit bars, heaviest first: the methods that train every weight, then the adapters, then DPO (shown
# for a preference goal, with the tuning it trains with).
FIT_METHODS = tuple(m for m in SFT_METHODS if m not in ADAPTER_METHODS) + ADAPTER_METHODS + PREFERENCE_METHODS


class AdviceReady(Message):
    def __init__(self, rec: Any, error: str | None) -> None:
        super().__init__()
        self.rec = rec
        self.error = error


def method_label(method: str | None, rec: Any = None) -> str:
    estimate = getattr(rec, "estimate", None)
    return method_long(method, getattr(estimate, "dpo_tuning", None))


def headline(rec: Any) -> str:
    if rec.path == "rag":
        return t("wizard.rec.head.rag")
    if rec.path == "openai":
        return t("wizard.rec.head.openai", model=rec.model)
    key = "wizard.rec.head.cpu" if rec.device == "cpu" else "wizard.rec.head.open"
    return t(key, method=method_label(rec.method, rec), model=rec.model)


def reasons_markup(rec: Any) -> str:
    """Each reason with its rule's label, in the current language (its code and params; the English when
    this version does not know the code)."""
    lines = []
    sep = t("wizard.rec.sep")
    for reason in rec.reasons:
        label = t(f"wizard.rule.{reason.rule}")
        if label == f"wizard.rule.{reason.rule}":      # a rule this table does not know yet
            label = reason.rule
        lines.append(f"• [b]{escape(label)}[/b]{sep}{escape(render_item(reason))} [$text-muted]({escape(reason.rule)})[/]")
    return "\n".join(lines)


class RecommendStep(StepScreen):
    STEP = "recommend"

    def compose_content(self) -> Iterable[Widget]:
        yield Static(t("wizard.rec.working"), id="wz-rec-head", classes="wz-title", markup=False)
        yield Static("", id="wz-rec-winddown", classes="wz-callout -warning", markup=False)
        with Vertical(id="wz-rec-fit", classes="wz-auto"):
            yield Static("", id="wz-rec-fit-title", classes="wz-label", markup=False)
            for method in FIT_METHODS:
                yield FitBar(t(f"wizard.method_short.{method}"), label_width=12, id=f"wz-fit-{method}")
            yield Static("", id="wz-rec-chosen", markup=False, classes="wz-auto")
        yield Static(t("wizard.rec.reasons"), id="wz-rec-reasons-title", classes="wz-label")
        yield Static("", id="wz-rec-reasons")
        yield Static("", id="wz-rec-alternatives", classes="wz-muted", markup=False)
        yield Static("", id="wz-rec-next", classes="wz-plan", markup=False)

    next_pending = False
    """Ctrl+N was pressed while the recommendation was being worked out: go on once it is shown."""
    failed = False
    """The recommendation could not be worked out (the message says why)."""

    def on_mount(self) -> None:
        for widget_id in ("#wz-rec-winddown", "#wz-rec-fit", "#wz-rec-reasons-title", "#wz-rec-alternatives",
                          "#wz-rec-chosen"):
            self.query_one(widget_id).display = False
        self.query_one("#wz-body", VerticalScroll).focus()
        self.compute()

    @work(thread=True, exclusive=True, exit_on_error=False, group="wizard-advice")
    def compute(self) -> None:
        from engine.advisor import AdviceError, advise
        from engine.catalog import ModelConfigError, UnknownModelError
        from engine.memory import EstimateError
        answers = self.state.answers()
        try:
            try:
                rec = advise(answers, self.state.hardware())
            except (UnknownModelError, ModelConfigError) as exc:
                if answers.model is None:
                    raise
                # The model picked earlier cannot be described now (the hub went away, the folder
                # moved): advise for the default model instead, and say so.
                from dataclasses import replace
                rec = advise(replace(answers, model=None), self.state.hardware())
                self.state.chosen_model = None
                self.app.call_from_thread(self.notify, t("wizard.rec.model_dropped", error=str(exc)),
                                          severity="warning", timeout=10)
        except (AdviceError, UnknownModelError, ModelConfigError, EstimateError) as exc:
            self.post_message(AdviceReady(None, str(exc)))
            return
        except Exception as exc:  # a bug in the engine must show up as a message, not take the app down
            self.post_message(AdviceReady(None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(AdviceReady(rec, None))

    def on_advice_ready(self, message: AdviceReady) -> None:
        head = self.query_one("#wz-rec-head", Static)
        if message.error is not None:
            self.state.rec = None
            self.failed, self.next_pending = True, False
            head.update(t("wizard.rec.error", error=message.error))
            head.add_class("-error")
            self.query_one("#wz-rec-next", Static).update(t("wizard.rec.error_hint"))
            return
        rec = message.rec
        self.state.rec = rec
        self.state.seed_plan()
        head.update(headline(rec))
        self.refresh_step_bar()
        wind = self.query_one("#wz-rec-winddown", Static)
        if rec.path == "openai" or any(r.rule == "openai-wind-down" for r in rec.reasons):
            wind.update(wind_down_text())
            wind.display = True
        self.show_fit(rec)
        reasons = self.query_one("#wz-rec-reasons", Static)
        reasons.update(reasons_markup(rec))
        self.query_one("#wz-rec-reasons-title").display = True
        if rec.alternatives:
            alt = self.query_one("#wz-rec-alternatives", Static)
            alt.update(t("wizard.rec.alternatives") + "\n" + "\n".join(f"  – {render_item(a)}" for a in rec.alternatives))
            alt.display = True
        self.query_one("#wz-rec-next", Static).update(t(f"wizard.rec.next.{rec.path}"))
        if self.next_pending:
            self.next_pending = False
            self.action_next()

    def show_fit(self, rec: Any) -> None:
        box = self.query_one("#wz-rec-fit")
        title = self.query_one("#wz-rec-fit-title", Static)
        bars = {m: self.query_one(f"#wz-fit-{m}", FitBar) for m in FIT_METHODS}
        for bar in bars.values():
            bar.display = False
        if rec.path != "open":
            return
        if rec.fit and rec.vram_gb:
            first = next(iter(rec.fit.values()))
            title.update(t("wizard.rec.fit_title", vram=gb_text(rec.vram_gb), length=first.seq_len))
            for method, e in rec.fit.items():
                if method in bars:
                    bars[method].update_fit(e.total_gb, rec.vram_gb, marked=method == rec.method,
                                            label=method_short(method, e.dpo_tuning))
                    bars[method].display = True
            chosen = rec.estimate
            if chosen is not None:
                # The chosen configuration: the fastest that fits (maybe a bigger batch than the bars'); sharded
                # over several GPUs, its figure is per GPU.
                sharded = getattr(rec, "world_size", 1) > 1 and rec.sharding not in (None, "ddp")
                self.query_one("#wz-rec-chosen", Static).update(t(
                    "wizard.rec.chosen_multi" if sharded else "wizard.rec.chosen", method=method_label(rec.method, rec),
                    batch=chosen.batch, ckpt=t("wizard.on") if chosen.gradient_checkpointing else t("wizard.off"),
                    need=chosen.total_gb, vram=rec.vram_gb, spare=rec.vram_gb - chosen.total_gb,
                    n=getattr(rec, "world_size", 1), mode=t(f"wizard.multi.mode.{rec.sharding or 'ddp'}")))
                self.query_one("#wz-rec-chosen").display = True
            box.display = True
        elif rec.estimate is not None and rec.device == "cpu":
            ram = self.state.hardware().ram_gb or None
            title.update(t("wizard.rec.fit_cpu", ram=gb_text(ram or 0), length=rec.estimate.seq_len))
            cpu_bar = bars["dpo" if rec.method == "dpo" else "lora"]
            cpu_bar.update_fit(rec.estimate.total_gb, ram, marked=True,
                               label=method_short(rec.method or "lora", rec.estimate.dpo_tuning))
            cpu_bar.display = True
            box.display = True

    def ready_for_next(self) -> bool:
        if self.state.rec is None:
            if self.failed:
                self.notify(t("wizard.rec.not_ready"), severity="warning")
            else:       # still working it out: say so, and go on by itself when it is ready
                self.next_pending = True
                self.query_one("#wz-rec-next", Static).update(t("wizard.next_pending"))
            return False
        return True
