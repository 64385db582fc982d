"""Merging two customers that are one legal entity (a credit admin's decision, audited)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from credit_domain.access import Actor, refuse
from credit_domain.accounts.models import AccountStatus, CreditAccount, TemporaryLimit
from credit_domain.customers.master import load_live, move_master_data
from credit_domain.errors import Conflict, InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.ledger.models import CreditNote, Delivery, Invoice, Order, Payment
from credit_domain.orgs.models import Role
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")
LEDGER = (Order, Delivery, Invoice, Payment, CreditNote)


@dataclass(frozen=True)
class MergeResult:
    survivor_id: int
    loser_id: int
    accounts_moved: int  # the loser's accounts in units where the survivor had none
    accounts_folded: int  # the loser's accounts whose ledger went to the survivor's account


def merge_customers(uow: UnitOfWork, actor: Actor, loser_id: int, survivor_id: int,
                    reason: str | None = None) -> MergeResult:
    """Merge customer ``loser_id`` into ``survivor_id``.

    Needs the credit admin role in every business unit where either has an account. Two
    different USCCs are two legal entities and are refused. The loser's accounts move to the
    survivor; where both have one in a business unit, the loser's ledger (orders, deliveries,
    invoices, payments, credit notes, temporary limits) moves to the survivor's account and
    the loser's account is closed (its limit is not added: change limits by application).
    Aliases, USCC and group children move too; the loser stays with ``merged_into_id`` set.
    """
    if loser_id == survivor_id:
        raise InvalidInput(_("A customer cannot be merged into itself."))
    session = uow.session
    loser, survivor = load_live(session, loser_id), load_live(session, survivor_id)
    if loser.uscc and survivor.uscc and loser.uscc != survivor.uscc:
        raise Conflict(_("{a} and {b} have different USCCs: they are two legal entities. "
                         "Relate them as a group instead.", a=loser.legal_name,
                         b=survivor.legal_name))
    accounts = list(session.scalars(select(CreditAccount).where(
        CreditAccount.customer_id.in_([loser.id, survivor.id]))))
    units = {a.business_unit_id for a in accounts}
    if not units and not actor.is_system and not any(
            g.role == Role.CREDIT_ADMIN for g in actor.grants):
        raise refuse(actor, "merge_customers", f"customer:{loser.id}",
                     _("This needs the role {roles} in this business unit.",
                       roles=Role.CREDIT_ADMIN.value))
    for bu_id in sorted(units):
        actor.require_role(bu_id, Role.CREDIT_ADMIN, action="merge_customers",
                           target=f"customer:{loser.id}")
    kept = {a.business_unit_id: a for a in accounts if a.customer_id == survivor.id}
    moved = folded = 0
    for account in (a for a in accounts if a.customer_id == loser.id):
        uow.lock_account(account.id)
        target = kept.get(account.business_unit_id)
        if target is None:
            account.customer_id, moved = survivor.id, moved + 1
            uow.audit("account.moved", "credit_account", account.id,
                      business_unit_id=account.business_unit_id,
                      before={"customer_id": loser.id}, after={"customer_id": survivor.id},
                      reason=reason)
            continue
        uow.lock_account(target.id)
        for model in LEDGER:
            session.execute(update(model).where(model.account_id == account.id)
                            .values(account_id=target.id))
        session.execute(update(TemporaryLimit).where(TemporaryLimit.account_id == account.id)
                        .values(account_id=target.id))
        before = {"status": account.status, "credit_limit": account.credit_limit}
        account.status, account.version = AccountStatus.CLOSED, account.version + 1
        folded += 1
        uow.audit("account.folded", "credit_account", account.id,
                  business_unit_id=account.business_unit_id, before=before,
                  after={"status": account.status, "ledger_moved_to": target.id},
                  reason=reason)
    before = {"loser": {"id": loser.id, "name": loser.legal_name, "uscc": loser.uscc},
              "survivor": {"id": survivor.id, "name": survivor.legal_name,
                           "uscc": survivor.uscc}}
    move_master_data(uow, loser, survivor)
    session.flush()
    uow.audit("customer.merged", "customer", loser.id, business_unit_id=None, before=before,
              after={"merged_into": survivor.id, "uscc": survivor.uscc,
                     "accounts_moved": moved, "accounts_folded": folded}, reason=reason)
    return MergeResult(survivor.id, loser.id, moved, folded)
