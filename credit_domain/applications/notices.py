"""Outbox notifications of the workflow, in the standard payload (``title``, ``tone``,
``lines``, ``fields``, ``link``; see ``credit_domain/outbox/models.py``) plus the ids a card
renderer needs (``application_id``, ``number``, ``step_id``, ``assignment_id``, ``version``,
``actions``). Every text is a :class:`~credit_domain.i18n.Text`, rendered in each
recipient's language at delivery.

Kinds: ``application.pending_approval`` (one per approver), ``application.submitted``,
``application.progress``, ``application.approved``, ``application.rejected``,
``application.returned``, ``application.withdrawn``, ``application.transferred``,
``application.commented``, ``application.reminder``, ``application.escalated``,
``application.no_longer_pending`` (to approvers whose card is now moot) and
``application.suggested``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from credit_domain.applications.labels import KIND_LABELS, label, step_title
from credit_domain.applications.models import Application, ApprovalStep, StepAssignment
from credit_domain.i18n import Text, text_factory
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")
DECIDE_ACTIONS = ("approve", "reject", "return", "comment")


def plain(value: Any) -> Text:
    """A value shown as it is (money still renders as money)."""
    return Text("{v}", params={"v": value})


def local_time(at: dt.datetime | None, timezone: str) -> str:
    return "-" if at is None else f"{at.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M}"


def customer_name(app: Application) -> str:
    return app.account.customer.legal_name


def summary(app: Application) -> Text:
    """"initial credit of ¥20万 for 华为技术有限公司"."""
    return _("{kind} of {amount} for {customer}", kind=label(KIND_LABELS, app.kind),
             amount=app.requested_amount, customer=customer_name(app))


def fields(app: Application, requester_name: str) -> list[dict[str, Any]]:
    """The facts an approver decides on: the request and the snapshot at submission."""
    snap = app.snapshot or {}
    rows: list[tuple[Text, Any]] = [
        (_("Customer"), customer_name(app)),
        (_("Type"), label(KIND_LABELS, app.kind)),
        (_("Requested amount"), app.requested_amount),
        (_("Requester"), requester_name),
    ]
    if app.valid_from and app.valid_to:
        rows.append((_("Valid"), f"{app.valid_from:%Y-%m-%d} – {app.valid_to:%Y-%m-%d}"))
    if app.term_days:
        rows.append((_("Payment terms"), _("{days} days", days=app.term_days)))
    for key, caption in (("limit", _("Current limit")), ("temporary", _("Temporary limit")),
                         ("exposure", _("Exposure")), ("available", _("Available")),
                         ("overdue", _("Overdue"))):
        if snap.get(key) is not None:
            rows.append((caption, Decimal(snap[key])))
    grade = snap.get("grade") or "-"
    score = snap.get("score")
    rows.append((_("Grade / score"), f"{grade} / {score:.0f}" if score is not None else grade))
    if snap.get("on_hold"):
        rows.append((_("Credit hold"), _("on hold")))
    return [{"label": caption.to_json(),
             "value": (value if isinstance(value, Text) else plain(value)).to_json()}
            for caption, value in rows]


def payload(app: Application, title: Text, *, tone: str = "info",
            lines: Sequence[Text] = (), with_fields: bool = False, requester_name: str = "",
            **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "application_id": app.id, "number": app.number, "application_kind": app.kind,
        "status": app.status, "version": app.version, "amount": str(app.requested_amount),
        "title": title.to_json(), "tone": tone, "lines": [t.to_json() for t in lines],
        "link": application_path(app.number),
    }
    if with_fields:
        out["fields"] = fields(app, requester_name)
    out.update(extra)
    return out


def application_path(number: str) -> str:
    """The web page of an application (its timeline), the ``link`` of its notifications."""
    return f"/applications/{number}"


def requester_recipient(app: Application) -> int | None:
    """Who hears about an application's progress: its requester, or the account's owner
    when the system opened it."""
    return app.requester_id if app.requester_id is not None else app.account.owner_id


def to_requester(uow: UnitOfWork, app: Application, kind: str, title: Text, *,
                 tone: str = "info", lines: Sequence[Text] = (), key: str | None = None,
                 **extra: Any) -> None:
    person = requester_recipient(app)
    if person is not None:
        to_people(uow, app, [person], kind, title, tone=tone, lines=lines, key=key,
                  audience="requester", **extra)


def to_people(uow: UnitOfWork, app: Application, people: Iterable[int | None], kind: str,
              title: Text, *, tone: str = "info", lines: Sequence[Text] = (),
              audience: str = "cc", key: str | None = None, **extra: Any) -> None:
    """One message per person. ``key`` names the occasion for the dedupe key (default:
    the application's version, i.e. this transition)."""
    occasion = key or f"v{app.version}"
    for person in dict.fromkeys(p for p in people if p is not None):
        uow.notify(kind, person_id=person, business_unit_id=app.business_unit_id,
                   dedupe_key=f"application:{app.id}:{occasion}:{kind}:{person}",
                   **payload(app, title, tone=tone, lines=lines, audience=audience, **extra))


def to_cc(uow: UnitOfWork, app: Application, kind: str, title: Text, *, tone: str = "info",
          lines: Sequence[Text] = ()) -> None:
    """CC recipients (抄送): the people and channels the route names."""
    to_people(uow, app, app.cc_person_ids or [], kind, title, tone=tone, lines=lines)
    for channel in app.cc_channels or []:
        uow.notify(kind, channel=channel, business_unit_id=app.business_unit_id,
                   dedupe_key=f"application:{app.id}:v{app.version}:{kind}:#{channel}",
                   **payload(app, title, tone=tone, lines=lines, audience="cc"))


def pending_approval(uow: UnitOfWork, app: Application, step: ApprovalStep,
                     assignments: Iterable[StepAssignment], *, requester_name: str,
                     step_count: int, timezone: str, note: Text | None = None) -> None:
    """Ask each newly pending approver for a decision (one message per assignment)."""
    actions = [*DECIDE_ACTIONS, *(["transfer"] if step.allow_transfer else [])]
    title = _("{number}: your decision is needed", number=app.number)
    lines = [
        _("{requester} asks for {summary}.", requester=requester_name, summary=summary(app)),
        _("Reason: {reason}", reason=app.reason),
        _("Step {position} of {count}: {step}, due {due}.", position=step.position,
          count=step_count, step=step_title(step.name, step.role),
          due=local_time(step.due_at, timezone)),
    ]
    if note is not None:
        lines.append(note)
    for a in assignments:
        uow.notify(
            "application.pending_approval", person_id=a.person_id,
            business_unit_id=app.business_unit_id,
            dedupe_key=f"application:{app.id}:assignment:{a.id}:pending",
            **payload(app, title, lines=lines, with_fields=True, requester_name=requester_name,
                      step_id=step.id, assignment_id=a.id, step_kind=step.kind,
                      via=a.via, due_at=step.due_at.isoformat() if step.due_at else None,
                      attachments=list(app.attachments or []), actions=actions),
        )
