"""The event vocabulary: the documented names that signed records carry, whatever module a class lives in.

eventsourcing names an event by its Python location (``module:Class.Event``). Those
names would be signed into every record, so moving a module would change the log's
meaning and break every existing ledger. Instead each aggregate declares its name
once (``@named("Ballot")``); its events are ``copro/1/Ballot.Cast`` and so on, where
``Cast`` is the name given to ``@event``. The signing mapper writes these names, both
as the record's topic and as a creation event's ``originator_topic``; eventsourcing's
own topic registry resolves them when reading. docs/FORMAT.md lists every name with
its fields; an event class that has no name cannot be written at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic, register_topic

VOCABULARY = "copro/1"
A = TypeVar("A", bound=type[Aggregate])

_names: dict[type, str] = {}  # class -> vocabulary topic
_by_python_topic: dict[str, str] = {}  # eventsourcing's module topic -> vocabulary topic


class UnnamedEventError(TypeError):
    """An event or aggregate without a vocabulary name reached the log: a programming error."""


def named(name: str, *, vocabulary: str = VOCABULARY) -> Callable[[A], A]:
    """Class decorator: give an aggregate, and every event it defines, their names in the vocabulary."""

    def register(cls: A) -> A:
        base = f"{vocabulary}/{name}"
        _register(base, cls)
        for attr in vars(cls).values():
            if (
                isinstance(attr, type)
                and issubclass(attr, Aggregate.Event)
                and attr.__qualname__ == f"{cls.__qualname__}.{attr.__name__}"
                and attr.__name__ not in ("Event", "Created")  # eventsourcing's own bases, never stored
            ):
                _register(f"{base}.{attr.__name__}", attr)
        return cls

    return register


def _register(topic: str, cls: type) -> None:
    if _names.get(cls, topic) != topic:
        raise UnnamedEventError(f"{cls.__qualname__} already has the name {_names[cls]!r}")
    _names[cls] = topic
    _by_python_topic[get_topic(cls)] = topic
    register_topic(topic, cls)  # so eventsourcing resolves the name when it reads


def topic_of(cls: type) -> str:
    """The vocabulary name of an event or aggregate class."""
    try:
        return _names[cls]
    except KeyError:
        raise UnnamedEventError(
            f"{cls.__module__}.{cls.__qualname__} has no name in the event vocabulary; add @named(...) to its aggregate"
        ) from None


def stored_topic(python_topic: str) -> str:
    """The vocabulary name for an eventsourcing topic string (a creation event's ``originator_topic``)."""
    try:
        return _by_python_topic[python_topic]
    except KeyError:
        raise UnnamedEventError(f"{python_topic} has no name in the event vocabulary") from None


def names() -> dict[str, type[Any]]:
    """Every name registered so far, and its class."""
    return {topic: cls for cls, topic in _names.items()}
