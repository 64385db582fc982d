"""Ledger use cases: what the ERP pushes (customers, deliveries, invoices, payments, credit
notes), each idempotent by the ERP's number, and customer merges."""

from credit_domain.ledger.services.accounts import upsert_account
from credit_domain.ledger.services.common import (
    Caller,
    Change,
    Recorded,
    business_unit_for,
    resolve_account,
)
from credit_domain.ledger.services.invoices import record_delivery, record_invoice
from credit_domain.ledger.services.merge import MergeResult, merge_customers
from credit_domain.ledger.services.payments import record_credit_note, record_payment

__all__ = [
    "Caller",
    "Change",
    "MergeResult",
    "Recorded",
    "business_unit_for",
    "merge_customers",
    "record_credit_note",
    "record_delivery",
    "record_invoice",
    "record_payment",
    "resolve_account",
    "upsert_account",
]
