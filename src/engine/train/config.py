"""RunConfig: the validated, YAML-backed description of one training run.

The keys are a contract shared by the docs, the wizard, the tests and users' files. Every problem
in a file is reported at once, each naming the key and what is allowed.
"""
from __future__ import annotations

import difflib
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, ValidationInfo
from pydantic_core import PydanticCustomError

from engine.data.canonical import FORMATS
from engine.inputs import clip, number_text, path_problem
from engine.messages import EngineMessage
from engine.train import config_messages as cm
from engine.methods import ADAPTER_METHODS, DEFAULT_LEARNING_RATES, Method, learning_rate_help

PRECISIONS = ("auto", "bf16", "fp16", "fp32")
TRAIN_ON = ("assistant", "all")
DATA_FORMATS = ("auto",) + FORMATS
# Experiment trackers `report_to` may name (the HF Trainer's integrations; engine/train/tracking.py puts
# their files inside the run directory and says which package each one needs).
Tracker = Literal["tensorboard", "trackio", "wandb", "mlflow"]


class ConfigError(ValueError):
    """A config that cannot be used; `problems` lists every `key: what is wrong` line (English), `messages`
    the same problems as coded messages (`config.<type>`, engine/train/config_messages.py) for other languages."""

    def __init__(self, source: str, problems: list[str | EngineMessage]) -> None:
        self.source = source
        self.messages = [p if isinstance(p, EngineMessage) else cm.unstructured(p) for p in problems]
        self.problems = [m.text for m in self.messages]
        super().__init__(cm.report_text(source, self.problems, shown=MAX_PROBLEMS_SHOWN))


# -- limits of the loader ---------------------------------------------------------------------------
# A RunConfig is a few dozen values, a few levels deep, a few hundred bytes. These limits are far
# above that and far below what hurts: a file of a few hundred bytes must not expand (through YAML
# aliases) into millions of values, nest deeper than Python's stack, or hold numbers Python cannot print.
MAX_PROBLEMS_SHOWN = 30
MAX_CONFIG_BYTES = 1 << 20
MAX_DEPTH = 50
MAX_VALUES = 10_000
MAX_INT = 2 ** 63 - 1          # nothing tunewiz passes on (steps, seeds, sizes) takes more


class _LimitError(yaml.composer.ComposerError):
    """The YAML is valid but beyond the loader's limits (nesting, alias expansion)."""


class _HugeNumber(str):
    """A YAML integer too long to be a setting; kept as its text so the check can name its key."""


class _BoundedLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses deep nesting while composing and integers of more than 40 digits."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _LimitError(None, None, f"values nested more than {MAX_DEPTH} levels deep; a config needs at most "
                                              "3 (e.g. data: - path: ...): remove the extra brackets or indentation",
                                  self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        # Checked in the scanner too: it looks ahead up to 1,024 characters for a key, and a line of
        # brackets made that look-ahead quadratic (0.4 s per line) before the composer saw any depth.
        if self.flow_level >= MAX_DEPTH:
            raise _LimitError(None, None, f"values nested more than {MAX_DEPTH} levels deep; a config needs at "
                                          "most 3 (e.g. data: - path: ...): remove the extra brackets",
                              self.get_mark())
        super().fetch_flow_collection_start(token_class)

    def construct_yaml_int(self, node: Any) -> Any:
        text = str(self.construct_scalar(node))
        digits = sum(c.isdigit() for c in text)
        if digits > 40:
            return _HugeNumber(text)
        return super().construct_yaml_int(node)


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)


def _expanded_size(node: Any) -> int:
    """How many values `node` becomes once aliases are expanded; refuses loops and more than MAX_VALUES."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def size(n: Any) -> int:
        key = id(n)
        if key in sizes:
            return sizes[key]
        if key in visiting:
            raise _LimitError(None, None, "an alias (*name) refers to the value that holds it (a loop); remove that "
                                          "alias", n.start_mark)
        visiting.add(key)
        total = 1
        if isinstance(n, yaml.SequenceNode):
            total += sum(size(child) for child in n.value)
        elif isinstance(n, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in n.value)
        visiting.discard(key)
        if total > MAX_VALUES:
            raise _LimitError(
                None, None, f"aliases (*name) here expand to more than {MAX_VALUES:,} values; a config needs a few "
                            "dozen: write the values out instead of repeating aliases", n.start_mark)
        sizes[key] = total
        return total

    if not isinstance(node, yaml.MappingNode):
        return size(node)
    total = 1
    for key_node, value_node in node.value:
        try:
            total += size(key_node) + size(value_node)
        except _LimitError as exc:
            # Name the top-level key whose value is too big, as every other problem does.
            name = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a key"
            exc.problem = f"{clip(str(name), 60)}: {exc.problem}"
            raise
    if total > MAX_VALUES:
        raise _LimitError(None, None, f"the file expands to more than {MAX_VALUES:,} values; a config needs a few "
                                      "dozen: write the values out instead of repeating aliases", node.start_mark)
    return total


def safe_yaml(text: str) -> Any:
    """yaml.safe_load with the loader's limits (depth, expanded size, integer length): raises yaml.YAMLError."""
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _value_problems(raw: Any, where: str = "") -> list[EngineMessage]:
    """Numbers no setting can take, named by key (the YAML and --set values, before validation)."""
    problems: list[EngineMessage] = []
    stack = [(where, raw)]
    while stack:
        key, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((f"{key}.{k}" if key else str(k), v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend((f"{key}.{i}", v) for i, v in reversed(list(enumerate(value))))
        elif isinstance(value, _HugeNumber):
            digits = sum(c.isdigit() for c in value)
            problems.append(cm.problem("config.number_too_long", field=key or "(top level)", digits=digits, max=MAX_INT))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            problems.append(cm.problem("config.number_too_large", field=key or "(top level)",
                                       number=number_text(value), max=MAX_INT))
    return problems


class DataSource(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(description="A dataset file (JSONL, JSON array, or .txt for raw text).")
    format: Literal["auto", "openai", "alpaca", "sharegpt", "conversation", "text"] = Field(
        "auto", description="Dataset format; auto-detected unless given.")


class LoraSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    r: int = Field(16, ge=1, le=1024, description="LoRA rank.")
    alpha: int = Field(32, ge=1, description="LoRA scaling alpha (commonly 2 x r).")
    dropout: float = Field(0.05, ge=0.0, lt=1.0, description="Dropout on the LoRA path.")
    target_modules: Union[Literal["all-linear"], list[str]] = Field(
        "all-linear", description="Module names to adapt, or 'all-linear' for every linear layer but the head.")


class DpoSettings(BaseModel):
    """Preference tuning (method: dpo) through TRL's DPOTrainer."""
    model_config = ConfigDict(extra="forbid")
    tuning: Literal["lora", "qlora", "full"] = Field(
        "lora", description="How the policy trains: an adapter on a 16-bit base (lora), on a 4-bit base (qlora), "
                            "or every weight (full, which keeps a frozen reference copy of the model).")
    beta: float = Field(0.1, gt=0, le=10, description="How far the policy may move from the reference "
                                                       "(DPO's beta; lower = further).")
    loss_type: Literal["sigmoid", "ipo", "hinge", "robust"] = Field(
        "sigmoid", description="DPO's loss: sigmoid (the paper's), ipo, hinge or robust (noisy labels).")
    from_adapter: str | None = Field(
        None, description="An SFT adapter (a run's adapter/ folder, lora or qlora tuning) to start from. It is "
                          "loaded twice: once as the adapter that trains, once as a frozen copy that is the "
                          "reference. Default: a new adapter on the base model, whose reference is the base "
                          "itself (the adapter switched off, no second copy).")


class RunConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: str | None = Field(None, description="Run name: the folder under runs_dir. Default: model-method-time.")
    model: str = Field("demo", description="'demo' (the embedded SmolLM2-135M-Instruct), a hub id or a local path.")
    method: Method = Field(
        "lora", description="lora (16-bit base + adapter), qlora (4-bit NF4 base + adapter), full SFT, "
                            "cpt (continual pretraining on raw text, all weights), dpo (preference pairs: "
                            "chosen vs rejected answers; see the dpo settings).")
    data: list[DataSource] = Field(default_factory=list, description="A path, or a list of {path, format}.")
    eval_split: float = Field(0.05, ge=0.0, lt=0.5, description="Share of rows held out for eval loss (0 = none).")
    max_length: int = Field(1024, ge=16, le=1_048_576, description="Tokens per example; longer ones are truncated.")
    packing: bool = Field(False, description="Pack several examples into each max_length sequence.")
    epochs: float = Field(3.0, gt=0, le=100, description="Passes over the data (ignored when max_steps is set).")
    max_steps: int | None = Field(None, ge=1, description="Stop after this many optimizer steps.")
    learning_rate: float | None = Field(None, gt=0, lt=1, description=learning_rate_help())
    batch_size: int = Field(2, ge=1, le=4096, description="Examples per device per step.")
    grad_accum: int = Field(4, ge=1, le=4096, description="Micro-batches accumulated per optimizer step.")
    lora: LoraSettings = Field(default_factory=LoraSettings)
    gradient_checkpointing: bool = Field(True, description="Recompute activations to save memory (~30% slower).")
    precision: Literal["auto", "bf16", "fp16", "fp32"] = Field(
        "auto", description="auto = bf16 where the GPU has it, else fp16 on GPU, fp32 on CPU.")
    seed: int = Field(42, description="Random seed (data split, shuffling, init of LoRA weights).")
    save_steps: int = Field(100, ge=1, description="Write a resumable checkpoint every N steps.")
    save_total_limit: int = Field(
        2, ge=1, le=1000, description="Checkpoints kept: the newest N, plus the best by eval loss when there "
                                      "is an eval split; older ones are deleted.")
    train_on: Literal["assistant", "all"] = Field(
        "assistant", description="Loss on assistant tokens only (every assistant turn), or on every token.")
    runs_dir: str = Field("runs", description="Where run directories are created.")
    output_dir: str | None = Field(None, description="Where the final adapter/model goes. Default: <run>/adapter "
                                                     "(or <run>/model for full and cpt).")
    trust_remote_code: bool = Field(False, description="Run the model repository's own Python code (GLM4, Baichuan2).")
    enable_thinking: bool | None = Field(
        None, description="Render reasoning (Qwen3-style `enable_thinking`) when the chat template supports it; "
                          "None = on when the data has reasoning traces. Recorded in the run, so chat and export "
                          "render the same way.")
    dpo: DpoSettings = Field(default_factory=DpoSettings, description="Settings for method: dpo.")
    report_to: list[Tracker] = Field(
        default_factory=list, description="Experiment trackers that also receive the metrics: tensorboard, "
                                          "trackio (both with `pip install 'tunewiz[tracking]'`), wandb, mlflow; "
                                          "one name or a list. Their files go to <run>/tracking/. Default: none "
                                          "(events.jsonl is always written).")
    # -- more than one process (engine/train/distributed.py; one process when the world is 1) -------------
    nproc_per_node: int | None = Field(
        None, ge=1, le=1024, description="Training processes on this machine, one per GPU. Default: every visible "
                                         "GPU (CUDA_VISIBLE_DEVICES chooses), 1 without a GPU.")
    nnodes: int = Field(1, ge=1, le=4096, description="Machines training together; every other machine runs "
                                                      "`tunewiz train CONFIG --node-rank N --master-addr HOST`.")
    node_rank: int = Field(0, ge=0, description="This machine's number among nnodes; 0 is the machine at master_addr.")
    master_addr: str = Field("127.0.0.1", min_length=1, max_length=255,
                             description="Host name or IP of node 0 that every node can reach (nnodes > 1).")
    master_port: int = Field(29500, ge=1024, le=65535, description="A free TCP port on node 0 (nnodes > 1).")
    distributed: Literal["ddp", "fsdp", "deepspeed"] = Field(
        "ddp", description="ddp: a whole model copy per GPU; fsdp: weights, gradients and optimizer states "
                           "sharded over the GPUs; deepspeed: ZeRO (deepspeed_stage).")
    deepspeed_stage: Literal[2, 3] = Field(
        2, description="ZeRO stage with distributed: deepspeed. 2 shards gradients and optimizer states; "
                       "3 shards the weights too.")
    collective_timeout: int = Field(
        1800, ge=10, le=86400, description="Seconds a process waits for the others in a collective (all-reduce, "
                                           "barrier) before the run fails (the NCCL/gloo timeout).")

    @field_validator("data", mode="before")
    @classmethod
    def _data_shapes(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, (str, os.PathLike)):
            return [{"path": str(value)}]
        if isinstance(value, list):
            return [{"path": str(v)} if isinstance(v, (str, os.PathLike)) else v for v in value]
        return value

    @field_validator("report_to", mode="before")
    @classmethod
    def _one_tracker_or_a_list(cls, value: Any) -> Any:
        if value is None or value == "none":
            return []
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return list(dict.fromkeys(v for v in value if v != "none")) if all(
                isinstance(v, str) for v in value) else value
        return value

    @field_validator("name")
    @classmethod
    def _name_is_a_folder_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", value):
            raise PydanticCustomError("name_not_folder_name", cm.VALIDATOR_TEXT["name_not_folder_name"])
        return value

    @field_validator("node_rank")
    @classmethod
    def _node_rank_below_nnodes(cls, value: int, info: ValidationInfo) -> int:
        nnodes = info.data.get("nnodes")
        if isinstance(nnodes, int) and value >= nnodes:
            raise PydanticCustomError("node_rank_not_below_nnodes", cm.VALIDATOR_TEXT["node_rank_not_below_nnodes"],
                                      {"nnodes": nnodes})
        return value

    # -- derived values -------------------------------------------------------------------------
    @property
    def tuning(self) -> str:
        """Which weights train and how the base is held: the method itself, or `dpo.tuning` for dpo
        (lora | qlora | full). Model loading and the final folder (adapter/ or model/) follow it."""
        return self.dpo.tuning if self.method == "dpo" else self.method

    @property
    def uses_lora(self) -> bool:
        return self.tuning in ADAPTER_METHODS

    def effective_learning_rate(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return DEFAULT_LEARNING_RATES[self.method]

    def default_name(self) -> str:
        short = Path(self.model.rstrip("/")).name.lower()
        short = re.sub(r"[^a-z0-9._-]+", "-", short).strip("-") or "model"
        return f"{short}-{self.method}-{datetime.now():%Y%m%d-%H%M%S}"

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def _suggest(key: str, allowed: list[str]) -> str | None:
    close = difflib.get_close_matches(key, allowed, n=1)
    return close[0] if close else None


def _fields_of(loc: tuple) -> list[str]:
    model: Any = RunConfig
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is None:
            return []
        ann = field.annotation
        model = {"lora": LoraSettings, "data": DataSource, "dpo": DpoSettings}.get(part, ann)
    return list(getattr(model, "model_fields", {}).keys())


def _describe(error: dict[str, Any]) -> EngineMessage:
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        allowed = _fields_of(loc)
        return cm.describe(error, allowed, _suggest(str(loc[-1]), allowed))
    return cm.describe(error)


def parse_config(raw: Any, source: str = "config") -> RunConfig:
    """Validates a mapping into a RunConfig, reporting every problem at once as ConfigError."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(source, [cm.problem("config.not_mapping", kind=type(raw).__name__)])
    problems = _value_problems(raw)
    if problems:
        raise ConfigError(source, problems)
    try:
        config = RunConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(source, [_describe(e) for e in exc.errors()]) from None
    problems = config_path_problems(config) + dpo_problems(config)
    if problems:
        raise ConfigError(source, problems)
    return config


def dpo_problems(config: RunConfig) -> list[EngineMessage]:
    """`key: why` for settings that cannot go together with method: dpo (checked without the disk)."""
    if config.method != "dpo":
        return []
    problems = []
    if config.dpo.from_adapter and config.dpo.tuning == "full":
        problems.append(cm.problem("config.dpo_adapter_full"))
    if config.packing:
        problems.append(cm.problem("config.dpo_packing"))
    return problems


def config_path_problems(config: RunConfig) -> list[str]:
    """`key: why` for each path in the config that cannot name a file here (checked without touching the disk)."""
    paths = [(f"data.{i}.path", d.path) for i, d in enumerate(config.data)]
    paths += [("model", config.model), ("runs_dir", config.runs_dir), ("output_dir", config.output_dir),
              ("dpo.from_adapter", config.dpo.from_adapter)]
    problems = []
    for key, value in paths:
        problem = path_problem(value) if isinstance(value, str) else None
        if problem:
            problems.append(f"{key}: {problem}")
    return problems


def _coerce_scalar(text: str) -> Any:
    # `--set key=value` values are YAML scalars, so `--set max_steps=5` is an int and `packing=true` a bool.
    # Text that is not YAML stays text; YAML beyond the loader's limits raises _LimitError.
    try:
        return safe_yaml(text)
    except _LimitError:
        raise
    except yaml.YAMLError:
        return text


def apply_overrides(raw: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Applies `key=value` / `lora.r=8` overrides to a raw mapping (before validation)."""
    out = dict(raw)
    problems = []
    for item in overrides:
        if "=" not in item:
            problems.append(cm.problem("config.set_no_equals", item=item))
            continue
        key, value = item.split("=", 1)
        parts = key.strip().split(".")
        if len(parts) > MAX_DEPTH:
            problems.append(cm.problem("config.set_too_deep", key=clip(key, 60), levels=len(parts)))
            continue
        target = out
        for part in parts[:-1]:
            nested = target.get(part)
            target[part] = dict(nested) if isinstance(nested, dict) else {}
            target = target[part]
        try:
            target[parts[-1]] = _coerce_scalar(value)
        except _LimitError as exc:
            problems.append(f"--set {clip(key, 60)}: {exc.problem}")
    if problems:
        raise ConfigError("--set", problems)
    return out


def _resolve_data_paths(raw: dict[str, Any], base: Path) -> None:
    # Relative data paths are relative to the config file when the file is there, else to the cwd,
    # so `tunewiz train sample_data/demo.yaml` works from the repo root and from sample_data/.
    data = raw.get("data")
    items = data if isinstance(data, list) else [data] if data is not None else []
    resolved = []
    for item in items:
        path = item.get("path") if isinstance(item, dict) else item
        if isinstance(path, str) and path_problem(path) is None:
            # `~/x.jsonl` is the user's home; a path that cannot exist stays as given for the check to name.
            path = os.path.expanduser(path)
            try:
                if not os.path.isabs(path):
                    beside = (base / path)
                    path = str(beside.resolve()) if beside.exists() else str(Path(path).resolve())
            except (OSError, ValueError, RuntimeError):
                pass
        resolved.append({**item, "path": path} if isinstance(item, dict) else path)
    if data is not None:
        raw["data"] = resolved
    # dpo.from_adapter likewise: the trainer runs from the runs folder, so the path it reads is absolute.
    dpo = raw.get("dpo")
    adapter = dpo.get("from_adapter") if isinstance(dpo, dict) else None
    if isinstance(adapter, str) and adapter and path_problem(adapter) is None:
        adapter = os.path.expanduser(adapter)
        try:
            if not os.path.isabs(adapter):
                beside = base / adapter
                adapter = str(beside.resolve()) if beside.exists() else str(Path(adapter).resolve())
        except (OSError, ValueError, RuntimeError):
            pass
        raw["dpo"] = {**dpo, "from_adapter": adapter}


def load_config(path: str | Path | None, overrides: list[str] | None = None) -> RunConfig:
    """Reads a YAML RunConfig file (or defaults when path is None), applies overrides, validates."""
    raw: dict[str, Any] = {}
    source = "--set"
    base = Path.cwd()
    if path is not None:
        path = Path(path)
        source = str(path)
        problem = path_problem(str(path))
        if problem:
            raise ConfigError(clip(source), [problem])
        try:
            if not path.is_file():
                raise ConfigError(source, [cm.problem("config.file_not_found" if not path.exists() else "config.not_a_file")])
            size = path.stat().st_size
            if size > MAX_CONFIG_BYTES:
                raise ConfigError(source, [cm.problem("config.file_too_large", size=size)])
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ConfigError(source, [cm.problem("config.not_utf8")]) from None
        except OSError as exc:
            raise ConfigError(source, [cm.problem("config.unreadable", reason=exc.strerror or type(exc).__name__)]) from None
        try:
            loaded = safe_yaml(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            problem = clip(str(getattr(exc, "problem", None) or exc), 400)
            if isinstance(exc, _LimitError):
                raise ConfigError(source, [f"{where}{problem}"]) from None
            at = {"line": mark.line + 1, "column": mark.column + 1} if mark else {}
            raise ConfigError(source, [cm.problem("config.yaml_invalid.at" if at else "config.yaml_invalid",
                                                  problem=problem, **at)]) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(source, [cm.problem("config.not_mapping.file")])
        raw = loaded or {}
        base = path.resolve().parent
    _resolve_data_paths(raw, base)
    if overrides:
        raw = apply_overrides(raw, overrides)
        data_override = [o for o in overrides if o.split("=", 1)[0].strip() in ("data", "dpo.from_adapter")]
        if data_override:
            _resolve_data_paths(raw, Path.cwd())
    return parse_config(raw, source)


def config_field_help() -> dict[str, str]:
    """key -> description, for docs and the config-review screen."""
    return {name: (f.description or "") for name, f in RunConfig.model_fields.items()}
