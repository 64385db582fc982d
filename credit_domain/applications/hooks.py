"""The approval workflow, connected to the features that reach it through ports: the order
check and the rules engine (``credit_domain.workflow_hooks``) and the 360° customer view
(``credit_domain.customer360``).

- ``open_release_application``: a blocked order opens an order-release application (订单放行),
  submitted at once on behalf of the system (requester: none; the account's owner hears of
  it); the order check's answer carries its number. Approving it releases the order once
  (``credit_domain.applications.effects``).
- ``open_application``: a rule suggests a limit application — a draft for the account's owner
  to review and submit (kinds ``increase`` / ``decrease``, both a new permanent limit, and
  ``temporary``). There is no grade application: the grade is the scorecard's.
- ``decide_application``: a rule approves, rejects or returns a pending application.

It also lists open applications in the 360° view and on the web customer page (panel
``applications``).

Every port runs inside the caller's unit of work and does not commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from credit_domain.access import Actor
from credit_domain.accounts.models import CreditAccount
from credit_domain.analytics.extensions import CustomerPanel, customer_panels
from credit_domain.applications.decisions import decide_by_rule
from credit_domain.applications.labels import STATUS_LABELS, label
from credit_domain.applications.models import (
    OPEN_STATUSES,
    Application,
    ApplicationKind,
    AssignmentStatus,
    StepAssignment,
)
from credit_domain.applications.notices import application_path, summary
from credit_domain.applications.policy import KIND as APPROVAL
from credit_domain.applications.policy import ApprovalPolicy
from credit_domain.applications.queries import visible
from credit_domain.applications.submission import suggest
from credit_domain.bootstrap import Domain, installer
from credit_domain.clock import local_date
from credit_domain.customer360.panels import day_end
from credit_domain.customer360.services import ApplicationSummary, register_open_applications
from credit_domain.errors import InvalidInput
from credit_domain.i18n import Text, text_factory
from credit_domain.ledger.models import Order
from credit_domain.orgs.models import Person
from credit_domain.unit_of_work import UnitOfWork
from credit_domain.workflow_hooks import (
    DECIDE_APPLICATION,
    OPEN_APPLICATION,
    OPEN_RELEASE_APPLICATION,
)

_ = text_factory("credit_domain")
# Who opens release applications: the timeline says "creditbot (order-check)".
ORDER_CHECK = "order-check"
TEMPORARY_DAYS = 30  # a suggested temporary limit runs from today for this many days (at most)
SUGGESTED_KINDS = {"increase": ApplicationKind.INCREASE, "decrease": ApplicationKind.INCREASE,
                   "temporary": ApplicationKind.TEMPORARY}


def _rule_name(source: str) -> str:
    return source.removeprefix("rule:")


class WorkflowPorts:
    """The three ports, bound to one Domain (for its policies)."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain

    def open_release_application(self, uow: UnitOfWork, *, order_id: int, account_id: int,
                                 amount: Decimal, reasons: Sequence[str],
                                 requester_id: int | None) -> str:
        """Open (and submit) the order-release application of a blocked order; its number.
        The same order blocked again gets the application already open for it."""
        order = uow.session.get(Order, order_id)
        account = uow.session.get(CreditAccount, account_id)
        if order is None or account is None:
            raise InvalidInput(_("This customer has no order {order}.", order=order_id))
        reason = _("Order {order} ({amount}) was blocked by the credit check: {reasons}",
                   order=order.external_id, amount=amount,
                   reasons="; ".join(reasons)).render(account.business_unit.locale)
        app = suggest(uow, account_id=account_id, kind=ApplicationKind.ORDER_RELEASE,
                      amount=amount, reason=reason, rule_name=ORDER_CHECK,
                      policies=self.domain.policies, submit_now=True, order_id=order_id)
        return app.number

    def open_application(self, uow: UnitOfWork, *, account_id: int, kind: str,
                         amount: Decimal | None, grade: str | None, reason: str,
                         requester_id: int | None, source: str) -> str:
        """A rule's suggested application: a draft the account's owner reviews and submits
        (the open one of that kind when there is one); its number."""
        if kind not in SUGGESTED_KINDS or grade is not None:
            raise InvalidInput(_("The workflow has no {kind} application: the grade comes "
                                 "from the scorecard; suggest a limit instead.", kind=kind))
        start = end = None
        if SUGGESTED_KINDS[kind] == ApplicationKind.TEMPORARY:
            start, end = self._window(uow, account_id)
        app = suggest(uow, account_id=account_id, kind=SUGGESTED_KINDS[kind], amount=amount,
                      reason=reason, rule_name=_rule_name(source),
                      policies=self.domain.policies, valid_from=start, valid_to=end)
        return app.number

    def _window(self, uow: UnitOfWork, account_id: int) -> tuple[dt.date, dt.date]:
        account = uow.session.get(CreditAccount, account_id)
        if account is None:
            raise InvalidInput(_("Credit account {id} does not exist.", id=account_id))
        policy: ApprovalPolicy = self.domain.policies.get(account.business_unit_id, APPROVAL,
                                                          uow.session)
        start = local_date(uow.now(), account.business_unit.timezone)
        days = min(TEMPORARY_DAYS, policy.temporary_max_days)
        return start, start + dt.timedelta(days=days - 1)

    def decide_application(self, uow: UnitOfWork, *, application_id: int, outcome: str,
                           reason: str, source: str) -> None:
        """A rule's decision on a pending application (see ``decide_by_rule``)."""
        decide_by_rule(uow, application_id, outcome, reason, _rule_name(source))


def open_applications(session: Session, actor: Actor, account_ids: list[int]
                      ) -> list[ApplicationSummary]:
    """The 360° view's open applications (draft, in approval, returned) of these accounts,
    as far as ``actor`` may see them; oldest first."""
    if not account_ids:
        return []
    rows = session.scalars(
        select(Application).join(CreditAccount, CreditAccount.id == Application.account_id)
        .where(Application.account_id.in_(account_ids),
               Application.status.in_(OPEN_STATUSES), visible(actor))
        .order_by(Application.created_at, Application.id))
    return [ApplicationSummary(a.id, a.account_id, a.number, str(a.kind), a.requested_amount,
                               str(a.status), a.submitted_at) for a in rows]


register_open_applications(open_applications)


def applications_panel(session: Session, account_id: int, as_of: dt.date
                       ) -> CustomerPanel | None:
    """The customer page's open applications at the end of ``as_of`` (opened by then, not
    decided by then): kind, amount, status and with whom each is pending, with links."""
    account = session.get(CreditAccount, account_id)
    if account is None:
        return None
    end = day_end(account, as_of)
    apps = session.scalars(
        select(Application).where(Application.account_id == account_id,
                                  Application.created_at <= end,
                                  or_(Application.decided_at.is_(None),
                                      Application.decided_at > end))
        .order_by(Application.created_at, Application.id)).all()
    waiting: dict[int, list[str]] = {}
    for app_id, name in session.execute(
            select(StepAssignment.application_id, Person.name)
            .join(Person, Person.id == StepAssignment.person_id)
            .where(StepAssignment.application_id.in_([a.id for a in apps]),
                   StepAssignment.status == AssignmentStatus.PENDING)
            .order_by(StepAssignment.id)):
        waiting.setdefault(app_id, []).append(name)
    lines: list[tuple[Text | str, Text | str]] = []
    for a in apps:
        status = label(STATUS_LABELS, a.status)
        if waiting.get(a.id):
            status = _("{status}, with {names}", status=status,
                       names="、".join(waiting[a.id]))
        lines.append((a.number, _("{summary} · {status}", summary=summary(a), status=status)))
    return CustomerPanel(_("Open applications"), tuple(lines),
                         None if lines else _("No open applications."),
                         links=tuple((a.number, application_path(a.number)) for a in apps))


@installer
def connect_workflow(domain: Domain) -> None:
    """Connect the order check's and the rules engine's ports to this workflow."""
    ports = WorkflowPorts(domain)
    domain.ports[OPEN_RELEASE_APPLICATION] = ports.open_release_application
    domain.ports[OPEN_APPLICATION] = ports.open_application
    domain.ports[DECIDE_APPLICATION] = ports.decide_application
    customer_panels(domain)["applications"] = applications_panel
