"""The ``monitoring`` policy of a business unit: tolerances and thresholds of the scheduled
jobs (default: ``policy/defaults/monitoring.yaml``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from credit_domain.money import parse_amount
from credit_domain.monitoring.severity import Severity
from credit_domain.policy.store import register_kind


def _amount(value: Any) -> Any:
    """Amounts as people write them in policy files: 500000, "50万", "¥500,000"."""
    if value is None or isinstance(value, int | float | Decimal):
        return value if value is None else Decimal(str(value))
    return parse_amount(str(value))


Amount = Annotated[Decimal, BeforeValidator(_amount)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HoldRule(_Strict):
    """When overdue receivables put the account on hold (信用冻结)."""

    enabled: bool = True
    after_days: int = Field(60, ge=1, le=3650)  # the oldest overdue invoice is later than this
    above_amount: Amount | None = None  # or the overdue total is above this (None: no limit)
    ignore_below: Amount = Decimal("0.00")  # open amounts below this do not count (residues)


class OverdueRules(_Strict):
    grace_days: int = Field(0, ge=0, le=365)  # days after the due date before it counts
    new_within_days: int = Field(7, ge=1, le=365)  # older overdue invoices are not "new"
    hold: HoldRule = HoldRule()


class UtilisationRules(_Strict):
    thresholds: list[int] = [80, 90, 100]  # percent of the effective limit
    severity: dict[int, Severity] = {80: Severity.INFO, 90: Severity.WARNING,
                                     100: Severity.URGENT}
    # Falling this many points below a threshold re-arms it (no alert storm at 89.9/90.1%).
    reset_margin: int = Field(5, ge=0, le=50)

    @model_validator(mode="after")
    def _check(self) -> UtilisationRules:
        if not self.thresholds or self.thresholds != sorted(set(self.thresholds)):
            raise ValueError("thresholds must be distinct and ascending")
        if any(t <= 0 or t > 1000 for t in self.thresholds):
            raise ValueError("thresholds are percentages between 1 and 1000")
        missing = sorted(set(self.thresholds) - set(self.severity))
        if missing:
            raise ValueError(f"no severity for threshold(s) {missing}")
        return self


class TemporaryLimitRules(_Strict):
    notice_days: int = Field(7, ge=0, le=90)  # "expires in N days" notice; 0: no notice


class ReviewRules(_Strict):
    list_limit: int = Field(20, ge=1, le=200)  # accounts listed in one message


class DigestRules(_Strict):
    daily: bool = True
    weekly: bool = True
    top_accounts: int = Field(3, ge=0, le=20)  # largest overdue accounts named in a digest


class MonitoringPolicy(_Strict):
    overdue: OverdueRules = OverdueRules()
    utilisation: UtilisationRules = UtilisationRules()
    temporary_limits: TemporaryLimitRules = TemporaryLimitRules()
    review: ReviewRules = ReviewRules()
    digests: DigestRules = DigestRules()


KIND = register_kind("monitoring", MonitoringPolicy, "policy/defaults/monitoring.yaml",
                     "Overdue tolerance, utilisation thresholds, notices and digests")
