"""The audit trail as a customer's history: which audited changes belong to a credit account,
and how each reads to a person (chat and web say the same thing)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_

from credit_domain.audit.models import AuditEvent
from credit_domain.i18n import Text, text_factory

_ = text_factory("credit_domain")

# Audit entries written before 0.1 named the account entity "account"; they still count.
ACCOUNT_ENTITIES = ("credit_account", "account")

LABELS: dict[str, Text] = {
    "account.created": _("account opened"), "account.limit_changed": _("limit changed"),
    "limit.changed": _("limit changed by an approval"),
    "temporary_limit.granted": _("temporary limit granted"),
    "temporary_limit.expired": _("temporary limit expired"),
    "account.grade_changed": _("grade changed"), "account.note": _("note"),
    "account.moved": _("account moved"), "account.folded": _("account merged"),
    "hold.placed": _("put on hold"), "hold.released": _("hold released"),
    "score.changed": _("score changed"), "rule.fired": _("rule fired"),
    "bureau.signal": _("bureau signal"),
    "order.reserved": _("order passed the credit check"),
    "order.blocked": _("order blocked by the credit check"),
    "order.released": _("order released"), "customer.renamed": _("renamed"),
    "customer.merged": _("merged"),
}


def label(action: str) -> Text:
    """How an audited action reads; an action without a label reads as its code."""
    return LABELS.get(action) or Text(action)


def actor_name(actor_label: str) -> str:
    """``person:3 王芳`` → ``王芳``; ``system:rule:overdue-hold`` → ``creditbot · overdue-hold``;
    any other ``system:…`` (scheduler, imports) → ``creditbot``."""
    kind, _sep, rest = actor_label.partition(":")
    if kind == "person":
        return rest.partition(" ")[2] or rest
    source, _sep, rule = rest.partition(":")
    return f"creditbot · {rule}" if source == "rule" and rule else "creditbot"


def of_accounts(account_ids: list[str] | ColumnElement[str]) -> ColumnElement[bool]:
    """The audit entries of these credit accounts, whichever entity name wrote them."""
    return and_(AuditEvent.entity_type.in_(ACCOUNT_ENTITIES),
                AuditEvent.entity_id.in_(account_ids))


def of_account(account_id: int) -> ColumnElement[bool]:
    return or_(*(and_(AuditEvent.entity_type == e, AuditEvent.entity_id == str(account_id))
                 for e in ACCOUNT_ENTITIES))
