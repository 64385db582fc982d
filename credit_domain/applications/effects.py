"""What a final approval changes, in the approving transaction: a new permanent limit, an
active temporary limit for its window, or a blocked order released (its open amount becomes
exposure). The credit account is locked first, as every change of a limit is."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from credit_domain.accounts.models import TemporaryLimit, TemporaryLimitStatus
from credit_domain.applications.models import Application, ApplicationKind
from credit_domain.errors import Conflict
from credit_domain.events import LimitChanged
from credit_domain.i18n import text_factory
from credit_domain.ledger.models import Order, OrderStatus
from credit_domain.orders.lifecycle import release_order
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")


def apply_effect(uow: UnitOfWork, app: Application) -> dict[str, Any]:
    """Apply ``app``'s effect and return it (before and after) for the decision record."""
    account = uow.lock_account(app.account_id)
    bu = app.business_unit_id
    if app.kind in (ApplicationKind.INITIAL, ApplicationKind.INCREASE):
        before = {"credit_limit": str(account.credit_limit),
                  "payment_terms_days": account.payment_terms_days}
        old = account.credit_limit
        account.credit_limit = app.requested_amount
        if app.term_days:
            account.payment_terms_days = app.term_days
        account.version += 1
        account.updated_at = uow.now()
        after = {"credit_limit": str(account.credit_limit),
                 "payment_terms_days": account.payment_terms_days}
        uow.audit("limit.changed", "credit_account", account.id, business_unit_id=bu,
                  before=before, after=after, reason=f"{app.number}: {app.reason}")
        uow.publish(LimitChanged(bu, account.id, old, account.credit_limit, reason=app.number))
        return {"type": "limit", "before": before, "after": after}
    if app.kind == ApplicationKind.TEMPORARY:
        assert app.valid_from is not None and app.valid_to is not None
        temp = TemporaryLimit(
            account_id=account.id, amount=app.requested_amount, valid_from=app.valid_from,
            valid_to=app.valid_to, status=TemporaryLimitStatus.ACTIVE, reason=app.reason,
            source=f"application:{app.number}", created_at=uow.now())
        uow.session.add(temp)
        uow.session.flush()
        after = {"temporary_limit_id": temp.id, "amount": str(temp.amount),
                 "valid_from": temp.valid_from.isoformat(),
                 "valid_to": temp.valid_to.isoformat()}
        uow.audit("temporary_limit.granted", "credit_account", account.id, business_unit_id=bu,
                  after=after, reason=f"{app.number}: {app.reason}")
        return {"type": "temporary_limit", "before": None, "after": after}
    return _release_order(uow, app)


def _release_order(uow: UnitOfWork, app: Application) -> dict[str, Any]:
    """The order is released by the order lifecycle's own service (one path, one audit
    event); the application only insists that it is still blocked."""
    order = uow.session.scalar(select(Order).where(Order.id == app.order_id))
    if order is None or order.status != OrderStatus.BLOCKED:
        raise Conflict(_("Order {order} is no longer blocked ({status}); reject or withdraw "
                         "{number} instead.", order=order.external_id if order else "?",
                         status=order.status if order else "-", number=app.number))
    before = {"status": str(order.status), "open_amount": str(order.open_amount),
              "block_reason": order.block_reason}
    release_order(uow, order.id, reason=f"{app.number}: {app.reason}")
    after = {"status": str(order.status), "open_amount": str(order.open_amount)}
    return {"type": "order_release", "order": order.external_id, "before": before,
            "after": after}
