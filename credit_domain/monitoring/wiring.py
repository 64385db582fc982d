"""Monitoring's installer: a hold placed or released by anyone (this scan, a rule, a person)
alerts the people the ``alerts`` policy names, in the same transaction."""

from __future__ import annotations

from typing import Any

from credit_domain.accounts.models import CreditAccount
from credit_domain.bootstrap import Domain, installer
from credit_domain.customers.links import customer_path
from credit_domain.events import HoldChanged
from credit_domain.i18n import text_factory
from credit_domain.monitoring import policy as _policy  # noqa: F401  (registers the kind)
from credit_domain.monitoring.alerts import Alert, raise_alert
from credit_domain.monitoring.severity import Severity
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")


def hold_alert(account: CreditAccount, event: HoldChanged) -> Alert:
    """The alert of a hold placed (urgent) or released (info)."""
    customer = account.customer.legal_name
    reason = event.reason or "-"
    if event.on_hold:
        return Alert(
            type="credit_hold", key=f"hold:{account.id}:v{account.version}",
            business_unit_id=account.business_unit_id, severity=Severity.URGENT,
            account_id=account.id, title=_("{customer} is on credit hold", customer=customer),
            lines=(_("Reason: {reason}", reason=reason),
                   _("No new orders or shipments until the hold is released.")),
            fields=((_("Customer"), customer),), link=customer_path(account.customer_id))
    return Alert(
        type="credit_hold_released", key=f"release:{account.id}:v{account.version}",
        business_unit_id=account.business_unit_id, severity=Severity.INFO,
        account_id=account.id,
        title=_("The credit hold on {customer} was released", customer=customer),
        lines=(_("Reason: {reason}", reason=reason),), fields=((_("Customer"), customer),),
        link=customer_path(account.customer_id))


@installer
def install_monitoring(domain: Domain) -> None:
    def on_hold_changed(uow: UnitOfWork, event: Any) -> None:
        if not isinstance(event, HoldChanged):
            return
        account = uow.session.get(CreditAccount, event.account_id)
        if account is not None:
            raise_alert(uow, domain.policies, hold_alert(account, event))

    domain.subscribers.append(on_hold_changed)
