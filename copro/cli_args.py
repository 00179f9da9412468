"""Argument types for the ``copro`` command line: every value is range-checked where it is parsed.

A bad value stops the command before anything is opened or written, with one
sentence naming the option, what it accepts and what was given (exit 2). The
parser prints that sentence and a pointer to ``--help``, not a usage dump.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from typing import NoReturn
from uuid import UUID

# Versions, sizes and indexes are JSON integers in signed records: below 2^53 (FORMAT.md).
LARGEST = 2**53 - 1
MAX_WORKERS = 1024
MAX_INTERVAL = 24 * 60 * 60.0
MAX_TEXT = 1000


class Parser(argparse.ArgumentParser):
    """argparse, with its errors said in one sentence (exit 2) instead of a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {_sentence(message)}; see '{self.prog} --help'.\n")


def _sentence(message: str) -> str:
    # argparse says "argument --port: <what our type function said>"; keep the option and our words.
    message = re.sub(r"^argument ([^:]+): ", r"\1 ", message)
    message = re.sub(r" expected one argument$", " needs a value", message)
    message = re.sub(r" invalid choice: (.+) \(choose from (.+)\)$", r" must be one of \2, not \1", message)
    return message.rstrip(".")


def whole_number(*, minimum: int, maximum: int = LARGEST, what: str = "a whole number") -> Callable[[str], int]:
    """A type for an integer option in [minimum, maximum]."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip(), 10)
        except ValueError:
            value = None
        if value is None or not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be {what} from {minimum} to {maximum}, not {text!r}")
        return value

    parse.__name__ = "whole number"
    return parse


port_arg = whole_number(minimum=1, maximum=65535, what="a port number")
version_arg = whole_number(minimum=1, what="an event version")
size_arg = whole_number(minimum=1, what="a number of events")
workers_arg = whole_number(minimum=1, maximum=MAX_WORKERS, what="a number of processes")


def interval_arg(text: str) -> float:
    """Seconds between polls: more than zero, at most a day."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= MAX_INTERVAL):
        raise argparse.ArgumentTypeError(
            f"must be a number of seconds more than 0 and at most {MAX_INTERVAL:g}, not {text!r}"
        )
    return value


def uuid_arg(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an id such as 1b4e28ba-2fa1-11d2-883f-0016d3cca427; {text!r} is not an id"
        ) from None


def text_arg(text: str) -> str:
    """Free text kept in the log (a rotation's reason): not blank, not a page long."""
    if not text.strip() or len(text) > MAX_TEXT or "\x00" in text:
        raise argparse.ArgumentTypeError(
            f"must be some words (1 to {MAX_TEXT} characters), not {text[:40]!r}{'...' if len(text) > 40 else ''}"
        )
    return text


def path_arg(text: str) -> str:
    """A file or folder name: not empty."""
    if not text.strip() or "\x00" in text:
        raise argparse.ArgumentTypeError(f"must name a file or folder, not {text!r}")
    return text


def host_arg(text: str) -> str:
    """A host name or address to listen on (checked against the network when the server binds)."""
    if not text or len(text) > 253 or any(c.isspace() for c in text) or "/" in text:
        raise argparse.ArgumentTypeError(
            f"must be a host name or an address of this machine such as 127.0.0.1, not {text!r}"
        )
    return text


def origin_arg(text: str) -> str:
    from ledger.log.errors import ConfigurationError
    from ledger.log.keystore import check_origin

    try:
        return check_origin(text)
    except ConfigurationError:
        raise argparse.ArgumentTypeError(
            f"must be a schema-less URL such as example.org/copro/our-collective "
            f"(lower-case host, then a path), not {text!r}"
        ) from None


def verifier_key_arg(text: str) -> str:
    """A C2SP verifier key (name+hash+base64), as 'copro keys export --format c2sp' prints it."""
    from ledger.log.signed_note import NoteError, NoteVerifier

    try:
        NoteVerifier.parse(text)
    except NoteError as e:
        raise argparse.ArgumentTypeError(
            f"must be a C2SP verifier key such as 'copro keys export --format c2sp' prints ({e})"
        ) from None
    return text
