"""Small-number suppression, including by subtraction: no hidden cell can be recovered from the shown ones."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ledger.governance.report.suppress import SHOWN_AS, Amount, Cell, Share, count, percent, protect, render


def test_one_to_four_people_show_fewer_than_5_and_zero_shows_zero() -> None:
    assert [count(n) for n in range(7)] == [0, SHOWN_AS, SHOWN_AS, SHOWN_AS, SHOWN_AS, 5, 6]
    assert [Cell(n).render() for n in (0, 1, 4, 5)] == [0, SHOWN_AS, SHOWN_AS, 5]


def test_one_hidden_cell_in_a_row_hides_the_next_smallest_too() -> None:
    total, parts = Cell(20), [Cell(3), Cell(9), Cell(8)]
    protect([[total, *parts]])
    assert render([total, *parts]) == [20, SHOWN_AS, 9, None]  # 8 withheld: 20 - 9 - 8 would give the 3


def test_a_withheld_cell_cascades_into_the_column_it_sits_in() -> None:
    """Row A: 10 = 2 + 8 hides the 8; the 8's column, 8 + 7 = 15, then hides the 7."""
    a_total, a1, a2 = Cell(10), Cell(2), Cell(8)
    b1 = Cell(7)
    column = [Cell(15), a2, b1]
    protect([[a_total, a1, a2], column])
    assert render([a_total, a1, a2, b1, column[0]]) == [10, SHOWN_AS, None, None, 15]


def test_hours_hide_with_the_people_they_are_about_and_protect_them_in_the_total() -> None:
    few, many = Cell(1), Cell(9)
    hours = [Amount(10, about=few), Amount(6, about=many), Amount(30, about=many)]
    total = Amount(46)
    protect([[total, *hours]])
    assert render([total, *hours]) == [46, None, None, 30]  # 46 - 30 - 6 would give the one person's 10
    assert Amount(3).render() == 3  # an amount is never "fewer than 5" itself


def test_a_share_is_shown_only_when_both_its_counts_are() -> None:
    assert Share(Cell(5), Cell(10)).render() == 50
    assert Share(Cell(3), Cell(10)).render() is None
    assert Share(Cell(0), Cell(0)).render() is None
    assert percent(2, 3) == 67 and percent(1, 8) == 13 and percent(1, 200) == 1  # half up: 12.5 -> 13, 0.5 -> 1


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[list[int]], list[int]]:
    """Groups (rows) with a breakdown of their people (columns): each row sums to its total."""
    rows = draw(st.lists(st.lists(st.integers(0, 12), min_size=2, max_size=5), min_size=1, max_size=6))
    width = min(len(r) for r in rows)
    rows = [r[:width] for r in rows]
    return rows, [sum(r) for r in rows]


@given(tables())
def test_no_hidden_cell_equals_a_total_minus_the_shown_cells_of_its_set(
    table: tuple[list[list[int]], list[int]],
) -> None:
    rows, totals = table
    cells = [[Cell(v) for v in r] for r in rows]
    row_totals = [Cell(t) for t in totals]
    column_totals = [Cell(sum(r[j] for r in rows)) for j in range(len(rows[0]))]
    grand = Cell(sum(totals))
    sets = [[row_totals[i], *cells[i]] for i in range(len(rows))]
    sets += [[column_totals[j], *(cells[i][j] for i in range(len(rows)))] for j in range(len(rows[0]))]
    sets += [[grand, *row_totals], [grand, *column_totals]]
    protect(sets)
    for s in sets:
        total, parts = s[0], s[1:]
        hidden = [c for c in s if c.hidden]
        assert len(hidden) != 1, "a set with one hidden cell gives it away"
        for c in s:
            assert not (0 < c.value < 5) or c.hidden, "every cell about 1 to 4 people is hidden"
        if total.hidden:
            continue
        shown_sum = sum(c.value for c in parts if not c.hidden)
        for c in parts:
            if c.hidden:  # subtraction gives the sum of the hidden cells, never one of them
                assert total.value - shown_sum != c.value
