"""``copro log-access``: show the served log (``/log/``) to named auditors only, or to everyone."""

from __future__ import annotations

import argparse
from typing import Any

from copro.cli_args import text_arg
from copro.opening import config_of
from ledger.log.log_access import LogAccess

__all__ = ["add_log_access_parser"]


def cmd_add(args: argparse.Namespace) -> int:
    token = LogAccess(config_of(args).data_dir).add(args.name)
    print(f"{args.name} can now read the log. Give them this token (it is shown only once):")
    print(token)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    LogAccess(config_of(args).data_dir).remove(args.name)
    print(f"{args.name} can no longer read the log.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    access = LogAccess(config_of(args).data_dir)
    if not access.restricted():
        print("The log is public: anyone can read /log/.")
    else:
        names = access.names()
        print(
            "The log is open to: " + (", ".join(names) if names else "nobody (remove the file log-auditors to open it)")
        )
    return 0


def add_log_access_parser(sub: Any) -> None:
    a = sub.add_parser("log-access", help="show the served log to named auditors only, or list who may read it")
    asub = a.add_subparsers(dest="log_access_command", required=True, metavar="ACTION")
    add = asub.add_parser(
        "add",
        help="let a named auditor read the log (prints their token once)",
        epilog="Example: copro log-access add riverside-auditor",
    )
    add.add_argument("name", type=text_arg)
    add.set_defaults(handler=cmd_add)
    rm = asub.add_parser(
        "remove", help="stop an auditor reading the log", epilog="Example: copro log-access remove riverside-auditor"
    )
    rm.add_argument("name", type=text_arg)
    rm.set_defaults(handler=cmd_remove)
    ls = asub.add_parser("list", help="say who may read the log", epilog="Example: copro log-access list")
    ls.set_defaults(handler=cmd_list)
