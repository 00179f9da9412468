"""Checking text people type: the same rules for every field, said so a person can fix it.

Every field is trimmed and NFC-normalised. No field may hold control characters; only
long text (a proposal, a reason, a reflection) may hold line breaks. Short fields
(names, titles, references: one line, at most ``LINE_MAX`` characters) also refuse
invisible format characters (bidirectional overrides, zero-width characters), which
can make one name look like another or reorder what a reader sees.
"""

from __future__ import annotations

import unicodedata

import pycountry

from ledger.governance.errors import Invalid

TITLE_MAX = 200
TEXT_MAX = 20_000
REASON_MAX = 4_000
NAME_MAX = 120
LINE_MAX = 300  # fields this short are one line: names, titles, references


def clean(value: object, field: str, *, limit: int, required: bool = True, one_line: bool | None = None) -> str:
    """Normalise a text field or say exactly what is wrong with it.

    ``one_line`` defaults to True for fields of at most ``LINE_MAX`` characters.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"The {field} must be text.")
    single = limit <= LINE_MAX if one_line is None else one_line
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
    for ch in text:
        category = unicodedata.category(ch)
        if ch == "\n" and single:
            raise Invalid(f"The {field} must be on one line; remove the line breaks.")
        if category in ("Cc", "Cs") and ch != "\n":
            raise Invalid(f"The {field} has hidden marks in it. Take them out and try again.")
        if single and category == "Cf":
            raise Invalid(
                f"The {field} has a hidden mark in it (U+{ord(ch):04X}). Type it in by hand, not by copy and paste."
            )
    if required and not text:
        raise Invalid(f"The {field} is empty; please write something.")
    if len(text) > limit:
        raise Invalid(f"The {field} is {len(text)} characters long; the limit is {limit}.")
    return text


def currency(value: object) -> str:
    """An ISO 4217 currency code, upper case, or Invalid saying what to write."""
    code = clean(value, "currency", limit=40, required=False).upper()
    if not code:
        raise Invalid("Give the currency as a 3-letter ISO 4217 code, such as GBP or EUR.")
    if len(code) != 3 or not code.isascii() or pycountry.currencies.get(alpha_3=code) is None:
        raise Invalid(f"{code} is not a currency code; use a 3-letter ISO 4217 code such as GBP or EUR.")
    return code
