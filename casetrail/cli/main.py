"""The `casetrail` command."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path
from uuid import UUID

import httpx
import nats.errors

from casetrail.cli.commands import NotSignedIn, RequestRefused
from casetrail.cli.runtime import NotRunning, Runtime, data_dir
from contracts.codes import ErasureReason, Role
from contracts.envelope import SERVICES


def _moment(text: str) -> datetime:
    """An ISO time that says its offset: a moment, not a wall-clock reading."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give the time with its offset (Z or +08:00)")
    return moment


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="casetrail", description=__doc__)
    # Every command takes it, before or after its own arguments.
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                       help="the data directory of the system (default: $CASETRAIL_DATA_DIR, "
                            "else ./data)")
    parser.add_argument("--data-dir", type=Path, default=None, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", parents=[where],
                        help="start NATS (unless NATS_URL is set) and the four services")
    commands.add_parser("demo", parents=[where],
                        help="drive cases of every tier through a running system")
    # The tools that act for a person, as the token says.
    signed = argparse.ArgumentParser(add_help=False)
    signed.add_argument("--token", default=None,
                        help="a bearer token from `casetrail login` (default: $CASETRAIL_TOKEN)")
    timeline = commands.add_parser("timeline", parents=[where, signed],
                                   help="replay one case from the CASES stream")
    timeline.add_argument("case_id", type=UUID)
    timeline.add_argument("--json", action="store_true", help="the envelopes, as JSON")
    timeline.add_argument("--as-of", type=_moment, default=None,
                          help="the case as the record stood then (ISO time with its offset, "
                               "e.g. 2026-03-02T16:00:00+08:00), beside each service's own "
                               "store, from supervision; as an auditor (--token)")
    status = commands.add_parser(
        "status", parents=[where, signed],
        help="every service's readiness, lags and last error (lags need a token that may "
             "read them); exit 1 if any is not ready")
    status.add_argument("--json", action="store_true", help="as JSON, with stable keys")
    traces = commands.add_parser("traces", parents=[where],
                                 help="one case's traces as trees, from the span files "
                                      "(CASETRAIL_TRACES_EXPORTER=console)")
    traces.add_argument("case_id", type=UUID)
    letters = commands.add_parser("dead-letters", parents=[where],
                                  help="what a service could not handle, and why")
    letters.add_argument("service", choices=SERVICES)
    credentials = commands.add_parser(
        "bus-credentials", help="NATS identities and TLS files for a deployment (compose)")
    credentials.add_argument("directory", type=Path)
    credentials.add_argument("--host", action="append", dest="hosts",
                             help="a name the NATS server is reached by (repeatable; default: "
                                  "nats, nats-1, nats-2, nats-3, localhost, 127.0.0.1)")
    users = commands.add_parser("users", parents=[where],
                                help="who may sign in with the built-in issuer")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    add = user_commands.add_parser("add", parents=[where], help="a person or machine client")
    add.add_argument("name", help="the login name (lower-case letters, digits, . _ -)")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--school", default=None, help="the school's directory id")
    add.add_argument("--receiver", default=None,
                     help="for a receiver_liaison: the receiver's directory id")
    add.add_argument("--id", dest="user_id", default=None,
                     help="the id the trail records (default: generated)")
    user_commands.add_parser("list", parents=[where], help="the users")
    remove = user_commands.add_parser("remove", parents=[where], help="take a user away")
    remove.add_argument("name")
    signin = commands.add_parser("login", parents=[where],
                                 help="print a short-lived bearer token for a user")
    signin.add_argument("name")
    signin.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input")
    signin.add_argument("--minutes", type=int, default=None,
                        help="how long the token lasts (default 60, at most 720)")
    matrix = commands.add_parser("access-matrix",
                                 help="write who may do what (the services' access.toml) "
                                      "into README.md")
    matrix.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if README.md shows another matrix")
    commands.add_parser("asyncapi", help="print the bus's AsyncAPI 3.0 document, drawn from "
                                         "contracts/ (as contracts/asyncapi.json keeps it)")
    sheet = commands.add_parser("screening-template", parents=[where, signed],
                                help="the file to fill in with a screening's answers")
    sheet.add_argument("screening_id", type=UUID)
    sheet.add_argument("--lang", choices=["zh", "en"], default="zh",
                       help="the headers' language (default zh)")
    sheet.add_argument("--xlsx", action="store_true", help="an XLSX workbook, not CSV")
    sheet.add_argument("--output", type=Path, default=None,
                       help="where to write it (default screening-<id>-<lang>.csv|xlsx)")
    imports = commands.add_parser("screening-import", parents=[where, signed],
                                  help="import a screening's filled-in files, one after "
                                       "another, with progress")
    imports.add_argument("screening_id", type=UUID)
    imports.add_argument("files", type=Path, nargs="+", metavar="FILE",
                         help="CSV or XLSX files of answers (a class each, say)")
    erasure = commands.add_parser(
        "erase", parents=[where, signed],
        help="erase a student's personal data in every service (their data keys)")
    erasure.add_argument("student_key", help="the student's pseudonymous key (32 hex digits)")
    erasure.add_argument("--reason", required=True, choices=[r.value for r in ErasureReason])
    retention = commands.add_parser(
        "retention-report", parents=[where, signed],
        help="the students due for erasure under the retention periods (no names)")
    retention.add_argument("--as-of", type=date.fromisoformat, default=None,
                           help="the day to judge by, YYYY-MM-DD (default today)")
    keys = argparse.ArgumentParser(add_help=False)
    keys.add_argument("--keys", type=Path, default=None,
                      help="the services' verifier keys, `service vkey` a line (default: "
                           "<data dir>/ledger-keys.txt, which `casetrail up` writes)")
    verify = commands.add_parser(
        "verify", parents=[where, signed, keys],
        help="check every service's store against its signed checkpoints and CASES "
             "(an auditor's token)")
    verify.add_argument("--case", dest="case_id", type=UUID, default=None,
                        help="check only this case's events (the checkpoints always whole)")
    audit = commands.add_parser("audit", parents=[where],
                                help="the auditor's documents of a case")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    bundle = audit_commands.add_parser(
        "export", parents=[where, keys],
        help="a case's proof bundle (its events, each with its inclusion proof against a "
             "signed checkpoint), for `python -m trailproof`")
    bundle.add_argument("case_id", type=UUID)
    bundle.add_argument("--output", type=Path, default=None,
                        help="where to write it (default case-<id>.proof.json)")
    figures = commands.add_parser(
        "figures", parents=[where, signed],
        help="the supervisors' figures per school or district (no names, no case ids)")
    figures.add_argument("--from", dest="first", required=True, type=date.fromisoformat,
                         help="the first detection date, YYYY-MM-DD (included)")
    figures.add_argument("--to", dest="last", required=True, type=date.fromisoformat,
                         help="the last detection date, YYYY-MM-DD (included)")
    figures.add_argument("--by", choices=["school", "district"], default="school")
    figures.add_argument("--format", dest="fmt", choices=["json", "csv", "xlsx"],
                         default="csv")
    figures.add_argument("--output", type=Path, default=None,
                         help="where to write it (default figures-<by>-<from>-<to>.<format>)")
    incident = audit_commands.add_parser(
        "report", parents=[where, signed],
        help="a case's incident report: timeline, handoffs, breaches, decisions, reads")
    incident.add_argument("case_id", type=UUID)
    incident.add_argument("--lang", choices=["zh", "en"], default="zh",
                          help="the report's language (default zh)")
    incident.add_argument("--format", dest="report_format", choices=["html", "pdf"],
                          default="html", help="HTML or PDF (default html)")
    incident.add_argument("--output", type=Path, default=None,
                          help="where to write it (default report-<case>-<lang>.html|pdf)")
    incident.add_argument("--as-of", type=_moment, default=None,
                          help="the record as it stood then (ISO 8601 with offset; "
                               "default now)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    directory = data_dir(args.data_dir)
    if args.command == "up":
        from casetrail.cli.up import up

        return up(directory)
    if args.command in ("users", "login"):  # the issuer's files: no running system needed
        return _identity(args, directory)
    if args.command == "access-matrix":  # from the repository's files: no system needed
        from casetrail.cli.access_matrix import access_matrix

        return access_matrix(check=args.check)
    if args.command == "asyncapi":  # from the contracts: no system needed
        from contracts.asyncapi import document_json

        sys.stdout.write(document_json())
        return 0
    if args.command == "traces":  # the span files: no running system needed
        from casetrail.cli.traces import print_traces

        return print_traces(directory, args.case_id)
    if args.command == "bus-credentials":  # for a deployment: no running system needed
        from casetrail.cli.bus_credentials import bus_credentials

        return bus_credentials(args.directory, args.hosts or [
            "nats", "nats-1", "nats-2", "nats-3", "localhost", "127.0.0.1"])
    try:
        # Status shows each closed port itself, as a service that does not answer.
        runtime = Runtime.load(directory, listening=args.command != "status")
    except NotRunning as not_running:
        print(f"casetrail {args.command}: {not_running}", file=sys.stderr)
        return 2
    try:
        return _tool(args, runtime, directory)
    except NotSignedIn as not_signed_in:
        print(f"casetrail {args.command}: {not_signed_in}", file=sys.stderr)
        return 2
    except RequestRefused as refused:  # a 401 or 403 among them: the service says why
        print(f"casetrail {args.command}: {refused.service_says()}", file=sys.stderr)
        return 1
    except (httpx.TransportError, nats.errors.Error, OSError) as lost:
        print(f"casetrail {args.command}: lost the system recorded in "
              f"{directory.absolute()}: {type(lost).__name__}: {lost}", file=sys.stderr)
        return 2


def _identity(args: argparse.Namespace, directory: Path) -> int:
    from casetrail.cli import users

    if args.command == "login":
        return users.login(directory, args.name, password_from_stdin=args.password_stdin,
                           minutes=args.minutes)
    if args.users_command == "add":
        return users.add_user(directory, args.name, args.role, args.school, args.receiver,
                              args.user_id)
    if args.users_command == "remove":
        return users.remove_user(directory, args.name)
    return users.list_users(directory)


def _tool(args: argparse.Namespace, runtime: Runtime, directory: Path) -> int:
    if args.command == "demo":
        from casetrail.cli.demo import demo

        return demo(runtime, directory)
    if args.command == "status":
        from casetrail.cli.status import status

        return status(runtime, args.token, args.json)
    if args.command == "dead-letters":
        from casetrail.cli.dead_letters import show_dead_letters

        return show_dead_letters(runtime, args.service)
    if args.command == "screening-template":
        from casetrail.cli.screening_files import download_template

        return download_template(runtime, args.screening_id, args.lang,
                                 "xlsx" if args.xlsx else "csv", args.output, args.token)
    if args.command == "screening-import":
        from casetrail.cli.screening_files import import_files

        return import_files(runtime, args.screening_id, args.files, args.token)
    if args.command == "retention-report":
        from casetrail.cli.retention import retention_report

        return retention_report(runtime, args.token, args.as_of)
    if args.command == "figures":
        from casetrail.cli.figures import download_figures

        return download_figures(runtime, args.first, args.last, args.by, args.fmt,
                                args.output, args.token)
    if args.command == "audit" and args.audit_command == "report":
        from casetrail.cli.audit_report import audit_report

        return audit_report(runtime, args.case_id, args.lang, args.report_format,
                            args.output, args.token, args.as_of)
    if args.command == "erase":
        from casetrail.cli.erase import erase

        return erase(runtime, args.student_key, args.reason, args.token)
    if args.command in ("verify", "audit"):
        from casetrail.cli.keys import LEDGER_KEYS_FILE
        from casetrail.ledger.signing import read_ledger_keys

        try:
            keys = read_ledger_keys(args.keys or directory / LEDGER_KEYS_FILE)
        except OSError as unreadable:
            print(f"casetrail {args.command}: cannot read the services' ledger keys: "
                  f"{unreadable}", file=sys.stderr)
            return 2
        if args.command == "verify":
            from casetrail.cli.verify import verify

            return verify(runtime, keys, args.token, args.case_id)
        from casetrail.cli.audit import export

        return export(runtime, args.case_id, keys, args.output)
    if args.as_of is not None:
        from casetrail.cli.timeline import timeline_as_of

        return timeline_as_of(runtime, args.case_id, args.as_of, args.token, args.json)
    from casetrail.cli.timeline import timeline as show

    return show(runtime, args.case_id, args.json)


if __name__ == "__main__":
    sys.exit(main())
