"""The two branches that do not train here: RAG (next steps, and "fine-tune for style + RAG for
facts") and OpenAI (what to do, with the wind-down dates; tunewiz's own OpenAI flow is not built
yet, and the page says so)."""
from __future__ import annotations

from typing import Iterable

from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Static

from tui.i18n import t
from tui.screens.wizard.base import StepScreen
from tui.screens.wizard.texts import wind_down_text

RAG_STEPS = 6
OPENAI_STEPS = 4


class EndStep(StepScreen):
    BINDINGS = [
        Binding("ctrl+n", "done", "wizard.key.done"),
        Binding("enter", "done", "wizard.key.done", show=False),
        Binding("escape", "back", "key.back"),
        Binding("ctrl+q", "app.quit", "key.quit", priority=True),
    ]

    def on_mount(self) -> None:
        self.query_one("#wz-body").focus()

    def action_done(self) -> None:
        self.leave("done")


class RagEndStep(EndStep):
    STEP = "rag_end"
    BINDINGS = [Binding("s", "style", "wizard.key.style")]

    def compose_content(self) -> Iterable[Widget]:
        yield Static(t("wizard.rag.title"), classes="wz-title")
        yield Static(t("wizard.rag.intro"), classes="wz-why")
        steps = "\n".join(f"{i}. {t(f'wizard.rag.step{i}')}" for i in range(1, RAG_STEPS + 1))
        yield Static(steps, id="wz-rag-steps", markup=False)
        yield Static(t("wizard.rag.combo"), id="wz-rag-combo", classes="wz-callout -info", markup=False)
        yield Static(t("wizard.rag.cli"), classes="wz-muted", markup=False)

    def action_style(self) -> None:
        # "Fine-tune for style + RAG for facts": the same answers, with style as the goal.
        self.state.goal = "style"
        self.leave(("goto", "recommend"))


class OpenAIEndStep(EndStep):
    STEP = "openai_end"
    BINDINGS = [Binding("d", "lint", "wizard.key.lint_openai"),
                Binding("o", "open_model", "wizard.key.open_model")]

    def compose_content(self) -> Iterable[Widget]:
        rec = self.state.rec
        model = getattr(rec, "model", None) or "gpt-4o-mini-2024-07-18"
        yield Static(t("wizard.oa.title", model=model), classes="wz-title", markup=False)
        yield Static(t("wizard.oa.not_built"), id="wz-oa-not-built", classes="wz-callout -warning", markup=False)
        yield Static(wind_down_text(), id="wz-oa-winddown", classes="wz-callout -warning", markup=False)
        cost = (getattr(rec, "settings", None) or {}).get("estimated_cost_usd")
        if cost is not None:
            yield Static(t("wizard.oa.cost", cost=cost), classes="wz-plan", markup=False)
        steps = "\n".join(f"{i}. {t(f'wizard.oa.step{i}', model=model)}" for i in range(1, OPENAI_STEPS + 1))
        yield Static(steps, id="wz-oa-steps", markup=False)

    def action_lint(self) -> None:
        # The dataset screen checks a file against OpenAI's rules and prices it, when it exists.
        try:
            self.app.open_screen("dataset", target="openai")
        except TypeError:      # a dataset screen without a target option: still the file check
            self.app.open_screen("dataset")

    def action_open_model(self) -> None:
        # Plan the open-model path instead: weights you own outlive the wind-down.
        self.state.cloud = "no"
        self.leave(("goto", "recommend"))
