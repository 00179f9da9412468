"""Canonical JSON for everything that is signed or hashed.

Event payloads are signed, so their bytes must be reproducible by an auditor in
any language: we emit RFC 8785 (JCS) canonical JSON. Text is NFC-normalised on
the way in (two spellings of "é" must not make two different signed records),
and values JCS cannot carry exactly (NaN, floats, integers at or beyond 2**53)
are refused rather than silently rounded.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import rfc8785
from eventsourcing.persistence import JSONTranscoder, Transcoding

MAX_SAFE_INTEGER = 2**53 - 1


class CanonicalJSONError(ValueError):
    """A value cannot be written as canonical JSON."""


def to_jsonable(obj: Any, types: dict[type, Transcoding]) -> Any:
    """Convert ``obj`` to plain JSON values, applying registered transcodings."""
    return _plain(obj, types, [])


def _plain(obj: Any, types: dict[type, Transcoding], wide_keys: list[str]) -> Any:
    """:func:`to_jsonable`, noting in ``wide_keys`` any key the fast encoder cannot sort.

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
                if max(map(ord, key)) >= 0xD800:
                    wide_keys.append(key)
            if key in out:  # the Kelvin sign U+212A, say, normalises to an ASCII "K"
                raise CanonicalJSONError(f"duplicate key {key!r} after NFC normalisation")
            out[key] = _plain(value, types, wide_keys)
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
        return [_plain(v, types, wide_keys) for v in obj]
    transcoding = types.get(kind)
    if transcoding is None:
        raise CanonicalJSONError(f"no transcoding registered for {kind.__name__}; register one in the application")
    return {"_type_": transcoding.name, "_data_": _plain(transcoding.encode(obj), types, wide_keys)}


_fast = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _keys_are_bmp(obj: Any) -> bool:
    if isinstance(obj, dict):
        return all(max(map(ord, k), default=0) < 0xD800 and _keys_are_bmp(v) for k, v in obj.items())
    if isinstance(obj, list):
        return all(_keys_are_bmp(v) for v in obj)
    return True


def jcs(value: Any) -> bytes:
    """RFC 8785 bytes of values already made plain by :func:`to_jsonable`.

    For those values (no floats, integers within 2**53) the standard library's
    encoder with sorted keys writes exactly the JCS bytes, several times faster,
    as long as every key sorts the same by code point as by UTF-16 unit: true when
    no key holds a character at or above U+D800. Otherwise the reference
    implementation runs. tests/test_canonical.py checks the two agree.
    """
    if _keys_are_bmp(value):
        return _fast.encode(value).encode("utf-8")
    return rfc8785.dumps(value)


def canonical_dumps(obj: Any) -> bytes:
    """RFC 8785 bytes of plain JSON values (no custom types)."""
    return jcs(to_jsonable(obj, {}))


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise CanonicalJSONError(f"duplicate key {key!r} in JSON object")
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise CanonicalJSONError(f"{name} is not valid JSON")


def strict_loads(data: bytes | str) -> Any:
    """Parse JSON, refusing duplicate keys and NaN/Infinity (which JCS forbids)."""
    return json.loads(data, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)


class CanonicalJSONTranscoder(JSONTranscoder):
    """eventsourcing transcoder whose output is RFC 8785 canonical JSON."""

    def encode(self, obj: Any) -> bytes:
        wide_keys: list[str] = []
        value = _plain(obj, self.types, wide_keys)
        return rfc8785.dumps(value) if wide_keys else _fast.encode(value).encode("utf-8")
