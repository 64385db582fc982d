"""Demo applications and a blocked order, made through the real services (so every one has
its route, timeline, audit events and notifications): a newcomer who signs in as 李强
(``liqiang``) or 张伟 (``zhangwei``) finds decisions waiting, and the other states are there to
look at.

- pending with 李强: a limit increase from 王芳, and the release of an order the credit check
  blocked (opened by the check itself);
- pending with 张伟: a limit increase 李强 already approved;
- approved: a temporary limit; returned for more information; rejected by 李强; rejected by the
  high-risk rule; withdrawn by its requester;
- a draft: a payment received on time today, after which the rules suggest a higher limit to
  the account's owner.

Customers are taken in a fixed order (never 华为, which the README's examples use), so the
same seed and date give the same applications; with few customers some are left out.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select

from credit_domain.access import Actor, load_actor
from credit_domain.accounts.exposure import account_exposure
from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.applications import (
    Application,
    ApplicationRequest,
    ApplicationStatus,
    approve,
    reject,
    return_for_info,
    submit,
    withdraw,
)
from credit_domain.bootstrap import Domain
from credit_domain.clock import local_date
from credit_domain.customers.models import Customer
from credit_domain.ledger.models import Invoice
from credit_domain.ledger.records import AllocationIn, OrderRecord, PaymentRecord
from credit_domain.ledger.services import record_payment
from credit_domain.orders.check import check_order
from credit_domain.orgs.models import BusinessUnit, PlatformIdentity
from credit_domain.unit_of_work import UnitOfWork

RESERVED_CUSTOMER = "华为技术有限公司"  # the README's and the CLI tests' example customer
MAX_TRIES = 5  # accounts tried for the on-time payment that suggests a higher limit
HIGH_RISK_SCORE = 50  # the default rule high-risk-auto-reject rejects requests below it


@dataclass
class DemoApplications:
    numbers: dict[str, str] = field(default_factory=dict)  # what → application number
    blocked_order: str | None = None


@dataclass(frozen=True)
class Candidate:
    account_id: int
    owner_login: str
    limit: Decimal
    external_id: str
    score: float | None
    active: bool


def _people(domain: Domain) -> dict[str, Actor]:
    with domain.read() as s:
        rows = s.execute(select(PlatformIdentity.external_id, PlatformIdentity.person_id)).all()
        return {login: load_actor(s, pid) for login, pid in rows}


def _candidates(domain: Domain, owners: tuple[str, ...]) -> list[Candidate]:
    """IND accounts of these salespeople with a limit, not closed, in id order (those on
    hold only when their score is high risk: the rules reject their requests anyway)."""
    with domain.read() as s:
        rows = s.execute(
            select(CreditAccount.id, PlatformIdentity.external_id, CreditAccount.credit_limit,
                   CreditAccount.external_id, CreditAccount.score, CreditAccount.status)
            .join(BusinessUnit, BusinessUnit.id == CreditAccount.business_unit_id)
            .join(Customer, Customer.id == CreditAccount.customer_id)
            .join(PlatformIdentity, PlatformIdentity.person_id == CreditAccount.owner_id)
            .where(BusinessUnit.code == "IND", PlatformIdentity.external_id.in_(owners),
                   or_(CreditAccount.status == AccountStatus.ACTIVE,
                       and_(CreditAccount.status == AccountStatus.ON_HOLD,
                            CreditAccount.score < HIGH_RISK_SCORE)),
                   CreditAccount.credit_limit > 0, Customer.legal_name != RESERVED_CUSTOMER)
            .order_by(CreditAccount.id)).all()
    return [Candidate(a, login, limit, ext or "", score, status == AccountStatus.ACTIVE)
            for a, login, limit, ext, score, status in rows]


def seed_applications(domain: Domain) -> DemoApplications:
    """Make the demo's applications and blocked order (see module docstring)."""
    people = _people(domain)
    done = DemoApplications()
    pool = _candidates(domain, ("wangfang", "wulei"))
    sound = iter([c for c in pool if c.score is not None and c.score >= 60 and c.active])
    risky = iter([c for c in pool if c.score is not None and c.score < HIGH_RISK_SCORE])

    def act(who: str, fn: Callable[[UnitOfWork, Actor], Any]) -> Any:
        actor = people[who]
        with domain.uow(actor) as uow:
            result = fn(uow, actor)
            uow.commit()
        return result

    def apply(what: str, pick: Iterator[Candidate], kind: str,
              amount: Callable[[Candidate], Decimal], reason: str, **extra: Any
              ) -> tuple[int, str] | None:
        """Submit as the account's owner; (application id, owner login)."""
        c = next(pick, None)
        if c is None:
            return None
        app = act(c.owner_login, lambda uow, actor: submit(
            uow, domain.policies, actor, ApplicationRequest(
                c.account_id, kind, amount(c), reason, **extra)))
        done.numbers[what] = app.number
        return int(app.id), c.owner_login

    def raise_by(n: int) -> Callable[[Candidate], Decimal]:
        return lambda c: c.limit + Decimal(n)

    today = _today(domain)

    def then(submitted: tuple[int, str] | None, who: str,
             fn: Callable[[UnitOfWork, Actor, int], Any]) -> None:
        if submitted is not None:
            app_id, owner = submitted
            act(owner if who == "owner" else who, lambda uow, a: fn(uow, a, app_id))

    # Waiting for 李强 (step 1), then for 张伟 after 李强's approval (step 2).
    apply("pending_sales_manager", sound, "increase", raise_by(30_000),
          "客户新增产线，月采购额上升约三成 (new production line)")
    then(apply("pending_finance", sound, "increase", raise_by(150_000),
               "年度框架合同已签订，需提高额度 (annual framework contract)"),
         "liqiang", lambda uow, a, i: approve(uow, a, i, comment="回款稳定，同意"))
    then(apply("approved", sound, "temporary", lambda c: Decimal(40_000),
               "春节前备货 (stock-up before the holiday)", valid_from=today,
               valid_to=today + dt.timedelta(days=45)),
         "liqiang", lambda uow, a, i: approve(uow, a, i, comment="临时额度，到期自动失效"))
    then(apply("returned", sound, "increase", raise_by(80_000), "业务扩张 (business growth)"),
         "liqiang", lambda uow, a, i: return_for_info(
             uow, a, i, "请补充最近两期财务报表和回款计划 (add financials and a payment plan)"))
    then(apply("rejected", sound, "increase", raise_by(40_000), "客户要求提高额度"),
         "liqiang", lambda uow, a, i: reject(
             uow, a, i, "近三个月多次逾期，暂不提额 (late payments lately)"))
    then(apply("withdrawn", sound, "temporary", lambda c: Decimal(20_000), "展会备货",
               valid_from=today, valid_to=today + dt.timedelta(days=30)),
         "owner", lambda uow, a, i: withdraw(uow, a, i, "客户取消了展会 (the fair was cancelled)"))
    _payment_on_time(domain, done, sound, today)
    # A high-risk customer's request: the rules reject it in the submitting transaction.
    apply("rejected_by_rule", risky, "increase", raise_by(50_000), "客户希望追加额度")
    _blocked_order(domain, done, next(sound, None), today)
    return done


def _today(domain: Domain) -> dt.date:
    return local_date(domain.clock.now(), "Asia/Shanghai")


def _payment_on_time(domain: Domain, done: DemoApplications, pick: Iterator[Candidate],
                     today: dt.date) -> None:
    """A payment received today, on time, for an invoice not yet due: after enough on-time
    payments in a row the rules open a suggested limit increase (a draft for the owner)."""
    for c in list(itertools.islice(pick, MAX_TRIES)):
        with domain.uow() as uow:
            invoice = uow.session.scalars(
                select(Invoice).where(Invoice.account_id == c.account_id,
                                      Invoice.open_amount > 0, Invoice.due_date >= today)
                .order_by(Invoice.due_date, Invoice.id).limit(1)).first()
            if invoice is None:
                continue
            account = uow.session.get(CreditAccount, c.account_id)
            assert account is not None
            record_payment(uow, account.business_unit, PaymentRecord(
                customer_external_id=c.external_id, external_id=f"PAY-DEMO-{c.account_id}",
                amount=invoice.open_amount, received_on=today, allocations=[AllocationIn(
                    invoice_external_id=invoice.external_id, amount=invoice.open_amount)]))
            uow.commit()
        with domain.read() as s:
            draft = s.scalars(select(Application.number).where(
                Application.account_id == c.account_id,
                Application.status == ApplicationStatus.DRAFT)).first()
        if draft is not None:
            done.numbers["draft"] = draft
            return


def _blocked_order(domain: Domain, done: DemoApplications, c: Candidate | None,
                   today: dt.date) -> None:
    """An order above the available limit: blocked, with its release application (pending
    with the sales manager, then finance)."""
    if c is None:
        return
    with domain.uow() as uow:
        account = uow.session.get(CreditAccount, c.account_id)
        assert account is not None
        available = account_exposure(uow.session, account.id, today).available
        # 60,000 or so above what is available, in round ten thousands
        amount = (max(available, Decimal(0)) // 10_000 + 6) * Decimal(10_000)
        bu = account.business_unit
        number = f"SO-{bu.code}-DEMO-1"
        answer = check_order(uow, bu, domain.policies.get(bu.id, "order_check", uow.session),
                             OrderRecord(external_id=number, amount=amount,
                                         customer_external_id=c.external_id),
                             domain.ports)
        uow.commit()
    done.blocked_order = number
    if answer.release_reference:
        done.numbers["order_release"] = answer.release_reference
