"""The scorecard policy (kind ``scorecard``): dimensions → indicators → points, weights,
explicit missing-data treatment, grades and the suggested-limit formula. Validated on load;
every problem is reported with its place in the file.

An indicator maps its value to points (0–100) by exactly one of:

- ``bins``: ``[{below: 50, points: 10}, {below: 80, points: 60}, {points: 100}]`` — the first
  bin whose ``below`` exceeds the value; the last bin has no bound;
- ``map``: category → points (``{active: 100, revoked: 0}``) with ``default`` for the rest;
- ``formula``: a CEL expression giving the points, over ``value`` and any indicator by name
  (``100.0 - value * 100.0``); results are clamped to 0–100.

``missing`` is required for every indicator: ``{points: 40, note: "…"}`` scores a fixed number
of points and says why, or ``exclude`` drops the indicator and re-weights the others in its
dimension (a dimension with nothing left is dropped and the dimensions re-weighted).
"""

from __future__ import annotations

import itertools
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from credit_domain.policy.expr import Expression, ExpressionError, is_number
from credit_domain.policy.store import register_kind
from credit_domain.scoring.indicators import INDICATORS

LIMIT_NAMES = frozenset({"avg_monthly_sales", "payment_terms_days", "registered_capital",
                         "grade_factor", "score", "current_limit"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bin(_Strict):
    below: float | None = None
    points: float = Field(ge=0, le=100)


class MissingPoints(_Strict):
    points: float = Field(ge=0, le=100)
    note: str = Field(min_length=1)


def sample_context() -> dict[str, Any]:
    """Representative values to try formulas on when a policy is loaded."""
    return {n: ("active" if i.kind == "category" else 1.0) for n, i in INDICATORS.items()}


class IndicatorSpec(_Strict):
    name: str
    weight: float = Field(gt=0)
    bins: list[Bin] | None = None
    map: dict[str, float] | None = None
    default: float | None = Field(None, ge=0, le=100)
    formula: Expression | None = None
    missing: Literal["exclude"] | MissingPoints

    @field_validator("name")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in INDICATORS:
            raise ValueError(f"unknown indicator {v!r}; known: {', '.join(sorted(INDICATORS))}")
        return v

    @model_validator(mode="after")
    def _one_mapping(self) -> IndicatorSpec:
        given = [k for k in ("bins", "map", "formula") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of bins, map or formula")
        category = INDICATORS[self.name].kind == "category"
        if self.bins is not None:
            if category:
                raise ValueError(f"{self.name} is a category: use map, not bins")
            if (not self.bins or self.bins[-1].below is not None
                    or any(b.below is None for b in self.bins[:-1])):
                raise ValueError("every bin but the last needs 'below'; the last has none")
            bounds = [b.below for b in self.bins[:-1] if b.below is not None]
            if any(b >= a for a, b in zip(bounds[1:], bounds, strict=False)):
                raise ValueError("bin bounds ('below') must increase")
        if self.map is not None:
            if not category:
                raise ValueError(f"{self.name} is a number: use bins or a formula, not map")
            if self.default is None:
                raise ValueError("a map needs 'default' points for other categories")
            if any(not 0 <= p <= 100 for p in self.map.values()):
                raise ValueError("map points must be between 0 and 100")
        if self.formula is not None:
            self.formula.check_names(set(INDICATORS) | {"value"})
            result = self.formula.evaluate({**sample_context(), "value": 1.0})
            if not is_number(result):
                raise ValueError(f"formula must give a number of points, gave {result!r}")
        return self


class Dimension(_Strict):
    name: str = Field(min_length=1)
    label: str = ""
    label_en: str = ""
    weight: float = Field(gt=0)
    indicators: list[IndicatorSpec] = Field(min_length=1)


class Grade(_Strict):
    grade: str = Field(min_length=1, max_length=8)
    min_score: float = Field(ge=0, le=100)
    limit_factor: float = Field(ge=0)


class Cap(_Strict):
    """A knock-out: when the condition holds, the grade is at most ``max_grade``."""

    when: Expression
    max_grade: str
    reason: str = Field(min_length=1)

    @field_validator("when")
    @classmethod
    def _condition(cls, v: Expression) -> Expression:
        v.check_names(set(INDICATORS))
        try:
            v.test(sample_context())
        except ExpressionError as exc:
            raise ValueError(str(exc)) from None
        return v


class LimitRule(_Strict):
    formula: Expression
    cap: Expression | None = None
    round_to: float = Field(10_000, gt=0)

    @field_validator("formula", "cap")
    @classmethod
    def _names(cls, v: Expression | None) -> Expression | None:
        if v is not None:
            v.check_names(LIMIT_NAMES)
            result = v.evaluate(dict.fromkeys(LIMIT_NAMES, 1.0))
            if not is_number(result):
                raise ValueError(f"must give an amount, gave {result!r}")
        return v


class Scorecard(_Strict):
    """See the module docstring."""

    description: str = ""
    dimensions: list[Dimension] = Field(min_length=1)
    grades: list[Grade] = Field(min_length=2)
    caps: list[Cap] = []
    suggested_limit: LimitRule

    @model_validator(mode="after")
    def _consistent(self) -> Scorecard:
        names = [i.name for d in self.dimensions for i in d.indicators]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"indicators used twice: {', '.join(dupes)}")
        scores = [g.min_score for g in self.grades]
        if any(b >= a for a, b in itertools.pairwise(scores)):
            raise ValueError("grades must be listed best first with decreasing min_score")
        if scores[-1] != 0:
            raise ValueError("the last grade must start at min_score 0")
        grades = {g.grade for g in self.grades}
        for cap in self.caps:
            if cap.max_grade not in grades:
                raise ValueError(f"cap grade {cap.max_grade!r} is not one of the grades")
        return self

    def grade_index(self, grade: str) -> int:
        return [g.grade for g in self.grades].index(grade)


SCORECARD = register_kind("scorecard", Scorecard, "policy/defaults/scorecard.yaml",
                          "Credit scorecard: indicators, points, weights, grades, limit formula")
