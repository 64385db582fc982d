"""Every mapped model, imported in one place so the metadata (and Alembic) sees them all."""

from credit_domain.accounts.models import CreditAccount, TemporaryLimit
from credit_domain.apikeys.models import ApiKey
from credit_domain.audit.models import AuditEvent
from credit_domain.customers.models import Customer, CustomerAlias
from credit_domain.db.base import Base
from credit_domain.inbound.models import ProcessedEvent
from credit_domain.ledger.models import Allocation, CreditNote, Delivery, Invoice, Order, Payment
from credit_domain.orgs.models import (
    BusinessUnit,
    Person,
    PlatformIdentity,
    Region,
    RoleAssignment,
    Team,
)
from credit_domain.outbox.models import OutboxMessage
from credit_domain.platforms.models import PlatformMessage, PlatformToken
from credit_domain.policy.models import PolicyVersion

__all__ = [
    "Allocation",
    "ApiKey",
    "AuditEvent",
    "Base",
    "BusinessUnit",
    "CreditAccount",
    "CreditNote",
    "Customer",
    "CustomerAlias",
    "Delivery",
    "Invoice",
    "Order",
    "OutboxMessage",
    "Payment",
    "Person",
    "PlatformIdentity",
    "PlatformMessage",
    "PlatformToken",
    "PolicyVersion",
    "ProcessedEvent",
    "Region",
    "RoleAssignment",
    "Team",
    "TemporaryLimit",
]
