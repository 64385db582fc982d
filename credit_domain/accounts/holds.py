"""Credit holds (信用冻结): an account on hold takes no new orders or shipments until released.

Placing and releasing a hold is one small service that the overdue scan, the rules engine and
people (through chat or the web) all use, so every hold carries the same audit event and the
same :class:`~credit_domain.events.HoldChanged` event, whoever placed it.

A hold records its *cause* (``overdue``, ``bureau``, ``manual``, ``rule``…): what may lift it
without a person. The default rules release an ``overdue`` hold once the account has no
overdue invoice left (rule ``overdue-paid-release``); every other hold waits for a person
(:func:`release_hold_as`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from credit_domain.access import Actor, require_account
from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.errors import Conflict, InvalidInput
from credit_domain.events import HoldChanged
from credit_domain.i18n import Text, text_factory
from credit_domain.orgs.models import Role
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")

# Who may place or release a hold by hand; automatic actors (scheduler, rules) always may.
HOLD_ROLES = (Role.FINANCE_MANAGER, Role.RISK_DIRECTOR, Role.CREDIT_ADMIN, Role.GENERAL_MANAGER)


@dataclass(frozen=True)
class HoldResult:
    account_id: int
    on_hold: bool
    changed: bool  # False: the account already was in that state; nothing was written


def place_hold(uow: UnitOfWork, account_id: int, reason: str, by: Actor, *,
               cause: str = "manual") -> HoldResult:
    """Put a credit account on hold with ``reason`` and ``cause`` (see module docstring).
    Placing a hold on an account already on hold changes nothing (the first reason and cause
    stay); a closed account cannot be held."""
    account = _locked(uow, account_id, reason, by, _("A hold needs a reason."), "place_hold")
    if account.status == AccountStatus.ON_HOLD:
        return HoldResult(account_id, True, changed=False)
    if account.status == AccountStatus.CLOSED:
        raise Conflict(_("Credit account {id} is closed.", id=account_id))
    before = {"status": account.status, "version": account.version}
    account.status, account.hold_reason, account.hold_since, account.hold_cause = (
        AccountStatus.ON_HOLD, reason.strip(), uow.now(), cause)
    return _changed(uow, account, "hold.placed", before, reason.strip(), by)


def release_hold(uow: UnitOfWork, account_id: int, reason: str, by: Actor) -> HoldResult:
    """Release a hold with ``reason``; releasing an account that is not on hold changes
    nothing."""
    account = _locked(uow, account_id, reason, by, _("Releasing a hold needs a reason."),
                      "release_hold")
    if account.status != AccountStatus.ON_HOLD:
        return HoldResult(account_id, False, changed=False)
    before = {"status": account.status, "hold_reason": account.hold_reason,
              "hold_since": account.hold_since, "hold_cause": account.hold_cause,
              "version": account.version}
    account.status, account.hold_reason, account.hold_since, account.hold_cause = (
        AccountStatus.ACTIVE, None, None, None)
    return _changed(uow, account, "hold.released", before, reason.strip(), by)


def place_hold_as(uow: UnitOfWork, actor: Actor, account_id: int, reason: str) -> HoldResult:
    """A person puts an account on hold by hand (cause ``manual``): they must see the account
    and hold one of :data:`HOLD_ROLES` in its business unit; a reason is required. An
    account already on hold is refused with a clear answer and nothing changes."""
    account = require_account(uow.session, actor, account_id, action="place_hold")
    result = place_hold(uow, account_id, reason, actor, cause="manual")
    if not result.changed:
        raise Conflict(_("{customer} is already on credit hold: {reason}",
                         customer=account.customer.legal_name,
                         reason=account.hold_reason or "-"))
    return result


def release_hold_as(uow: UnitOfWork, actor: Actor, account_id: int, reason: str) -> HoldResult:
    """A person releases a hold by hand: they must see the account and hold one of
    :data:`HOLD_ROLES` in its business unit (a credit admin, finance manager, risk director or
    general manager); a reason is required. An account that is not on hold is refused with
    a clear answer and nothing changes (a second tap says the hold is already gone)."""
    account = require_account(uow.session, actor, account_id, action="release_hold")
    result = release_hold(uow, account_id, reason, actor)
    if not result.changed:
        raise Conflict(_("{customer} is not on credit hold; nothing was released.",
                         customer=account.customer.legal_name))
    return result


def _locked(uow: UnitOfWork, account_id: int, reason: str, by: Actor,
            missing_reason: Text, action: str) -> CreditAccount:
    if not (reason or "").strip():
        raise InvalidInput(missing_reason)
    account = uow.lock_account(account_id)
    by.require_role(account.business_unit_id, *HOLD_ROLES, action=action,
                    target=f"credit_account:{account_id}")
    return account


def _changed(uow: UnitOfWork, account: CreditAccount, action: str, before: dict[str, Any],
             reason: str, by: Actor) -> HoldResult:
    account.version += 1
    account.updated_at = uow.now()
    after = {"status": account.status, "version": account.version}
    if account.hold_cause is not None:
        after["cause"] = account.hold_cause
    uow.audit(action, "credit_account", account.id, business_unit_id=account.business_unit_id,
              before=before, after=after, reason=reason, actor=by.ref)
    uow.publish(HoldChanged(account.business_unit_id, account.id, on_hold=account.on_hold,
                            reason=reason))
    return HoldResult(account.id, account.on_hold, changed=True)
