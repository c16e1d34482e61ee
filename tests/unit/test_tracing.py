"""What a trace keeps with an event, and how a case's trace is drawn from the span files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from opentelemetry.trace import SpanKind

from casetrail import tracing
from casetrail.cli.traces import case_traces, read_spans, tree_lines
from casetrail.kernel import EventMeta
from casetrail.store import EventMetaAsDict
from casetrail.timer_work import each_case


@pytest.fixture
def traced(tmp_path: Path) -> Iterator[Path]:
    """Spans of this process written to `tmp_path/traces/test.jsonl`, for the test only."""
    tracing.configure("test", "console", tmp_path)
    yield tracing.traces_dir(tmp_path)
    tracing.turn_off()


def test_an_event_recorded_untraced_is_stored_as_before() -> None:
    meta = EventMeta.by("class_teacher", "t-1")
    assert meta.traceparent is None
    assert "traceparent" not in EventMetaAsDict().encode(meta)


def test_an_event_recorded_in_a_span_keeps_that_span_as_its_parent(traced: Path) -> None:
    with tracing.span("POST /reports", kind=SpanKind.SERVER) as current:
        meta = EventMeta.by("class_teacher", "t-1")
    assert meta.traceparent is not None
    assert f"{current.get_span_context().span_id:016x}" in meta.traceparent
    stored = EventMetaAsDict()
    assert stored.decode(stored.encode(meta)) == meta


def test_a_malformed_traceparent_starts_a_trace_of_its_own(traced: Path) -> None:
    with tracing.span("handle CaseDetected", parent="not-a-traceparent") as current:
        assert current.get_span_context().is_valid


def test_a_case_trace_is_drawn_with_each_span_under_its_parent(traced: Path) -> None:
    case_id = uuid4()
    with tracing.span("POST /reports", kind=SpanKind.SERVER):
        tracing.note_case(case_id)
        recorded_in = EventMeta.by("class_teacher", "t-1").traceparent
    with tracing.span("publish CaseDetected", kind=SpanKind.PRODUCER, parent=recorded_in,
                      case_id=case_id) as published:
        headers = tracing.headers_of(published)
    with tracing.span("handle CaseDetected", kind=SpanKind.CONSUMER,
                      parent=headers[tracing.TRACEPARENT], case_id=case_id):
        pass
    with tracing.span("POST /reports", kind=SpanKind.SERVER):
        tracing.note_case(uuid4())  # another case's trace is left out

    traces = case_traces(read_spans(traced), case_id)
    assert len(traces) == 1
    lines = [line.split("  [")[0] for line in tree_lines(next(iter(traces.values())))]
    assert lines == ["POST /reports", "  publish CaseDetected", "    handle CaseDetected"]


def test_nothing_is_carried_while_tracing_is_off() -> None:
    with tracing.span("publish CaseDetected", kind=SpanKind.PRODUCER) as current:
        assert tracing.headers_of(current) == {}
        assert tracing.current_traceparent() is None


def test_a_callers_unsampled_traceparent_neither_turns_tracing_off_nor_picks_the_trace(
        traced: Path) -> None:
    outside = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"
    with tracing.span("POST /reports", kind=SpanKind.SERVER, linked=outside) as current:
        assert current.is_recording()
        context = current.get_span_context()
        assert f"{context.trace_id:032x}" != "0af7651916cd43dd8448eb211c80319c"
        recorded_in = tracing.current_traceparent()
    assert recorded_in is not None
    assert int(recorded_in.rsplit("-", 1)[1], 16) & 1, "the sampled flag is set"


def test_each_case_of_a_timer_tick_is_a_trace_of_its_own_and_a_failing_one_holds_up_none(
        traced: Path) -> None:
    failing, fine = uuid4(), uuid4()
    recorded_in: dict[object, str | None] = {}

    def step(item: tuple[object, str]) -> int:
        if item[0] == failing:
            raise RuntimeError("a case that cannot be taken now")
        recorded_in[item[0]] = EventMeta.by("system", "notification").traceparent
        return 1

    assert each_case("escalating", [(failing, "x"), (fine, "y")], step) == 1
    spans = read_spans(traced)
    case_of = {s.attributes[tracing.CASE_ID]: s for s in spans}
    assert case_of.keys() == {str(failing), str(fine)}
    assert len({s.trace_id for s in spans}) == 2
    traceparent = recorded_in[fine]
    assert traceparent is not None and case_of[str(fine)].trace_id[2:] in traceparent
