"""``credit 客户`` / ``额度 客户``: a customer's limit, temporary limits, exposure, available
credit and hold status; the customer matched by name, alias or USCC among those the person may
see, with a choice when several match. Also the ``customer`` typeahead of forms."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.messages import Button, Card, CardAction, Field, Reply, Section, Tone
from credit_domain.accounts.snapshot import CreditSnapshot, credit_snapshot
from credit_domain.customers.services import CustomerMatch, find_accounts
from credit_domain.errors import InvalidInput, NotFound
from credit_domain.i18n import text_factory
from credit_domain.money import format_amount
from credit_domain.orgs.models import BusinessUnit
from handlers.router import Args, Context, router

_ = text_factory("handlers")

MAX_CHOICES = 10
SAME_CUSTOMER_CARDS = 3  # one customer in several business units: show each account


@router.command("credit", aliases=["额度", "授信", "查额度"], usage=_("credit CUSTOMER"),
                summary=_("A customer's limit, exposure, available credit and hold status"),
                examples=("credit 华为", "额度 华为技术", "credit 91440300MA5xxxxxxx"),
                order=10)
def credit(ctx: Context, args: Args) -> Reply | list[Reply]:
    """Find the customer and show its credit, or ask which one was meant."""
    query = args.require()
    with ctx.read() as session:
        matches = find_accounts(session, ctx.actor, query, limit=MAX_CHOICES + 1)
    if not matches:
        raise NotFound(_("None of the customers you may see matches “{query}”. Try part of "
                         "the name, a short name or the USCC.", query=query))
    customers = {m.customer_id for m in matches}
    if len(customers) == 1 and len(matches) <= SAME_CUSTOMER_CARDS:
        return [Reply(card=credit_card(ctx, m.account_id)) for m in matches]
    return Reply(card=choice_card(ctx, query, matches))


@router.action("credit.show")
def show(ctx: Context, action: CardAction) -> Reply:
    """A customer picked on a choice card: the card becomes that customer's credit."""
    try:
        account_id = int(action.value.get("account", ""))
    except ValueError:
        raise InvalidInput(_("This button is no longer supported; please ask again.")) from None
    return Reply(card=credit_card(ctx, account_id), replace_original=True)


@router.suggest("customer")
def customer_suggestions(ctx: Context, query: str) -> list[tuple[str, str]]:
    """Credit accounts matching ``query`` as (account id, "name · business unit")."""
    with ctx.read() as session:
        matches = find_accounts(session, ctx.actor, query, limit=MAX_CHOICES)
        units = _unit_names(ctx, session, matches)
    return [(str(m.account_id), f"{m.legal_name} · {units[m.business_unit_id]}")
            for m in matches]


def choice_card(ctx: Context, query: str, matches: list[CustomerMatch]) -> Card:
    shown = matches[:MAX_CHOICES]
    with ctx.read() as session:
        units = _unit_names(ctx, session, shown)
    buttons = tuple(
        Button(f"{m.legal_name} · {units[m.business_unit_id]}", "credit.show",
               {"account": str(m.account_id)}) for m in shown)
    more = len(matches) > MAX_CHOICES
    return Card(
        title=ctx.t(_("Which customer do you mean?")),
        subtitle=ctx.t(_("More than {n} customers match “{query}”; the first {n} are below. "
                         "Be more specific to narrow it down.", n=MAX_CHOICES, query=query)
                       if more else _("{n} customers match “{query}”.", n=len(matches),
                                      query=query)),
        buttons=buttons,
    )


def credit_card(ctx: Context, account_id: int) -> Card:
    """The credit card of one account (refused when the person may not see it)."""
    with ctx.read() as session:
        snap = credit_snapshot(session, ctx.actor, account_id, ctx.now())
    return render_snapshot(ctx, snap)


def render_snapshot(ctx: Context, snap: CreditSnapshot) -> Card:
    e = snap.exposure

    def money(v: Decimal) -> str:
        return format_amount(v, ctx.locale, snap.currency)

    unit = snap.business_unit_name if ctx.locale.startswith("zh") or not \
        snap.business_unit_name_en else snap.business_unit_name_en
    temp_total = sum((t.amount for t in snap.temporary_limits), Decimal("0.00"))
    fields = [
        Field(ctx.t(_("Credit limit")), money(e.credit_limit)),
        Field(ctx.t(_("Temporary limits")),
              money(temp_total) if snap.temporary_limits else ctx.t(_("none"))),
        Field(ctx.t(_("Exposure")), money(e.exposure)),
        Field(ctx.t(_("Available")), money(e.available)),
        Field(ctx.t(_("Utilisation")),
              f"{e.utilisation:.0%}" if e.utilisation is not None else "—"),
        Field(ctx.t(_("Overdue")), money(e.overdue)),
        Field(ctx.t(_("Status")), _status(ctx, snap)),
        Field(ctx.t(_("Grade")), (snap.grade or "—") + (
            f" ({snap.score:.0f})" if snap.score is not None else "")),
        Field(ctx.t(_("Payment terms")), ctx.t(_("{days} days", days=snap.payment_terms_days))),
        Field(ctx.t(_("Account owner")), " · ".join(
            p for p in (snap.owner_name, snap.team_name) if p) or "—"),
    ]
    sections = [Section(
        title=ctx.t(_("Exposure")),
        fields=(Field(ctx.t(_("Open receivables")), money(e.open_receivables)),
                Field(ctx.t(_("Shipped, not invoiced")), money(e.uninvoiced_deliveries)),
                Field(ctx.t(_("Open orders")), money(e.open_orders))),
    )]
    if snap.temporary_limits:
        sections.append(Section(title=ctx.t(_("Temporary limits")), text="\n".join(
            ctx.t(_("{amount} from {start} to {end}", amount=money(t.amount),
                    start=t.valid_from.isoformat(), end=t.valid_to.isoformat()))
            + (f" — {t.reason}" if t.reason else "") for t in snap.temporary_limits)))
    if snap.on_hold:
        sections.append(Section(title=ctx.t(_("On credit hold")), text=ctx.t(_(
            "No new orders or shipments until released. Reason: {reason}",
            reason=snap.hold_reason or "—"))))
    return Card(
        title=snap.legal_name,
        subtitle=" · ".join(p for p in (unit, f"USCC {snap.uscc}" if snap.uscc else None) if p),
        fields=tuple(fields), sections=tuple(sections),
        footer=ctx.t(_("As of {date}", date=snap.as_of.isoformat())),
        tone=_tone(snap), key=f"credit:{snap.account_id}",
    )


def _status(ctx: Context, snap: CreditSnapshot) -> str:
    if snap.on_hold:
        since = snap.hold_since.date().isoformat() if snap.hold_since else "—"
        return ctx.t(_("On hold since {date}", date=since))
    if snap.status == "closed":
        return ctx.t(_("Closed"))
    return ctx.t(_("Active"))


def _tone(snap: CreditSnapshot) -> Tone:
    e = snap.exposure
    if snap.on_hold or e.available < 0:
        return "danger"
    if e.overdue > 0 or (e.utilisation is not None and e.utilisation >= Decimal("0.9")):
        return "warn"
    return "ok"


def _unit_names(ctx: Context, session: Session, matches: list[CustomerMatch]
                ) -> dict[int, str]:
    ids = {m.business_unit_id for m in matches}
    if not ids:
        return {}
    units = session.scalars(select(BusinessUnit).where(BusinessUnit.id.in_(ids)))
    return {u.id: u.display_name(ctx.locale) for u in units}
