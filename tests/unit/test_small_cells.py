"""The organisation view's rule for small cells: a cell about fewer than seven people is
withheld, and so is any cell that would let such a group be worked out by subtraction."""

from __future__ import annotations

from bot.services.org_view import Sum, withhold


def test_cells_of_fewer_than_seven_are_withheld_and_empty_ones_are_not() -> None:
    people = {"a": 0, "b": 6, "c": 7, "d": 120}
    assert withhold(people, []) == {"b"}


def test_a_part_whose_difference_from_its_whole_is_small_is_withheld() -> None:
    # 10 agreed, 7 reached: the 3 who did not reach their goal could be worked out.
    people = {"agreed": 10, "reached": 7}
    assert withhold(people, [Sum("agreed", ("reached",), hidden_rest=True)]) == {"reached"}
    # 20 agreed, 7 reached: 13 did not; nothing small can be worked out.
    people = {"agreed": 20, "reached": 7}
    assert withhold(people, [Sum("agreed", ("reached",), hidden_rest=True)]) == set()


def test_one_small_part_of_a_shown_whole_takes_the_next_smallest_with_it() -> None:
    people = {"closed": 30, "work": 12, "studies": 3, "other": 15}
    hidden = withhold(people, [Sum("closed", ("work", "studies", "other"))])
    # studies alone would be 30 - 12 - 15 = 3: work is withheld too (then 3 + 12 = 15 hidden).
    assert hidden == {"studies", "work"}


def test_a_small_whole_is_not_given_away_by_its_parts() -> None:
    people = {"closed": 5, "work": 0, "studies": 0, "other": 5}
    hidden = withhold(people, [Sum("closed", ("work", "studies", "other"))])
    assert "closed" in hidden and "other" in hidden


def test_every_part_small_leaves_nothing_to_subtract() -> None:
    people = {"closed": 8, "work": 4, "studies": 4}
    hidden = withhold(people, [Sum("closed", ("work", "studies"))])
    assert hidden == {"work", "studies"}
