"""Percentages in explanations never show a share on the wrong side of the rule it is held to."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from policies.wording import need_text, percent, share_text


def shown(text: str) -> Fraction:
    return Fraction(text.removesuffix("%")) / 100


def test_whole_percentages_when_they_do_not_mislead() -> None:
    assert percent(Fraction(1, 3)) == "33%"
    assert percent(Fraction(2, 3)) == "67%"
    assert percent(Fraction(1, 2), rule=Fraction(1, 2)) == "50%"
    assert percent(Fraction(199, 300), rule=Fraction(2, 3)) == "66%"


def test_more_decimals_when_rounding_would_cross_the_rule() -> None:
    # 66.65% rounds to 67%, and to 66.7%, both above 2/3; it is below.
    assert percent(Fraction(1333, 2000), rule=Fraction(2, 3)) == "66.65%"
    # 50.4% rounds to 50%, which is not more than 1/2.
    assert percent(Fraction(126, 250), rule=Fraction(1, 2)) == "50.4%"


@given(
    st.integers(0, 10_000).flatmap(lambda d: st.tuples(st.integers(0, d), st.just(max(d, 1)))),
    st.sampled_from([Fraction(1, 2), Fraction(2, 3), Fraction(3, 5), Fraction(1, 3), Fraction(1)]),
)
def test_a_shown_percentage_is_on_the_same_side_of_the_rule(counts: tuple[int, int], rule: Fraction) -> None:
    value = Fraction(*counts)
    text = percent(value, rule=rule)
    if value != rule:
        assert (shown(text) > rule) == (value > rule), text
        assert (shown(text) < rule) == (value < rule), text


def test_rules_are_stated_exactly() -> None:
    assert share_text(Fraction(1, 2)) == "50%"
    assert share_text(Fraction(1, 3)) == "1/3"
    assert need_text(Fraction(1, 2), strict=True) == "more than 1/2"
    assert need_text(Fraction(2, 3), strict=False) == "at least 2/3"
    assert need_text(Fraction(1), strict=False) == "all"
