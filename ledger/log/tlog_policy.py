"""C2SP tlog-policy: which logs a verifier trusts, which witnesses, and how many must cosign.

Why this module exists: a cosigned checkpoint is only as good as the rule that
says whose cosignatures count.  The C2SP policy file is the rule format the
transparency ecosystem shares (Sigsum, the Go witnesses), so an auditor can write
one policy and use it with copro and with other tools.  ``copro verify --policy``
reads it here.

The syntax is line based: ``log <vkey> [<url>]``, ``witness <name> <vkey> [<url>]``,
``group <name> all|any|<k> <name>...``, exactly one ``quorum <name>`` (``none``
allowed), ``#`` comments and blank lines.  Names are defined before use, so
groups cannot be circular.  Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ledger.log.cosignature import AnyCosignerVerifier, parse_cosigner_key, verified_cosignatures
from ledger.log.signed_note import NoteError, NoteVerifier, open_note

__all__ = ["Policy", "PolicyError", "QuorumError", "parse_policy"]

MAX_ENTRIES = 256
_WHITESPACE = re.compile(r"[ \t]+")
_DECIMAL = re.compile(r"[1-9][0-9]*")


class PolicyError(ValueError):
    """The policy file is malformed; the message names the line and says what is wrong."""


class QuorumError(ValueError):
    """A checkpoint is signed by the log but not cosigned by enough witnesses for the policy."""


@dataclass(frozen=True)
class Group:
    name: str
    threshold: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    """A parsed policy: trusted logs, named witnesses, groups, and the quorum name."""

    logs: tuple[NoteVerifier, ...]
    witnesses: dict[str, AnyCosignerVerifier]
    groups: dict[str, Group]
    quorum: str
    urls: dict[str, str]

    def satisfied_by(self, cosigned: set[str]) -> bool:
        """Whether the witnesses named in ``cosigned`` (policy names) meet the quorum."""
        return self._witnessed(self.quorum, cosigned)

    def _witnessed(self, name: str, cosigned: set[str]) -> bool:
        if name == "none":
            return True
        if name in self.witnesses:
            return name in cosigned
        group = self.groups[name]
        return sum(self._witnessed(m, cosigned) for m in group.members) >= group.threshold

    def check(self, note: str, logs: tuple[NoteVerifier, ...] = ()) -> set[str]:
        """Check a checkpoint note against the policy and return the witnesses that cosigned it.

        ``logs`` adds log keys known from elsewhere (a bundle's own key list) to
        those the policy names.  Raises NoteError if no trusted log signed it and
        :class:`QuorumError` if its cosignatures do not meet the quorum.
        """
        open_note(note, list(self.logs) + list(logs))
        found = verified_cosignatures(note, list(self.witnesses.values()))
        cosigned = {policy_name for policy_name, w in self.witnesses.items() if w in found}
        if not self.satisfied_by(cosigned):
            have = ", ".join(sorted(cosigned)) or "no witness"
            raise QuorumError(
                f"The checkpoint is cosigned by {have}, which does not meet the policy's quorum "
                f"{self.quorum!r}; ask the log operator whether its witnesses are running."
            )
        return cosigned


def parse_policy(text: str) -> Policy:
    """Read a policy file, or raise :class:`PolicyError` naming the first wrong line."""
    logs: list[NoteVerifier] = []
    witnesses: dict[str, AnyCosignerVerifier] = {}
    groups: dict[str, Group] = {}
    urls: dict[str, str] = {}
    quorum: str | None = None
    seen_keys: set[bytes] = set()

    if "\r" in text or any(c < " " and c not in "\t\n" for c in text):
        raise PolicyError("The policy file holds a control character; only tab and newline are allowed.")
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip(" \t")
        if not line or line.startswith("#"):
            continue
        words = _WHITESPACE.split(line)
        keyword, args = words[0], words[1:]

        def fail(why: str, number: int = number) -> PolicyError:
            return PolicyError(f"Line {number} of the policy {why}.")

        if len(logs) + len(witnesses) + len(groups) >= MAX_ENTRIES:
            raise fail(f"goes beyond {MAX_ENTRIES} logs, witnesses and groups")
        if keyword == "log":
            if len(args) not in (1, 2):
                raise fail("must be 'log <vkey> [<url>]'")
            try:
                verifier = NoteVerifier.parse(args[0])
            except NoteError as e:
                raise fail(f"has a log key that cannot be read: {e}") from None
            raw_key = verifier.public_key.public_bytes_raw()
            if raw_key in seen_keys:
                raise fail("names a key that an earlier line already names")
            seen_keys.add(raw_key)
            logs.append(verifier)
            if len(args) == 2:
                urls[f"log:{verifier.name}"] = args[1]
        elif keyword == "witness":
            if len(args) not in (2, 3):
                raise fail("must be 'witness <name> <vkey> [<url>]'")
            name = args[0]
            if name == "none" or name in witnesses or name in groups:
                raise fail(f"defines the name {name!r}, which is already taken")
            try:
                cosigner = parse_cosigner_key(args[1])
            except NoteError as e:
                raise fail(f"has a witness key that cannot be read: {e}") from None
            if cosigner.public_key in seen_keys:
                raise fail("names a key that an earlier line already names")
            seen_keys.add(cosigner.public_key)
            witnesses[name] = cosigner
            if len(args) == 3:
                urls[name] = args[2]
        elif keyword == "group":
            if len(args) < 3:
                raise fail("must be 'group <name> all|any|<k> <name>...'")
            name, how, members = args[0], args[1], tuple(args[2:])
            if name == "none" or name in witnesses or name in groups:
                raise fail(f"defines the name {name!r}, which is already taken")
            for member in members:
                if member not in witnesses and member not in groups:
                    raise fail(f"names {member!r} before it is defined")
            if len(set(members)) != len(members):
                raise fail("lists the same member twice")
            if how == "all":
                threshold = len(members)
            elif how == "any":
                threshold = 1
            elif _DECIMAL.fullmatch(how) and 1 <= int(how) <= len(members):
                threshold = int(how)
            else:
                raise fail(f"has threshold {how!r}; use all, any or a number from 1 to {len(members)}")
            groups[name] = Group(name, threshold, members)
        elif keyword == "quorum":
            if len(args) != 1:
                raise fail("must be 'quorum <name>'")
            if quorum is not None:
                raise fail("is a second quorum line; a policy has exactly one")
            if args[0] != "none" and args[0] not in witnesses and args[0] not in groups:
                raise fail(f"names {args[0]!r} as the quorum before it is defined")
            quorum = args[0]
        else:
            raise fail(f"starts with {keyword!r}; expected log, witness, group or quorum")
    if quorum is None:
        raise PolicyError("The policy has no quorum line; add 'quorum none' or 'quorum <witness or group>'.")
    return Policy(tuple(logs), witnesses, groups, quorum, urls)
