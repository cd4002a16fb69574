from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import pytest

from engine.events import (EVENT_FIELDS, EVENT_OPTIONAL_FIELDS, EVENT_TYPES, EventReader, EventSchemaError,
                           EventWriter, make_event, read_events, validate_event)


def test_writer_output_validates_and_nan_becomes_null(tmp_path):
    writer = EventWriter(tmp_path / "events.jsonl")
    writer.write("step", step=1, epoch=0.1, loss=float("nan"), lr=1e-4, grad_norm=math.inf, tokens=10,
                 tokens_per_s=5.0, samples_per_s=1.0)
    writer.write("end", status="completed", error=None, advice=None)
    writer.close()
    events = read_events(tmp_path / "events.jsonl")
    for event in events:
        validate_event(event)
    assert events[0]["loss"] is None and events[0]["loss_nonfinite"] == "nan"
    # the file is strict JSON (no NaN literals) so any reader can parse it
    for line in (tmp_path / "events.jsonl").read_text().splitlines():
        json.loads(line, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))


def test_reader_keeps_a_partial_last_line_until_it_is_complete(tmp_path):
    path = tmp_path / "events.jsonl"
    whole = json.dumps(make_event("log", level="info", message="hello")) + "\n"
    partial = json.dumps(make_event("step", step=2, loss=1.0))
    path.write_text(whole + partial[:20])
    reader = EventReader(path)
    assert [e["type"] for e in reader.read_new()] == ["log"]
    with open(path, "a") as handle:
        handle.write(partial[20:] + "\n")
    assert [e["step"] for e in reader.read_new()] == [2]
    assert reader.read_new() == []


def test_reader_tolerates_garbage_unknown_types_and_a_missing_file(tmp_path):
    path = tmp_path / "events.jsonl"
    assert EventReader(path).read_new() == []
    path.write_text('not json\n{"v": 1, "t": 1, "type": "future", "x": 1}\n')
    events = read_events(path)
    assert events[0]["type"] == "log" and "unreadable" in events[0]["message"]
    assert events[1]["type"] == "future"


def test_schema_rejects_bad_events():
    with pytest.raises(EventSchemaError):
        validate_event({"v": 1, "t": 1.0, "type": "end", "status": "exploded", "error": None, "advice": None})
    with pytest.raises(EventSchemaError):
        validate_event({"v": 1, "t": 1.0, "type": "step"})


def test_read_new_returns_everything_even_past_many_chunks(tmp_path):
    """`read_new` (tunewiz train's progress, read_events) is not limited to one chunk a call, and a
    line longer than a chunk still arrives whole."""
    path = tmp_path / "events.jsonl"
    writer = EventWriter(path)
    for step in range(1, 51):
        writer.write("log", level="info", message=f"line {step} " + "x" * (step * 7))
    reader = EventReader(path, chunk_bytes=64)
    events = reader.read_new()
    assert [e["message"].split()[1] for e in events] == [str(k) for k in range(1, 51)]
    assert reader.read_new() == [] and reader.backlog == 0


# -- the schema is declared in one place, and the writers keep to it -----------------------------
def test_a_field_the_schema_does_not_declare_is_refused_and_declared_extras_pass():
    with pytest.raises(EventSchemaError, match="lossy"):
        make_event("step", step=1, lossy=2.0)  # a typo or an undeclared field: a programmer error
    with pytest.raises(EventSchemaError, match="eval_loss"):
        make_event("step", step=1, eval_loss=2.0)  # eval_* belongs to eval events only
    step = make_event("step", step=1, loss=math.nan, mean_token_accuracy=0.5, entropy=1.5)
    assert step["loss_nonfinite"] == "nan"
    fresh = make_event("start", model="m", method="lora")  # resumed_from_step is optional
    assert "resumed_from_step" not in fresh
    resumed = make_event("start", model="m", method="lora", resumed_from_step=4,
                         quantization={"bits": 4, "layers": 7, "quant_type": "nf4", "double_quant": True,
                                       "compute_dtype": "bfloat16"})
    evaluated = make_event("eval", step=2, eval_loss=1.0, eval_runtime=0.5, eval_some_new_metric=math.inf)
    for event in (step, fresh, resumed, evaluated):
        validate_event(event)
    assert evaluated["eval_some_new_metric_nonfinite"] == "inf"
    assert EVENT_OPTIONAL_FIELDS["start"] == ("resumed_from_step", "quantization", "tuning", "reference", "beta",
                                              "loss_type")
    assert EVENT_FIELDS["eval"] == ("step", "eval_loss") and "step" not in EVENT_OPTIONAL_FIELDS["step"]


def _calls(root: Path):
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                yield path, name, node


def test_every_event_the_engine_writes_names_only_declared_fields(repo):
    """Static: each `EventWriter.write("kind", field=...)` and `make_event("kind", ...)` in src/engine
    names fields its type declares (the fields passed through `**extra` are checked on a real run by
    test_train's validate_event)."""
    written: dict[str, set[str]] = {}
    for path, name, call in _calls(repo / "src" / "engine"):
        if name not in ("write", "make_event") or not call.args or not isinstance(call.args[0], ast.Constant):
            continue
        kind = call.args[0].value
        if kind not in EVENT_TYPES:
            continue
        for keyword in call.keywords:
            if keyword.arg is not None:
                # `t` may be given: a remote job's event is dated when it happened at the service.
                assert keyword.arg in EVENT_FIELDS[kind] + EVENT_OPTIONAL_FIELDS[kind] + ("t",), \
                    f"{path}: {kind} event writes {keyword.arg}, which engine/events.py does not declare"
                written.setdefault(kind, set()).add(keyword.arg)
    assert set(written) == set(EVENT_TYPES)  # the scan found every writer (it is not vacuous)
    assert "resumed_from_step" in written["start"] and "loss" in written["step"]


def test_a_line_nested_deeper_than_json_can_recurse_is_a_warning_not_a_crash():
    from engine.events import parse_event_line
    deep = b'{"v": 1, "type": "step", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    event = parse_event_line(deep)
    assert event["type"] == "log" and event["level"] == "warning"
    assert event["message"].startswith("unreadable event line")
