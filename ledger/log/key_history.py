"""Every public key the ledger ever used, with the leaves in which each was in force, read from the log.

An auditor checking old events, old checkpoints or an old funder's report needs the
key that was in force then, not today's. The keyring events in the log (leaf 0's
``Started``, then each ``KeyRotated``) say exactly that (docs/FORMAT.md section 5),
so this reads them, checks each one's signature along the chain of event keys, and
needs no private key and no passphrase: only the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.log import signed_note
from ledger.log.canonical import strict_loads
from ledger.log.errors import IntegrityError
from ledger.log.key_schedule import KEYRING_ID, decode_key
from ledger.log.keys import Purpose, b64, event_key_id
from ledger.log.record import (
    BadSignatureError,
    RecordFormatError,
    UnknownKeyError,
    parse_record,
    record_bytes,
    verify_record,
)
from ledger.log.storage.log_reader import LogRow, MerkleLogMixin, rows_of

SIGNING_PURPOSES = (Purpose.EVENT, Purpose.CHECKPOINT, Purpose.REPORT)


def verifier_key_name(origin: str, purpose: Purpose) -> str:
    """The C2SP signed-note key name of a ledger's key (docs/FORMAT.md section 4).

    The checkpoint key is named by the origin itself, as C2SP tlog-checkpoint asks;
    the event and report keys by ``<origin>/event`` and ``<origin>/report``. An origin
    has no whitespace and no '+', so neither has any of these names.
    """
    return origin if purpose is Purpose.CHECKPOINT else f"{origin}/{purpose.value}"


def key_id_hex(origin: str, purpose: Purpose, public_key: bytes) -> str:
    """The 4-byte id that signatures by this key carry, in hex.

    Event records carry ``event_key_id`` (section 2); checkpoints and other signed
    notes carry the C2SP key hash of the key's name (section 4).
    """
    if purpose is Purpose.EVENT:
        return event_key_id(public_key).hex()
    return f"{signed_note.key_id(verifier_key_name(origin, purpose), public_key):08x}"


@dataclass(frozen=True)
class KeyPeriod:
    """One key and the leaves in which it was in force: ``first_leaf`` to ``last_leaf`` (None: still in force)."""

    purpose: Purpose
    public_key: bytes
    first_leaf: int
    last_leaf: int | None
    reason: str

    def as_json(self, origin: str) -> dict[str, Any]:
        name = verifier_key_name(origin, self.purpose)
        return {
            "purpose": self.purpose.value,
            "public_key": b64(self.public_key),
            "key_id": key_id_hex(origin, self.purpose, self.public_key),
            "first_leaf": self.first_leaf,
            "last_leaf": self.last_leaf,
            "reason": self.reason,
            "c2sp": signed_note.verifier_key(name, Ed25519PublicKey.from_public_bytes(self.public_key)),
        }


def key_history(log: MerkleLogMixin) -> tuple[str, list[KeyPeriod]]:
    """The origin and every key in order of leaf, from the keyring's events; IntegrityError if they do not verify."""
    rows = rows_of(log, KEYRING_ID)
    if not rows or rows[0].leaf_index != 0:
        raise IntegrityError(
            "The log does not start with the ledger's keyring, so no key can be trusted; run 'copro verify'."
        )
    origin = ""
    periods: list[KeyPeriod] = []
    current: dict[Purpose, int] = {}  # purpose -> index in periods of the key in force
    for row in rows:
        body = _verified_body(row, periods[current[Purpose.EVENT]].public_key if periods else None)
        if not periods:
            origin = str(body.get("origin", ""))
            for purpose in SIGNING_PURPOSES:
                current[purpose] = len(periods)
                periods.append(KeyPeriod(purpose, _key(body, f"{purpose.value}_key", row), 0, None, "started"))
            _check_self_signed(row, periods[current[Purpose.EVENT]].public_key)
            continue
        try:
            purpose = Purpose(str(body.get("purpose", "")))
        except ValueError:
            raise _broken(row, "names no key purpose") from None
        if purpose not in SIGNING_PURPOSES:
            raise _broken(row, f"rotates a key of purpose {purpose.value!r}, which the keyring does not hold")
        old = periods[current[purpose]]
        periods[current[purpose]] = KeyPeriod(old.purpose, old.public_key, old.first_leaf, row.leaf_index, old.reason)
        current[purpose] = len(periods)
        periods.append(
            KeyPeriod(purpose, _key(body, "public_key", row), row.leaf_index + 1, None, str(body.get("reason", "")))
        )
    return origin, periods


def _verified_body(row: LogRow, event_key: bytes | None) -> dict[str, Any]:
    """The payload of a keyring event whose signature verifies with the event key in force before it."""
    try:
        record = record_bytes(row.originator_id, row.originator_version, row.topic, row.state)
        parsed = parse_record(record)
        body = strict_loads(parsed.payload)
    except (RecordFormatError, ValueError):
        raise _broken(row, "cannot be read") from None
    if not isinstance(body, dict):
        raise _broken(row, "is not a JSON object")
    if event_key is not None:
        _check_signature(row, record, event_key)
    return body


def _check_self_signed(row: LogRow, event_key: bytes) -> None:
    _check_signature(row, record_bytes(row.originator_id, row.originator_version, row.topic, row.state), event_key)


def _check_signature(row: LogRow, record: bytes, event_key: bytes) -> None:
    """The one record verifier, with the single key that must have signed this keyring event."""
    try:
        verify_record(record, {event_key_id(event_key): Ed25519PublicKey.from_public_bytes(event_key)})
    except UnknownKeyError as e:
        raise _broken(row, f"is signed by key {e.key_id.hex()}, not by the event key in force") from None
    except BadSignatureError:
        raise _broken(row, "has a signature that does not verify") from None


def _key(body: dict[str, Any], field: str, row: LogRow) -> bytes:
    try:
        return decode_key(str(body[field]))
    except (KeyError, ValueError):
        raise _broken(row, f"has no valid Ed25519 public key in {field!r}") from None


def _broken(row: LogRow, what: str) -> IntegrityError:
    return IntegrityError(
        f"The keyring event at leaf {row.leaf_index} (version {row.originator_version}) {what}; "
        "the key history cannot be trusted, run 'copro verify'."
    )
