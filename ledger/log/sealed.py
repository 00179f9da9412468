"""A sealed value, as the log sees it: ciphertext that names its owner and its place.

The log cannot open a sealed value (the keys are personal data, in ``ledger.personal``),
but it knows their shape: how one is written into a payload, and where it must sit. So
``copro verify`` checks, without any key, that every sealed value names the event and
field it is in.

Pure (the standard library only): the offline verifier uses it. How a sealed value is
transcoded for eventsourcing is in ``ledger.log.transcoding``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID


def place_of(aggregate_id: UUID, version: int, pointer: str) -> str:
    """Where a sealed value sits: ``<aggregate id hex>/<event version><JSON Pointer into the payload>``.

    For example ``9f0c…e1/3/reason`` or ``9f0c…e1/1/actions/0``: the event id
    (originator id and version) and the field, so every sealed value has exactly one place.
    """
    if not pointer.startswith("/"):
        raise ValueError(f"a sealed value's field is a JSON Pointer starting with '/', not {pointer!r}")
    return f"{aggregate_id.hex}/{version}{pointer}"


def _pointer_token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _sealed_values(node: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        if node.get("_type_") == "sealed":
            yield pointer, node.get("_data_")
            return
        for key, value in node.items():
            yield from _sealed_values(value, f"{pointer}/{_pointer_token(str(key))}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _sealed_values(value, f"{pointer}/{i}")


def misplaced(payload: bytes, aggregate_id: UUID, version: int) -> str | None:
    """Why a payload's sealed values do not sit where they say they belong, or None.

    Needs no key: an auditor checks that every sealed value names the event and field
    it is in. Payloads without a sealed value are not parsed (the check stays cheap).
    """
    if b'"sealed"' not in payload:
        return None
    try:
        doc = json.loads(payload)
    except ValueError:
        return "its payload is not JSON"
    for pointer, data in _sealed_values(doc, ""):
        expected = place_of(aggregate_id, version, pointer)
        found = data.get("place") if isinstance(data, dict) else None
        if found != expected:
            return (
                f"the sealed value at {pointer} names the place {found!r}, but it sits at {expected!r}: "
                "it was copied or moved from another event"
            )
    return None


@dataclass(frozen=True)
class Sealed:
    """Ciphertext of one personal value, sealed with ``person_id``'s key, for one place (see :func:`place_of`)."""

    person_id: UUID
    place: str
    nonce: bytes
    ciphertext: bytes
