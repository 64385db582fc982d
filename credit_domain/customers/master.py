"""Customer master data: one customer per legal entity, whichever system names it.

A record is matched to an existing customer by USCC first, then by normalized name (or a
known alias). Probable duplicates (two customers with the same normalized name, or one's name
being the other's alias) are reported; a credit admin merges them, audited, and the loser
stays as a pointer (``merged_into_id``) so that old references still resolve.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, delete, or_, select, union, update
from sqlalchemy.orm import Session, aliased

from credit_domain.customers.models import Customer, CustomerAlias
from credit_domain.errors import InvalidInput, NotFound
from credit_domain.i18n import text_factory
from credit_domain.ledger.problems import reject
from credit_domain.names import normalize_name
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")


def surviving(session: Session, customer: Customer) -> Customer:
    """The customer itself, or the one it was merged into (following a chain of merges)."""
    seen = {customer.id}
    while customer.merged_into_id is not None and customer.merged_into_id not in seen:
        seen.add(customer.merged_into_id)
        nxt = session.get(Customer, customer.merged_into_id)
        if nxt is None:
            break
        customer = nxt
    return customer


def match_customer(session: Session, *, uscc: str | None, name: str) -> Customer | None:
    """The existing customer a record describes: same USCC, else the one customer with the
    same normalized name or alias (and no different USCC). Several candidates by name and no
    USCC to tell them apart is an error saying so."""
    if uscc:
        found = session.scalars(select(Customer).where(Customer.uscc == uscc)).first()
        if found is not None:
            return surviving(session, found)
    norm = normalize_name(name)
    if not norm:
        return None
    # A union of two index lookups: "name = … OR id IN (aliases)" makes PostgreSQL read
    # every customer, which turns an import of many customers quadratic.
    named = union(select(Customer.id).where(Customer.normalized_name == norm),
                  select(CustomerAlias.customer_id).where(CustomerAlias.normalized_alias == norm))
    candidates = list(session.scalars(
        select(Customer).where(Customer.merged_into_id.is_(None), Customer.id.in_(named))
        .order_by(Customer.id)
    ))
    if uscc:  # a customer known under another USCC is another legal entity
        candidates = [c for c in candidates if c.uscc is None]
    if len(candidates) > 1:
        raise reject(("name",), _(
            "Several customers are named {name}; give the USCC to say which one.", name=name))
    return candidates[0] if candidates else None


@dataclass(frozen=True)
class CustomerFacts:
    """What a record says about a legal entity."""

    name: str
    uscc: str | None = None
    aliases: tuple[str, ...] = ()
    parent_uscc: str | None = None
    industry: str | None = None
    established_on: dt.date | None = None


def create_customer(uow: UnitOfWork, facts: CustomerFacts) -> Customer:
    """A new customer (no match was found)."""
    now = uow.now()
    customer = Customer(legal_name=facts.name, normalized_name=normalize_name(facts.name),
                        uscc=facts.uscc, created_at=now, updated_at=now)
    uow.session.add(customer)
    uow.session.flush()
    update_customer(uow, customer, facts)
    return customer


def update_customer(uow: UnitOfWork, customer: Customer, facts: CustomerFacts) -> bool:
    """Bring ``customer`` up to date with ``facts``; True when anything changed. A changed
    legal name (same USCC) is audited and the old name kept as an alias."""
    session = uow.session
    changed = False
    if facts.uscc and customer.uscc is None:
        customer.uscc, changed = facts.uscc, True
    if facts.name != customer.legal_name and facts.uscc and customer.uscc == facts.uscc:
        uow.audit("customer.renamed", "customer", customer.id, business_unit_id=None,
                  before={"legal_name": customer.legal_name}, after={"legal_name": facts.name})
        old = customer.legal_name
        customer.legal_name, customer.normalized_name = facts.name, normalize_name(facts.name)
        _add_alias(session, customer, old)
        changed = True
    for alias in facts.aliases:
        changed |= _add_alias(session, customer, alias)
    changed |= _set(customer, "industry", facts.industry)
    changed |= _set(customer, "established_on", facts.established_on)
    if facts.parent_uscc:
        parent = session.scalars(select(Customer).where(Customer.uscc == facts.parent_uscc)).first()
        if parent is None:
            raise reject(("parent_uscc",), _("No customer has the USCC {uscc}.",
                                             uscc=facts.parent_uscc))
        parent = surviving(session, parent)
        if parent.id != customer.id:
            changed |= _set(customer, "parent_id", parent.id)
    if changed:
        customer.updated_at = uow.now()
    return changed


def _set(obj: object, attr: str, value: object) -> bool:
    if value is None or getattr(obj, attr) == value:
        return False
    setattr(obj, attr, value)
    return True


def _add_alias(session: Session, customer: Customer, alias: str) -> bool:
    norm = normalize_name(alias)
    if not norm or norm == customer.normalized_name:
        return False
    exists = session.scalar(select(CustomerAlias.id).where(
        CustomerAlias.customer_id == customer.id, CustomerAlias.normalized_alias == norm))
    if exists is not None:
        return False
    session.add(CustomerAlias(customer_id=customer.id, alias=alias, normalized_alias=norm))
    session.flush()
    return True


@dataclass(frozen=True)
class DuplicatePair:
    """Two customers that are probably one legal entity, and why we think so."""

    first_id: int
    first_name: str
    first_uscc: str | None
    second_id: int
    second_name: str
    second_uscc: str | None
    why: str  # "same_name" | "alias"


def probable_duplicates(session: Session, limit: int = 500) -> list[DuplicatePair]:
    """Pairs of live customers with the same normalized name, or where one's name is the
    other's alias, that do not carry two different USCCs (those are distinct entities)."""
    a, b = aliased(Customer), aliased(Customer)
    live = and_(a.merged_into_id.is_(None), b.merged_into_id.is_(None), a.id < b.id,
                or_(a.uscc.is_(None), b.uscc.is_(None), a.uscc == b.uscc))
    cols = (a.id, a.legal_name, a.uscc, b.id, b.legal_name, b.uscc)
    same = select(*cols).where(live, a.normalized_name == b.normalized_name).limit(limit)
    alias = (
        select(*cols).select_from(a).join(b, a.id < b.id).join(CustomerAlias, or_(
            and_(CustomerAlias.customer_id == b.id,
                 CustomerAlias.normalized_alias == a.normalized_name),
            and_(CustomerAlias.customer_id == a.id,
                 CustomerAlias.normalized_alias == b.normalized_name)))
        .where(live, a.normalized_name != b.normalized_name).distinct().limit(limit)
    )
    pairs = [DuplicatePair(*row, why="same_name") for row in session.execute(same)]
    pairs += [DuplicatePair(*row, why="alias") for row in session.execute(alias)]
    return pairs[:limit]


def load_live(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(_("Customer {id} does not exist.", id=customer_id))
    if customer.merged_into_id is not None:
        raise InvalidInput(_("Customer {id} was already merged into customer {other}.",
                             id=customer_id, other=customer.merged_into_id))
    return customer


def move_master_data(uow: UnitOfWork, loser: Customer, survivor: Customer) -> None:
    """Aliases, USCC and group children of ``loser`` go to ``survivor``; the loser's legal
    name becomes an alias."""
    session = uow.session
    for alias in list(loser.aliases):
        _add_alias(session, survivor, alias.alias)
    session.execute(delete(CustomerAlias).where(CustomerAlias.customer_id == loser.id))
    session.expire(loser, ["aliases"])
    _add_alias(session, survivor, loser.legal_name)
    if survivor.uscc is None and loser.uscc is not None:
        code, loser.uscc = loser.uscc, None
        session.flush()
        survivor.uscc = code
    if survivor.parent_id == loser.id:
        survivor.parent_id = loser.parent_id
    session.flush()
    session.execute(update(Customer).where(Customer.parent_id == loser.id,
                                           Customer.id != survivor.id)
                    .values(parent_id=survivor.id))
    loser.merged_into_id = survivor.id
    loser.updated_at = survivor.updated_at = uow.now()
