"""`casetrail traces <case-id>`: a case's traces, from the processes' span files, as trees.

The console exporter (CASETRAIL_TRACES_EXPORTER=console) writes each process's spans to
`<data dir>/traces/<process>.jsonl`; a trace is drawn when one of its spans names the case.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from casetrail.tracing import CASE_ID, traces_dir


@dataclass(frozen=True)
class SpanRecord:
    """One finished span as the console exporter wrote it."""

    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    kind: str
    process: str
    start: datetime
    end: datetime
    attributes: dict[str, Any]

    @classmethod
    def of(cls, written: dict[str, Any]) -> SpanRecord:
        return cls(trace_id=written["context"]["trace_id"],
                   span_id=written["context"]["span_id"],
                   parent_id=written.get("parent_id"), name=written["name"],
                   kind=written["kind"].removeprefix("SpanKind."),
                   process=written["resource"]["attributes"].get("service.name", "?"),
                   start=datetime.fromisoformat(written["start_time"]),
                   end=datetime.fromisoformat(written["end_time"]),
                   attributes=written.get("attributes") or {})

    @property
    def milliseconds(self) -> float:
        return (self.end - self.start).total_seconds() * 1000


def read_spans(directory: Path) -> list[SpanRecord]:
    """Every span in the span files of `directory` (a line cut short by a crash is skipped)."""
    spans = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                spans.append(SpanRecord.of(json.loads(line)))
            except (ValueError, KeyError):
                continue
    return spans


def case_traces(spans: list[SpanRecord], case_id: UUID) -> dict[str, list[SpanRecord]]:
    """The traces (by id, earliest first) with a span of the case, each with all its spans."""
    ids = {s.trace_id for s in spans if s.attributes.get(CASE_ID) == str(case_id)}
    traces: dict[str, list[SpanRecord]] = defaultdict(list)
    for span in sorted(spans, key=lambda s: s.start):
        if span.trace_id in ids:
            traces[span.trace_id].append(span)
    return dict(traces)


def tree_lines(spans: list[SpanRecord]) -> Iterator[str]:
    """One trace as an indented tree: each span under its parent, in the order they began."""
    known = {s.span_id for s in spans}
    children: dict[str | None, list[SpanRecord]] = defaultdict(list)
    for span in spans:
        children[span.parent_id if span.parent_id in known else None].append(span)

    def lines(parent: str | None, depth: int) -> Iterator[str]:
        for span in children[parent]:
            case = span.attributes.get(CASE_ID)
            yield (f"{'  ' * depth}{span.name}  [{span.process} {span.kind}] "
                   f"{span.milliseconds:.1f} ms" + (f"  case_id={case}" if case else ""))
            yield from lines(span.span_id, depth + 1)

    yield from lines(None, 0)


def print_traces(data_dir: Path, case_id: UUID) -> int:
    directory = traces_dir(data_dir)
    traces = case_traces(read_spans(directory), case_id)
    if not traces:
        print(f"casetrail traces: no span of case {case_id} in {directory.absolute()} (is "
              "CASETRAIL_TRACES_EXPORTER=console set for the services?)", file=sys.stderr)
        return 1
    for trace_id, spans in traces.items():
        print(f"trace {trace_id}")
        for line in tree_lines(spans):
            print(f"  {line}")
    return 0
