"""Customers and their credit accounts, pushed by the ERP (or imported): matched to master
data by USCC, then by normalized name; idempotent by the ERP's customer number."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.clock import local_date
from credit_domain.customers.master import (
    CustomerFacts,
    create_customer,
    match_customer,
    update_customer,
)
from credit_domain.i18n import text_factory
from credit_domain.ledger.problems import reject
from credit_domain.ledger.records import CustomerRecord
from credit_domain.ledger.services.common import Change, Recorded, account_of_customer
from credit_domain.orgs.models import BusinessUnit, Person, RoleAssignment, Team
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")


def _facts(rec: CustomerRecord) -> CustomerFacts:
    return CustomerFacts(rec.name, rec.uscc, tuple(rec.aliases or ()), rec.parent_uscc,
                         rec.industry, rec.established_on)


def _owner(session: Session, bu: BusinessUnit, who: str) -> int:
    """The account owner by e-mail, employee number or id, or by name when exactly one
    person of the business unit has it (as ``creditbot export`` writes owners)."""
    person = session.scalars(select(Person).where(
        Person.active.is_(True),
        or_(Person.email == who, Person.employee_no == who,
            Person.id == (int(who) if who.isdigit() else -1)))).first()
    if person is None:
        named = session.scalars(select(Person).join(
            RoleAssignment, RoleAssignment.person_id == Person.id).where(
            Person.active.is_(True), Person.name == who,
            RoleAssignment.business_unit_id == bu.id).distinct()).all()
        if len(named) > 1:
            raise reject(("owner",), _("Several people are called {who}; give the e-mail or "
                                       "employee number.", who=who))
        person = named[0] if named else None
    if person is None:
        raise reject(("owner",), _("No one is enrolled as {who}.", who=who))
    role = session.scalar(select(RoleAssignment.id).where(
        RoleAssignment.person_id == person.id, RoleAssignment.business_unit_id == bu.id))
    if role is None:
        raise reject(("owner",), _("{who} has no role in this business unit.", who=who))
    return person.id


def _team(session: Session, bu: BusinessUnit, code: str) -> Team:
    team = session.scalars(select(Team).where(Team.business_unit_id == bu.id,
                                              Team.code == code)).first()
    if team is None:
        raise reject(("team",), _("There is no team {code} in this business unit.", code=code))
    return team


def upsert_account(uow: UnitOfWork, bu: BusinessUnit, rec: CustomerRecord) -> Recorded:
    """Create or update the customer and its credit account in ``bu``.

    A customer number already known updates that account's customer (a different USCC is
    refused: the number belongs to another company). A new number is matched to master data
    (USCC, then name) and gets a new account. ``credit_limit`` sets a new account's initial
    limit; an existing account's limit changes only through a credit application.
    """
    session, now = uow.session, uow.now()
    account = session.scalars(select(CreditAccount).where(
        CreditAccount.business_unit_id == bu.id,
        CreditAccount.external_id == rec.external_id)).first()
    if account is not None:
        customer = account.customer
        if rec.uscc and customer.uscc and rec.uscc != customer.uscc:
            raise reject(("uscc",), _(
                "Customer number {number} belongs to {name} (USCC {uscc}).",
                number=rec.external_id, name=customer.legal_name, uscc=customer.uscc))
        changed = update_customer(uow, customer, _facts(rec))
    else:
        found = match_customer(session, uscc=rec.uscc, name=rec.name)
        if found is None:
            customer, changed = create_customer(uow, _facts(rec)), True
        else:
            customer, changed = found, update_customer(uow, found, _facts(rec))
        account = account_of_customer(session, bu.id, customer)
        if account is not None and account.external_id not in (None, rec.external_id):
            raise reject(("external_id",), _(
                "{name} already has customer number {number} in this business unit.",
                name=customer.legal_name, number=account.external_id))
    created = account is None
    if account is None:
        account = CreditAccount(
            business_unit_id=bu.id, customer_id=customer.id, credit_limit=Decimal("0.00"),
            status=AccountStatus.ACTIVE, payment_terms_days=30, version=1,
            opened_on=local_date(now, bu.timezone), created_at=now, updated_at=now)
        session.add(account)
    changed |= _update_account(session, bu, account, rec, created)
    if account.external_id != rec.external_id:
        account.external_id, changed = rec.external_id, True
    if changed:
        account.updated_at = now
    session.flush()
    if created:
        uow.audit("account.created", "credit_account", account.id, business_unit_id=bu.id,
                  after={"customer": customer.legal_name, "uscc": customer.uscc,
                         "external_id": rec.external_id, "credit_limit": account.credit_limit})
    return Recorded("customer", rec.external_id, account.id,
                    Change.CREATED if created else Change.UPDATED if changed else
                    Change.UNCHANGED)


def _update_account(session: Session, bu: BusinessUnit, account: CreditAccount,
                    rec: CustomerRecord, created: bool) -> bool:
    changed = False
    if rec.owner:
        owner_id = _owner(session, bu, rec.owner)
        changed |= account.owner_id != owner_id
        account.owner_id = owner_id
    if rec.team:
        team = _team(session, bu, rec.team)
        changed |= account.team_id != team.id
        account.team_id, account.region_id = team.id, team.region_id
    if rec.payment_terms_days is not None and rec.payment_terms_days != account.payment_terms_days:
        account.payment_terms_days, changed = rec.payment_terms_days, True
    if rec.credit_limit is not None and rec.credit_limit != account.credit_limit:
        if not created:
            raise reject(("credit_limit",), _(
                "A limit changes through a credit application; the limit in force is "
                "{limit}.", limit=account.credit_limit))
        account.credit_limit, changed = rec.credit_limit, True
    return changed
