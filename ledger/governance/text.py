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

from ledger.governance.errors import N_, Invalid, key_word, say

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
        raise Invalid(say(N_("The %(field)s must be text."), field=key_word(field)))
    single = limit <= LINE_MAX if one_line is None else one_line
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
    for ch in text:
        category = unicodedata.category(ch)
        if ch == "\n" and single:
            raise Invalid(say(N_("The %(field)s must be on one line; remove the line breaks."), field=key_word(field)))
        if category in ("Cc", "Cs") and ch != "\n":
            raise Invalid(
                say(N_("The %(field)s has hidden marks in it. Take them out and try again."), field=key_word(field))
            )
        if single and category == "Cf":
            raise Invalid(
                say(
                    N_("The %(field)s has a hidden mark in it (U+%(ch)s). Type it in by hand, not by copy and paste."),
                    field=key_word(field),
                    ch=f"{ord(ch):04X}",
                )
            )
    if required and not text:
        raise Invalid(say(N_("The %(field)s is empty; please write something."), field=key_word(field)))
    if len(text) > limit:
        raise Invalid(
            say(
                N_("The %(field)s is %(length)s characters long; the limit is %(limit)s."),
                field=key_word(field),
                length=len(text),
                limit=limit,
            )
        )
    return text


def currency(value: object) -> str:
    """An ISO 4217 currency code, upper case, or Invalid saying what to write."""
    code = clean(value, "currency", limit=40, required=False).upper()
    if not code:
        raise Invalid("Give the currency as a 3-letter ISO 4217 code, such as GBP or EUR.")
    if len(code) != 3 or not code.isascii() or pycountry.currencies.get(alpha_3=code) is None:
        raise Invalid(
            say(N_("%(code)s is not a currency code; use a 3-letter ISO 4217 code such as GBP or EUR."), code=code)
        )
    return code
