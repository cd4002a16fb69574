"""Property-based fuzzing of the config loader and the estimator's inputs (hypothesis, derandomized).

Properties, for every generated input:
- the config loader (YAML text, `--set` overrides) returns a RunConfig or raises ConfigError, whose
  message stays bounded (no echo of an expanded alias bomb, no 5,000-digit number);
- `estimate` / `advise` (CLI arguments, model config.json contents) exit 0, 1 (estimate: does not fit)
  or 2 (bad input) with one bounded message, never a traceback; `--json` prints valid JSON.
Run it alone: `pytest -q tests/test_fuzz_config.py -s` prints how many inputs were generated.
"""
from __future__ import annotations

import json
import string
from collections import Counter
from pathlib import Path

import pytest
import yaml

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from cli_runner import CliRunner  # noqa: E402

from engine.catalog import ModelConfigError, UnknownModelError, resolve_model_spec  # noqa: E402
from engine.memory import EstimateError, estimate  # noqa: E402
from engine.train.config import ConfigError, RunConfig, load_config  # noqa: E402
from tui.cli import app  # noqa: E402

# Big generated values (a 20,000-character string) make hypothesis warn about their repr; that is the point.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=350,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
MAX_MESSAGE = 20_000          # 30 problems x a few hundred characters, whatever the input
GENERATED: Counter = Counter()

KEYS = list(RunConfig.model_fields) + ["lora.r", "lora.alpha", "lora.dropout", "lora.target_modules", "data.0.path",
                                       "metod", "lora.rr", "", "a.b.c"]
huge_ints = st.integers(min_value=40, max_value=6000).map(lambda n: 10 ** n - 1)   # n nines, past str()'s 4,300


def _text(value) -> str:
    """str(value), also for the integers Python refuses to print (they are all nines here)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 13_000:   # ~3,900 digits
        return "-" * (value < 0) + "9" * _digits(value)
    return str(value)


def _digits(value: int) -> int:
    n = abs(value)
    lo = int(n.bit_length() * 0.30102999566398) - 1
    while 10 ** (lo + 1) <= n:
        lo += 1
    return lo + 1


numbers = st.one_of(st.integers(), huge_ints, huge_ints.map(lambda n: -n), st.floats(allow_nan=True),
                    st.sampled_from([0, -1, 1, 2 ** 63, 2 ** 64, 1e308, float("inf")]))
nasty_text = st.one_of(st.text(max_size=40), st.sampled_from([
    "a\0b.jsonl", "~nosuchuser/x.jsonl", "~/x.jsonl", "n" * 300 + "/x", "/tmp/" + "é" * 200, "[bold]x[/]", "\ud800",
    "../../etc/passwd", "", " ", "~", "demo", "qlora", "all-linear"]))
nasty_text = st.one_of(nasty_text, st.integers(1000, 20_000).map(lambda n: "x" * n))
scalars = st.one_of(numbers, nasty_text, st.booleans(), st.none())
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                       st.dictionaries(st.sampled_from(KEYS + ["path", "format"]),
                                                                       inner, max_size=4)), max_leaves=12)


def _yaml_text(mapping: dict) -> str:
    try:
        return yaml.safe_dump(mapping, allow_unicode=True)
    except (ValueError, yaml.YAMLError):  # a 5,000-digit int or a lone surrogate: write it by hand
        return "".join(f"{k}: {_text(v) if not isinstance(v, str) else json.dumps(v)}\n" for k, v in mapping.items()
                       if not isinstance(v, (dict, list)))


def _alias_bomb(width: int, depth: int, key: str) -> str:
    lines = [f"l0: &l0 [{', '.join(['x'] * width)}]"]
    for level in range(1, depth):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines) + f"\n{key}: *l{depth - 1}\n"


structured = st.dictionaries(st.sampled_from(KEYS), values, max_size=8).map(_yaml_text)
bombs = st.builds(_alias_bomb, st.integers(2, 12), st.integers(1, 9), st.sampled_from(KEYS[:25]))
deep = st.builds(lambda n, key, open_, close: f"{key}: " + open_ * n + close * n + "\n",
                 st.integers(1, 4000), st.sampled_from(KEYS[:25]), st.sampled_from(["[", "{a: "]),
                 st.sampled_from(["]", "}"]))
raw_text = st.text(alphabet=string.printable + "\0\t&*!|>%@`é漢", max_size=300)
yaml_texts = st.one_of(structured, bombs, deep, raw_text)


def _check_config_outcome(call) -> None:
    try:
        config = call()
    except ConfigError as exc:
        message = str(exc)
        assert len(message) < MAX_MESSAGE, len(message)
        assert exc.problems and all(isinstance(p, str) for p in exc.problems)
        return
    assert isinstance(config, RunConfig)
    config.to_yaml()                 # what create_run_dir writes must be writable


@FUZZ
@given(text=yaml_texts)
def test_config_files_load_or_fail_with_a_bounded_config_error(tmp_path_factory, text):
    GENERATED["yaml"] += 1
    path = tmp_path_factory.getbasetemp() / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _check_config_outcome(lambda: load_config(path))


override_items = st.one_of(
    st.builds(lambda k, v: f"{k}={v}", st.sampled_from(KEYS), st.one_of(
        nasty_text, numbers.map(_text), st.builds(lambda n: "[" * n + "]" * n, st.integers(1, 3000)),
        st.sampled_from(["true", "null", "[1, 2]", "{r: 8}", "&a [*a]", "*nope", "'unterminated", "- x"]))),
    st.text(max_size=30), st.builds(lambda n: ".".join(["a"] * n) + "=1", st.integers(1, 3000)))


@settings(FUZZ, max_examples=1200)
@given(overrides=st.lists(override_items, max_size=5))
def test_set_overrides_apply_or_fail_with_a_bounded_config_error(overrides):
    GENERATED["--set"] += 1
    _check_config_outcome(lambda: load_config(None, overrides))


# -- the estimator ---------------------------------------------------------------------------------
runner = CliRunner()
int_args = st.one_of(st.integers(-5, 5000), st.integers(), huge_ints, st.sampled_from(["x", "", "1e3", "0x10"]))
float_args = st.one_of(st.floats(), st.sampled_from(["nan", "inf", "-inf", "1e400", "abc", "0"]))


@st.composite
def estimate_args(draw) -> list[str]:
    args = ["estimate", "--model", draw(st.sampled_from(["demo", "Qwen/Qwen2.5-7B-Instruct", "glm4", "nobody/none",
                                                          "~nosuchuser/m", "a\0b", "/tmp/" + "m" * 300, "./nope"]))]
    for flag, strategy in (("--batch", int_args), ("--seq-len", int_args), ("--lora-r", int_args),
                           ("--vram-gb", float_args), ("--method", st.sampled_from(["lora", "qlora", "full", "cpt",
                                                                                    "sft", ""])),
                           ("--optimizer", st.sampled_from(["adamw", "paged_adamw_8bit", "sgd"])),
                           ("--lora-targets", st.one_of(st.text(max_size=20),
                                                        st.just("q_proj," * 2000), st.just("q_proj,v_proj")))):
        if draw(st.booleans()):
            args += [flag, _text(draw(strategy))]
    if "--vram-gb" not in args:
        args += ["--vram-gb", "24"]      # no NVML probe per example
    return args + ["--json"]


@st.composite
def advise_args(draw) -> list[str]:
    args = ["advise", "--vram-gb", str(draw(st.sampled_from(["0", "24", "80", "-1", "nan", "1e999"])))]
    for flag in ("--examples", "--avg-tokens", "--avg-output-tokens"):
        if draw(st.booleans()):
            args += [flag, _text(draw(int_args))]
    if draw(st.booleans()):
        args += ["--goal", draw(st.sampled_from(["task", "knowledge", "style", "domain", "vibes"]))]
    if draw(st.booleans()):
        args += ["--model", draw(st.sampled_from(["demo", "~nosuchuser/m", "nobody/none", "Qwen/Qwen2.5-7B-Instruct"]))]
    return args + ["--json"]


def _check_cli(args: list[str], ok_codes: tuple[int, ...]) -> None:
    result = runner.invoke(app, args, env={"HF_HUB_OFFLINE": "1", "COLUMNS": "100"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in ok_codes, (args, result.exit_code, result.stderr)
    assert len(result.stderr) < 5_000 and "Traceback" not in result.stderr
    if result.exit_code == 2:
        assert result.stdout == "" and result.stderr.strip(), args
    else:
        json.loads(result.stdout)


@settings(FUZZ, max_examples=250)
@given(args=estimate_args())
def test_estimate_arguments_exit_0_1_or_2_with_json_or_one_message(args):
    GENERATED["estimate args"] += 1
    _check_cli(args, (0, 1, 2))


@settings(FUZZ, max_examples=100)
@given(args=advise_args())
def test_advise_arguments_exit_0_or_2_with_json_or_one_message(args):
    GENERATED["advise args"] += 1
    _check_cli(args, (0, 2))


FIELDS = ["num_hidden_layers", "hidden_size", "intermediate_size", "num_attention_heads", "vocab_size",
          "num_key_value_heads", "head_dim", "max_position_embeddings", "tie_word_embeddings", "model_type",
          "n_layer", "d_model", "text_config", "auto_map", "num_experts"]
plausible = st.integers(1, 8192)
field_values = st.one_of(plausible, st.integers(), st.integers(40, 4000).map(lambda n: 10 ** n - 1), st.floats(), st.booleans(), st.none(), st.text(max_size=10),
                         st.lists(plausible, max_size=3), st.dictionaries(st.sampled_from(FIELDS), plausible, max_size=5))


@st.composite
def model_configs(draw) -> str:
    base = {"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "intermediate_size": 128,
            "num_attention_heads": 4, "vocab_size": 1000}
    config = {k: v for k, v in base.items() if draw(st.integers(0, 9))}       # a field missing now and then
    config.update(draw(st.dictionaries(st.sampled_from(FIELDS), field_values, max_size=5)))
    shape = draw(st.integers(0, 9))
    text = json.dumps(config, default=str)
    if shape == 0:
        return "[" * draw(st.integers(1, 60_000)) + "]" * 0
    if shape == 1:
        return text[: draw(st.integers(0, len(text)))]                        # cut short
    if shape == 2:
        return json.dumps({**config, "deep": json.loads("[" * 900 + "]" * 900)})
    if shape == 3:                                                            # past json's 4,300 digits
        field = draw(st.sampled_from(FIELDS[:8]))
        return json.dumps({**config, field: 0}).replace(f'"{field}": 0', f'"{field}": ' + "9" * draw(st.integers(4301, 9000)))
    return text


@settings(FUZZ, max_examples=800)
@given(text=model_configs())
def test_a_model_config_json_gives_a_spec_or_a_model_config_error(tmp_path_factory, text):
    GENERATED["config.json"] += 1
    folder = tmp_path_factory.getbasetemp() / "fuzz-model"
    folder.mkdir(exist_ok=True)
    (folder / "config.json").write_text(text)
    try:
        spec = resolve_model_spec(str(folder))
        for method in ("lora", "qlora", "full"):
            e = estimate(spec, method, 1024, 1, vram_gb=24)
            assert e.total_gb >= 0 and json.dumps(e.to_dict(), allow_nan=False)
    except (ModelConfigError, UnknownModelError, EstimateError) as exc:
        assert str(folder) in str(exc) or "LoRA target" in str(exc), str(exc)
        assert len(str(exc)) < 2_000


def test_zz_report_how_many_inputs_were_generated(capsys):
    # Runs last in this file (pytest keeps file order): the count of inputs the properties above saw.
    total = sum(GENERATED.values())
    with capsys.disabled():
        print(f"\nfuzz_config: {total:,} generated inputs ({dict(GENERATED)})")
    if GENERATED:
        assert total >= 1000
