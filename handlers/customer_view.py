"""``customer 华为`` / ``客户 华为``: the 360° view of a customer, compact enough for a phone:
per business unit the limits, exposure, available, aging, payment behaviour, score and grade
with the reasons that cost the most points, open applications; then bureau signals and the
recent timeline, with a sign-in link to the web customer page (``credit_domain.customer360``).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.messages import Button, Card, CardAction, Field, Reply, Section
from credit_domain import applications as wf
from credit_domain.analytics.tables import BUCKET_LABELS
from credit_domain.applications.labels import KIND_LABELS, STATUS_LABELS, label
from credit_domain.applications.models import OPEN_STATUSES
from credit_domain.customer360 import events
from credit_domain.customer360.services import AccountView, CustomerView, customer_view
from credit_domain.customers.links import customer_path
from credit_domain.customers.services import find_accounts
from credit_domain.errors import InvalidInput, NotFound
from credit_domain.i18n import text_factory
from credit_domain.money import format_amount
from credit_domain.orgs.models import BusinessUnit
from handlers.router import Args, Context, Replies, router

_ = text_factory("handlers")

MAX_CHOICES = 10
SHOWN = 3  # signals, timeline entries, reasons


@router.command("customer", aliases=["客户", "360", "客户360", "客户画像"],
                usage=_("customer CUSTOMER"),
                summary=_("Everything about a customer: credit, aging, payments, score, bureau, "
                          "applications"),
                examples=("customer 华为", "客户 华为技术"), order=11)
def customer(ctx: Context, args: Args) -> Replies:
    query = args.require()
    with ctx.read() as session:
        matches = find_accounts(session, ctx.actor, query, limit=MAX_CHOICES + 1)
        units = {u.id: u.display_name(ctx.locale) for u in session.scalars(
            select(BusinessUnit).where(BusinessUnit.id.in_({m.business_unit_id
                                                             for m in matches})))}
    if not matches:
        raise NotFound(_("None of the customers you may see matches “{query}”. Try part of "
                         "the name, a short name or the USCC.", query=query))
    customers = {m.customer_id: m for m in matches}
    if len(customers) == 1:
        return Reply(card=view_card(ctx, matches[0].customer_id))
    return Reply(card=Card(
        title=ctx.t(_("Which customer do you mean?")),
        subtitle=ctx.t(_("{n} customers match “{query}”.", n=len(customers), query=query)),
        buttons=tuple(Button(f"{m.legal_name} · {units.get(m.business_unit_id, '')}",
                             "customer.view", {"customer": str(m.customer_id)})
                      for m in list(customers.values())[:MAX_CHOICES])))


@router.action("customer.view")
def picked(ctx: Context, action: CardAction) -> Reply:
    try:
        customer_id = int(action.value.get("customer", ""))
    except ValueError:
        raise InvalidInput(_("This button is no longer supported; please ask again.")) from None
    return Reply(card=view_card(ctx, customer_id), replace_original=True)


def view_card(ctx: Context, customer_id: int) -> Card:
    """The compact 360° card of one customer as the person may see it."""
    view = customer_view(ctx.domain, ctx.actor, customer_id, timeline=SHOWN, signals=SHOWN)
    with ctx.read() as session:
        units = {u.id: u for u in session.scalars(select(BusinessUnit).where(
            BusinessUnit.id.in_([a.business_unit_id for a in view.accounts])))}
        apps = {a.account_id: [s for s in wf.for_customer(session, ctx.actor, a.account_id,
                                                             limit=5)
                               if s.status in OPEN_STATUSES] for a in view.accounts}
    sections = []
    for account in view.accounts:
        unit = units[account.business_unit_id]
        sections += account_sections(ctx, account, unit.display_name(ctx.locale), unit.currency,
                                     [ctx.t(_("{number}: {kind} {amount}, {status}",
                                              number=a.number, kind=label(KIND_LABELS, a.kind),
                                              amount=format_amount(a.amount, ctx.locale,
                                                                   unit.currency),
                                              status=label(STATUS_LABELS, a.status)))
                                      + (f" ({'、'.join(a.pending_with)})" if a.pending_with
                                         else "") for a in apps[account.account_id]])
    bureau = bureau_lines(ctx, view)
    if bureau:
        sections.append(Section(title=ctx.t(_("Bureau")), text="\n".join(bureau)))
    if view.timeline:
        sections.append(Section(title=ctx.t(_("Recent")), text="\n".join(
            f"{e.occurred_at:%Y-%m-%d} {events.actor_name(e.actor)} "
            + ctx.t(events.label(e.action))
            + (f" — {e.reason}" if e.reason else "") for e in view.timeline)))
    buttons = [Button(s.number, "app.status", {"app": str(s.id)})
               for found in apps.values() for s in found][:2]
    if ctx.web is not None and view.accounts:
        buttons.append(Button(ctx.t(_("Open on the web")), url=ctx.web.sign_in(
            ctx.person_id, customer_path(view.customer_id))))
    subtitle = [f"USCC {view.uscc}" if view.uscc else None, view.industry,
                ctx.t(_("group {name}", name=view.group_root)) if view.group_root else None]
    on_hold = any(a.status == "on_hold" for a in view.accounts)
    return Card(title=view.legal_name, subtitle=" · ".join(p for p in subtitle if p) or None,
                sections=tuple(sections), buttons=tuple(buttons),
                tone="danger" if on_hold else "info", key=f"customer:{customer_id}")


def account_sections(ctx: Context, a: AccountView, unit: str, currency: str,
                     applications: list[str]) -> list[Section]:
    """One business unit's credit, aging, payments, score and applications."""
    e = a.exposure

    def money(v: Decimal) -> str:
        return format_amount(v, ctx.locale, currency)

    limit = money(e.credit_limit) + (f" + {money(e.temporary_limit)}"
                                     if e.temporary_limit else "")
    score = a.score
    fields = (
        Field(ctx.t(_("Credit limit")), limit),
        Field(ctx.t(_("Exposure")), money(e.exposure)),
        Field(ctx.t(_("Available")), money(e.available)),
        Field(ctx.t(_("Utilisation")), f"{e.utilisation:.0%}" if e.utilisation is not None
              else "—"),
        Field(ctx.t(_("Overdue")), money(e.overdue)),
        Field(ctx.t(_("Grade / score")), f"{score.grade} / {score.score:.0f}" if score
              else ctx.t(_("not scored"))),
    )
    head = " · ".join(p for p in (unit, a.owner) if p)
    if a.status == "on_hold":
        head += " · " + ctx.t(_("on hold: {reason}", reason=a.hold_reason or "—"))
    lines = []
    buckets = [("current", a.aging.current), ("b1", a.aging.days_1_30),
               ("b2", a.aging.days_31_60), ("b3", a.aging.days_61_90),
               ("b4", a.aging.days_90_plus)]
    aging = " · ".join(f"{ctx.t(BUCKET_LABELS[k])} {money(v)}" for k, v in buckets if v)
    lines.append(ctx.t(_("Aging: {buckets}", buckets=aging or ctx.t(_("nothing open")))))
    p = a.payment
    paid = ctx.t(_("Payments in 12 months: {count}, {amount}", count=p.payments_12m,
                   amount=money(p.paid_12m)))
    if p.days_beyond_terms is not None:  # days, not money: a plain number to the message
        days = float(p.days_beyond_terms)
        paid += ctx.t(_("; {days:.1f} days beyond terms on average", days=days) if days > 0
                      else _("; paid {days:.1f} days before the due date on average", days=-days))
    if p.on_time_streak:
        paid += ctx.t(_("; {n} on time in a row", n=p.on_time_streak))
    lines.append(paid)
    if score is not None and score.reasons:
        lines.append(ctx.t(_("Score lost most on: {reasons}", reasons="、".join(
            f"{ctx.t(r.label)} −{r.lost:.0f}" for r in score.reasons[:SHOWN]))))
    lines += applications
    return [Section(title=head, fields=fields, text="\n".join(lines))]


def bureau_lines(ctx: Context, view: CustomerView) -> list[str]:
    lines = []
    if view.bureau is not None:
        r = view.bureau.report
        lines.append(ctx.t(_("{provider} on {date}: {status}; lawsuits {lawsuits}, enforcements "
                             "{enforcements}, dishonest listings {dishonest}",
                             provider=view.bureau.provider,
                             date=view.bureau.fetched_at.date().isoformat(),
                             status=r.status_text or r.status, lawsuits=len(r.lawsuits),
                             enforcements=len(r.enforcements), dishonest=len(r.dishonest))))
    lines += [f"⚠️ {s.raised_at:%Y-%m-%d} {ctx.t(s.summary)}" for s in view.signals]
    return lines
