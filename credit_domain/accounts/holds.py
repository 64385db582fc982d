"""Credit holds (信用冻结): an account on hold gets no new orders or shipments until released.

Placing and releasing are idempotent (a second hold changes nothing), audited with the reason,
and raise :class:`~credit_domain.events.HoldChanged` so that rules and alerts can react.
"""

from __future__ import annotations

from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.events import HoldChanged
from credit_domain.unit_of_work import ActorRef, UnitOfWork


def _state(account: CreditAccount) -> dict[str, object]:
    return {"status": account.status, "hold_reason": account.hold_reason,
            "hold_since": account.hold_since}


def place_hold(uow: UnitOfWork, account_id: int, reason: str, *, source: str,
               actor: ActorRef | None = None) -> bool:
    """Put the account on hold for ``reason``; False (and no change) when it already is on
    hold or is closed. ``source`` says what decided it (``rule:overdue-hold``, ``person:12``)."""
    return _move(uow, account_id, AccountStatus.ACTIVE, AccountStatus.ON_HOLD, reason, source,
                 actor)


def release_hold(uow: UnitOfWork, account_id: int, reason: str, *, source: str,
                 actor: ActorRef | None = None) -> bool:
    """Release the account's hold; False (and no change) when it is not on hold."""
    return _move(uow, account_id, AccountStatus.ON_HOLD, AccountStatus.ACTIVE, reason, source,
                 actor)


def _move(uow: UnitOfWork, account_id: int, from_: AccountStatus, to: AccountStatus,
          reason: str, source: str, actor: ActorRef | None) -> bool:
    account = uow.lock_account(account_id)
    if account.status != from_:
        return False
    before, on_hold = _state(account), to == AccountStatus.ON_HOLD
    account.status, account.version, account.updated_at = to, account.version + 1, uow.now()
    account.hold_reason, account.hold_since = (reason, uow.now()) if on_hold else (None, None)
    uow.audit("account.hold_placed" if on_hold else "account.hold_released", "credit_account",
              account.id, business_unit_id=account.business_unit_id, before=before,
              after={**_state(account), "source": source}, reason=reason, actor=actor)
    uow.publish(HoldChanged(account.business_unit_id, account.id, on_hold, reason))
    return True
