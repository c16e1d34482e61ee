"""Traces of a case's actions across the processes (OpenTelemetry), ids and codes only.

An event is published later than it is recorded, maybe by another process (the relay), so
the W3C `traceparent` of the work that records an event is kept in its metadata
(`EventMeta.traceparent`), put on the NATS message as a header when it is relayed, and taken
up by the consumer. It is telemetry only: nothing decides anything by it. Every span is
recorded (a caller's "not sampled" flag turns nothing off), and a request's own
`traceparent` is only linked to, never continued: a caller cannot choose the trace a case's
actions join.

Off (`none`, the default), no provider is set: every helper here returns before touching
OpenTelemetry, and nothing is recorded or carried.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO
from uuid import UUID

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import INVALID_SPAN, Link, Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from contracts.subjects import TRACEPARENT_HEADER

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

Exporter = Literal["none", "console", "otlp"]
TRACEPARENT = TRACEPARENT_HEADER
CASE_ID = "casetrail.case_id"

_propagator = TraceContextTextMapPropagator()
_tracer: trace.Tracer | None = None
_provider: TracerProvider | None = None
_out: TextIO | None = None


def traces_dir(data_dir: Path) -> Path:
    """Where the console exporter writes each process's spans, one JSON object a line."""
    return data_dir / "traces"


def configure(process: str, exporter: Exporter, data_dir: Path) -> None:
    """Record this process's spans: to `<data dir>/traces/<process>.jsonl` (console), or to
    the collector OTEL_EXPORTER_OTLP_ENDPOINT names (otlp); nothing for `none`."""
    global _tracer, _provider, _out
    if exporter == "none":
        return
    # Imported only when on: a process that traces nothing loads no SDK.
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SimpleSpanProcessor,
        SpanExporter,
    )
    from opentelemetry.sdk.trace.sampling import ALWAYS_ON

    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: process}),
                              sampler=ALWAYS_ON)
    if exporter == "console":
        path = traces_dir(data_dir) / f"{process}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        out = _out = path.open("a", encoding="utf-8")
        console: SpanExporter = ConsoleSpanExporter(
            out=out, formatter=lambda span: span.to_json(indent=None) + "\n")
        # Written as each span ends, so a test (or a person) reads them while it runs.
        provider.add_span_processor(SimpleSpanProcessor(console))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    # Not made the global provider: no library traces anything of its own (a framework's
    # spans may record what these leave out), and a test can turn tracing off again.
    _provider, _tracer = provider, provider.get_tracer("casetrail")


def turn_off() -> None:
    """Trace nothing more in this process (a test that turned it on)."""
    global _tracer, _provider, _out
    if _provider is not None:
        _provider.shutdown()
    if _out is not None:
        _out.close()
    _tracer = _provider = _out = None


def enabled() -> bool:
    return _tracer is not None


def current_traceparent() -> str | None:
    """The W3C traceparent of the span now current, to keep with what it records."""
    return carried().get(TRACEPARENT)


def _context_of(traceparent: str | None) -> otel_context.Context | None:
    # A malformed value is dropped by the propagator: the span then starts a trace.
    return _propagator.extract({TRACEPARENT: traceparent}) if traceparent else None


@contextlib.contextmanager
def span(name: str, *, kind: SpanKind = SpanKind.INTERNAL, parent: str | None = None,
         linked: str | None = None, case_id: UUID | None = None,
         attributes: Mapping[str, str | int] | None = None) -> Iterator[Span]:
    """A span, current inside the block, child of `parent` (a traceparent) if given, else of
    the current one; with `linked` (a traceparent from outside) a trace of its own, linked
    to that one. A failure marks it by its kind only: an error's text may carry data."""
    if _tracer is None:
        yield INVALID_SPAN
        return
    context, links = _context_of(parent), []
    if linked is not None and (outside := _context_of(linked)) is not None:
        context = otel_context.Context()  # a root, whatever is current
        links = [Link(trace.get_current_span(outside).get_span_context())]
    with _tracer.start_as_current_span(name, context=context, kind=kind, links=links,
                                       attributes=attributes, record_exception=False,
                                       set_status_on_exception=False) as current:
        if case_id is not None:
            current.set_attribute(CASE_ID, str(case_id))
        try:
            yield current
        except BaseException as error:
            current.set_status(Status(StatusCode.ERROR, type(error).__name__))
            raise


@contextlib.contextmanager
def resumed(traceparent: str | None) -> Iterator[None]:
    """Work done later for what was recorded in a trace (a message sent from a queue),
    counted in that trace."""
    parent = _context_of(traceparent) if _tracer is not None else None
    if parent is None:
        yield
        return
    token = otel_context.attach(parent)
    try:
        yield
    finally:
        otel_context.detach(token)


def carried() -> dict[str, str]:
    """The headers that carry the current span to a service this process calls."""
    return headers_of(trace.get_current_span())


def headers_of(current: Span) -> dict[str, str]:
    """The headers that carry `current` as the parent of whoever takes the message."""
    if _tracer is None:
        return {}
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=trace.set_span_in_context(current))
    return carrier


def note_case(case_id: UUID) -> None:
    """The case the current span's work records events of: the first one it names."""
    if _tracer is None:
        return
    current = trace.get_current_span()
    attributes = getattr(current, "attributes", None) or {}
    if CASE_ID not in attributes:
        current.set_attribute(CASE_ID, str(case_id))
