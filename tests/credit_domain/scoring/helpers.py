"""Builders for scoring and bureau tests (kept apart from tests/factories.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from credit_domain.accounts.models import CreditAccount
from credit_domain.ledger.models import Invoice
from tests.factories import World

TODAY = dt.date(2026, 3, 2)  # the local date of conftest's T0


def days(n: int) -> dt.date:
    """TODAY shifted by n days (negative: the past)."""
    return TODAY + dt.timedelta(days=n)


def paid_invoice(w: World, acc: CreditAccount, amount: int | str, *, issued: dt.date,
                 paid: dt.date | None, due: dt.date | None = None) -> Invoice:
    """An invoice paid in full on ``paid`` (None: still open)."""
    inv = w.invoice(acc, amount, issued=issued, due=due)
    if paid is not None:
        w.payment(acc, Decimal(amount), on=paid, invoice=inv)
    return inv
