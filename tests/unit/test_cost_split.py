"""The cost form's validation and the anonymised overview."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.cost_split import (
    PAYERS,
    CostSplit,
    CostSplitInvalid,
    aggregate,
    parse_number,
    validate_cost_split,
)


@pytest.mark.parametrize(("text", "value"), [
    ("1.234,50", "1234.50"), ("1234.50", "1234.50"), ("€ 1.234", "1234"), ("€1.234,-", "1234"),
    ("1,234,567.5", "1234567.5"), ("1.234.567", "1234567"), ("12,5", "12.5"), ("12.5", "12.5"),
    ("2500", "2500"), ("  750 EUR ", "750"), ("40%", "40"), ("1 234,50", "1234.50"), ("0,5", "0.5"),
    ("-10", "-10"),
])
def test_numbers_in_dutch_and_english_notation(text, value):
    assert parse_number(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "1,23,4", "12,34,56.7.8", "1.234,5.6", "--1", "€"])
def test_nonsense_is_not_a_number(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_amounts_that_add_up():
    split = validate_cost_split({"total": "€ 2.500", "pupils": "250", "school": "1.000", "bibliotheek": "750,00",
                                 "subsidie": "500", "gemeente": "250", "overig": ""})
    assert split.total_per_year == Decimal(2500) and split.pupils == 250 and not split.as_percentages
    assert split.parts == {"school": Decimal(1000), "bibliotheek": Decimal("750.00"), "subsidie": Decimal(500),
                           "gemeente": Decimal(250), "overig": Decimal(0)}
    assert split.shares()["school"] == Decimal(40)
    assert CostSplit.from_json(split.to_json()) == split


def test_percentages_that_add_up_and_their_amounts():
    split = validate_cost_split({"total": "3000", "as_percentages": "true", "school": "33,3", "bibliotheek": "33,3",
                                 "gemeente": "33,3"})  # 99.9: within 0.5%
    assert split.as_percentages and split.amounts()["school"] == Decimal("999.00")


def test_rounding_tolerance_on_amounts():
    validate_cost_split({"total": "1000", "school": "500,40", "bibliotheek": "500,40"})  # €0.80 off: fine
    with pytest.raises(CostSplitInvalid) as invalid:
        validate_cost_split({"total": "1000", "school": "500", "bibliotheek": "501,50"})
    assert invalid.value.errors == {"parts": "cost.parts_not_total"}
    assert invalid.value.values == {"sum": "1001,50", "total": "1000"}


def test_percentages_must_make_a_hundred():
    with pytest.raises(CostSplitInvalid) as invalid:
        validate_cost_split({"total": "1000", "as_percentages": "percentages", "school": "50", "gemeente": "49"})
    assert invalid.value.errors == {"parts": "cost.parts_not_hundred"}


def test_each_field_gets_its_own_error():
    with pytest.raises(CostSplitInvalid) as invalid:
        validate_cost_split({"total": "", "pupils": "twaalf", "school": "-5", "bibliotheek": "veel"})
    assert invalid.value.errors == {"total": "cost.required", "pupils": "cost.invalid_pupils",
                                    "school": "cost.negative", "bibliotheek": "cost.invalid_number"}
    with pytest.raises(CostSplitInvalid) as invalid:
        validate_cost_split({"total": "0", "pupils": "12,5"})
    assert invalid.value.errors == {"total": "cost.total_zero", "pupils": "cost.invalid_pupils"}
    with pytest.raises(CostSplitInvalid) as invalid:
        validate_cost_split({"total": "1000"})
    assert invalid.value.errors == {"parts": "cost.parts_missing"}


def split(total: str, **parts: str) -> CostSplit:
    return CostSplit(total_per_year=Decimal(total), pupils=None,
                     parts={p: Decimal(parts.get(p, "0")) for p in PAYERS})


def test_anonymity_threshold():
    two = [("bibliotheek-a", split("1000", school="1000")), ("bibliotheek-b", split("2000", school="2000")),
           ("bibliotheek-a", split("1500", school="1500"))]  # a library twice still counts once
    assert aggregate(two) is None
    three = [*two, ("bibliotheek-c", split("3000", school="3000"))]
    result = aggregate(three)
    assert result is not None and result.count == 3


def test_median_and_range():
    splits = [
        ("a", split("1000", school="500", bibliotheek="500")),  # 50 / 50
        ("b", split("2000", school="1000", bibliotheek="500", gemeente="500")),  # 50 / 25 / 25
        ("c", split("4000", school="1000", bibliotheek="2000", subsidie="1000")),  # 25 / 50 / 25 subsidie
        ("d", split("3000", school="3000")),  # 100
    ]
    result = aggregate(splits)
    assert result is not None and result.count == 4
    assert (result.total.median, result.total.minimum, result.total.maximum) == (
        Decimal("2500.00"), Decimal("1000.00"), Decimal("4000.00"))
    school = result.shares["school"]
    assert (school.median, school.minimum, school.maximum) == (Decimal("50.0"), Decimal("25.0"), Decimal("100.0"))
    library = result.shares["bibliotheek"]
    assert (library.median, library.minimum, library.maximum) == (Decimal("37.5"), Decimal("0.0"), Decimal("50.0"))
    assert result.shares["overig"].maximum == Decimal("0.0")
    assert result.per_pupil is None  # nobody gave a number of pupils


def test_per_pupil_only_with_enough_libraries():
    with_pupils = [(name, CostSplit(Decimal(t), p, {"school": Decimal(t)})) for name, t, p in
                   (("a", "1000", 100), ("b", "3000", 200), ("c", "900", 300))]
    result = aggregate(with_pupils)
    assert result is not None and result.per_pupil is not None
    assert (result.per_pupil.median, result.per_pupil.minimum, result.per_pupil.maximum) == (
        Decimal("10.00"), Decimal("3.00"), Decimal("15.00"))
