"""Small-number suppression: no cell of a report lets a reader learn about fewer than five people.

Primary rule: a count of people from 1 to 4 is shown as ``"fewer than 5"`` (0 is shown
as 0: "nobody" is not about anybody). Complementary rule: where cells add up to a
shown total (a row's breakdown, or a column across groups with its overall), a set
with exactly one hidden cell would give it away by subtraction, so the next smallest
shown cell of that set is hidden too; hiding it may leave another set with one
hidden cell, so this runs until no set has exactly one. A cell hidden only to
protect another is shown as ``null``: it may be far above 4, and "fewer than 5"
would be untrue of it.

Cells are objects shared between the places that show the same figure (a group's
members in ``groups`` and as "of" beside an agreement's signatures), so one figure is
hidden everywhere or nowhere. Sets may overlap and need not add up exactly (groups
overlap: a person may be in two); protecting a set that does not add up only hides
more, never less.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

THRESHOLD = 5
SHOWN_AS = "fewer than 5"


@dataclass(eq=False)
class Cell:
    """One count of people in the report, and whether it may be shown."""

    value: int
    small: bool = False  # 1..4: shown as "fewer than 5"
    withheld: bool = False  # hidden so that a small cell cannot be recovered: shown as null

    def __post_init__(self) -> None:
        self.small = 0 < self.value < THRESHOLD

    @property
    def hidden(self) -> bool:
        return self.small or self.withheld

    @property
    def shown(self) -> int | None:
        """The value, when it is shown as a number; None when it is hidden."""
        return None if self.hidden else self.value

    def render(self) -> int | str | None:
        if self.small:
            return SHOWN_AS
        return None if self.withheld else self.value


@dataclass(eq=False)
class Amount(Cell):
    """An amount about the people another cell counts (a group's hours): hidden, as null, when that cell is.

    It is never "fewer than 5" itself (it is not a count of people), but it sits in sets
    like a count (a group's hours with the total hours), so that a hidden group's hours
    cannot be recovered from the total either. ``about`` None: the amount stands alone.
    """

    about: Cell | None = None

    def __post_init__(self) -> None:
        self.small = False

    @property
    def hidden(self) -> bool:
        return self.withheld or (self.about is not None and self.about.hidden)

    def render(self) -> int | None:
        return None if self.hidden else self.value


def count(value: int) -> int | str:
    """The primary rule alone, for one count: ``"fewer than 5"`` for 1 to 4."""
    return SHOWN_AS if 0 < value < THRESHOLD else value


def protect(sets: Iterable[Sequence[Cell]]) -> None:
    """Hide cells until no set (a total and the cells that add up to it) has exactly one hidden cell.

    The cell hidden to protect another is the smallest shown non-zero cell of the set,
    the total included (a zero is no one and is always shown: a reader knows a hidden
    cell is not 0, so hiding a zero would protect nothing). Counts that add up always
    leave such a cell: if every shown cell of a set were 0, the hidden one would be 0 too.
    """
    pending = [list(s) for s in sets]
    changed = True
    while changed:
        changed = False
        for cells in pending:
            if sum(1 for c in cells if c.hidden) != 1:
                continue
            candidates = [c for c in cells if not c.hidden and c.value > 0]
            if candidates:
                min(candidates, key=lambda c: c.value).withheld = True
                changed = True


def percent(part: int, whole: int) -> int:
    """``100 * part / whole`` as a whole number, rounded half up, in integers only."""
    return (200 * part + whole) // (2 * whole)


@dataclass(eq=False)
class Share:
    """A percentage of two cells, shown only when both are: a share of hidden counts would reveal them."""

    part: Cell
    whole: Cell

    def render(self) -> int | None:
        if self.part.hidden or self.whole.hidden or self.whole.value == 0:
            return None
        return percent(self.part.value, self.whole.value)


def render(doc: Any) -> Any:
    """The document with every Cell (Amount included) and Share replaced by what it shows."""
    if isinstance(doc, Cell | Share):
        return doc.render()
    if isinstance(doc, dict):
        return {k: render(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [render(v) for v in doc]
    return doc
