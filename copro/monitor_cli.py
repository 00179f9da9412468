"""``copro monitor URL``: follow a collective's served log and keep it honest (``ledger.log.monitor``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from copro.cli_args import path_arg, text_arg
from ledger.log.errors import ConfigurationError
from ledger.log.monitor import http_fetcher, monitor_once
from ledger.log.signed_note import NoteError, NoteVerifier

__all__ = ["add_monitor_parser"]


def cmd_monitor(args: argparse.Namespace) -> int:
    if not args.url.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"{args.url!r} is not a web address; give the log's URL, e.g. https://example.org/log/."
        )
    key = None
    if args.key:
        try:
            key = NoteVerifier.parse(args.key)
        except NoteError as e:
            raise ConfigurationError(f"The --key is not a C2SP verifier key: {e}") from None
    import os

    fetch, fetched = http_fetcher(args.url, token=os.environ.get("COPRO_LOG_TOKEN"))
    try:
        result = monitor_once(fetch, Path(args.state), key)
    except OSError as e:
        raise ConfigurationError(f"The log at {args.url} could not be read ({e}); try again later.") from None
    if result.ok:
        print(f"{result.sentence} ({len(fetched)} files fetched)")
        return 0
    print(result.evidence, end="")
    print(f"copro: {result.sentence}", file=sys.stderr)
    return 1


def add_monitor_parser(sub: Any) -> None:
    m = sub.add_parser(
        "monitor",
        help="follow a served log, check every new entry, and print evidence if its history changes",
        description="Follow a copro log served at URL (C2SP tlog-tiles): check each new entry's signature "
        "and that the new checkpoint extends the one trusted before; exit 1 with evidence if not.",
        epilog="Example: copro monitor https://riverside.example/log/ --state riverside.json "
        "--key 'riverside.example/log+1234abcd+AQ...'  (a log open to named auditors only: set COPRO_LOG_TOKEN)",
    )
    m.add_argument("url", type=text_arg, help="the log's address, ending in /log/")
    m.add_argument("--state", required=True, type=path_arg, help="file where the monitor keeps what it trusts")
    m.add_argument("--key", type=text_arg, default=None, help="the log's checkpoint key (needed on the first run)")
    m.set_defaults(handler=cmd_monitor)
