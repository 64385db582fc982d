"""Evaluating a scorecard on indicator values: points, weights, missing-data treatment,
contributions that sum to the score, grade, knock-out caps and the suggested limit.

Pure computation (no database): the same function scores today, in the backtest and in tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from credit_domain.money import RATIO
from credit_domain.policy.expr import ExpressionError, is_number
from credit_domain.scoring.policy import IndicatorSpec, LimitRule, MissingPoints, Scorecard

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Contribution:
    """One indicator's part in the score. ``status``: ``scored`` (from its value),
    ``missing`` (fixed points, ``note`` says why) or ``excluded`` (weight 0, re-weighted)."""

    indicator: str
    dimension: str
    value: Any
    points: Decimal
    weight: Decimal  # effective share of the score, 0–1 (all weights sum to 1)
    contribution: Decimal  # weight × points, rounded to 0.01
    status: str
    note: str = ""

    @property
    def lost(self) -> Decimal:
        """Points of the score lost against full marks."""
        return (self.weight * (HUNDRED - self.points)).quantize(CENT)

    def to_json(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "dimension": self.dimension,
                "value": _plain(self.value), "points": str(self.points),
                "weight": str(self.weight), "contribution": str(self.contribution),
                "status": self.status, "note": self.note}


@dataclass(frozen=True)
class ScoreResult:
    score: Decimal
    grade: str
    points_grade: str  # the grade by points alone, before caps
    contributions: tuple[Contribution, ...]
    caps: tuple[str, ...]  # reasons of the caps that lowered the grade
    suggested_limit: Decimal | None
    limit_note: str

    def to_json(self) -> dict[str, Any]:
        return {"score": str(self.score), "grade": self.grade, "points_grade": self.points_grade,
                "contributions": [c.to_json() for c in self.contributions],
                "caps": list(self.caps), "suggested_limit":
                    str(self.suggested_limit) if self.suggested_limit is not None else None,
                "limit_note": self.limit_note}

    def reasons(self, n: int = 3) -> list[Contribution]:
        """The indicators that cost the most points, worst first."""
        lost = [c for c in self.contributions if c.status != "excluded" and c.lost > 0]
        return sorted(lost, key=lambda c: c.lost, reverse=True)[:n]


class ScoreUnavailable(ValueError):
    """Every indicator was excluded: there is nothing to score on."""


def points_for(spec: IndicatorSpec, value: Any, values: Mapping[str, Any]
               ) -> tuple[Decimal, str]:
    """Points (0–100) for ``value`` under ``spec``, and a note (bin or clamping)."""
    if spec.bins is not None:
        for b in spec.bins:
            if b.below is None or _dec(value) < _dec(b.below):
                bound = f"< {_bound(b.below)}" if b.below is not None else "top bin"
                return _dec(b.points), bound
    if spec.map is not None:
        key = str(value)
        return _dec(spec.map.get(key, spec.default or 0.0)), (
            f"= {key}" if key in spec.map else "other")
    if spec.formula is not None:
        result = spec.formula.evaluate({**_numbers(values), "value": _num(value)})
        if not is_number(result):
            raise ExpressionError(f"{spec.formula.source!r} gave {result!r}, not points")
        points = Decimal(result)
        clamped = min(Decimal(100), max(Decimal(0), points))
        return clamped, "clamped" if clamped != points else "formula"
    raise AssertionError("validated specs have a mapping")


def evaluate(card: Scorecard, values: Mapping[str, Any]) -> ScoreResult:
    """Score ``values`` (indicator name → value; absent = missing) with ``card``."""
    rows: list[tuple[str, IndicatorSpec, Any, Decimal | None, str, str]] = []
    for dim in card.dimensions:
        for spec in dim.indicators:
            value = values.get(spec.name)
            needed = spec.formula.names - {"value"} if spec.formula is not None else set()
            if value is None or any(values.get(n) is None for n in needed):
                if isinstance(spec.missing, MissingPoints):
                    rows.append((dim.name, spec, value, _dec(spec.missing.points), "missing",
                                 spec.missing.note))
                else:
                    rows.append((dim.name, spec, value, None, "excluded", "no data"))
                continue
            pts, note = points_for(spec, value, values)
            rows.append((dim.name, spec, value, pts, "scored", note))
    weights = _weights(card, rows)
    contributions = tuple(
        Contribution(spec.name, dim, value, pts if pts is not None else Decimal(0),
                     weights[spec.name].quantize(RATIO),
                     (weights[spec.name] * (pts or 0)).quantize(CENT, ROUND_HALF_UP),
                     status, note)
        for dim, spec, value, pts, status, note in rows)
    score = sum((c.contribution for c in contributions), Decimal("0.00"))
    points_grade = next(g.grade for g in card.grades if score >= _dec(g.min_score))
    grade, caps = _apply_caps(card, points_grade, values)
    limit, note = suggested_limit(card.suggested_limit, values, score,
                                  next(g.limit_factor for g in card.grades if g.grade == grade))
    return ScoreResult(score, grade, points_grade, contributions, tuple(caps), limit, note)


def _weights(card: Scorecard, rows: list[tuple[str, IndicatorSpec, Any, Decimal | None, str,
                                               str]]) -> dict[str, Decimal]:
    """Effective weights: normalised within each dimension over indicators not excluded, and
    across dimensions that kept at least one indicator."""
    kept = {spec.name for _d, spec, _v, _p, status, _n in rows if status != "excluded"}
    if not kept:
        raise ScoreUnavailable("every indicator of the scorecard is excluded for lack of data")
    live = [d for d in card.dimensions if any(i.name in kept for i in d.indicators)]
    dim_total = sum(_dec(d.weight) for d in live)
    out: dict[str, Decimal] = {spec.name: Decimal(0) for _d, spec, *_ in rows}
    for d in live:
        ind_total = sum(_dec(i.weight) for i in d.indicators if i.name in kept)
        for i in d.indicators:
            if i.name in kept:
                out[i.name] = _dec(d.weight) / dim_total * _dec(i.weight) / ind_total
    return out


def _apply_caps(card: Scorecard, grade: str, values: Mapping[str, Any]
                ) -> tuple[str, list[str]]:
    reasons: list[str] = []
    for cap in card.caps:
        if any(values.get(n) is None for n in cap.when.names):
            continue  # the data to judge it is missing: the cap cannot apply
        if cap.when.test(_numbers(values)) and (
                card.grade_index(cap.max_grade) > card.grade_index(grade)):
            grade = cap.max_grade
            reasons.append(cap.reason)
    return grade, reasons


def suggested_limit(rule: LimitRule, values: Mapping[str, Any], score: Decimal,
                    grade_factor: float) -> tuple[Decimal | None, str]:
    """The policy's limit formula, capped, rounded down; None with a note when inputs are
    missing."""
    context = {k: _num(v) for k, v in values.items()
               if v is not None and not isinstance(v, str)}
    context.update(score=score, grade_factor=_dec(grade_factor))
    missing = sorted(n for n in rule.formula.names if n not in context)
    if missing:
        return None, f"missing {', '.join(missing)}"
    amount = Decimal(rule.formula.evaluate(context))
    note = ""
    if rule.cap is not None:
        if any(n not in context for n in rule.cap.names):
            note = "cap not applied (missing " + ", ".join(
                sorted(n for n in rule.cap.names if n not in context)) + ")"
        else:
            cap = Decimal(rule.cap.evaluate(context))
            if cap < amount:
                amount, note = cap, "capped"
    step = Decimal(str(rule.round_to))
    amount = max(Decimal(0), (amount / step).to_integral_value(ROUND_DOWN) * step)
    return amount.quantize(CENT), note


def _bound(x: float) -> str:
    return f"{int(x):,}" if x == int(x) and abs(x) >= 1000 else f"{x:g}"


def _dec(x: float | int | Decimal) -> Decimal:
    """A policy's number (YAML gives floats) or an indicator's value as a Decimal, as written."""
    return x if isinstance(x, Decimal) else Decimal(str(x))


def _num(v: Any) -> Any:
    """An indicator's value for a formula: numbers as Decimals (CEL's doubles, see expr)."""
    if isinstance(v, (bool, str)):
        return v
    return _dec(v)


def _numbers(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _num(v) for k, v in values.items() if v is not None}


def _plain(v: Any) -> Any:
    return str(v) if isinstance(v, Decimal) else v
