"""What dBos po costs an average school and who pays which part; the anonymised overview.

Numbers come from an Adaptive Card as text, in Dutch or English notation ("1.234,50",
"1234.50", "€ 1.234"). Errors are catalogue keys per field, so the card can show them.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PAYERS = ("school", "bibliotheek", "subsidie", "gemeente", "overig")
PARTICIPANT_LIBRARY_PREFIX = "participant:"  # a cost split's library when the owner has no organisation
ANONYMOUS_LIBRARY_PREFIX = "anoniem:"  # what an erasure makes of a participant's key (storage.document_repository)
MIN_LIBRARIES = 3  # the overview is shown only when at least this many libraries contributed
PERCENT_TOLERANCE = Decimal("0.5")
AMOUNT_TOLERANCE = Decimal("1")
HUNDRED = Decimal(100)
_TRUE = {"true", "1", "on", "yes", "ja", "percentages", "percentage", "procent", "%"}


@dataclass(frozen=True)
class CostSplit:
    """The yearly cost for an average school and its parts (euros, or percentages of the total)."""

    total_per_year: Decimal
    pupils: int | None
    parts: dict[str, Decimal]
    as_percentages: bool = False

    def shares(self) -> dict[str, Decimal]:
        """Each payer's share in percent; the parts' own sum counts as 100 (it agrees with the total)."""
        whole = sum(self.parts.values(), Decimal(0))
        if not whole:
            return {payer: Decimal(0) for payer in PAYERS}
        return {payer: self.parts.get(payer, Decimal(0)) * HUNDRED / whole for payer in PAYERS}

    def amounts(self) -> dict[str, Decimal]:
        """Each payer's part in euros per year."""
        if not self.as_percentages:
            return {payer: self.parts.get(payer, Decimal(0)) for payer in PAYERS}
        return {payer: _cents(self.total_per_year * self.parts.get(payer, Decimal(0)) / HUNDRED) for payer in PAYERS}

    def to_json(self) -> dict[str, object]:
        """For storage: decimals as strings, so nothing is lost to floats."""
        return {"total_per_year": str(self.total_per_year), "pupils": self.pupils,
                "parts": {k: str(v) for k, v in self.parts.items()}, "as_percentages": self.as_percentages}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> CostSplit:
        parts = data.get("parts") or {}
        assert isinstance(parts, Mapping)
        pupils = data.get("pupils")
        return cls(total_per_year=Decimal(str(data["total_per_year"])),
                   pupils=int(pupils) if pupils is not None else None,  # type: ignore[call-overload]
                   parts={str(k): Decimal(str(v)) for k, v in parts.items()},
                   as_percentages=bool(data.get("as_percentages")))


class CostSplitInvalid(ValueError):
    """The form has errors: field name → catalogue key; ``values`` fill the messages' placeholders."""

    def __init__(self, errors: dict[str, str], values: dict[str, str] | None = None):
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.values = values or {}


@dataclass(frozen=True)
class Stat:
    """Median and range of one figure over the contributing libraries."""

    median: Decimal
    minimum: Decimal
    maximum: Decimal


@dataclass(frozen=True)
class CostAggregate:
    """The anonymised overview: how many libraries, and the spread of the total and of each share (%)."""

    count: int
    total: Stat
    shares: dict[str, Stat]
    per_pupil: Stat | None = None  # only when enough libraries gave a number of pupils
    payers: tuple[str, ...] = field(default=PAYERS)


def parse_number(text: str) -> Decimal:
    """A number in Dutch or English notation; raises ``ValueError``.

    A single comma is a decimal comma; a single dot followed by exactly three digits is a
    thousands separator ("€ 1.234" is 1234); with both, the last one is the decimal mark.
    """
    cleaned = re.sub(r"(?i)\s|\u00a0|\u202f|€|eur(?:os|o)?|%", "", text or "")
    cleaned = re.sub(r",-+$", "", cleaned)  # "1.234,-"
    sign = ""
    if cleaned[:1] in "+-" and cleaned:
        sign, cleaned = ("-" if cleaned[0] == "-" else ""), cleaned[1:]
    if not re.fullmatch(r"[0-9.,]*[0-9][0-9.,]*", cleaned):
        raise ValueError(text)
    dots, commas = cleaned.count("."), cleaned.count(",")
    if dots and commas:
        decimal_mark = "." if cleaned.rfind(".") > cleaned.rfind(",") else ","
    elif commas > 1:
        decimal_mark = "."  # "1,234,567": English thousands
    elif dots > 1:
        decimal_mark = ","  # "1.234.567": Dutch thousands
    elif dots == 1:
        decimal_mark = "," if re.fullmatch(r"[0-9]{1,3}\.[0-9]{3}", cleaned) else "."
    else:
        decimal_mark = ","
    thousands = "." if decimal_mark == "," else ","
    whole, _, fraction = cleaned.partition(decimal_mark)
    if decimal_mark in fraction or thousands in fraction:
        raise ValueError(text)
    if thousands in whole and not re.fullmatch(rf"[0-9]{{1,3}}(\{thousands}[0-9]{{3}})+", whole):
        raise ValueError(text)
    try:
        return Decimal(sign + (whole.replace(thousands, "") or "0") + ("." + fraction if fraction else ""))
    except InvalidOperation as error:
        raise ValueError(text) from error


def validate_cost_split(raw: Mapping[str, str]) -> CostSplit:
    """Check the cost form. Keys: ``total``, ``pupils``, one per payer, ``as_percentages``.

    Raises:
        CostSplitInvalid: per field ``cost.required``, ``cost.invalid_number``, ``cost.negative``,
            ``cost.total_zero``, ``cost.invalid_pupils``; on ``parts``: ``cost.parts_missing``,
            ``cost.parts_not_total`` (amounts) or ``cost.parts_not_hundred`` (percentages), with
            ``sum`` and ``total`` as values.
    """
    errors: dict[str, str] = {}
    as_percentages = str(raw.get("as_percentages") or raw.get("unit") or "").strip().lower() in _TRUE

    total = _field(raw, "total", errors, required=True)
    if total is not None and total == 0:
        errors["total"] = "cost.total_zero"

    pupils: int | None = None
    pupils_text = str(raw.get("pupils") or "").strip()
    if pupils_text:
        try:
            number = parse_number(pupils_text)
        except ValueError:
            errors["pupils"] = "cost.invalid_pupils"
        else:
            if number != number.to_integral_value() or number < 1:
                errors["pupils"] = "cost.invalid_pupils"
            else:
                pupils = int(number)

    parts: dict[str, Decimal] = {}
    for payer in PAYERS:
        value = _field(raw, payer, errors, required=False)
        if value is not None:
            parts[payer] = value

    values: dict[str, str] = {}
    if not any(k in errors for k in ("total", *PAYERS)) and total is not None:
        given = sum(parts.values(), Decimal(0))
        if not given:
            errors["parts"] = "cost.parts_missing"
        elif as_percentages and abs(given - HUNDRED) > PERCENT_TOLERANCE:
            errors["parts"] = "cost.parts_not_hundred"
            values = {"sum": _plain(given), "total": "100"}
        elif not as_percentages and abs(given - total) > AMOUNT_TOLERANCE:
            errors["parts"] = "cost.parts_not_total"
            values = {"sum": _plain(given), "total": _plain(total)}
    if errors:
        raise CostSplitInvalid(errors, values)
    assert total is not None
    return CostSplit(total_per_year=total, pupils=pupils,
                     parts={payer: parts.get(payer, Decimal(0)) for payer in PAYERS},
                     as_percentages=as_percentages)


def aggregate(splits: Sequence[tuple[str, CostSplit]], min_libraries: int = MIN_LIBRARIES) -> CostAggregate | None:
    """The anonymised overview, or None when fewer than ``min_libraries`` libraries contributed.

    A library that handed in more than once counts once, with its latest split (the last one
    in ``splits``), so no library weighs more than another.
    """
    latest: dict[str, CostSplit] = {}
    for library, split in splits:
        latest[library] = split
    if len(latest) < max(1, min_libraries):
        return None
    chosen = list(latest.values())
    shares = [s.shares() for s in chosen]
    per_pupil = [s.total_per_year / s.pupils for s in chosen if s.pupils]
    return CostAggregate(
        count=len(chosen),
        total=_stat([s.total_per_year for s in chosen], Decimal("0.01")),
        shares={payer: _stat([share[payer] for share in shares], Decimal("0.1")) for payer in PAYERS},
        per_pupil=_stat(per_pupil, Decimal("0.01")) if len(per_pupil) >= max(1, min_libraries) else None,
    )


def _field(raw: Mapping[str, str], name: str, errors: dict[str, str], *, required: bool) -> Decimal | None:
    text = str(raw.get(name) or "").strip()
    if not text:
        if required:
            errors[name] = "cost.required"
        return None
    try:
        value = parse_number(text)
    except ValueError:
        errors[name] = "cost.invalid_number"
        return None
    if value < 0:
        errors[name] = "cost.negative"
        return None
    return value


def _stat(values: Sequence[Decimal], step: Decimal) -> Stat:
    return Stat(median=_round(statistics.median(values), step), minimum=_round(min(values), step),
                maximum=_round(max(values), step))


def _round(value: Decimal, step: Decimal) -> Decimal:
    return Decimal(value).quantize(step, rounding=ROUND_HALF_UP)


def _cents(value: Decimal) -> Decimal:
    return _round(value, Decimal("0.01"))


def _plain(value: Decimal) -> str:
    """Dutch notation for messages: 1234.5 → "1234,50"; whole numbers without decimals."""
    if value == value.to_integral_value():
        return str(int(value))
    return f"{_cents(value):f}".replace(".", ",")
