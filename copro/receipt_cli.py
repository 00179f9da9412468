"""``copro receipt verify FILE``: check a member's receipt offline (``ledger.log.receipt``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from copro.cli_args import path_arg, text_arg
from ledger.log.errors import ConfigurationError
from ledger.log.receipt import ReceiptError, check_receipt, parse_receipt
from ledger.log.signed_note import NoteError, NoteVerifier
from ledger.log.tlog_policy import PolicyError, parse_policy

__all__ = ["add_receipt_parser"]


def cmd_receipt_verify(args: argparse.Namespace) -> int:
    if not args.key and not args.policy:
        raise ConfigurationError(
            "Say which log you trust: add --key VKEY (the log's checkpoint key) or --policy FILE (a tlog-policy file)."
        )
    logs: list[NoteVerifier] = []
    if args.key:
        try:
            logs.append(NoteVerifier.parse(args.key))
        except NoteError as e:
            raise ConfigurationError(f"The --key is not a C2SP verifier key: {e}") from None
    policy = None
    if args.policy:
        try:
            policy = parse_policy(Path(args.policy).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            raise ConfigurationError(f"Cannot read the policy file {args.policy}.") from None
        except PolicyError as e:
            raise ConfigurationError(f"{args.policy}: {e}") from None
    try:
        data = Path(args.file).read_bytes()
    except OSError as e:
        raise ConfigurationError(f"Cannot read {args.file}: {e.strerror}.") from None
    try:
        checked = check_receipt(parse_receipt(data), logs, policy)
    except ReceiptError as e:
        print(f"FAILED: {e}")
        return 1
    witnessed = f"; cosigned by {', '.join(checked.witnesses)}" if checked.witnesses else ""
    print(
        f"OK: event {checked.version} of {checked.aggregate_id} ({checked.topic}) is leaf {checked.index} "
        f"of {checked.origin}, in the tree of {checked.size} events its checkpoint signs{witnessed}."
    )
    return 0


def add_receipt_parser(sub: Any) -> None:
    r = sub.add_parser("receipt", help="check a member's receipt (.tlog-proof) offline")
    rsub = r.add_subparsers(dest="receipt_command", required=True, metavar="ACTION")
    v = rsub.add_parser(
        "verify",
        help="check that a receipt's record is in the log its checkpoint signs",
        epilog="Example: copro receipt verify my-vote.tlog-proof --key 'riverside.example/log+1234abcd+AQ...'",
    )
    v.add_argument("file", type=path_arg, help="the .tlog-proof file")
    v.add_argument("--key", type=text_arg, default=None, help="the log's checkpoint key (C2SP vkey)")
    v.add_argument("--policy", type=path_arg, default=None, help="a tlog-policy file: trusted logs and witness quorum")
    v.set_defaults(handler=cmd_receipt_verify)
