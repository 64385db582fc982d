"""Credit applications (授信申请), their approval steps, who is asked to decide each step,
and the timeline of everything that happened to them.

An application is routed when it is submitted: the approval policy of its business unit
chooses the steps and the people of each step (assignments). Returning an application and
resubmitting it starts a new *round* with fresh steps; earlier rounds stay as history.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from credit_domain.accounts.models import CreditAccount
from credit_domain.db.base import Base, Timestamped
from credit_domain.db.types import Money, UTCDateTime
from credit_domain.orgs.models import Person


class ApplicationKind(enum.StrEnum):
    INITIAL = "initial"  # 首次授信: a first permanent limit
    INCREASE = "increase"  # 额度调整: a new permanent limit, higher or lower
    TEMPORARY = "temporary"  # 临时授信: extra limit for a validity window
    ORDER_RELEASE = "order_release"  # 订单放行: release one blocked order


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"  # suggested by the system, not yet submitted by a person
    PENDING = "pending"  # in approval
    RETURNED = "returned"  # 退回: back with the requester, who may resubmit or withdraw
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


OPEN_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.PENDING, ApplicationStatus.RETURNED)
FINAL_STATUSES = (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED,
                  ApplicationStatus.WITHDRAWN)


class StepKind(enum.StrEnum):
    SEQUENTIAL = "sequential"  # 依次: the listed approvers decide one after another
    COUNTERSIGN = "countersign"  # 会签: every listed approver must approve
    OR_SIGN = "or_sign"  # 或签: the first decision of any one of them counts


class StepStatus(enum.StrEnum):
    WAITING = "waiting"  # an earlier step is still open
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    CANCELLED = "cancelled"  # the application was withdrawn, returned or decided elsewhere


class AssignmentStatus(enum.StrEnum):
    WAITING = "waiting"  # a sequential step: not this approver's turn yet
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    TRANSFERRED = "transferred"  # 转交: handed to a colleague, who has a new assignment
    CANCELLED = "cancelled"  # someone else's decision closed the step


class AssignmentVia(enum.StrEnum):
    ROUTE = "route"  # chosen by the policy
    FALLBACK = "fallback"  # no one held the step's role for the requester: the escalation role
    TRANSFER = "transfer"
    ESCALATION = "escalation"  # the step's SLA was breached; may decide in place of the late


class Application(Timestamped, Base):
    """A request for credit. ``requested_amount`` means, by kind:

    - initial / increase: the requested NEW permanent limit (an increase may also lower it);
    - temporary: the extra limit for ``valid_from``..``valid_to``;
    - order_release: the open amount of the blocked order to release.

    ``snapshot`` holds the customer's credit facts at submission (score, grade, limit,
    temporary, exposure, available, overdue, on_hold, utilisation), so approvers decide on
    the facts of that moment. ``decision`` is the documented credit decision written at the
    final outcome: the effect applied and the full step history.
    """

    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_bu_status", "business_unit_id", "status"),
        Index("ix_applications_requester_status", "requester_id", "status"),
        Index("ix_applications_account_status", "account_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # APP-2026-000123
    business_unit_id: Mapped[int] = mapped_column(ForeignKey("business_units.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("credit_accounts.id"))
    kind: Mapped[ApplicationKind] = mapped_column(String(16))
    status: Mapped[ApplicationStatus] = mapped_column(String(16))
    requested_amount: Mapped[Decimal] = mapped_column(Money())
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    term_days: Mapped[int | None] = mapped_column(Integer)  # requested payment terms (账期)
    reason: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)  # links
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    # None when the system opened it (see ``origin``).
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    origin: Mapped[str] = mapped_column(String(128), default="person")  # or "rule:<name>"
    round: Mapped[int] = mapped_column(Integer, default=0)  # 1 at submission, +1 per resubmit
    route: Mapped[str | None] = mapped_column(String(100))
    policy_version: Mapped[int | None] = mapped_column(Integer)  # 0: the shipped default
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    cc_person_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    cc_channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Bumped by every transition; updates are guarded by it (and by the row lock).
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {  # noqa: RUF012  (SQLAlchemy reads it from the class)
        "version_id_col": version, "version_id_generator": False}

    account: Mapped[CreditAccount] = relationship()
    requester: Mapped[Person | None] = relationship(foreign_keys=[requester_id])
    steps: Mapped[list[ApprovalStep]] = relationship(
        back_populates="application", order_by=lambda: [ApprovalStep.round, ApprovalStep.position]
    )


class ApprovalStep(Base):
    """One step of one round of an application's route."""

    __tablename__ = "approval_steps"
    __table_args__ = (
        UniqueConstraint("application_id", "round", "position"),
        Index("ix_approval_steps_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    round: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, … within the round
    name: Mapped[str | None] = mapped_column(String(100))  # None: the role's label
    role: Mapped[str] = mapped_column(String(32))
    kind: Mapped[StepKind] = mapped_column(String(16))
    status: Mapped[StepStatus] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(200))  # what put it here: "route small", …
    condition: Mapped[str | None] = mapped_column(Text)  # the CEL condition that held
    sla_hours: Mapped[float] = mapped_column(Float)  # business hours
    remind_after_hours: Mapped[float] = mapped_column(Float)
    escalate_to: Mapped[str | None] = mapped_column(String(32))
    allow_transfer: Mapped[bool] = mapped_column(Boolean, default=True)
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The SLA clock (restarted for each approver in turn of a sequential step).
    clock_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    remind_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    application: Mapped[Application] = relationship(back_populates="steps")
    assignments: Mapped[list[StepAssignment]] = relationship(
        back_populates="step", order_by="StepAssignment.position"
    )


class StepAssignment(Base):
    """One person asked to decide one step, and what they decided. A person holds at most
    one assignment per step, so no one decides twice in one step."""

    __tablename__ = "step_assignments"
    __table_args__ = (
        UniqueConstraint("step_id", "person_id"),
        Index("ix_step_assignments_person_status", "person_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("approval_steps.id"))
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    # The role they decide in: the step's, or its escalation role (fallback, escalation).
    role: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[AssignmentStatus] = mapped_column(String(16))
    via: Mapped[AssignmentVia] = mapped_column(String(16), default=AssignmentVia.ROUTE)
    transferred_from_id: Mapped[int | None] = mapped_column(ForeignKey("step_assignments.id"))
    activated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    comment: Mapped[str | None] = mapped_column(Text)

    step: Mapped[ApprovalStep] = relationship(back_populates="assignments")
    person: Mapped[Person] = relationship()


class TimelineEntry(Base):
    """What happened to an application, in order: submitted, approved, returned, commented
    (comments are entries of action ``commented``), transferred, reminded, escalated, …"""

    __tablename__ = "application_timeline"
    __table_args__ = (Index("ix_application_timeline_app_at", "application_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    round: Mapped[int] = mapped_column(Integer)
    step_id: Mapped[int | None] = mapped_column(ForeignKey("approval_steps.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)  # reason or comment
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ApplicationSequence(Base):
    """The last application number issued per year (``APP-<year>-<n>``)."""

    __tablename__ = "application_sequences"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)
