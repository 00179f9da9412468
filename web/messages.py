"""The message catalogue's entry points for the web, typed: ``_``, ``ngettext`` and the ``N_`` marker.

Flask-Babel's functions return ``Any``; these say ``str``. ``N_`` marks English source text for
extraction where it is defined (module constants, a Term, a label) without translating it then:
it is translated with ``_`` where a page shows it, in that request's language. Outside a request
(the command line) ``_`` gives the English source text back.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import ngettext as _ngettext

__all__ = ["N_", "_", "ngettext"]


def _(message: str, **variables: Any) -> str:
    """`message` in the request's language, with its named placeholders (``%(name)s``) filled in."""
    return str(gettext(message, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or plural form for `num` (``%(num)s`` in the text), in the request's language."""
    return str(_ngettext(singular, plural, num, **variables))


def N_(message: str) -> str:
    """Mark `message` for the catalogue without translating it now (it is translated where shown)."""
    return message
