"""Model and method: a catalog picker or a typed hub id / local path, and a live memory estimate
that follows every change of model, method, length, batch and gradient checkpointing."""
from __future__ import annotations

from typing import Any, Iterable

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.containers import Container, Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from engine.methods import METHODS
from tui.i18n import t
from tui.messages import text_of
from tui.screens.wizard.base import StepScreen, WizardHost, message_row, show_message
from tui.screens.wizard.state import capacity, parse_positive_int, plan_estimate, sharding_of
from tui.screens.wizard.texts import breakdown_text, method_short
from tui.widgets.wizard.fitbar import FitBar, gb_text

class ModelResolved(Message):
    def __init__(self, text: str, spec: Any, error: str | None, advance: bool) -> None:
        super().__init__()
        self.text = text
        self.spec = spec
        self.error = error
        self.advance = advance


ID_WIDTH = 36
"""The id column of the catalog list: the longest id in the catalog (35 cells) and a space."""


def catalog_prompt(spec: Any, recommended: bool, width: int | None = None) -> Text:
    """A catalog row: id, size, context, then its flags (remote code, gated, recommended, thinks, tools).
    Given the list's `width`, a row whose flags would run past it puts them on a second line under the
    size, so no row is cut or wrapped mid-column (80 columns: a mixture of experts that thinks and calls tools)."""
    flags = []
    if spec.trust_remote_code:
        flags.append(t("wizard.model.flag.remote"))
    if spec.gated:
        flags.append(t("wizard.model.flag.gated"))
    if recommended:
        flags.append(t("wizard.model.flag.recommended"))
    if spec.reasoning:
        flags.append(t("wizard.model.flag.thinks"))
    if spec.tools:
        flags.append(t("wizard.model.flag.tools"))
    ctx = f"{spec.max_position_embeddings // 1024}k"
    # A mixture of experts shows total and active parameters: "30.5B (3.4B active)".
    size = f"{spec.params:6.2f}B" if not spec.is_moe else t("wizard.model.moe_size", total=spec.params,
                                                             active=spec.active_params() / 1e9)
    head = Text.assemble((f"{spec.id:<{ID_WIDTH}}", "bold" if recommended else ""), f" {size} {ctx:>5} ")
    tail = " · ".join(flags)
    if width is not None and tail and head.cell_len + cell_len(tail) > width:
        head.rstrip()
        return Text.assemble(head, "\n", " " * (ID_WIDTH + 1), (tail, "dim"))
    return Text.assemble(head, (tail, "dim"))


def params_text(spec: Any) -> str:
    """7.62B, 135M, 70K: readable at every size (a tiny test model is not "0.00B")."""
    n = spec.param_count()
    if n >= 1e9:
        return f"{n / 1e9:.2f}B"
    if n >= 1e6:
        return f"{n / 1e6:.0f}M"
    return f"{max(1, round(n / 1e3))}K"


class CatalogList(OptionList):
    """The catalog's models, each row laid out for the list's width (catalog_prompt) again on every resize."""

    def __init__(self, specs: Iterable[Any], recommended: str | None, id: str) -> None:
        self.specs = list(specs)
        self.recommended = recommended
        self.laid_out_for: int | None = None
        super().__init__(*[Option(catalog_prompt(s, s.id == recommended), id=s.id) for s in self.specs], id=id)

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or width == self.laid_out_for:
            return
        self.laid_out_for = width
        for index, spec in enumerate(self.specs):
            self.replace_option_prompt_at_index(index, catalog_prompt(spec, spec.id == self.recommended, width))


class ModelStep(StepScreen):
    STEP = "model"
    WIDE = 150

    def __init__(self, wizard: WizardHost, index: int, total: int) -> None:
        super().__init__(wizard, index, total)
        if self.state.plan is None:      # reached without a recommendation (cannot happen by Next alone)
            from tui.screens.wizard.state import Plan
            self.state.plan = Plan.from_settings({})
        self.spec: Any = None
        """The resolved spec of the model in the input (None while unknown or not looked up)."""
        self.resolving: str | None = None
        self.estimates: dict[str, Any] = {}
        self.input_errors: dict[str, str] = {}
        self.next_pending = False
        """Ctrl+N was pressed while the model was being looked up: go on once it is found."""

    @property
    def plan(self) -> Any:
        return self.state.plan

    def compose_body(self) -> Iterable[Widget]:
        from engine.catalog import models
        plan = self.plan
        rec_model = getattr(self.state.rec, "model", None)
        with Container(id="wz-model"):
            with Vertical(id="wz-model-pick"):
                with Horizontal(classes="wz-row"):
                    yield Label(t("wizard.model.label"), classes="wz-field-label")
                    yield Input(plan.model, placeholder=t("wizard.model.placeholder"), id="wz-model-id",
                                compact=True, select_on_focus=False)
                yield message_row("wz-model-msg")
                yield Static("", id="wz-model-info", classes="wz-muted", markup=False)
                yield CatalogList(models(), rec_model, id="wz-catalog")
            with Vertical(id="wz-model-est"):
                with Horizontal(classes="wz-row", id="wz-controls"):
                    yield Label(t("wizard.model.method"), classes="wz-inline-label")
                    yield Select([(t(f"wizard.method_short.{m}"), m) for m in METHODS], value=plan.method,
                                 allow_blank=False, id="wz-method", compact=True)
                    yield Label(t("wizard.model.length"), classes="wz-inline-label")
                    yield Input(str(plan.max_length), id="wz-length", compact=True, restrict=r"[0-9]*")
                    yield Label(t("wizard.model.batch"), classes="wz-inline-label")
                    yield Input(str(plan.batch_size), id="wz-batch", compact=True, restrict=r"[0-9]*")
                    yield Label(t("wizard.model.ckpt"), classes="wz-inline-label")
                    yield Select([(t("wizard.on"), True), (t("wizard.off"), False)],
                                 value=plan.gradient_checkpointing, allow_blank=False, id="wz-ckpt", compact=True)
                yield message_row("wz-controls-msg")
                yield Static("", id="wz-est-title", classes="wz-label", markup=False)
                for method in METHODS:
                    yield FitBar(method_short(method, plan.dpo_tuning), label_width=10, id=f"wz-mfit-{method}")
                yield FitBar("", label_width=10, id="wz-mfit-multi")
                yield Static("", id="wz-breakdown", classes="wz-muted", markup=False)
                yield Static("", id="wz-model-notes", classes="wz-muted", markup=False)

    def on_mount(self) -> None:
        catalog = self.query_one("#wz-catalog", OptionList)
        ids = [option.id for option in catalog.options]
        if self.plan.model in ids:
            catalog.highlighted = ids.index(self.plan.model)
        catalog.focus()
        self.apply_model_text(self.plan.model, lookup=True)
        self.keep_cursor_visible()

    # -- model --------------------------------------------------------------------------------------
    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """The list writes its choice into the model field only when the user moves in the list: the list
        follows typed text (use_spec moves its cursor), never the reverse. A fast typist's keys can be
        handled before this event of an earlier cursor move, so a move the list did not have the focus
        for (ours, following the text) never rewrites the field."""
        from engine.catalog import get_model
        event.stop()
        if event.option_index != event.option_list.highlighted:
            return      # a stale event (the list's initial highlight), not where the cursor is now
        if not event.option_list.has_focus:
            return      # the list following typed text, not the user moving in it
        model_id = event.option.id
        field = self.query_one("#wz-model-id", Input)
        named = get_model(field.value)
        if model_id and model_id != self.plan.model and (named is None or named.id != model_id):
            field.value = model_id

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#wz-method", Select).focus()

    @on(Input.Changed, "#wz-model-id")
    def model_text_changed(self, event: Input.Changed) -> None:
        self.next_pending = False       # typed on: Next waits for the user again
        self.apply_model_text(event.value, lookup=False)

    @on(Input.Submitted, "#wz-model-id")
    def model_text_submitted(self, event: Input.Submitted) -> None:
        self.apply_model_text(event.value, lookup=True)

    def apply_model_text(self, text: str, lookup: bool, advance: bool = False) -> None:
        from engine.catalog import get_model
        text = text.strip()
        message = self.query_one("#wz-model-msg", Static)
        if not text:
            self.spec = None
            show_message(message, t("wizard.model.err.empty"))
            self.update_estimates()
            return
        known = self.state.specs.get(text) or get_model(text)
        if known is not None:
            self.state.specs[text] = known
            self.use_spec(text, known)
            if advance:
                self.leave("next")
            return
        self.spec = None
        self.query_one("#wz-model-info", Static).update("")
        if lookup or advance:
            self.resolving = text
            show_message(message, t("wizard.model.looking_up", model=text), "info")
            self.resolve(text, advance)
        else:
            show_message(message, t("wizard.model.press_enter"), "info")
        self.update_estimates()

    @work(thread=True, exclusive=True, exit_on_error=False, group="wizard-model")
    def resolve(self, text: str, advance: bool) -> None:
        from engine.catalog import ModelConfigError, UnknownModelError, resolve_model_spec
        try:
            spec = resolve_model_spec(text)
        except (UnknownModelError, ModelConfigError) as exc:
            self.post_message(ModelResolved(text, None, str(exc), advance))
        except Exception as exc:  # a broken config.json or file system: a message, not a traceback
            self.post_message(ModelResolved(text, None, f"{type(exc).__name__}: {exc}", advance))
        else:
            self.post_message(ModelResolved(text, spec, None, advance))

    def on_model_resolved(self, message: ModelResolved) -> None:
        self.resolving = None
        if message.text != self.query_one("#wz-model-id", Input).value.strip():
            return   # typed on since
        advance, self.next_pending = message.advance or self.next_pending, False
        if message.error is not None:
            show_message(self.query_one("#wz-model-msg", Static), message.error)
            self.query_one("#wz-model-info", Static).update("")
            self.spec = None
            self.update_estimates()
            return
        self.state.specs[message.text] = message.spec
        self.use_spec(message.text, message.spec)
        if advance:
            self.action_next()

    def use_spec(self, text: str, spec: Any) -> None:
        self.spec = spec
        if text != self.plan.model:
            self.plan.model = text
            self.state.chosen_model = text
        show_message(self.query_one("#wz-model-msg", Static), None)
        info = [t("wizard.model.info", params=params_text(spec), ctx=spec.max_position_embeddings,
                  source=t(f"wizard.model.source.{spec.source.split()[0]}") if spec.source.split()[0] in
                  ("catalog", "local", "hub") else spec.source)]
        if spec.license:
            info.append(spec.license)
        self.query_one("#wz-model-info", Static).update(" · ".join(info))
        catalog = self.query_one("#wz-catalog", OptionList)
        ids = [option.id for option in catalog.options]
        if spec.source == "catalog" and spec.id in ids and catalog.highlighted != ids.index(spec.id):
            catalog.highlighted = ids.index(spec.id)
        if spec.max_position_embeddings and self.plan.max_length > spec.max_position_embeddings:
            show_message(self.query_one("#wz-controls-msg", Static),
                         t("wizard.model.err.context", length=self.plan.max_length, ctx=spec.max_position_embeddings),
                         "warning")
        self.update_estimates()

    # -- method, length, batch, checkpointing ---------------------------------------------------------
    @on(Select.Changed, "#wz-method")
    def method_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.plan.method = event.value
            self.update_estimates()

    @on(Select.Changed, "#wz-ckpt")
    def ckpt_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, bool):
            self.plan.gradient_checkpointing = event.value
            self.update_estimates()

    @on(Input.Changed, "#wz-length")
    def length_changed(self, event: Input.Changed) -> None:
        value = parse_positive_int(event.value, 16, 1_048_576)
        self.set_input_error("length", None if value else t("wizard.model.err.length", value=event.value))
        if value:
            self.plan.max_length = value
            self.update_estimates()

    @on(Input.Changed, "#wz-batch")
    def batch_changed(self, event: Input.Changed) -> None:
        value = parse_positive_int(event.value, 1, 4096)
        self.set_input_error("batch", None if value else t("wizard.model.err.batch", value=event.value))
        if value:
            self.plan.batch_size = value
            self.update_estimates()

    @on(Input.Submitted, "#wz-length, #wz-batch")
    def number_submitted(self) -> None:
        self.action_next()

    def set_input_error(self, name: str, error: str | None) -> None:
        if error:
            self.input_errors[name] = error
        else:
            self.input_errors.pop(name, None)
        show_message(self.query_one("#wz-controls-msg", Static), "  ".join(self.input_errors.values()) or None)
        self.keep_cursor_visible()

    def keep_cursor_visible(self) -> None:
        """Messages come and go above and below the list; its cursor stays in view."""
        catalog = self.query_one("#wz-catalog", OptionList)
        # after the layout has settled (a message line changes the list's height)
        self.set_timer(0.05, catalog.scroll_to_highlight)

    # -- the live estimate ---------------------------------------------------------------------------
    def update_estimates(self) -> None:
        from engine.catalog import ModelConfigError
        from engine.memory import EstimateError
        plan, hardware = self.plan, self.state.hardware()
        device, cap, where = capacity(hardware)
        bars = {m: self.query_one(f"#wz-mfit-{m}", FitBar) for m in METHODS}
        show_cpt = plan.method == "cpt" or self.state.goal == "domain"
        bars["cpt"].display = show_cpt
        # DPO (with the tuning the plan trains it with) for a preference goal or when picked
        bars["dpo"].display = plan.method == "dpo" or self.state.goal == "preference"
        self.query_one("#wz-mfit-multi", FitBar).display = False
        title = self.query_one("#wz-est-title", Static)
        breakdown = self.query_one("#wz-breakdown", Static)
        notes = self.query_one("#wz-model-notes", Static)
        where_text = (t("wizard.model.on_gpu", name=where, cap=gb_text(cap or 0)) if device == "cuda"
                      else t("wizard.model.on_cpu", cap=gb_text(cap or 0)))
        title.update(t("wizard.model.est_title", where=where_text, length=plan.max_length, batch=plan.batch_size,
                       ckpt=t("wizard.on") if plan.gradient_checkpointing else t("wizard.off")))
        self.estimates = {}
        if self.spec is None:
            for bar in bars.values():
                bar.update_fit(None, cap, note=t("wizard.model.no_model"))
            breakdown.update("")
            notes.update("")
            return
        problems = []
        for method, bar in bars.items():
            try:
                e = plan_estimate(self.spec, method, plan.max_length, plan.batch_size, plan.gradient_checkpointing,
                                  hardware, lora_r=plan.lora_r, dpo_tuning=plan.dpo_tuning)
            except (EstimateError, ModelConfigError) as exc:
                bar.update_fit(None, cap, marked=method == plan.method, note=str(exc))
                problems.append(str(exc))
                continue
            self.estimates[method] = e
            bar.update_fit(e.total_gb, cap, marked=method == plan.method)
        chosen = self.estimates.get(plan.method)
        breakdown.update(breakdown_text(chosen) if chosen else "")
        lines = []
        multi = self.update_multi(chosen, hardware, cap or 0) if chosen is not None and len(hardware.gpus) >= 2 else ""
        if multi:
            lines.append(multi)
        if self.spec.trust_remote_code:
            lines.append(t("wizard.model.note.remote"))
        if self.spec.gated:
            lines.append(t("wizard.model.note.gated"))
        if chosen is not None:
            lines += [text_of(n) for n in chosen.notes[:2]]
        if plan.method == "qlora" and device == "cpu":
            lines.append(t("wizard.model.note.qlora_cpu"))
        notes.update("\n".join(lines))
        self.keep_cursor_visible()

    def update_multi(self, chosen: Any, hardware: Any, cap: float) -> str:
        """Two or more GPUs: the plan across all of them (the bar below the methods' bars) and a line saying
        how. While the plan's `distributed` is the wizard's own choice it follows the fit: DDP when one GPU
        holds the plan, FSDP when only all of them together do (QLoRA is never sharded, as in the advisor)."""
        from engine.advisor import SHARDABLE
        from engine.catalog import ModelConfigError
        from engine.memory import EstimateError
        plan, n = self.plan, len(hardware.gpus)
        mode = sharding_of(plan.distributed, plan.deepspeed_stage) if plan.distributed != "ddp" else "fsdp"
        sharded = None
        if plan.method in SHARDABLE:
            try:
                sharded = plan_estimate(self.spec, plan.method, plan.max_length, plan.batch_size,
                                        plan.gradient_checkpointing, hardware, lora_r=plan.lora_r, sharding=mode,
                                        world_size=n)
            except (EstimateError, ModelConfigError):
                sharded = None
        one_fits = chosen.total_gb <= cap
        shard_fits = sharded is not None and sharded.total_gb <= cap
        if plan.distributed_auto:
            plan.distributed = "ddp" if one_fits or not shard_fits else "fsdp"
            plan.nproc_per_node = n
        bar = self.query_one("#wz-mfit-multi", FitBar)
        bar.display = True
        shown = chosen if plan.distributed == "ddp" else sharded
        label = t("wizard.multi.label", mode=t(f"wizard.multi.mode.{sharding_of(plan.distributed, plan.deepspeed_stage)}"),
                  n=n)
        bar.update_fit(shown.total_gb if shown is not None else None, cap, label=label)
        mode_name = t(f"wizard.multi.mode.{mode}")
        if plan.distributed == "ddp" and one_fits:
            return t("wizard.multi.ddp", n=n)
        if plan.distributed != "ddp" and shard_fits:
            return t("wizard.multi.shard", method=t(f"wizard.method_short.{plan.method}"), mode=mode_name, n=n,
                     need=sharded.total_gb, distributed=plan.distributed)
        return t("wizard.multi.none", mode=mode_name, n=n, need=sharded.total_gb) if sharded is not None else ""

    def ready_for_next(self) -> bool:
        if self.input_errors:
            self.query_one("#wz-length" if "length" in self.input_errors else "#wz-batch", Input).focus()
            return False
        if self.spec is None:
            text = self.query_one("#wz-model-id", Input).value
            if self.resolving is None and text.strip():
                self.apply_model_text(text, lookup=True, advance=True)
            elif self.resolving is not None:    # still looking it up: say so, and go on when it is found
                self.next_pending = True
                show_message(self.query_one("#wz-model-msg", Static),
                             t("wizard.model.next_pending", model=self.resolving), "info")
            else:
                self.query_one("#wz-model-id", Input).focus()
            return False
        return True
