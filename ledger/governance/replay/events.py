"""What the replay reads: events as the log holds them, and the sentence naming one that does not apply.

An event is exactly what a signed record carries once its signature is checked (its
leaf, aggregate id, version, vocabulary topic and JSON payload), so the same replay
runs over a live database, a bundle's entry tiles, or a list built in a test.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

from ledger.log.canonical import strict_loads
from ledger.log.record import RecordFormatError, parse_record


class Event(NamedTuple):
    """One signed event: where it sits in the log, whose it is, which one, and what it says."""

    leaf: int
    originator_id: UUID
    version: int
    topic: str
    payload: bytes


class ReplayError(Exception):
    """An event that does not apply to the state it meets, located by leaf, aggregate and version."""

    def __init__(self, leaf: int, aggregate_id: UUID, version: int, reason: str) -> None:
        super().__init__(reason)
        self.leaf = leaf
        self.aggregate_id = aggregate_id
        self.version = version
        self.reason = reason

    def sentence(self) -> str:
        """The same shape as ``copro verify``'s findings: ``leaf N (aggregate X, version V): reason``."""
        return f"leaf {self.leaf} (aggregate {self.aggregate_id}, version {self.version}): {self.reason}"

    def __str__(self) -> str:
        return self.sentence()


class PayloadError(ValueError):
    """A payload field that is missing or of the wrong type; the replay adds where it is."""


def events_from_records(records: Iterable[tuple[int, bytes]]) -> Iterator[Event]:
    """Events from (leaf index, record bytes) pairs, as a bundle's entry tiles hold them.

    Only the record's parts are read here: checking its signature against the key in
    force at its leaf is the log verifier's job, and happens before the replay.
    """
    for leaf, record in records:
        try:
            parsed = parse_record(record)
        except RecordFormatError as e:
            raise PayloadError(f"leaf {leaf} is not a signed copro record: {e}") from None
        yield Event(leaf, parsed.originator_id, parsed.version, parsed.topic, parsed.payload)


class Payload:
    """An event's JSON payload, read field by field with the types docs/FORMAT.md §6 gives them."""

    def __init__(self, raw: bytes) -> None:
        try:
            doc = strict_loads(raw)
        except ValueError as e:
            raise PayloadError(f"its payload is not JSON as FORMAT.md §1 defines it ({e})") from None
        if not isinstance(doc, dict):
            raise PayloadError("its payload is not a JSON object")
        self._doc: dict[str, Any] = doc

    def _field(self, name: str) -> Any:
        if name not in self._doc:
            raise PayloadError(f"its payload has no field {name!r}")
        return self._doc[name]

    def _wrong(self, name: str, kind: str) -> PayloadError:
        return PayloadError(f"its field {name!r} is {self._doc.get(name)!r}, not {kind}")

    def has(self, name: str) -> bool:
        return name in self._doc

    def items(self, name: str) -> list[Any]:
        value = self._field(name)
        if not isinstance(value, list):
            raise self._wrong(name, "a list")
        return list(value)

    def uuid(self, name: str) -> UUID:
        value = self._field(name)
        if isinstance(value, dict) and value.get("_type_") == "uuid_hex" and isinstance(value.get("_data_"), str):
            try:
                return UUID(hex=value["_data_"])
            except ValueError:
                pass
        raise self._wrong(name, "a uuid_hex value")

    def optional_uuid(self, name: str) -> UUID | None:
        return None if self._field(name) is None else self.uuid(name)

    def text(self, name: str, *, default: str | None = None) -> str:
        if default is not None and name not in self._doc:
            return default
        value = self._field(name)
        if not isinstance(value, str):
            raise self._wrong(name, "text")
        return value

    def optional_text(self, name: str) -> str | None:
        return None if self._field(name) is None else self.text(name)

    def texts(self, name: str) -> list[str]:
        value = self._field(name)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._wrong(name, "a list of text")
        return list(value)

    def boolean(self, name: str) -> bool:
        value = self._field(name)
        if not isinstance(value, bool):
            raise self._wrong(name, "true or false")
        return value

    def integer(self, name: str) -> int:
        value = self._field(name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._wrong(name, "an integer")
        return value

    def object(self, name: str) -> dict[str, Any]:
        value = self._field(name)
        if not isinstance(value, dict):
            raise self._wrong(name, "a JSON object")
        return value

    def optional_integer(self, name: str) -> int | None:
        return None if self._field(name) is None else self.integer(name)

    def optional_sealed(self, name: str) -> bool:
        """Whether a sealed-or-null field holds a sealed value (§6); its words are never read here."""
        value = self._field(name)
        if value is None:
            return False
        if isinstance(value, dict) and value.get("_type_") == "sealed" and isinstance(value.get("_data_"), dict):
            return True
        raise self._wrong(name, "a sealed value or null")

    def time(self, name: str) -> str:
        """A ``datetime_iso`` value (§1), such as the envelope's ``timestamp``, as its ISO text in UTC."""
        value = self._field(name)
        if isinstance(value, dict) and value.get("_type_") == "datetime_iso" and isinstance(value.get("_data_"), str):
            try:
                return datetime.fromisoformat(value["_data_"]).astimezone(UTC).isoformat()
            except ValueError:
                pass
        raise self._wrong(name, "a datetime_iso value")

    def topic(self) -> str | None:
        """A creation event's ``originator_topic``: the aggregate it creates (FORMAT.md §2)."""
        value = self._doc.get("originator_topic")
        return value if isinstance(value, str) else None
