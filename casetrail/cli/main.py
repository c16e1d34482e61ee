"""The `casetrail` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from uuid import UUID

from casetrail.cli.runtime import Runtime
from contracts.envelope import SERVICES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="casetrail", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="start NATS (unless NATS_URL is set) and the four services")
    commands.add_parser("demo", help="drive cases of every tier through a running system")
    timeline = commands.add_parser("timeline", help="replay one case from the CASES stream")
    timeline.add_argument("case_id", type=UUID)
    timeline.add_argument("--json", action="store_true", help="the envelopes, as JSON")
    letters = commands.add_parser("dead-letters",
                                  help="what a service could not handle, and why")
    letters.add_argument("service", choices=SERVICES)
    credentials = commands.add_parser(
        "bus-credentials", help="NATS identities and TLS files for a deployment (compose)")
    credentials.add_argument("directory", type=Path)
    credentials.add_argument("--host", action="append", dest="hosts",
                             help="a name the NATS server is reached by (repeatable; default: "
                                  "nats, nats-1, nats-2, nats-3, localhost, 127.0.0.1)")
    args = parser.parse_args(argv)

    if args.command == "up":
        from casetrail.cli.up import up

        return up()
    if args.command == "demo":
        from casetrail.cli.demo import demo

        return demo(Runtime.load())
    if args.command == "bus-credentials":
        from casetrail.cli.bus_credentials import bus_credentials

        return bus_credentials(args.directory, args.hosts or [
            "nats", "nats-1", "nats-2", "nats-3", "localhost", "127.0.0.1"])
    if args.command == "dead-letters":
        from casetrail.cli.dead_letters import show_dead_letters

        return show_dead_letters(Runtime.load(), args.service)
    from casetrail.cli.timeline import timeline as show

    return show(Runtime.load(), args.case_id, args.json)


if __name__ == "__main__":
    sys.exit(main())
