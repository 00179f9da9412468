"""Numbers in plain language, exactly: percentages that never mislead about a rule.

A rounded percentage must not suggest the wrong side of a rule: 66.6% of votes must not be
shown as "67%" next to "this decision needs at least 2/3". `percent(x, rule=t)` rounds to a
whole percent when that keeps `x` on the same side of `t`, and otherwise shows as many
decimals as it takes (and, in the last resort, rounds towards `x`'s side).
All arithmetic is on fractions; nothing here uses floats.
"""

from __future__ import annotations

import math
from fractions import Fraction

__all__ = ["count", "need_text", "percent", "share_text"]

_MAX_PLACES = 3


def percent(value: Fraction, *, rule: Fraction | None = None) -> str:
    """`value` (0..1) as a percentage, e.g. "33%", on the same side of `rule` as `value`."""
    hundred = value * 100
    for places in range(_MAX_PLACES + 1):
        shown = _round_half_up(hundred, places)
        if rule is None or value == rule or _side(shown / 100, rule) == _side(value, rule):
            return _format(shown, places)
    scale = 10**_MAX_PLACES
    scaled = hundred * scale
    toward = math.floor(scaled) if rule is not None and value < rule else math.ceil(scaled)
    return _format(Fraction(toward, scale), _MAX_PLACES)


def share_text(value: Fraction) -> str:
    """A rule's share: "50%" when that is exact, otherwise the fraction, e.g. "2/3"."""
    hundred = value * 100
    if hundred.denominator == 1:
        return f"{hundred.numerator}%"
    return f"{value.numerator}/{value.denominator}"


def need_text(threshold: Fraction, *, strict: bool) -> str:
    """What a threshold asks for: "more than 1/2", "at least 2/3", "all"."""
    fraction = f"{threshold.numerator}/{threshold.denominator}"
    if strict:
        return f"more than {fraction}"
    if threshold == 1:
        return "all"
    return f"at least {fraction}"


def count(number: int, singular: str, plural: str | None = None) -> str:
    """ "1 member", "3 members"."""
    word = singular if number == 1 else (plural or singular + "s")
    return f"{number} {word}"


def _side(value: Fraction, rule: Fraction) -> int:
    return (value > rule) - (value < rule)


def _round_half_up(value: Fraction, places: int) -> Fraction:
    scale = 10**places
    return Fraction((value * scale * 2 + 1) // 2, scale)


def _format(value: Fraction, places: int) -> str:
    scale = 10**places
    units = int(value * scale)
    if places == 0:
        return f"{units}%"
    whole, part = divmod(units, scale)
    return f"{whole}.{part:0{places}d}%"
