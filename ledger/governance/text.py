"""Checking text people type: trimmed, NFC, within limits, never control characters."""

from __future__ import annotations

import unicodedata

from ledger.governance.errors import Invalid

TITLE_MAX = 200
TEXT_MAX = 20_000
REASON_MAX = 4_000
NAME_MAX = 120


def clean(value: object, field: str, *, limit: int, required: bool = True) -> str:
    """Normalise a text field or say exactly what is wrong with it."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"The {field} must be text.")
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise Invalid(f"The {field} contains control characters; remove them and try again.")
    if required and not text:
        raise Invalid(f"The {field} is empty; please write something.")
    if len(text) > limit:
        raise Invalid(f"The {field} is {len(text)} characters long; the limit is {limit}.")
    return text
