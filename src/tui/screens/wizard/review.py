"""Config review: every RunConfig field editable, checked as you type by the engine's own
validation (`parse_config`, then `launch.preflight`), the estimated memory and a rough time,
the YAML it will write, and Start (the detached trainer, then the monitor)."""
from __future__ import annotations

import json
import shlex
import typing
from pathlib import Path
from typing import Any, Iterable

from textual import on, work
from textual.binding import Binding
from textual.containers import Container, VerticalScroll
from textual.events import DescendantFocus
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from tui.i18n import t
from tui.screens.wizard.base import StepScreen, WizardHost, message_row, show_message
from tui.screens.wizard.state import (MFU, DataInfo, absolute_path, capacity, plan_estimate, quick_check,
                                      rough_seconds, sharding_of, tokens_per_second)
from tui.screens.wizard.texts import breakdown_text, method_short as method_label_of
from tui.widgets.wizard.fitbar import FitBar, gb_text
from tui.widgets.wizard.form import FieldRow, FieldSpec

WIDE_MIN = 120


def _spec_for(key: str, field: Any) -> FieldSpec:
    annotation = field.annotation
    args = typing.get_args(annotation)
    optional = type(None) in args
    inner = [a for a in args if a is not type(None)] if args else [annotation]
    kind, choices, is_str = "text", (), False
    if typing.get_origin(annotation) is typing.Literal:
        kind, choices = "choice", tuple(str(a) for a in args)
    elif annotation is bool:
        kind = "bool"
    elif any(typing.get_origin(a) is list for a in inner):
        kind = "list"
    elif inner == [str]:
        is_str = True
    default = None if field.is_required() else field.get_default(call_default_factory=True)
    return FieldSpec(key=key, kind=kind, choices=choices, optional=optional, is_str=is_str, default=default,
                     help=field.description or "")


def form_fields() -> list[FieldSpec]:
    """Every RunConfig field in its order; `data` as one source (path, format), `lora` and `dpo` flattened."""
    from engine.train.config import DataSource, DpoSettings, LoraSettings, RunConfig
    out: list[FieldSpec] = []
    for name, field in RunConfig.model_fields.items():
        if name == "data":
            out += [_spec_for(f"data.{sub}", f) for sub, f in DataSource.model_fields.items()]
        elif name == "lora":
            out += [_spec_for(f"lora.{sub}", f) for sub, f in LoraSettings.model_fields.items()]
        elif name == "dpo":
            out += [_spec_for(f"dpo.{sub}", f) for sub, f in DpoSettings.model_fields.items()]
        else:
            out.append(_spec_for(name, field))
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _scalar(text: str) -> Any:
    import yaml
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def build_raw(fields: list[FieldSpec], values: dict[str, str]) -> dict[str, Any]:
    """The mapping `parse_config` validates, from the texts on the form (paths made absolute:
    the trainer runs in the runs directory, not here)."""
    from engine.launch import looks_like_local_path
    raw: dict[str, Any] = {}
    source: dict[str, Any] = {}
    for spec in fields:
        text = values.get(spec.key, "").strip()
        if spec.kind == "bool":
            value: Any = text == "true"
        elif spec.kind == "choice":
            value = text or spec.default
            if text.isdigit() and all(c.isdigit() for c in spec.choices):
                value = int(text)           # Literal[2, 3] (deepspeed_stage): the number, not its text
        elif spec.kind == "list":
            value = "all-linear" if text in ("", "all-linear") else [p.strip() for p in text.split(",") if p.strip()]
        elif not text:
            if not spec.optional:
                continue            # the default
            value = None
        elif spec.is_str:
            value = text
        else:
            value = _scalar(text)
        head, _, sub = spec.key.partition(".")
        if head == "data":
            source[sub] = value
        elif sub:
            raw.setdefault(head, {})[sub] = value
        else:
            raw[head] = value
    if source.get("path"):
        source["path"] = absolute_path(str(source["path"]))
        raw["data"] = [source]
    model = raw.get("model")
    if isinstance(model, str) and model != "demo" and looks_like_local_path(model):
        raw["model"] = absolute_path(model)
    return raw


def problem_key(problem: str, keys: set[str]) -> str | None:
    """The form field a `key: message` problem belongs to ("data.0.path" -> "data.path")."""
    head = problem.split(":", 1)[0].strip()
    parts = [p for p in head.split(".") if not p.isdigit()]
    key = ".".join(parts)
    if key in keys:
        return key
    if key == "data":
        return "data.path"
    return None


def duration_text(seconds: float) -> str:
    if seconds < 90:
        return t("wizard.time.minutes", n=max(1, round(seconds / 60)))
    if seconds < 3600 * 1.5:
        return t("wizard.time.minutes", n=round(seconds / 60))
    if seconds < 3600 * 48:
        return t("wizard.time.hours", n=f"{seconds / 3600:.1f}")
    return t("wizard.time.days", n=f"{seconds / 86400:.1f}")


def world_config(config: Any, gpus: int) -> Any:
    """The config with nproc_per_node fixed to the wizard's GPUs when it is left to default (what the launch
    does with the GPUs it sees; the wizard plans for the ones it detected, or assumed)."""
    if config.nproc_per_node is None:
        return config.model_copy(update={"nproc_per_node": max(1, gpus)})
    return config


def launch_preview(config: Any, gpus: int) -> str | None:
    """What a run of more than one process will do, from engine.train.distributed's own builders: the torchrun
    command of this node, the FSDP / DeepSpeed config it writes into the run directory, and with nnodes > 1 the
    command for the other nodes. None for one process."""
    from engine.train import distributed
    config = world_config(config, gpus)
    world = distributed.world_of(config)
    if not world.is_distributed:
        return None
    run_dir = Path(config.runs_dir) / (config.name or "NAME")
    lines = [t("wizard.review.launch_title", n=world.world_size, nodes=world.nnodes, per=world.nproc_per_node,
               mode=config.distributed), shlex.join(distributed.launcher_command(config, run_dir))]
    if not config.name:
        lines.append(t("wizard.review.launch_name"))
    files = {"fsdp": (distributed.FSDP_FILE, distributed.fsdp_config),
             "deepspeed": (distributed.DEEPSPEED_FILE, distributed.deepspeed_config)}
    if config.distributed in files:
        name, build = files[config.distributed]
        lines += [t("wizard.review.launch_file", file=name), json.dumps(build(config), indent=1)]
    if world.nnodes > 1:
        lines.append(t("wizard.review.launch_nodes"))
        lines += distributed.other_node_commands(config, str(run_dir / "config.yaml"), [])
    return "\n".join(lines)


class Started(Message):
    def __init__(self, run_dir: Path | None, process: Any, problems: list[str]) -> None:
        super().__init__()
        self.run_dir = run_dir
        self.process = process
        self.problems = problems


class SpecResolved(Message):
    def __init__(self, model: str, spec: Any, error: str | None) -> None:
        super().__init__()
        self.model = model
        self.spec = spec
        self.error = error


class ReviewDataChecked(Message):
    def __init__(self, info: DataInfo) -> None:
        super().__init__()
        self.info = info


class ReviewStep(StepScreen):
    STEP = "review"
    WIDE = WIDE_MIN
    BINDINGS = [Binding("ctrl+n", "next", "wizard.key.next", show=False),
                Binding("ctrl+s", "start", "wizard.key.start"),
                Binding("ctrl+y", "toggle_yaml", "wizard.key.yaml")]

    def __init__(self, wizard: WizardHost, index: int, total: int) -> None:
        super().__init__(wizard, index, total)
        self.fields = form_fields()
        self.keys = {f.key for f in self.fields}
        self.config: Any = None
        """The valid RunConfig of the form (None while it has problems)."""
        self.problems: dict[str, list[str]] = {}
        """field key (or "" for the whole config) -> blocking problems."""
        self.warnings: dict[str, list[str]] = {}
        self.estimate: Any = None
        self.starting = False
        self._resolving: set[str] = set()
        self._spec_errors: dict[str, str] = {}
        self._checking: set[str] = set()
        self._seed()

    # -- values ---------------------------------------------------------------------------------------
    def _source_key(self) -> str:
        state = self.state
        data_path = absolute_path(state.data_text) if state.data_text.strip() else ""
        return json.dumps({"plan": state.plan.__dict__ if state.plan else None, "data": data_path},
                          sort_keys=True, default=str)

    def _seed(self) -> None:
        """Starts from the plan and the dataset; keeps earlier edits while those did not change."""
        state = self.state
        plan = state.plan
        source = self._source_key()
        if state.review and state.review_source == source:
            return
        values = {spec.key: _text(spec.default) for spec in self.fields}
        if plan is not None:
            values.update({"model": plan.model, "method": plan.method, "max_length": str(plan.max_length),
                           "batch_size": str(plan.batch_size), "grad_accum": str(plan.grad_accum),
                           "epochs": _text(plan.epochs), "learning_rate": _text(plan.learning_rate),
                           "gradient_checkpointing": _text(plan.gradient_checkpointing),
                           "lora.r": str(plan.lora_r), "lora.alpha": str(plan.lora_alpha),
                           "distributed": plan.distributed, "deepspeed_stage": str(plan.deepspeed_stage),
                           "nproc_per_node": _text(plan.nproc_per_node), "dpo.tuning": plan.dpo_tuning,
                           "dpo.beta": _text(plan.dpo_beta), "dpo.loss_type": plan.dpo_loss_type})
        values["data.path"] = absolute_path(state.data_text) if state.data_text.strip() else ""
        values["runs_dir"] = str(self.wizard.resolved_runs_dir())
        values["name"] = ""
        state.review = values
        state.review_source = source

    def save(self) -> None:
        """Going back: the earlier steps show what was edited here (a valid config only), and these
        edits stay, since the plan now matches them."""
        config, state = self.config, self.state
        if config is None or state.plan is None:
            return
        plan = state.plan
        typed_model = self.values.get("model", "").strip() or config.model
        plan.model, plan.method = typed_model, config.method
        plan.max_length, plan.batch_size, plan.grad_accum = config.max_length, config.batch_size, config.grad_accum
        plan.gradient_checkpointing, plan.epochs = config.gradient_checkpointing, config.epochs
        plan.learning_rate, plan.lora_r, plan.lora_alpha = config.learning_rate, config.lora.r, config.lora.alpha
        plan.dpo_tuning, plan.dpo_beta, plan.dpo_loss_type = config.dpo.tuning, config.dpo.beta, config.dpo.loss_type
        chosen_here = (config.distributed, config.deepspeed_stage, config.nproc_per_node)
        if chosen_here != (plan.distributed, plan.deepspeed_stage, plan.nproc_per_node):
            plan.distributed_auto = False          # edited here: the model step keeps it from now on
        plan.distributed, plan.deepspeed_stage, plan.nproc_per_node = chosen_here
        if config.data:
            state.data_text = self.values.get("data.path", "") or config.data[0].path
        state.review_source = self._source_key()

    @property
    def values(self) -> dict[str, str]:
        return self.state.review

    # -- layout -------------------------------------------------------------------------------------
    def compose_body(self) -> Iterable[Widget]:
        with Container(id="wz-review"):
            with VerticalScroll(id="wz-form"):
                for spec in self.fields:
                    placeholder = t("wizard.review.default", value=_text(spec.default)) if spec.default not in (None, "") \
                        else t("wizard.review.none") if spec.optional else ""
                    if spec.key == "name":
                        placeholder = t("wizard.review.name_default")
                    yield FieldRow(spec, self.values.get(spec.key, ""), placeholder)
            with VerticalScroll(id="wz-side"):
                yield Static("", id="wz-est-title", classes="wz-label", markup=False)
                yield FitBar("", label_width=10, id="wz-review-fit")
                yield Static("", id="wz-review-breakdown", classes="wz-muted", markup=False)
                yield Static("", id="wz-review-time", markup=False)
                yield Static("", id="wz-review-warnings", classes="wz-warning-text", markup=False)
                yield Static("", id="wz-launch", classes="wz-muted", markup=False)
                yield Static(t("wizard.review.yaml_title"), id="wz-yaml-title", classes="wz-label")
                yield Static("", id="wz-yaml", markup=False)
        yield message_row("wz-general")
        yield Static("", id="wz-help", classes="wz-help", markup=False)

    def on_mount(self) -> None:
        self.query_one(FieldRow).focus_editor()
        self.validate()

    def action_toggle_yaml(self) -> None:
        self.toggle_class("wz-yaml-only")
        if self.has_class("wz-yaml-only"):
            self._form_focus = self.focused
            self.query_one("#wz-side").focus()
        elif getattr(self, "_form_focus", None) is not None and self._form_focus.is_attached:
            self._form_focus.focus()

    def row(self, key: str) -> FieldRow:
        return next(r for r in self.query(FieldRow) if r.spec.key == key)

    # -- editing ------------------------------------------------------------------------------------
    @on(Input.Changed)
    def input_changed(self, event: Input.Changed) -> None:
        self._edited(event.input)

    @on(Select.Changed)
    def select_changed(self, event: Select.Changed) -> None:
        self._edited(event.select)

    @on(Input.Submitted)
    def input_submitted(self, event: Input.Submitted) -> None:
        self.focus_next()

    def _edited(self, widget: Widget) -> None:
        row = next((a for a in widget.ancestors if isinstance(a, FieldRow)), None)
        if row is None or not self.is_mounted:
            return
        if self.values.get(row.spec.key) != row.value:
            self.values[row.spec.key] = row.value
            self.validate()

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        row = next((a for a in event.widget.ancestors_with_self if isinstance(a, FieldRow)), None)
        if row is None:
            return
        spec = row.spec
        help_text = t(f"wizard.field.{spec.key}")
        if help_text == f"wizard.field.{spec.key}":
            help_text = spec.help
        self.query_one("#wz-help", Static).update(f"{spec.key}: {help_text}")

    # -- validation ---------------------------------------------------------------------------------
    def validate(self) -> None:
        from engine.launch import preflight_messages
        from engine.train.config import ConfigError, parse_config
        from tui.messages import text_of
        problems: dict[str, list[str]] = {}
        warnings: dict[str, list[str]] = {}
        raw = build_raw(self.fields, self.values)
        try:
            config = parse_config(raw, "wizard")
        except ConfigError as exc:
            config = None
            from tui.messages import message_text
            for msg in exc.messages:   # placed by the English "key: ..." text, shown in the user's language
                problems.setdefault(problem_key(msg.text, self.keys) or "", []).append(
                    message_text(msg.code, msg.params, msg.text))
        if config is not None:
            for problem in preflight_messages(config):   # placed by the English, shown in the user's language
                problems.setdefault(problem_key(problem.text, self.keys) or "", []).append(text_of(problem))
        self.config = config if not problems else None
        spec = self.model_spec(raw.get("model"))
        if spec is not None and spec.trust_remote_code and not (config and config.trust_remote_code):
            warnings.setdefault("trust_remote_code", []).append(t("wizard.review.warn_remote"))
        data = self.data_info(config)
        if config is not None and data is not None:
            if config.method == "cpt" and data.format not in (None, "text"):
                warnings.setdefault("method", []).append(t("wizard.data.warn_cpt", format=data.format))
            if data.errors and not data.fatal:
                warnings.setdefault("data.path", []).append(t("wizard.data.warn_errors", errors=data.errors))
        self.problems, self.warnings = problems, warnings
        for row in self.query(FieldRow):
            key = row.spec.key
            if key in problems:
                row.set_message("\n".join(problems[key]), "error")
            elif key in warnings:
                row.set_message("\n".join(warnings[key]), "warning")
            else:
                row.set_message(None)
        general = problems.get("", [])
        count = sum(len(v) for v in problems.values())
        text = None
        if count:
            text = "\n".join([t("wizard.review.problems", n=count)] + general)
        show_message(self.query_one("#wz-general", Static), text)
        self.update_side(config, spec, data)

    def model_spec(self, model: Any) -> Any:
        """The cached spec of the config's model; starts a lookup when it is new."""
        from engine.catalog import get_model
        if not isinstance(model, str) or not model:
            return None
        typed = self.values.get("model", "").strip()
        spec = self.state.specs.get(model) or self.state.specs.get(typed) or get_model(model)
        if spec is None and model not in self._resolving:
            self._resolving.add(model)
            self.resolve_spec(model)
        return spec

    @work(thread=True, exit_on_error=False, group="wizard-review-spec")
    def resolve_spec(self, model: str) -> None:
        from engine.catalog import resolve_model_spec
        try:
            self.post_message(SpecResolved(model, resolve_model_spec(model), None))
        except Exception as exc:  # UnknownModelError, ModelConfigError, or worse: a message either way
            self.post_message(SpecResolved(model, None, str(exc)))

    def on_spec_resolved(self, message: SpecResolved) -> None:
        if message.spec is not None:
            self.state.specs[message.model] = message.spec
            self.validate()
        else:
            self._spec_errors[message.model] = message.error or "?"
            self.validate()

    def data_info(self, config: Any) -> DataInfo | None:
        """The checked facts of the config's data file; starts a quick check when it is new."""
        if config is None or not config.data:
            return None
        path = config.data[0].path
        if self.state.data is not None and self.state.data.path == path:
            return self.state.data
        if path not in self._checking and Path(path).is_file():
            self._checking.add(path)
            self.check_data(path)
        return None

    @work(thread=True, exit_on_error=False, group="wizard-review-data")
    def check_data(self, path: str) -> None:
        try:
            info = quick_check(path)
        except Exception as exc:
            info = DataInfo(path=path, fatal=f"{type(exc).__name__}: {exc}")
        self.post_message(ReviewDataChecked(info))

    def on_review_data_checked(self, message: ReviewDataChecked) -> None:
        self.state.data = message.info
        self.validate()

    # -- estimate, time, YAML ----------------------------------------------------------------------------
    def update_side(self, config: Any, spec: Any, data: DataInfo | None) -> None:
        from engine.catalog import ModelConfigError
        from engine.memory import EstimateError
        hardware = self.state.hardware()
        device, cap, where = capacity(hardware)
        title = self.query_one("#wz-est-title", Static)
        fit = self.query_one("#wz-review-fit", FitBar)
        breakdown = self.query_one("#wz-review-breakdown", Static)
        timing = self.query_one("#wz-review-time", Static)
        warn = self.query_one("#wz-review-warnings", Static)
        yaml_view = self.query_one("#wz-yaml", Static)
        launch = self.query_one("#wz-launch", Static)
        where_text = (t("wizard.model.on_gpu", name=where, cap=gb_text(cap or 0)) if device == "cuda"
                      else t("wizard.model.on_cpu", cap=gb_text(cap or 0)))
        world, sharding = 1, "ddp"
        if config is not None and device == "cuda":
            world = (config.nproc_per_node or max(1, len(hardware.gpus))) * config.nnodes
            sharding = sharding_of(config.distributed, config.deepspeed_stage) if world > 1 else "ddp"
        title.update(t("wizard.review.est_title", where=where_text) + (
            "" if world == 1 else " · " + t("wizard.review.per_gpu", n=world, mode=t(f"wizard.multi.mode.{sharding}"))))
        preview = launch_preview(config, len(hardware.gpus)) if config is not None else None
        launch.update(preview or "")
        launch.display = preview is not None
        if config is None:
            yaml_view.update(t("wizard.review.yaml_blocked"))
            fit.update_fit(None, cap, note=t("wizard.review.fix_first"))
            breakdown.update("")
            timing.update("")
            warn.update("")
            return
        if config.name:
            yaml_view.update(config.to_yaml())
        else:
            text = config.model_copy(update={"name": config.default_name()}).to_yaml()
            first, _, rest = text.partition("\n")
            yaml_view.update(f"{first}   # {t('wizard.review.name_at_start')}\n{rest}")
        if spec is None:
            error = self._spec_errors.get(config.model)
            fit.update_fit(None, cap, note=t("wizard.review.looking_up", model=config.model) if error is None
                           else t("wizard.fit.unknown"))
            breakdown.update(t("wizard.review.no_estimate", error=error) if error else "")
            timing.update("")
            warn.update("")
            return
        try:
            e = plan_estimate(spec, config.method, config.max_length, config.batch_size,
                              config.gradient_checkpointing, hardware, lora_r=config.lora.r,
                              lora_targets=config.lora.target_modules, lora_dropout=config.lora.dropout,
                              precision=config.precision, sharding=sharding, world_size=world,
                              dpo_tuning=config.dpo.tuning, dpo_from_adapter=bool(config.dpo.from_adapter))
        except (EstimateError, ModelConfigError) as exc:
            self.estimate = None
            fit.update_fit(None, cap, note=str(exc))
            breakdown.update("")
            timing.update("")
            return
        self.estimate = e
        fit.update_fit(e.total_gb, cap, marked=True, label=method_label_of(config.method, config.dpo.tuning))
        breakdown.update(breakdown_text(e) + ("\n" + t(f"wizard.review.dpo_reference.{e.reference.replace(' ', '_')}",
                                                       beta=config.dpo.beta, loss=config.dpo.loss_type)
                                             if e.reference else ""))
        tps, basis, peak = tokens_per_second(spec, config.method, hardware, config.gradient_checkpointing)
        seconds = rough_seconds(data, epochs=config.epochs, max_steps=config.max_steps, batch=config.batch_size,
                                grad_accum=config.grad_accum, max_length=config.max_length,
                                eval_split=config.eval_split, tps=tps)
        if basis == "cpu":
            speed = t("wizard.time.cpu", tps=tps)
        else:
            card = basis or t("wizard.time.typical", gb=cap or 0)
            speed = t("wizard.time.gpu", tps=tps, basis=card, peak=peak, mfu=round(MFU * 100))
        if seconds is None:
            timing.update(t("wizard.time.unknown", speed=speed))
        else:
            timing.update(t("wizard.time.rough", time=duration_text(seconds), speed=speed))
        warnings = []
        if fit.state == "over":
            warnings.append(t("wizard.review.warn_fit"))
        elif fit.state == "tight":
            warnings.append(t("wizard.review.warn_tight"))
        warn.update("\n".join(warnings))

    # -- start --------------------------------------------------------------------------------------
    def action_start(self) -> None:
        if self.wizard.launched is not None:
            self.leave("started")     # started already (the hand-over was interrupted): never a second run
            return
        if self.starting:
            return
        self.validate()
        if self.config is None:
            first = next((k for k in (f.key for f in self.fields) if k in self.problems), None)
            if first is not None:
                self.row(first).focus_editor()
            self.notify(t("wizard.review.cannot_start", n=sum(len(v) for v in self.problems.values())),
                        severity="error")
            return
        self.starting = True
        show_message(self.query_one("#wz-general", Static), t("wizard.start.starting"), "info")
        self.start(self.config)

    @work(thread=True, exclusive=True, exit_on_error=False, group="wizard-start")
    def start(self, config: Any) -> None:
        from engine.launch import preflight_messages, start_run
        from tui.messages import text_of
        problems = [text_of(m) for m in preflight_messages(config)]
        if problems:
            self.post_message(Started(None, None, problems))
            return
        try:
            run_dir, process = start_run(config)
        except Exception as exc:  # a full disk, a read-only runs_dir: say so and stay on the page
            self.post_message(Started(None, None, [f"{type(exc).__name__}: {exc}"]))
            return
        self.post_message(Started(run_dir, process, []))

    def on_started(self, message: Started) -> None:
        self.starting = False
        if message.run_dir is None:
            show_message(self.query_one("#wz-general", Static),
                         "\n".join([t("wizard.start.failed")] + message.problems))
            self.notify(t("wizard.start.failed"), severity="error")
            return
        self.wizard.launched = (message.run_dir, message.process)
        self.leave("started")      # (if another screen is on top just now, on_screen_resume does it)

    def on_screen_resume(self) -> None:
        if self.wizard.launched is not None:
            self.leave("started")

    def ready_for_next(self) -> bool:
        # The last step: starting a run is its own key, never the Next pressed through the steps.
        self.notify(t("wizard.review.start_hint"))
        return False
