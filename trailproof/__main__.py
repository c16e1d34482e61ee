"""`python -m trailproof BUNDLE.json [--key VKEY]...`: verify a case's proof bundle offline."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from trailproof.bundle import BundleVerdict, verify_bundle


def report(verdict: BundleVerdict) -> str:
    lines = [f"case {verdict.case_id}: {verdict.events_checked} events checked against "
             f"{verdict.checkpoints_checked} signed checkpoints"]
    lines += [f"PROBLEM {problem}" for problem in verdict.problems]
    if verdict.unpinned:
        lines.append("WARNING the keys of " + ", ".join(verdict.unpinned) + " come from the "
                     "bundle itself, which proves nothing by itself: pin each service's "
                     "published key with --key")
    lines.append("OK: every event is in its service's signed log" if verdict.ok()
                 else f"FAILED: {len(verdict.problems)} problems")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trailproof", description=__doc__)
    parser.add_argument("bundle", help="the proof bundle (JSON)")
    parser.add_argument("--key", action="append", default=[], metavar="VKEY",
                        help="a service's verifier key to trust instead of the bundle's own")
    args = parser.parse_args(argv)
    try:
        with open(args.bundle, encoding="utf-8") as file:
            bundle = json.load(file)
    except (OSError, ValueError) as error:
        print(f"cannot read {args.bundle}: {error}", file=sys.stderr)
        return 2
    if not isinstance(bundle, dict):
        print(f"cannot read {args.bundle}: not a JSON object", file=sys.stderr)
        return 2
    verdict = verify_bundle(bundle, args.key or None)
    print(report(verdict))
    return 0 if verdict.ok() else 1


if __name__ == "__main__":
    sys.exit(main())
