"""Reading policies from TOML rule files, strictly.

A rule file is written by people, often not programmers, and it decides who holds power,
so it is read strictly: an unknown field, a wrong type, a value out of range or a
combination that makes no sense is rejected with the file, the field and the reason.
Nothing is guessed and nothing is silently ignored.

Fractions are written as strings, "2/3" (or "1"), or as the integers 0 and 1; never as
decimals (0.67 is not 2/3). Group weights may also be any positive whole number.

The shipped rules are in policies/rules/; `load_builtin("consent")` reads one.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from fractions import Fraction
from importlib import resources
from typing import Any

from policies.canonical import policy_hash
from policies.errors import PolicyError, show_value
from policies.model import BlockEffect, Method, Policy, Position

__all__ = [
    "PolicyError",
    "builtin_names",
    "load_builtin",
    "load_policy",
    "parse_policy",
    "policy_hash",
]

_FRACTION = re.compile(r"(0|[1-9][0-9]{0,17})(?:/([1-9][0-9]{0,17}))?")
_BUILTIN_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_SHARE_REASON = 'must be a fraction between 0 and 1 like "2/3", got {}'
_WEIGHT_REASON = 'must be a positive fraction like "1/2" or a whole number, got {}'


def parse_policy(text: str, *, source: str) -> Policy:
    """Parse one policy from TOML `text`; `source` names the file in any `PolicyError`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(source, None, f"is not valid TOML ({error})") from None
    reader = _Reader(source, data)
    try:
        return reader.policy()
    except PolicyError as error:
        raise error.with_source(source) from None


def load_policy(path: str | os.PathLike[str]) -> Policy:
    """Read and parse the rule file at `path` (UTF-8 TOML)."""
    source = os.fspath(path)
    with open(path, "rb") as file:
        raw = file.read()
    return parse_policy(_decode(raw, source), source=source)


def builtin_names() -> tuple[str, ...]:
    """The names of the rule files shipped in policies/rules/, sorted."""
    folder = resources.files("policies") / "rules"
    return tuple(sorted(e.name.removesuffix(".toml") for e in folder.iterdir() if e.name.endswith(".toml")))


def load_builtin(name: str) -> Policy:
    """Read a shipped rule file by name, e.g. "consent" for policies/rules/consent.toml."""
    source = f"policies/rules/{name}.toml"
    if not _BUILTIN_NAME.fullmatch(name) or name not in builtin_names():
        known = ", ".join(builtin_names())
        raise PolicyError(source, None, f"there is no built-in policy {name!r}; the built-in policies are {known}")
    raw = (resources.files("policies") / "rules" / f"{name}.toml").read_bytes()
    return parse_policy(_decode(raw, source), source=source)


def _decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PolicyError(source, None, f"is not UTF-8 text (byte {error.start})") from None


class _Reader:
    """Turns a parsed TOML table into a `Policy`, one typed reader per field."""

    def __init__(self, source: str, data: Mapping[str, Any]) -> None:
        self.source = source
        self.data = data

    def policy(self) -> Policy:
        fields: dict[str, Callable[[str, Any], Any]] = {
            "name": self._text,
            "method": _enum_reader(Method),
            "description": self._text,
            "block_effect": _enum_reader(BlockEffect),
            "quorum": self._share,
            "group_quorum": self._share,
            "abstain_counts_for_quorum": self._bool,
            "threshold": self._share,
            "threshold_strict": self._bool,
            "concurrent_majority": self._bool,
            "equal_group_voice": self._bool,
            "group_weights": self._weights,
            "veto_groups": self._groups,
            "reason_required_for": self._positions,
            "min_open_hours": self._int,
            "max_open_hours": self._int,
            "allow_overrule": self._bool,
            "overrule_process": self._text,
            "positions_private_until_close": self._bool,
        }
        for key in sorted(self.data):
            if key not in fields:
                raise self._error(key, _unknown(key, fields))
        for key in ("name", "method", "description", "block_effect"):
            if key not in self.data:
                raise self._error(key, "is required")
        values = {key: read(key, self.data[key]) for key, read in fields.items() if key in self.data}
        return Policy(**values)

    def _error(self, field: str, reason: str) -> PolicyError:
        return PolicyError(self.source, field, reason)

    def _text(self, field: str, value: Any) -> str:
        if not isinstance(value, str):
            raise self._error(field, f"must be text in quotes, got {show_value(value)}")
        return value

    def _bool(self, field: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self._error(field, f"must be true or false, got {show_value(value)}")
        return value

    def _int(self, field: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._error(field, f"must be a whole number, got {show_value(value)}")
        return value

    def _share(self, field: str, value: Any) -> Fraction:
        share = _fraction(value)
        if share is None or not 0 <= share <= 1:
            raise self._error(field, _SHARE_REASON.format(show_value(value)))
        return share

    def _weights(self, field: str, value: Any) -> dict[str, Fraction]:
        if not isinstance(value, dict):
            raise self._error(field, f"must be a table of group = weight, got {show_value(value)}")
        weights = {}
        for group in sorted(value):
            weight = _fraction(value[group])
            if weight is None or weight <= 0:
                raise self._error(f"{field}.{group}", _WEIGHT_REASON.format(show_value(value[group])))
            weights[group] = weight
        return weights

    def _strings(self, field: str, value: Any, what: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._error(field, f"must be a list of {what} in quotes, got {show_value(value)}")
        repeated = sorted({item for item in value if value.count(item) > 1})
        if repeated:
            raise self._error(field, f"lists {show_value(repeated[0])} more than once")
        return value

    def _groups(self, field: str, value: Any) -> frozenset[str]:
        return frozenset(self._strings(field, value, "group names"))

    def _positions(self, field: str, value: Any) -> frozenset[Position]:
        names = self._strings(field, value, "positions")
        read = _enum_reader(Position)
        return frozenset(read(field, name) for name in names)


def _enum_reader(
    kind: type[Method] | type[BlockEffect] | type[Position],
) -> Callable[[str, Any], Any]:
    def read(field: str, value: Any) -> Any:
        for member in kind:
            if value == member.value and isinstance(value, str):
                return member
        choices = ", ".join(f'"{m.value}"' for m in kind)
        raise PolicyError("", field, f"must be one of {choices}, got {show_value(value)}")

    return read


def _fraction(value: Any) -> Fraction | None:
    """A fraction written as "n/d", "n" or an integer; None for anything else (floats too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value) if value >= 0 else None
    if isinstance(value, str):
        match = _FRACTION.fullmatch(value)
        if match:
            numerator, denominator = match.groups()
            return Fraction(int(numerator), int(denominator or 1))
    return None


def _unknown(key: str, fields: Mapping[str, object]) -> str:
    close = difflib.get_close_matches(key, list(fields), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"is not a policy field{hint}; the fields are {', '.join(fields)}"
