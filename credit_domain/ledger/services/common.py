"""What every ledger service shares: the business unit a caller may write to, the account a
record refers to, and the answer each record gets."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, contains_eager

from credit_domain.accounts.models import CreditAccount
from credit_domain.clock import local_date
from credit_domain.customers.master import surviving
from credit_domain.customers.models import Customer
from credit_domain.i18n import Text, text_factory
from credit_domain.ledger.problems import reject
from credit_domain.ledger.records import CustomerRef
from credit_domain.orgs.lookup import business_unit_by_code
from credit_domain.orgs.models import BusinessUnit
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")
Row = TypeVar("Row")


class Caller(Protocol):
    """Who pushes records: an API client (its key's business units) or a person (their
    roles); both refuse a business unit they are not valid for."""

    def require_business_unit(self, business_unit_id: int) -> None: ...


def business_unit_for(session: Session, code: str, caller: Caller) -> BusinessUnit:
    """The business unit ``code``, if ``caller`` may work in it (Forbidden otherwise)."""
    bu = business_unit_by_code(session, code)
    caller.require_business_unit(bu.id)
    return bu


class Change(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Recorded:
    """The answer to one pushed record."""

    kind: str
    external_id: str
    id: int
    change: Change


def account_of_customer(session: Session, business_unit_id: int,
                        customer: Customer) -> CreditAccount | None:
    customer = surviving(session, customer)
    return session.scalars(select(CreditAccount).where(
        CreditAccount.business_unit_id == business_unit_id,
        CreditAccount.customer_id == customer.id)).first()


def resolve_account(session: Session, business_unit_id: int, ref: CustomerRef) -> CreditAccount:
    """The credit account in the business unit of the customer ``ref`` names (by customer
    number, USCC or id); a merged customer resolves to the one it was merged into."""
    account: CreditAccount | None = None
    field, value = "customer_id", str(ref.customer_id)
    if ref.customer_external_id:
        field, value = "customer_external_id", ref.customer_external_id
        account = session.scalars(_by_number(business_unit_id, ref.customer_external_id)).first()
        if account is not None and account.customer.merged_into_id is not None:
            account = account_of_customer(session, business_unit_id, account.customer)
    elif ref.customer_uscc:
        field, value = "customer_uscc", ref.customer_uscc
        customer = session.scalars(select(Customer).where(
            Customer.uscc == ref.customer_uscc)).first()
        account = account_of_customer(session, business_unit_id, customer) if customer else None
    elif ref.customer_id is not None:
        customer = session.get(Customer, ref.customer_id)
        account = account_of_customer(session, business_unit_id, customer) if customer else None
    if account is None:
        raise reject((field,), _("No customer {ref} has a credit account in this business "
                                 "unit.", ref=value))
    return account


def _by_number(business_unit_id: int, customer_external_id: str) -> Select[CreditAccount]:
    """The account with that customer number in the business unit, read with its customer."""
    return (select(CreditAccount).join(CreditAccount.customer)
            .options(contains_eager(CreditAccount.customer))
            .where(CreditAccount.business_unit_id == business_unit_id,
                   CreditAccount.external_id == customer_external_id))


def lock_resolved_account(uow: UnitOfWork, business_unit_id: int, ref: CustomerRef
                          ) -> CreditAccount:
    """The account :func:`resolve_account` finds, locked for the unit of work (see
    :meth:`UnitOfWork.lock_account`): found and locked in one statement when ``ref`` names a
    customer number of a customer not merged into another, the usual case."""
    if ref.customer_external_id:
        account = uow.session.scalars(uow.locking(
            _by_number(business_unit_id, ref.customer_external_id))).first()
        if account is not None and account.customer.merged_into_id is None:
            return uow.hold(account)
    return uow.lock_account(resolve_account(uow.session, business_unit_id, ref).id)


def locate(uow: UnitOfWork, bu: BusinessUnit, rec: Any, model: type[Row]
           ) -> tuple[CreditAccount, Row | None]:
    """The (locked) account a ledger record belongs to, and the row that already carries the
    record's number in the business unit, if any."""
    account = lock_resolved_account(uow, bu.id, rec)
    column: Any = model
    existing = uow.session.scalars(select(model).where(
        column.business_unit_id == bu.id, column.external_id == rec.external_id)).first()
    return account, existing


def same_account(existing: Any, account: CreditAccount, message: Text) -> None:
    """Refuse a number the ERP already used for another customer's record."""
    if existing.account_id != account.id:
        raise reject(("customer_external_id",), message)


def not_after_today(uow: UnitOfWork, bu: BusinessUnit, day: dt.date, field: str) -> None:
    """A ledger event (issued, shipped, received) cannot lie ahead: a payment dated next
    year would lower today's receivables while every as-of figure still counts it unpaid.
    One day of slack absorbs an ERP in another time zone."""
    today = local_date(uow.now(), bu.timezone)
    if day > today + dt.timedelta(days=1):
        raise reject((field,), _("{day} is in the future (today is {today} in this business "
                                 "unit); record it on the day it happens.",
                                 day=day.isoformat(), today=today.isoformat()))
