"""``copro report``: write a funder's signed transparency report, and ``copro report verify``: check one.

    copro report [--collective ID] [--from DATE] [--to DATE] --out DIR [--previous DIR]
    copro report verify DIR [--previous DIR] [--bundle PATH] [--json]

Building checks everything it can before it reads the log (the period, the output
folder, the keys), so a refused report writes nothing. Verifying needs no keys: the
report key in force comes from the log itself.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from copro.cli_args import Parser, path_arg, uuid_arg
from copro.opening import config_of, load_keys
from ledger.log.errors import ConfigurationError, CoproError


def _moment_arg(*, end: bool) -> Callable[[str], datetime]:
    """A type for ``--from`` / ``--to``: a date or a time with its offset, checked when parsed."""

    def parse(text: str) -> datetime:
        from ledger.governance.report.build import moment
        from ledger.governance.report.figures import ReportError

        try:
            return moment(text, end=end)
        except ReportError as e:
            raise argparse.ArgumentTypeError(str(e).rstrip(".")) from None

    parse.__name__ = "date"
    return parse


def _period(args: argparse.Namespace, now: datetime) -> tuple[datetime | None, datetime]:
    from ledger.governance.report.build import check_period

    return check_period(args.period_from, args.period_to, now)


def _usage(error: Exception) -> CoproError:
    """A report refused for the person's input: exit 2, their sentence."""
    return error if isinstance(error, CoproError) else ConfigurationError(str(error))


def cmd_report(args: argparse.Namespace) -> int:
    """Build, pin, write and sign the report; print where it is and how to check it."""
    from ledger.governance.report.build import build_report, check_out, read_previous
    from ledger.governance.report.figures import ReportError
    from ledger.governance.report_source import LiveSource, snapshot_path
    from ledger.log.application import Ledger
    from web.report_files import RENDERERS

    if args.out is None:
        raise ConfigurationError("Say where to write the report with --out DIR (a new or empty folder).")
    now = datetime.now(UTC)
    try:
        start, end = _period(args, now)
        out = Path(args.out)
        check_out(out)
        previous = read_previous(Path(args.previous)) if args.previous else None
    except ReportError as e:
        raise _usage(e) from None
    config = config_of(args)
    if config.ledger_state() != "ledger":
        raise ConfigurationError(f"There is no copro ledger in the {config.describe()}; nothing to report on.")
    keys = load_keys(config)
    ledger = Ledger.open(config, keys)
    try:
        note = ledger.checkpoint()
        try:
            built = build_report(
                LiveSource(ledger.merkle_log),
                checkpoint=note,
                out=out,
                key=keys.report.signing_key,
                renderers=RENDERERS,
                collective_id=args.collective,
                start=start,
                end=end,
                previous=previous,
                snapshot=snapshot_path(config),
            )
        except ReportError as e:
            raise _usage(e) from None
    finally:
        ledger.close()
    doc = built.doc
    print(
        f"Wrote the report on {doc['collective']['name']} for {_said_period(doc)} to {built.folder} "
        f"({len(built.files)} files); it pins the log's checkpoint of {built.size:,} events."
    )
    print(
        f"A funder checks it with the commands in {built.folder / 'VERIFY.txt'}; "
        f"you can with 'copro report verify {built.folder}'."
    )
    return 0


def _said_period(doc: dict[str, Any]) -> str:
    period = doc["period"]
    start = "the start" if period["from"] is None else period["from"][:10]
    return f"{start} to {period['to'][:10]}"


def _bundle_records(path: str) -> Iterator[tuple[int, bytes]]:
    from ledger.log.bundle.reader import open_bundle

    with open_bundle(path) as bundle:
        yield from enumerate(bundle.entries())


def cmd_report_verify(args: argparse.Namespace) -> int:
    """R1 to R5 against the live log or a bundle; exit 0 sound, 1 not, 2 not a report."""
    from ledger.governance.report.build import live_records
    from ledger.governance.report.figures import ReportError
    from ledger.governance.report.verify import verify_report

    folder = Path(args.folder)
    previous = Path(args.previous) if args.previous else None
    try:
        if args.bundle is not None:
            result = verify_report(folder, _bundle_records(str(args.bundle)), previous=previous)
        else:
            from ledger.log.application import Ledger

            config = config_of(args)
            if config.ledger_state() != "ledger":
                raise ConfigurationError(
                    f"There is no copro ledger in the {config.describe()}; give the log with --bundle PATH."
                )
            log = Ledger.recorder_only(config)
            result = verify_report(folder, live_records(log, log.log_size()), previous=previous)
    except ReportError as e:
        raise _usage(e) from None
    if args.json:
        print(json.dumps(result.as_json(), indent=2))
    else:
        print("\n".join(result.lines()))
    return 0 if result.ok else 1


def add_report_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    """``copro report`` (build) and ``copro report verify`` (check)."""
    r = sub.add_parser("report", help="write a funder's signed transparency report, or check one")
    r.add_argument("--collective", type=uuid_arg, help="the collective (may be left out when the ledger holds one)")
    r.add_argument(
        "--from",
        dest="period_from",
        metavar="DATE",
        type=_moment_arg(end=False),
        help="first day of the period (default: the start)",
    )
    r.add_argument(
        "--to",
        dest="period_to",
        metavar="DATE",
        type=_moment_arg(end=True),
        help="last day of the period (default: now)",
    )
    r.add_argument("--out", metavar="DIR", type=path_arg, help="a new or empty folder to write the report to")
    r.add_argument(
        "--previous", metavar="DIR", type=path_arg, help="the previous report's folder, to prove this one extends it"
    )
    r.set_defaults(handler=cmd_report)
    rsub = r.add_subparsers(dest="report_command", metavar="ACTION")
    v = rsub.add_parser("verify", help="check a report's signatures, checkpoint, link to the previous one, figures")
    v.add_argument("folder", metavar="DIR", type=path_arg, help="the report's folder")
    v.add_argument("--previous", metavar="DIR", type=path_arg, help="the previous report's folder")
    v.add_argument(
        "--bundle", metavar="PATH", type=path_arg, help="check against an exported bundle instead of the live ledger"
    )
    v.add_argument("--json", action="store_true", help="print the checks as JSON")
    v.set_defaults(handler=cmd_report_verify)
