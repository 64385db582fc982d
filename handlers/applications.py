"""Following applications: ``status APP-…`` / ``进度 APP-…`` (the timeline: who did what
when, what is pending with whom since when), ``my applications`` / ``我的申请``, ``pending`` /
``待我审批`` (with a button to open each card), and the home screen's "Pending my decision"
and "My applications"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.messages import Button, Card, CardAction, Field, Reply, Section
from credit_domain import applications as wf
from credit_domain.applications.errors import short_time
from credit_domain.applications.labels import ACTION_LABELS, KIND_LABELS, STATUS_LABELS, label
from credit_domain.applications.queries import ApplicationSummary, PendingDecision
from credit_domain.i18n import text_factory
from credit_domain.money import format_amount
from credit_domain.orgs.models import BusinessUnit
from handlers.application_card import TONES, Fmt, buttons_for
from handlers.application_view import load
from handlers.decide import ids_of, number_of
from handlers.router import Args, Context, Replies, router

_ = text_factory("handlers")

LISTED = 10  # applications in a list card
BUTTONS = 5  # of them with a button
HOME = 5  # in a home section


@router.command("status", aliases=["进度", "查进度", "申请进度"], usage=_("status APP-…"),
                summary=_("Where an application stands: who did what when, who has it now"),
                examples=("status APP-2026-000123", "进度 2026-000123"), order=30)
def status(ctx: Context, args: Args) -> Replies:
    if not args.text:
        return my_applications(ctx, args)
    number, _rest = number_of(args)
    return Reply(card=timeline_card(ctx, number))


@router.action("app.status")
def status_tapped(ctx: Context, action: CardAction) -> Reply:
    return Reply(card=timeline_card(ctx, ids_of(action.value)[0]))


def timeline_card(ctx: Context, ref: int | str) -> Card:
    """Who did what when, what is pending with whom since when, and what comes next."""
    now = ctx.now()
    with ctx.read() as session:
        t = wf.timeline(session, ctx.actor, ref, now)
        view = load(session, ctx.actor, t.application.id, now)
    f = Fmt(view, ctx.locale)
    lines = []
    for e in t.entries:
        line = f"{f.when(e.at)} {e.actor} {ctx.t(label(ACTION_LABELS, e.action))}"
        if e.step is not None:
            line += f" · {ctx.t(e.step)}"
        lines.append(line + (f": {e.note}" if e.note else ""))
    waiting = [ctx.t(_("▶ {step}: {name}, since {since}, due {due}", step=w.step, name=w.person,
                      since=f.when(w.since), due=f.when(w.due_at)))
               + (" ⚠️ " + ctx.t(_("overdue")) if w.overdue else "") for w in t.pending]
    waiting += [f"○ {pos}. {ctx.t(step)}: {'、'.join(names)}" for pos, step, names in t.upcoming]
    sections = [Section(title=ctx.t(_("Timeline")), text="\n".join(lines) or "—")]
    if waiting:
        sections.append(Section(title=ctx.t(_("Pending")), text="\n".join(waiting)))
    fields = [Field(ctx.t(_("Requester")), view.requester),
              Field(ctx.t(_("Route")), view.route or "—")]
    return Card(
        title=f"{view.number} · {view.customer}",
        subtitle=" · ".join((ctx.t(label(KIND_LABELS, view.kind)), f.money(view.amount),
                             ctx.t(label(STATUS_LABELS, view.status)))),
        fields=tuple(fields), sections=tuple(sections), buttons=buttons_for(
            view, ctx.person_id, f), tone=TONES.get(view.status, "info"),
        key=f"status:{view.id}")


# -- lists ----------------------------------------------------------------------------------------
class _Units:
    """Currency and timezone of the business units of listed applications."""

    def __init__(self, session: Session, ids: set[int]) -> None:
        self.units = {u.id: u for u in session.scalars(
            select(BusinessUnit).where(BusinessUnit.id.in_(ids)))} if ids else {}

    def money(self, a: ApplicationSummary, locale: str) -> str:
        unit = self.units.get(a.business_unit_id)
        return format_amount(a.amount, locale, unit.currency if unit else "CNY")

    def when(self, at: dt.datetime | None, a: ApplicationSummary, now: dt.datetime) -> str:
        unit = self.units.get(a.business_unit_id)
        return "—" if at is None else short_time(at, now, unit.timezone if unit else
                                                 "Asia/Shanghai")


def _mine(ctx: Context, limit: int) -> tuple[list[ApplicationSummary], _Units]:
    with ctx.read() as session:
        rows = wf.my_applications(session, ctx.actor, limit=limit)
        return rows, _Units(session, {a.business_unit_id for a in rows})


def _waiting(ctx: Context, limit: int) -> tuple[list[PendingDecision], _Units]:
    with ctx.read() as session:
        rows = wf.pending_for(session, ctx.person_id, limit=limit)
        return rows, _Units(session, {p.application.business_unit_id for p in rows})


def _mine_line(ctx: Context, a: ApplicationSummary, units: _Units) -> str:
    state = ctx.t(label(STATUS_LABELS, a.status))
    if a.pending_with:
        state += f" ({'、'.join(a.pending_with)})"
    return " · ".join((a.number, a.customer, ctx.t(label(KIND_LABELS, a.kind)),
                       units.money(a, ctx.locale), state))


def _pending_line(ctx: Context, p: PendingDecision, units: _Units) -> str:
    a = p.application
    now = ctx.now()
    return " · ".join((a.number, a.customer, ctx.t(label(KIND_LABELS, a.kind)),
                       units.money(a, ctx.locale), a.requester or "creditbot",
                       ctx.t(_("{step} since {since}, due {due}", step=p.step,
                               since=units.when(p.since, a, now),
                               due=units.when(p.due_at, a, now)))))


@router.command("mine", aliases=["my applications", "my apps", "我的申请", "我的授信申请"],
                usage=_("my applications"),
                summary=_("Your applications and where each stands"), order=31)
def my_applications(ctx: Context, args: Args) -> Reply:
    rows, units = _mine(ctx, LISTED)
    if not rows:
        return Reply(text=ctx.t(_("You have no applications yet. Apply with: apply CUSTOMER "
                                  "AMOUNT REASON")))
    return Reply(card=Card(
        title=ctx.t(_("My applications")),
        sections=(Section(text="\n".join(_mine_line(ctx, a, units) for a in rows)),),
        buttons=_open_buttons(rows, "app.status"),
        footer=ctx.t(_("Tap one for its timeline, or send status APP-…"))))


def _open_buttons(rows: Sequence[ApplicationSummary], action: str) -> tuple[Button, ...]:
    return tuple(Button(f"{a.number} · {a.customer}"[:60], action, {"app": str(a.id)})
                 for a in rows[:BUTTONS])


@router.command("pending", aliases=["待我审批", "待审批", "我的待办", "todo"],
                usage=_("pending"),
                summary=_("Applications waiting for your decision (decide on their cards, or "
                          "with approve / reject / return APP-…)"),
                order=32)
def pending(ctx: Context, args: Args) -> Reply:
    rows, units = _waiting(ctx, LISTED)
    if not rows:
        return Reply(text=ctx.t(_("Nothing waits for your decision.")))
    return Reply(card=Card(
        title=ctx.t(_("Pending my decision ({n})", n=len(rows))),
        sections=(Section(text="\n".join(_pending_line(ctx, p, units) for p in rows)),),
        buttons=_open_buttons([p.application for p in rows], "app.card"),
        footer=ctx.t(_("Tap one to open its approval card.")), tone="warn"))


# -- the home screen --------------------------------------------------------------------------
def _home(ctx: Context, title: str, lines: list[str], empty: str, more: str) -> Section:
    text = "\n".join(lines[:HOME]) or empty
    if len(lines) > HOME:
        text += "\n" + more
    return Section(title=title, text=text)


@router.home_section("pending", order=10)
def home_pending(ctx: Context) -> Section:
    rows, units = _waiting(ctx, HOME + 1)
    return _home(ctx, ctx.t(_("Pending my decision")),
                 [_pending_line(ctx, p, units) for p in rows],
                 ctx.t(_("Nothing waits for your decision.")),
                 ctx.t(_("… and more: send pending")))


@router.home_section("my_applications", order=20)
def home_mine(ctx: Context) -> Section:
    rows, units = _mine(ctx, HOME + 1)
    return _home(ctx, ctx.t(_("My applications")), [_mine_line(ctx, a, units) for a in rows],
                 ctx.t(_("You have no applications yet. Apply with: apply CUSTOMER AMOUNT "
                         "REASON")),
                 ctx.t(_("… and more: send my applications")))
