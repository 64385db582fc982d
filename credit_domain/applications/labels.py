"""Localisable names of kinds, statuses, roles and timeline actions, for cards, the CLI and
the web pages alike."""

from __future__ import annotations

from credit_domain.i18n import Text, text_factory

_ = text_factory("credit_domain")

KIND_LABELS: dict[str, Text] = {
    "initial": _("initial credit"),
    "increase": _("limit adjustment"),
    "temporary": _("temporary limit"),
    "order_release": _("order release"),
}

STATUS_LABELS: dict[str, Text] = {
    "draft": _("draft"),
    "pending": _("in approval"),
    "returned": _("returned for more information"),
    "approved": _("approved"),
    "rejected": _("rejected"),
    "withdrawn": _("withdrawn"),
    "waiting": _("waiting"),
    "cancelled": _("cancelled"),
    "transferred": _("transferred"),
}

ROLE_LABELS: dict[str, Text] = {
    "salesperson": _("salesperson"),
    "sales_manager": _("sales manager"),
    "region_director": _("region director"),
    "finance_manager": _("finance manager"),
    "risk_director": _("risk director"),
    "general_manager": _("general manager"),
    "credit_admin": _("credit administrator"),
    "auditor": _("auditor"),
}

STEP_KIND_LABELS: dict[str, Text] = {
    "sequential": _("sequential"),
    "countersign": _("countersign (all must approve)"),
    "or_sign": _("or-sign (any one decides)"),
}

ACTION_LABELS: dict[str, Text] = {
    "suggested": _("suggested"),
    "submitted": _("submitted"),
    "resubmitted": _("resubmitted"),
    "approved": _("approved"),
    "rejected": _("rejected"),
    "returned": _("returned"),
    "withdrawn": _("withdrawn"),
    "transferred": _("transferred"),
    "commented": _("commented"),
    "reminded": _("reminded"),
    "escalated": _("escalated"),
    "step_approved": _("step approved"),
    "effect_applied": _("effect applied"),
}


def label(table: dict[str, Text], key: str) -> Text:
    """The label of ``key``; an unknown key shows as itself."""
    return table.get(key) or Text("{key}", params={"key": key})


def step_title(name: str | None, role: str) -> Text:
    """A step's name from the policy, or its role's label."""
    return Text("{name}", params={"name": name}) if name else label(ROLE_LABELS, role)
