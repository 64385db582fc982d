"""An application as a card, for one reader: what is asked, the credit at submission, the
route and where it stands, and the buttons that reader may use (an approver's Approve /
Reject / Return / Comment, a requester's Withdraw / Resubmit / Submit).

Every card of one application carries the key ``application:<id>``, so a later notification
(``no_longer_pending``, the requester's ``submitted``) updates the card in place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bot.messages import Button, Card, Field, Section, Tone
from credit_domain.applications.errors import short_time
from credit_domain.applications.labels import KIND_LABELS, STATUS_LABELS, label
from credit_domain.applications.models import (
    ApplicationKind,
    ApplicationStatus,
    AssignmentStatus,
    StepStatus,
)
from credit_domain.applications.routing import ratio
from credit_domain.i18n import Text, text_factory
from credit_domain.money import format_amount
from handlers.application_view import AppView, StepView

_ = text_factory("handlers")

STEP_MARKS = {StepStatus.APPROVED: "✔", StepStatus.REJECTED: "✘", StepStatus.RETURNED: "↩",
              StepStatus.PENDING: "▶", StepStatus.WAITING: "○", StepStatus.CANCELLED: "—"}
TONES: dict[str, Tone] = {"approved": "ok", "rejected": "danger", "returned": "warn",
                          "withdrawn": "info", "pending": "info", "draft": "info"}
SHORT_STEP_KINDS = {"or_sign": _("any one"), "countersign": _("all of them"),
                    "sequential": _("one after another")}
DECIDED = (AssignmentStatus.APPROVED, AssignmentStatus.REJECTED, AssignmentStatus.RETURNED,
           AssignmentStatus.TRANSFERRED)


def card_key(application_id: int) -> str:
    return f"application:{application_id}"


class Fmt:
    """Money, times and labels of one view in one language."""

    def __init__(self, view: AppView, locale: str) -> None:
        self.view, self.locale = view, locale

    def money(self, value: Decimal | str | None) -> str:
        if value is None:
            return "—"
        return format_amount(Decimal(value), self.locale, self.view.currency)

    def when(self, at: dt.datetime | None) -> str:
        return "—" if at is None else short_time(at, self.view.now, self.view.timezone)

    def t(self, text: Text) -> str:
        return text.render(self.locale)


def application_card(view: AppView, locale: str, reader_id: int | None, *,
                     full: bool | None = None) -> Card:
    """The card of ``view`` for ``reader_id``: the request, the route and where it stands;
    ``full`` adds the credit at submission (what an approver decides on; by default for
    everyone but the requester)."""
    f = Fmt(view, locale)
    if full is None:
        full = not view.is_requester(reader_id)
    fields = request_fields(view, f)
    sections = []
    if full and view.snapshot:
        sections.append(snapshot_section(view, f))
    sections.append(route_section(view, f))
    if view.comments:
        sections.append(Section(title=f.t(_("Comments")), text="\n".join(
            f"{f.when(c.at)} {c.actor}: {c.note}" for c in view.comments)))
    return Card(
        title=f"{view.number} · {view.customer}",
        subtitle=" · ".join((f.t(label(KIND_LABELS, view.kind)), f.money(view.amount),
                             f.t(label(STATUS_LABELS, view.status)))),
        fields=tuple(fields), sections=tuple(sections),
        buttons=buttons_for(view, reader_id, f),
        footer=state_line(view, f, reader_id), tone=TONES.get(view.status, "info"),
        key=card_key(view.id))


def _requested(view: AppView, f: Fmt) -> str:
    if view.kind in (ApplicationKind.INITIAL, ApplicationKind.INCREASE):
        current = view.snapshot.get("limit")
        if current is not None and Decimal(current) > 0:
            return f"{f.money(current)} → {f.money(view.amount)}"
    return f.money(view.amount)


def request_fields(view: AppView, f: Fmt) -> list[Field]:
    """What is asked and by whom."""
    fields = [Field(f.t(_("Requested")), _requested(view, f)),
              Field(f.t(_("Requester")), view.requester)]
    exposure = view.snapshot.get("exposure")
    if (view.kind in (ApplicationKind.INITIAL, ApplicationKind.INCREASE)
            and exposure is not None and view.amount < Decimal(exposure)):
        fields.append(Field("⚠️ " + f.t(_("Below the exposure")), f.t(_(
            "The new limit is {over} below the exposure at submission ({exposure}): the "
            "account would be over its limit and new orders refused.",
            over=Decimal(exposure) - view.amount, exposure=Decimal(exposure))), short=False))
    if view.submitted_at is not None:
        fields.append(Field(f.t(_("Submitted")), f.when(view.submitted_at)))
    if view.valid_from and view.valid_to:
        days = (view.valid_to - view.valid_from).days + 1
        fields.append(Field(f.t(_("Valid")), f.t(_(
            "{start} – {end} ({days} days)", start=view.valid_from.isoformat(),
            end=view.valid_to.isoformat(), days=days))))
    if view.order:
        fields.append(Field(f.t(_("Order")), view.order))
    if view.term_days:
        fields.append(Field(f.t(_("Payment terms")), f.t(_("{days} days", days=view.term_days))))
    fields.append(Field(f.t(_("Reason")), view.reason, short=False))
    if view.attachments:
        fields.append(Field(f.t(_("Attachments")), "\n".join(view.attachments), short=False))
    return fields


def snapshot_section(view: AppView, f: Fmt) -> Section:
    """The customer's credit when the application was submitted."""
    s = view.snapshot
    utilisation = s.get("utilisation")
    grade = s.get("grade") or "—"
    score = s.get("score")
    fields = [
        Field(f.t(_("Credit limit")), f.money(s.get("limit"))),
        Field(f.t(_("Temporary limits")), f.money(s.get("temporary"))),
        Field(f.t(_("Exposure")), f.money(s.get("exposure"))),
        Field(f.t(_("Available")), f.money(s.get("available"))),
        Field(f.t(_("Overdue")), f.money(s.get("overdue"))),
        Field(f.t(_("Utilisation")), f"{ratio(utilisation):.0%}" if utilisation is not None
              else "—"),
        Field(f.t(_("Grade / score")), f"{grade} / {score:.0f}" if score is not None else grade),
    ]
    if s.get("on_hold"):
        fields.append(Field(f.t(_("Status")), f.t(_("On credit hold"))))
    return Section(title=f.t(_("Credit at submission ({date})", date=s.get("taken_on", "—"))),
                   fields=tuple(fields))


def route_section(view: AppView, f: Fmt) -> Section:
    """Each step of the current round: who, and what they decided or since when it waits."""
    lines = [step_line(view, step, f) for step in view.steps]
    title = f.t(_("Route {route}", route=view.route)) if view.route else f.t(_("Route"))
    return Section(title=title, text="\n".join(lines) or f.t(_("Not submitted yet.")))


def step_line(view: AppView, step: StepView, f: Fmt) -> str:
    mark = STEP_MARKS.get(StepStatus(step.status), "○")
    kind = f" ({f.t(SHORT_STEP_KINDS[step.kind])})" if (
        len(step.people) > 1 and step.kind in SHORT_STEP_KINDS) else ""
    head = f"{mark} {step.position}. {f.t(step.title)}{kind}"
    decided = [p for p in step.people if p.status in DECIDED]
    waiting = [p for p in step.people if p.status == AssignmentStatus.PENDING]
    parts = [f.t(_("{name} {outcome} {time}", name=p.name,
                   outcome=label(STATUS_LABELS, p.status), time=f.when(p.decided_at)))
             + (f" — {p.comment}" if p.comment else "") for p in decided]
    if step.status == StepStatus.PENDING and waiting:
        names = "、".join(p.name for p in waiting)
        late = step.due_at is not None and view.now >= step.due_at
        parts.append(f.t(_("{names} — waiting since {since}, due {due}", names=names,
                           since=f.when(step.opened_at), due=f.when(step.due_at)))
                     + (" ⚠️ " + f.t(_("overdue")) if late else ""))
    later = [p for p in step.people if p.status == AssignmentStatus.WAITING]
    if step.status == StepStatus.PENDING and later:
        parts.append(f.t(_("then {names}", names="、".join(p.name for p in later))))
    elif not decided and not waiting:
        parts.append("、".join(p.name for p in step.people))
    return f"{head}: " + "; ".join(parts)


def state_line(view: AppView, f: Fmt, reader_id: int | None) -> str | None:
    """Where the application stands, in one line (who decided and when)."""
    last = view.last
    if view.status == ApplicationStatus.PENDING:
        mine = view.pending_step_of(reader_id)
        if mine is not None:
            return f.t(_("Your decision is needed ({step}).", step=mine.title))
        return None
    if view.status == ApplicationStatus.DRAFT:
        return f.t(_("Suggested by {name}; not submitted yet.", name=view.requester))
    if last is None:
        return None
    line = f.t(_("{outcome}: {name}, {time}", outcome=label(STATUS_LABELS, view.status),
                 name=last.actor, time=f.when(last.at)))
    return line + (f" — {last.note}" if last.note and view.status != "withdrawn" else "")


def buttons_for(view: AppView, reader_id: int | None, f: Fmt) -> tuple[Button, ...]:
    """What ``reader_id`` may do with the application now."""
    app = {"app": str(view.id)}
    step = view.pending_step_of(reader_id)
    if step is not None:
        on_step = {**app, "step": str(step.id)}
        return (
            Button(f.t(_("Approve")), "app.approve", on_step, "primary"),
            Button(f.t(_("Reject")), "app.reject", on_step, "danger", needs_reason=True),
            Button(f.t(_("Return")), "app.return", on_step, needs_reason=True),
            Button(f.t(_("Comment")), "app.comment", app, needs_reason=True,
                   prompt=f.t(_("Your comment"))),
            *((Button(f.t(_("Transfer")), "app.transfer", on_step),) if step.transferable
              else ()),
        )
    if not view.is_requester(reader_id):
        return ()
    withdraw = Button(f.t(_("Withdraw")), "app.withdraw", app,
                      confirm=f.t(_("Withdraw {number}? No limit will change.",
                                    number=view.number)))
    if view.status == ApplicationStatus.PENDING:
        return (Button(f.t(_("Comment")), "app.comment", app, needs_reason=True,
                       prompt=f.t(_("Your comment"))), withdraw)
    if view.status == ApplicationStatus.RETURNED:
        return (Button(f.t(_("Resubmit")), "app.resubmit", app, "primary"), withdraw)
    if view.status == ApplicationStatus.DRAFT:
        return (Button(f.t(_("Submit")), "app.draft.submit", app, "primary"),
                Button(f.t(_("Change and submit")), "app.draft.change", app), withdraw)
    return ()
