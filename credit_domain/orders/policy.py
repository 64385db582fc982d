"""The ``order_check`` policy: what blocks an order besides the available limit."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from credit_domain.policy.store import register_kind

DEFAULT_GRADES = ["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C", "D"]


class OrderCheckPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overdue_tolerance_days: int | None = Field(
        30, ge=0, description="an invoice overdue longer than this blocks new orders; "
                              "null: overdue invoices never block by themselves")
    minimum_grade: str | None = Field(None, description="accounts graded below this are blocked")
    grade_scale: list[str] = Field(default_factory=lambda: list(DEFAULT_GRADES),
                                   min_length=1, description="grades, best first")
    ungraded: Literal["pass", "block"] = "pass"
    open_release_application: bool = Field(
        True, description="a blocked order opens an order-release application")

    @model_validator(mode="after")
    def _minimum_on_scale(self) -> OrderCheckPolicy:
        if self.minimum_grade is not None and self.minimum_grade not in self.grade_scale:
            raise ValueError(f"minimum_grade {self.minimum_grade!r} is not on the grade_scale")
        return self

    def below_minimum(self, grade: str | None) -> bool | None:
        """True when ``grade`` is worse than the minimum; None when it is not graded (or
        not on the scale)."""
        if self.minimum_grade is None:
            return False
        if grade is None or grade not in self.grade_scale:
            return None
        return self.grade_scale.index(grade) > self.grade_scale.index(self.minimum_grade)


ORDER_CHECK = register_kind("order_check", OrderCheckPolicy, "policy/defaults/order_check.yaml",
                            "what blocks an order besides the available limit")
