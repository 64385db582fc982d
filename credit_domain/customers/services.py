"""Finding customers the way people name them: USCC, exact name, alias, or part of a name."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from credit_domain.access import Actor, account_scope
from credit_domain.accounts.models import CreditAccount
from credit_domain.customers.models import Customer, CustomerAlias
from credit_domain.names import normalize_name
from credit_domain.uscc import is_valid_uscc, normalize_uscc


@dataclass(frozen=True)
class CustomerMatch:
    account_id: int
    customer_id: int
    business_unit_id: int
    legal_name: str
    uscc: str | None
    how: str  # "uscc", "name", "alias", "partial"


def find_accounts(
    session: Session, actor: Actor, query: str, *, business_unit_id: int | None = None,
    limit: int = 10,
) -> list[CustomerMatch]:
    """Credit accounts the actor may see whose customer matches ``query``.

    The best kind of match wins: a valid USCC, then an exact (normalised) legal name or alias,
    then names or aliases containing the query. Several results mean the caller should ask
    which one was meant.
    """
    q = (query or "").strip()
    if not q:
        return []
    base = (
        select(CreditAccount.id, Customer.id, CreditAccount.business_unit_id,
               Customer.legal_name, Customer.uscc)
        .join(Customer, Customer.id == CreditAccount.customer_id)
        .where(account_scope(actor, business_unit_id), Customer.merged_into_id.is_(None))
        .order_by(Customer.legal_name, CreditAccount.business_unit_id)
        .limit(limit)
    )
    code = normalize_uscc(q)
    if len(code) == 18 and is_valid_uscc(code):
        rows = session.execute(base.where(Customer.uscc == code)).all()
        if rows:
            return [CustomerMatch(*r, how="uscc") for r in rows]
    norm = normalize_name(q)
    if not norm:
        return []
    alias_ids = select(CustomerAlias.customer_id).where(CustomerAlias.normalized_alias == norm)
    rows = session.execute(base.where(Customer.normalized_name == norm)).all()
    if rows:
        return [CustomerMatch(*r, how="name") for r in rows]
    rows = session.execute(base.where(Customer.id.in_(alias_ids))).all()
    if rows:
        return [CustomerMatch(*r, how="alias") for r in rows]
    pattern = f"%{_escape_like(norm)}%"
    partial_alias = select(CustomerAlias.customer_id).where(
        CustomerAlias.normalized_alias.like(pattern, escape="\\")
    )
    rows = session.execute(
        base.where(or_(Customer.normalized_name.like(pattern, escape="\\"),
                       Customer.id.in_(partial_alias)))
    ).all()
    return [CustomerMatch(*r, how="partial") for r in rows]


def _escape_like(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
