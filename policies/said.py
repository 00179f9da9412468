"""Sentences kept as message ids and values, so that the web can say them in a member's language.

`policies` must not import Flask or Babel, yet what it explains is read by members in English
or Welsh. So it does not build finished strings: a `Said` holds the English source text (marked
with `N_` for `pybabel extract`, with named ``%(name)s`` placeholders), its values (numbers, group
names, or other `Said` parts to be translated too) and, for a count, the plural form. `english`
renders one the way the web does when no translation applies; the web translates the same parts
with its catalogue (web/plain_words.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

__all__ = ["N_", "Said", "english", "render", "say", "say_count"]


def N_(message: str) -> str:
    """Mark `message` as source text for the catalogue; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Said:
    """One message: its source text, the values of its placeholders and, for a count, the plural."""

    text: str
    values: Mapping[str, int | str | Said] = field(default_factory=dict)
    plural: str | None = None
    count: int | None = None


def say(text: str, **values: int | str | Said) -> Said:
    return Said(text, values)


def say_count(singular: str, plural: str, count: int, **values: int | str | Said) -> Said:
    """A message about a number: ``%(num)s`` is the number; the form is chosen by the language."""
    return Said(singular, {"num": count, **values}, plural, count)


Gettext = Callable[[str], str]
Ngettext = Callable[[str, str, int], str]


def render(said: Said, gettext: Gettext, ngettext: Ngettext) -> str:
    """`said` with `gettext`/`ngettext` applied to it and, recursively, to each `Said` among its values."""
    values = {k: render(v, gettext, ngettext) if isinstance(v, Said) else v for k, v in said.values.items()}
    if said.plural is not None and said.count is not None:
        template = ngettext(said.text, said.plural, said.count)
    else:
        template = gettext(said.text)
    return template % values if values else template


def english(said: Said) -> str:
    """The English source text, as a member reads it when no catalogue applies."""
    return render(said, lambda s: s, lambda s, p, n: s if n == 1 else p)
