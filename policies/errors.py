"""The one error a policy raises: which file, which field, and why.

A collective writes its own rule files, so a mistake in one must be explained to a person
who is not a programmer. `PolicyError` is a `ValueError` whose text is one sentence, e.g.
(on one line): policies/rules/x.toml: field 'threshold': must be a fraction between 0 and 1
like "2/3", got 1.5.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from fractions import Fraction

__all__ = ["PolicyError", "show_value"]

#: The `source` used for a `Policy` built in code rather than read from a file.
IN_CODE = "<policy>"


class PolicyError(ValueError):
    """A policy that cannot be used: `source` (file), `field` (None for the whole file), `reason`.

    `reason` is a phrase without a final full stop; `str()` gives the whole sentence.
    """

    def __init__(self, source: str, field: str | None, reason: str) -> None:
        self.source = source
        self.field = field
        self.reason = reason
        super().__init__(self._sentence())

    def _sentence(self) -> str:
        where = f"{self.source}: field '{self.field}': " if self.field else f"{self.source}: "
        return f"{where}{self.reason}."

    def __str__(self) -> str:
        return self._sentence()

    def with_source(self, source: str) -> PolicyError:
        """The same error, said of another file (a rule file rather than code)."""
        return PolicyError(source, self.field, self.reason)


def show_value(value: object) -> str:
    """A short, TOML-flavoured rendering of a bad value for an error message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Fraction):
        return f'"{value.numerator}/{value.denominator}"'
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, Sequence | frozenset | set):
        return "a list"
    return f"a {type(value).__name__}"
