"""Canonical JSON for everything the log signs or hashes, and the strict parser that reads it back.

Event payloads are signed, so their bytes must be reproducible by an auditor in any
language: we emit RFC 8785 (JCS) canonical JSON, written by the one encoder copro has,
:func:`policies.canonical.canonical_json`. What this module adds is the log's input
policy: text is NFC-normalised on the way in (two spellings of "é" must not make two
different signed records), and values JCS cannot carry exactly (NaN, floats, integers
at or beyond 2**53) are refused rather than silently rounded.

Pure: the standard library and ``policies`` only, so the offline verifier can use it.
The eventsourcing transcoder built on it is in ``ledger.log.transcoding``.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from typing import Any, Protocol

from policies.canonical import MAX_SAFE_INTEGER, CanonicalJSONError, canonical_json

__all__ = ["MAX_SAFE_INTEGER", "CanonicalJSONError", "TypeCodec", "canonical_dumps", "plain", "strict_loads"]


class TypeCodec(Protocol):
    """How a value of a custom type is written: under ``name``, as what ``encode`` returns.

    eventsourcing's ``Transcoding`` has this shape; the protocol keeps eventsourcing out.
    """

    name: str

    def encode(self, obj: Any) -> Any: ...


def plain(obj: Any, types: Mapping[type, TypeCodec]) -> Any:
    """``obj`` as plain JSON values: text in NFC, custom types as ``{"_type_": name, "_data_": ...}``.

    Every event passes through here, so the common cases go first and ASCII text,
    which is always NFC, skips normalisation.
    """
    kind = type(obj)
    if kind is str:
        return obj if obj.isascii() else unicodedata.normalize("NFC", obj)
    if kind is dict:
        out: dict[str, Any] = {}
        for key, value in obj.items():
            if type(key) is not str:
                if not isinstance(key, str):
                    raise CanonicalJSONError(f"object keys must be text, got {type(key).__name__}")
                key = str(key)
            if not key.isascii():
                key = unicodedata.normalize("NFC", key)
            if key in out:  # the Kelvin sign U+212A, say, normalises to an ASCII "K"
                raise CanonicalJSONError(f"duplicate key {key!r} after NFC normalisation")
            out[key] = plain(value, types)
        return out
    if kind is int:
        if not -MAX_SAFE_INTEGER <= obj <= MAX_SAFE_INTEGER:
            raise CanonicalJSONError(f"integer {obj} is too large for canonical JSON (limit 2**53)")
        return obj
    if obj is None or obj is True or obj is False:
        return obj
    if kind is float:
        raise CanonicalJSONError("floats are not allowed in signed records; use integers or strings")
    if kind is list or kind is tuple:
        return [plain(v, types) for v in obj]
    codec = types.get(kind)
    if codec is None:
        raise CanonicalJSONError(f"no transcoding registered for {kind.__name__}; register one in the application")
    return {"_type_": codec.name, "_data_": plain(codec.encode(obj), types)}


def canonical_dumps(obj: Any) -> bytes:
    """RFC 8785 bytes of plain JSON values (no custom types), text normalised to NFC."""
    return canonical_json(plain(obj, {}))


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Every object of every event passes here: build the dict in C, and look for the
    # duplicate only when the sizes say there is one.
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise CanonicalJSONError(f"duplicate key {key!r} in JSON object")
            seen.add(key)
    return out


def _reject_constant(name: str) -> Any:
    raise CanonicalJSONError(f"{name} is not valid JSON")


# One decoder for every call: ``json.loads`` with hooks builds a new ``JSONDecoder``
# (and its scanner) per call, which was half the cost of folding an event.
_DECODER = json.JSONDecoder(object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)


def strict_loads(data: bytes | str) -> Any:
    """Parse JSON, refusing duplicate keys and NaN/Infinity (which JCS forbids).

    Accepts exactly what ``json.loads`` accepts (bytes in UTF-8, -16 or -32; no BOM in text).
    """
    if isinstance(data, str):
        if data.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", data, 0)
        text = data
    elif isinstance(data, (bytes, bytearray)):
        text = bytes(data).decode(json.detect_encoding(data), "surrogatepass")
    else:
        raise TypeError(f"the JSON object must be str, bytes or bytearray, not {type(data).__name__}")
    return _DECODER.decode(text)
