from __future__ import annotations

import json
import math

import pytest

from engine.events import EventReader, EventSchemaError, EventWriter, make_event, read_events, validate_event


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
