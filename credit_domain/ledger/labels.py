"""Ledger states as people read them."""

from __future__ import annotations

from credit_domain.i18n import Text, text_factory
from credit_domain.ledger.models import OrderStatus

_ = text_factory("credit_domain")


def status_label(status: str) -> Text:
    """An order status in the reader's language."""
    labels: dict[str, Text] = {
        OrderStatus.RESERVED: _("reserved"), OrderStatus.BLOCKED: _("blocked"),
        OrderStatus.RELEASED: _("released"), OrderStatus.CONFIRMED: _("confirmed"),
        OrderStatus.COMPLETED: _("completed"), OrderStatus.CANCELLED: _("cancelled"),
    }
    return labels.get(status) or _("{message}", message=status)
