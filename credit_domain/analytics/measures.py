"""The formulas of credit analytics, as pure functions of aggregated amounts.

Notation for a period ``(start, as_of]`` of ``D`` days:

- ``AR_end`` — open receivables on ``as_of``; ``AR_begin`` — on ``start``;
- ``AR_current`` — the part of ``AR_end`` not yet due on ``as_of``;
- ``S`` — credit sales of the period (invoices issued in it).

Formulas (results rounded for people: days to 0.1, percentages to 0.1, ratios to 0.0001):

- DSO (standard) = ``AR_end / S × D``.
- Best possible DSO = ``AR_current / S × D``.
- Average days delinquent (ADD) = DSO − best possible DSO.
- Count-back DSO: walk back month by month from ``as_of`` (month ``k`` is
  ``(as_of − k months, as_of − (k−1) months]``), taking each month's sales ``S_k`` off the
  balance ``R`` (starting at ``AR_end``): while ``R ≥ S_k`` add the month's days and subtract;
  then add ``R / S_k × days_k`` and stop.
- CEI (collection effectiveness index) = ``(AR_begin + S − AR_end) /
  (AR_begin + S − AR_current) × 100`` %.
- Overdue ratio = ``(AR_end − AR_current) / AR_end``.
- Utilisation = exposure / effective limit.

A figure whose denominator is zero is ``None`` (shown as "—").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from credit_domain.money import RATIO

DAYS = Decimal("0.1")
PERCENT = Decimal("0.1")


def _q(value: Decimal, step: Decimal) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


def dso(ar_end: Decimal, sales: Decimal, days: int) -> Decimal | None:
    """Standard DSO = AR_end / S × D."""
    if sales <= 0:
        return None
    return _q(ar_end / sales * days, DAYS)


def best_possible_dso(ar_current: Decimal, sales: Decimal, days: int) -> Decimal | None:
    """Best possible DSO = AR_current / S × D."""
    if sales <= 0:
        return None
    return _q(ar_current / sales * days, DAYS)


def average_days_delinquent(dso_days: Decimal | None, best_days: Decimal | None
                            ) -> Decimal | None:
    """ADD = DSO − best possible DSO (of the figures as shown, so the three always add up)."""
    if dso_days is None or best_days is None:
        return None
    return dso_days - best_days


@dataclass(frozen=True)
class Month:
    """One month of the count-back: its length in days and its credit sales."""

    days: int
    sales: Decimal


@dataclass(frozen=True)
class CountBack:
    days: Decimal | None
    complete: bool  # False: the balance outlasted the months looked at (a lower bound)


def countback_dso(ar_end: Decimal, months: Sequence[Month]) -> CountBack:
    """Count-back DSO over ``months``, the most recent first (see module docstring)."""
    remaining = ar_end
    total = Decimal(0)
    if remaining <= 0:
        return CountBack(Decimal("0.0"), True)
    for month in months:
        if remaining >= month.sales:
            total += month.days
            remaining -= month.sales
            if remaining == 0:
                return CountBack(_q(total, DAYS), True)
            continue
        total += remaining / month.sales * month.days
        return CountBack(_q(total, DAYS), True)
    return CountBack(_q(total, DAYS), False)


def cei(ar_begin: Decimal, sales: Decimal, ar_end: Decimal, ar_current: Decimal
        ) -> Decimal | None:
    """CEI % = (AR_begin + S − AR_end) / (AR_begin + S − AR_current) × 100."""
    collectible = ar_begin + sales - ar_current
    if collectible <= 0:
        return None
    return _q((ar_begin + sales - ar_end) / collectible * 100, PERCENT)


def ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part / whole`` to four places; None when ``whole`` is zero."""
    if not whole:
        return None
    return _q(Decimal(part) / Decimal(whole), RATIO)
