"""How long a school's screening import takes: a grade's ASQ answers, CSV and XLSX side by side.

    .venv/bin/python -m bench.screening [--students 2000] [--positive 0.1] [--grades 1]

Runs intake's application in process on a fresh SQLite store (encrypted at rest, as `up`
runs it): consents for every student but one in fifty, then the import of one file (rows
scored, refusals by line, a case opened per positive screen), then the same file again
(which must change nothing). Prints seconds and rows per second for each; compare within
one run, the machine is shared.

With `--grades K` (a province's day): K grades of `--students` each, one screening a grade,
their consents and CSV files one after another into one store, with progress every tenth and
the rate of the last grade beside the whole run's, so a store that slows as it fills shows.
"""

from __future__ import annotations

import argparse
import base64
import secrets
import tempfile
import time
from datetime import date
from pathlib import Path
from uuid import UUID

from casetrail.kernel import EventMeta
from casetrail.store import store_env
from contracts.codes import Instrument
from services.intake.application import Consent, IntakeApplication
from services.intake.bootstrap import build_intake
from tests.intake_files import Line, csv_file, xlsx_file

ITEMS = ["q1", "q2", "q3", "q4", "q5"]
STAFF = EventMeta.by("psych_teacher", "bench")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--positive", type=float, default=0.1)
    parser.add_argument("--grades", type=int, default=1)
    return parser.parse_args()


def sheet(students: list[str], positive: float) -> list[Line]:
    every = max(1, round(1 / positive)) if positive > 0 else len(students) + 1
    rows: list[Line] = [["school_student_id", *ITEMS]]
    for n, student in enumerate(students):
        rows.append([student, "yes" if n % every == 0 else "no", "no", "no", "no", "no"])
    return rows


def intake_on(database: Path) -> IntakeApplication:
    return build_intake(
        store_env(url=f"sqlite:///{database}", schema=None,
                  cipher_key=base64.b64encode(secrets.token_bytes(32)).decode()),
        secrets.token_bytes(32))


def scheduled(app: IntakeApplication, students: list[str], grade: str) -> UUID:
    screening_id = app.schedule_screening(instrument=Instrument.ASQ, held_on=date.today(),
                                          grade_label=grade, meta=STAFF)
    app.record_consents(screening_id, [
        Consent(s, True, n % 50 != 0, None, None) for n, s in enumerate(students)], STAFF)
    return screening_id


def timed_import(directory: Path, kind: str, content: bytes, students: list[str]) -> None:
    app = intake_on(directory / f"{kind}.db")
    screening_id = scheduled(app, students, "bench")
    for attempt in ("first", "again"):
        started = time.perf_counter()
        report = app.import_screening(screening_id, filename=f"grade.{kind}",
                                      content=content, meta=STAFF)
        seconds = time.perf_counter() - started
        print(f"{kind:<5} {attempt:<6} {len(students)} rows in {seconds:6.2f} s "
              f"= {len(students) / seconds:8.0f} rows/s  (accepted {report['accepted']}, "
              f"positive {report['positive']}, refused {len(report['refused'])}; "
              f"file {len(content) // 1024} KiB)")


def province(directory: Path, grades: int, per_grade: int, positive: float) -> None:
    database = directory / "province.db"
    app = intake_on(database)
    started = time.perf_counter()
    rows = cases = 0
    every = max(1, grades // 10)
    for grade in range(grades):
        students = [f"G{grade:04d}S{n:05d}" for n in range(per_grade)]
        content = csv_file(*sheet(students, positive))
        grade_started = time.perf_counter()
        report = app.import_screening(scheduled(app, students, f"grade {grade}"),
                                      filename="grade.csv", content=content, meta=STAFF)
        seconds = time.perf_counter() - grade_started
        rows, cases = rows + per_grade, cases + sum(c["opened"] for c in report["cases"])
        if (grade + 1) % every == 0 or grade + 1 == grades:
            total = time.perf_counter() - started
            print(f"grade {grade + 1:>4}/{grades}: {rows:>8} rows, {cases:>7} cases opened "
                  f"in {total:7.1f} s = {rows / total:6.0f} rows/s; this grade (consents "
                  f"and import) {per_grade / seconds:6.0f} rows/s; store "
                  f"{database.stat().st_size // 2**20} MiB", flush=True)


def main() -> None:
    args = arguments()
    if args.grades > 1:
        with tempfile.TemporaryDirectory() as tmp:
            province(Path(tmp), args.grades, args.students, args.positive)
        return
    students = [f"S{n:06d}" for n in range(args.students)]
    rows = sheet(students, args.positive)
    with tempfile.TemporaryDirectory() as tmp:
        for kind, content in (("csv", csv_file(*rows)), ("xlsx", xlsx_file(*rows))):
            timed_import(Path(tmp), kind, content, students)


if __name__ == "__main__":
    main()
