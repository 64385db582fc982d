"""Applying for credit in chat: ``apply`` / ``申请授信`` (a permanent limit: initial credit
or a limit adjustment, whichever the account needs), ``temp`` / ``临时额度`` (a temporary
limit) and ``release`` / ``放行`` (release a blocked order).

In one line (``apply 华为技术 20万 60天 新项目备货``, see ``handlers.apply_parse``), step by
step (what is missing is asked, one question at a time, ``cancel`` stops), or in a form (a
Slack modal with customer typeahead, an inline form in the emulator). The customer is
matched by name, alias or USCC among those the person may see, with a choice when several
match. Before anything is submitted the person sees a confirmation card: what will be asked,
the route and its approvers. The confirmation is the real submission run and rolled back, so
it shows exactly what Submit will do (and refuses what Submit would refuse).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.messages import Button, Card, CardAction, Field, Form, Input, Reply
from credit_domain import applications as wf
from credit_domain.access import account_scope, require_account
from credit_domain.accounts.models import CreditAccount
from credit_domain.applications.labels import KIND_LABELS, label, step_title
from credit_domain.applications.models import ApplicationKind, ApprovalStep, StepAssignment
from credit_domain.clock import local_date
from credit_domain.conversations.state import Dialogue
from credit_domain.customers.services import find_accounts
from credit_domain.errors import DomainError, InvalidInput
from credit_domain.i18n import Text, text_factory
from credit_domain.ledger.models import Order, OrderStatus
from credit_domain.money import format_amount
from credit_domain.orgs.models import BusinessUnit, Person
from handlers.application_card import SHORT_STEP_KINDS, application_card
from handlers.application_view import load
from handlers.apply_parse import (
    LIMIT,
    MAX_REASON,
    RELEASE,
    TEMPORARY,
    Draft,
    parse_date,
    parse_details,
    parse_request,
    split_customer,
    tokens,
)
from handlers.router import Args, Context, Replies, as_list, router

_ = text_factory("handlers")

MAX_CHOICES = 8
FLOW = "apply"
ORDER_WORDS = ("订单", "单号", "order", "po", "so")


# -- commands ------------------------------------------------------------------------------------
@router.command("apply", aliases=["申请授信", "授信申请", "申请额度", "申请", "调额", "提额",
                                  "额度调整", "首次授信"],
                usage=_("apply CUSTOMER AMOUNT [TERMS] REASON"),
                summary=_("Apply for a credit limit (initial credit or a new limit)"),
                examples=("apply 华为技术 20万 60天 新项目备货", "申请授信 华为 +10万 订单增加",
                          "apply"), order=20)
def apply(ctx: Context, args: Args) -> Replies:
    return start(ctx, args.text, LIMIT)


@router.command("temp", aliases=["temporary", "临时额度", "临时授信", "申请临时额度"],
                usage=_("temp CUSTOMER AMOUNT until DATE|DAYS REASON"),
                summary=_("Apply for a temporary limit for a while"),
                examples=("临时额度 华为 10万 到 2027-01-31 旺季备货",
                          "temp 华为 10万 30天 展会备货"),
                order=21)
def temporary(ctx: Context, args: Args) -> Replies:
    return start(ctx, args.text, TEMPORARY)


@router.command("release", aliases=["放行", "订单放行", "申请放行"],
                usage=_("release [CUSTOMER] ORDER REASON"),
                summary=_("Ask to release an order blocked by the credit check"),
                examples=("放行 SO-2026-0042 客户已回款", "release 华为"), order=22)
def release(ctx: Context, args: Args) -> Replies:
    return start(ctx, args.text, RELEASE)


def start(ctx: Context, text: str, kind: str) -> Replies:
    """A request typed after the command: complete it, or ask for it from the start."""
    if not text:
        if ctx.capabilities.forms:
            return Reply(form=apply_form(ctx, kind))
        return advance(ctx, Draft(kind=kind), offer_form=ctx.capabilities.buttons_call_back)
    today = today_for(ctx)
    draft = read_release(ctx, text, today) if kind == RELEASE else parse_request(text, kind, today)
    return advance(ctx, draft)


def today_for(ctx: Context) -> dt.date:
    """Today in the person's (first) business unit."""
    with ctx.read() as session:
        units = sorted(ctx.actor.business_unit_ids())
        unit = session.get(BusinessUnit, units[0]) if units else None
    return local_date(ctx.now(), unit.timezone if unit else "Asia/Shanghai")


def read_release(ctx: Context, text: str, today: dt.date) -> Draft:
    """``[customer] ORDER reason``: the order is the word naming a blocked order the person
    may see (or the word after ``订单``/``order``); the words before it the customer."""
    words = tokens(text)
    folded = {w.lower(): w for w in words}
    with ctx.read() as session:
        found = session.execute(
            select(Order.external_id, Order.account_id).join(
                CreditAccount, CreditAccount.id == Order.account_id)
            .where(func.lower(Order.external_id).in_(list(folded)),
                   Order.status == OrderStatus.BLOCKED, account_scope(ctx.actor))
            .limit(1)).first()
    if found is not None:
        at = next(i for i, w in enumerate(words) if w.lower() == found[0].lower())
        return Draft(kind=RELEASE, query=" ".join(words[:at]) or None, account_id=found[1],
                     order=found[0], reason=" ".join(words[at + 1:]) or None)
    keyword = next((i for i, w in enumerate(words) if w.lower() in ORDER_WORDS), None)
    if keyword is not None and keyword + 1 < len(words):
        return Draft(kind=RELEASE, query=" ".join(words[:keyword]) or None,
                     order=words[keyword + 1], reason=" ".join(words[keyword + 2:]) or None)
    return Draft(kind=RELEASE, query=words[0], reason=" ".join(words[1:]) or None)


# -- completing a draft --------------------------------------------------------------------------
def advance(ctx: Context, draft: Draft, *, offer_form: bool = False) -> Replies:
    """Ask for what ``draft`` still lacks (one question), or show the confirmation card."""
    if draft.account_id is None:
        if not draft.query:
            return ask(ctx, draft, "customer", offer_form=offer_form)
        found = resolve_customer(ctx, draft)
        if isinstance(found, list):
            return found
        draft = found
    if draft.kind == RELEASE and not draft.order:
        picked = pick_order(ctx, draft)
        if not isinstance(picked, Draft):
            return picked
        draft = picked
    if draft.kind != RELEASE and draft.amount is None:
        return ask(ctx, draft, "amount")
    if draft.kind == TEMPORARY and draft.valid_to is None:
        return ask(ctx, draft, "until")
    if not draft.reason:
        return ask(ctx, draft, "reason")
    ctx.end_dialogue()
    return confirm(ctx, draft)


QUESTIONS: dict[str, Text] = {
    "customer": _("Which customer? Send a name, a short name or the USCC (cancel to stop)."),
    "amount": _("How much? e.g. 20万, 200,000 or +10万 (cancel to stop)."),
    "until": _("Until when? e.g. 2027-01-31, 1月31日 or 30天 (cancel to stop)."),
    "reason": _("Why? Approvers read this reason (cancel to stop)."),
}


def ask(ctx: Context, draft: Draft, step: str, *, offer_form: bool = False,
        problem: str | None = None) -> list[Reply]:
    """Put one question and wait for the answer (``@router.flow("apply")``)."""
    ctx.begin_dialogue(FLOW, step, draft.to_value())
    question = ctx.t(QUESTIONS[step])
    if step == "amount" and draft.kind == LIMIT and draft.account_id is not None:
        with ctx.read() as session:
            account = require_account(session, ctx.actor, draft.account_id)
            limit, currency = account.credit_limit, account.business_unit.currency
        if limit > 0:
            question = ctx.t(_("The limit now is {limit}. What should it be? e.g. 20万, or "
                               "+10万 to raise it by that much (cancel to stop).",
                               limit=format_amount(limit, ctx.locale, currency)))
    replies = [Reply(text="⚠️ " + problem, ephemeral=True)] if problem else []
    if offer_form:
        replies.append(Reply(text=question, card=Card(
            title=ctx.t(_("Or fill in a form")),
            buttons=(Button(ctx.t(_("Open the form")), "apply.form.open",
                            {"k": draft.kind}),))))
    else:
        replies.append(Reply(text=question))
    return replies


@router.flow(FLOW)
def answer(ctx: Context, dialogue: Dialogue, text: str) -> Replies:
    """The answer to the question ``ask`` put. A new command instead of an answer ends the
    application and runs the command (for the reason, which is free text, only a command
    spelled out on its own: see :func:`_spelled_out_command`)."""
    step = dialogue.step
    draft = Draft.from_value(dialogue.data)
    if step != "reason" and ctx.router.match(text) is not None:
        ctx.end_dialogue()
        return ctx.router.dispatch_command(ctx, text)
    if step == "reason" and _spelled_out_command(ctx, text):
        ctx.end_dialogue()
        return [Reply(text=ctx.t(_("The request for {customer} was set aside: it still needed "
                                   "a reason. Start it again when you are ready.",
                                   customer=draft.query or "—"))),
                *ctx.router.dispatch_command(ctx, text)]
    try:
        draft = _read_answer(draft, step, text.strip(), today_for(ctx))
    except DomainError as exc:
        return ask(ctx, draft, step, problem=ctx.t(exc.message))
    return advance(ctx, draft)


def _spelled_out_command(ctx: Context, text: str) -> bool:
    """A reason is free text and may start with a command's word (``客户回款稳定``); only a
    command word alone (``待我审批``) or followed by a space (``临时额度 华为 5万``) is taken
    as a new command rather than as the reason."""
    found = ctx.router.match(text)
    if found is None:
        return False
    rest = found[1]
    said = text.strip()
    head = said[:len(said) - len(rest)] if rest else said
    return not rest or head != head.rstrip()


def _read_answer(draft: Draft, step: str, text: str, today: dt.date) -> Draft:
    if not text:
        raise InvalidInput(_("I need an answer to go on."))
    if step == "customer":
        more = parse_request(text, draft.kind, today)
        return replace(draft.merge(more), query=more.query, account_id=None)
    if step == "reason":
        return replace(draft, reason=text)
    more = parse_details(text, draft.kind, today)
    if step == "amount" and more.amount is None:
        raise InvalidInput(_("I can't read “{text}” as an amount, e.g. 20万 or 200,000.",
                             text=text))
    if step == "until" and more.valid_to is None:
        raise InvalidInput(_("I can't read “{text}” as an end date, e.g. 2027-01-31, 1月31日 or "
                             "30天.", text=text))
    return draft.merge(more)


def resolve_customer(ctx: Context, draft: Draft) -> Draft | list[Reply]:
    """The account the draft's customer names, or a choice card, or the question again."""
    query = draft.query or ""
    with ctx.read() as session:
        matches = find_accounts(session, ctx.actor, query, limit=MAX_CHOICES + 1)
        split = split_customer(query) if not matches else None
        if split is not None:
            matches = find_accounts(session, ctx.actor, split[0], limit=MAX_CHOICES + 1)
            if matches:
                reason = " ".join(p for p in (split[1], draft.reason) if p)
                draft = replace(draft, query=split[0], reason=reason)
        units = {u.id: u.display_name(ctx.locale) for u in session.scalars(
            select(BusinessUnit).where(BusinessUnit.id.in_({m.business_unit_id
                                                             for m in matches})))}
    if not matches:
        problem = _("None of the customers you may see matches “{query}”. Try part of the "
                    "name, a short name or the USCC.", query=query)
        return ask(ctx, replace(draft, query=None), "customer", problem=ctx.t(problem))
    if len(matches) == 1:
        return replace(draft, account_id=matches[0].account_id)
    ctx.end_dialogue()
    shown = matches[:MAX_CHOICES]
    more = len(matches) > MAX_CHOICES
    return [Reply(card=Card(
        title=ctx.t(_("Which customer do you mean?")),
        subtitle=ctx.t(_("More than {n} customers match “{query}”; the first {n} are below. "
                         "Be more specific to narrow it down.", n=MAX_CHOICES, query=query)
                       if more else _("{n} customers match “{query}”.", n=len(matches),
                                      query=query)),
        buttons=tuple(Button(f"{m.legal_name} · {units.get(m.business_unit_id, '')}",
                             "apply.pick", replace(draft, account_id=m.account_id).to_value())
                      for m in shown)))]


def pick_order(ctx: Context, draft: Draft) -> Draft | list[Reply]:
    """The blocked order to release: the only one, or a choice of them."""
    assert draft.account_id is not None
    with ctx.read() as session:
        account = require_account(session, ctx.actor, draft.account_id)
        orders = session.scalars(select(Order).where(
            Order.account_id == account.id, Order.status == OrderStatus.BLOCKED)
            .order_by(Order.ordered_on, Order.id).limit(MAX_CHOICES)).all()
        name, currency = account.customer.legal_name, account.business_unit.currency
    if not orders:
        raise InvalidInput(_("{customer} has no order blocked by the credit check; there is "
                             "nothing to release.", customer=name))
    if len(orders) == 1:
        return replace(draft, order=orders[0].external_id)
    ctx.end_dialogue()
    return [Reply(card=Card(
        title=ctx.t(_("Which order of {customer}?", customer=name)),
        buttons=tuple(Button(" · ".join((o.external_id,
                                         format_amount(o.open_amount, ctx.locale, currency),
                                         o.ordered_on.isoformat())), "apply.pick",
                             replace(draft, order=o.external_id).to_value()) for o in orders)))]


# -- the confirmation ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Preview:
    """What Submit would do: the request as the domain reads it and the route it takes."""

    draft: Draft  # as it will be submitted (absolute amount, dates filled in)
    kind: str
    customer: str
    unit: str
    currency: str
    current_limit: Decimal
    current_terms: int
    amount: Decimal
    route: str | None
    steps: tuple[tuple[int, Text, str, tuple[str, ...]], ...]  # position, step, kind, people


def _complete(draft: Draft, account: CreditAccount, today: dt.date) -> Draft:
    """The draft as submitted: ``+10万`` made absolute, a temporary window starting today."""
    if draft.delta and draft.amount is not None:
        draft = replace(draft, amount=account.credit_limit + draft.amount, delta=False)
    if draft.kind == TEMPORARY and draft.valid_from is None:
        draft = replace(draft, valid_from=today)
    return draft


def application_request(draft: Draft, account: CreditAccount) -> wf.ApplicationRequest:
    if draft.kind == LIMIT:
        kind = ApplicationKind.INCREASE if account.credit_limit > 0 else ApplicationKind.INITIAL
    else:
        kind = ApplicationKind(draft.kind)
    assert draft.account_id is not None
    return wf.ApplicationRequest(
        account_id=draft.account_id, kind=kind, amount=draft.amount, reason=draft.reason or "",
        valid_from=draft.valid_from, valid_to=draft.valid_to, term_days=draft.term_days,
        attachments=draft.attachments, order_external_id=draft.order)


def preview(ctx: Context, draft: Draft) -> Preview:
    """Submit ``draft`` and roll it back: the route, the approvers, or the refusal."""
    assert draft.account_id is not None
    with ctx.uow() as uow:  # never committed
        account = require_account(uow.session, ctx.actor, draft.account_id)
        unit = account.business_unit
        draft = _complete(draft, account, local_date(uow.now(), unit.timezone))
        limit, terms = account.credit_limit, account.payment_terms_days
        app = wf.submit(uow, ctx.domain.policies, ctx.actor, application_request(draft, account))
        steps = _planned(uow.session, app.id)
        return Preview(draft, app.kind, account.customer.legal_name,
                       unit.display_name(ctx.locale), unit.currency, limit, terms,
                       app.requested_amount, app.route, steps)


def _planned(session: Session, app_id: int
             ) -> tuple[tuple[int, Text, str, tuple[str, ...]], ...]:
    rows = session.execute(
        select(ApprovalStep, Person.name)
        .join(StepAssignment, StepAssignment.step_id == ApprovalStep.id)
        .join(Person, Person.id == StepAssignment.person_id)
        .where(ApprovalStep.application_id == app_id)
        .order_by(ApprovalStep.position, StepAssignment.position)).all()
    steps: dict[int, tuple[int, Text, str, list[str]]] = {}
    for step, name in rows:
        steps.setdefault(step.id, (step.position, step_title(step.name, step.role), step.kind,
                                   []))[3].append(name)
    return tuple((p, t, k, tuple(n)) for p, t, k, n in steps.values())


def confirm(ctx: Context, draft: Draft) -> Reply:
    """The confirmation card: what will be asked and who will decide; Submit / Cancel."""
    if draft.reason and len(draft.reason) > MAX_REASON:  # the Submit button carries it
        raise InvalidInput(_("The reason is too long for a chat message (at most {n} "
                             "characters); please shorten it.", n=MAX_REASON))
    p = preview(ctx, draft)
    d = p.draft

    def money(v: Decimal) -> str:
        return format_amount(v, ctx.locale, p.currency)

    fields = [Field(ctx.t(_("Customer")), f"{p.customer} · {p.unit}", short=False),
              Field(ctx.t(_("Type")), ctx.t(label(KIND_LABELS, p.kind)))]
    if p.kind in (ApplicationKind.INITIAL, ApplicationKind.INCREASE):
        fields += [Field(ctx.t(_("Current limit")), money(p.current_limit)),
                   Field(ctx.t(_("New limit")), money(p.amount))]
    else:
        fields.append(Field(ctx.t(_("Amount")), money(p.amount)))
    if d.valid_from and d.valid_to:
        fields.append(Field(ctx.t(_("Valid")), ctx.t(_(
            "{start} – {end} ({days} days)", start=d.valid_from.isoformat(),
            end=d.valid_to.isoformat(), days=(d.valid_to - d.valid_from).days + 1))))
    if d.order:
        fields.append(Field(ctx.t(_("Order")), d.order))
    if d.term_days:
        fields.append(Field(ctx.t(_("Payment terms")), ctx.t(
            _("{days} days", days=d.term_days) if d.term_days == p.current_terms else
            _("{days} days (now {current})", days=d.term_days, current=p.current_terms))))
    fields.append(Field(ctx.t(_("Reason")), d.reason or "", short=False))
    if d.attachments:
        fields.append(Field(ctx.t(_("Attachments")), "\n".join(d.attachments), short=False))
    route = "\n".join(
        f"{pos}. {ctx.t(step)}"
        + (f" ({ctx.t(SHORT_STEP_KINDS[kind])})" if len(names) > 1 and kind in SHORT_STEP_KINDS
           else "")
        + f": {'、'.join(names)}" for pos, step, kind, names in p.steps)
    fields.append(Field(ctx.t(_("Route {route}", route=p.route)), route, short=False))
    buttons = [Button(ctx.t(_("Submit")), "apply.submit", d.to_value(), "primary")]
    if p.kind == ApplicationKind.INCREASE and p.amount < p.current_limit and not draft.delta:
        raised = replace(draft, delta=True)
        buttons.append(Button(ctx.t(_("I meant +{amount} (to {total})", amount=money(p.amount),
                                      total=money(p.current_limit + p.amount))),
                              "apply.confirm", raised.to_value()))
    buttons.append(Button(ctx.t(_("Cancel")), "apply.cancel"))
    warning = (_("This lowers the limit from {current} to {new}.", current=money(p.current_limit),
                 new=money(p.amount))
               if p.kind == ApplicationKind.INCREASE and p.amount < p.current_limit else None)
    return Reply(card=Card(
        title=ctx.t(_("Please check, then submit")),
        subtitle=ctx.t(warning) if warning else ctx.t(_("Nothing is submitted until you tap "
                                                         "Submit.")),
        fields=tuple(fields), buttons=tuple(buttons),
        tone="warn" if warning else "info"))


# -- taps ----------------------------------------------------------------------------------------
@router.action("apply.pick")
def pick(ctx: Context, action: CardAction) -> Replies:
    """A customer or an order picked on a choice card: go on from there."""
    replies = as_list(advance(ctx, Draft.from_value(action.value)))
    if replies:
        replies[0] = replace(replies[0], replace_original=True)
    return replies


@router.action("apply.confirm")
def reconfirm(ctx: Context, action: CardAction) -> Reply:
    """The confirmation again, for a corrected draft (``I meant +10万``)."""
    return replace(confirm(ctx, Draft.from_value(action.value)), replace_original=True)


@router.action("apply.submit")
def submit(ctx: Context, action: CardAction) -> Reply:
    """Submit the confirmed application; the card becomes the application's card (number,
    route, where it stands)."""
    draft = Draft.from_value(action.value)
    if draft.account_id is None:
        raise InvalidInput(_("This button is no longer supported; please ask again."))
    with ctx.uow() as uow:
        account = require_account(uow.session, ctx.actor, draft.account_id)
        app = wf.submit(uow, ctx.domain.policies, ctx.actor, application_request(draft, account),
                        tell_requester=False)  # answered here: the card below
        uow.commit()
        app_id = app.id
    with ctx.read() as session:
        view = load(session, ctx.actor, app_id, ctx.now())
    return Reply(card=application_card(view, ctx.locale, ctx.person_id), replace_original=True)


@router.action("apply.cancel")
def cancel(ctx: Context, action: CardAction) -> Reply:
    return Reply(text=ctx.t(_("OK, nothing was submitted.")), replace_original=True)


# -- the form ------------------------------------------------------------------------------------
def apply_form(ctx: Context, kind: str) -> Form:
    """The application as a form (a Slack modal; the customer with typeahead)."""
    customer = Input("customer", ctx.t(_("Customer")), "customer",
                     placeholder=ctx.t(_("Name, short name or USCC")))
    reason = Input("reason", ctx.t(_("Reason")), "multiline",
                   placeholder=ctx.t(_("What approvers should know")))
    links = Input("attachments", ctx.t(_("Attachment links")), required=False,
                  placeholder="https://…")
    inputs: tuple[Input, ...]
    if kind == RELEASE:
        inputs = (customer, Input("order", ctx.t(_("Order number")), required=False,
                                  placeholder=ctx.t(_("Empty: choose among the blocked orders"))),
                  reason, links)
        title = _("Release an order")
    elif kind == TEMPORARY:
        inputs = (customer, Input("amount", ctx.t(_("Temporary limit")), "amount",
                                  placeholder="10万"),
                  Input("until", ctx.t(_("Valid until")), "date"), reason, links)
        title = _("Temporary limit")
    else:
        inputs = (customer, Input("amount", ctx.t(_("New limit")), "amount",
                                  placeholder=ctx.t(_("20万, or +10万 to raise it"))),
                  Input("terms", ctx.t(_("Payment terms (days)")), required=False,
                        placeholder="60"), reason, links)
        title = _("Apply for credit")
    return Form(title=ctx.t(title), action_id="apply.form", inputs=inputs, value={"k": kind},
                submit_label=ctx.t(_("Next")))


@router.action("apply.form.open")
def open_form(ctx: Context, action: CardAction) -> Reply:
    kind = action.value.get("k", LIMIT)
    return Reply(form=apply_form(ctx, kind if kind in (LIMIT, TEMPORARY, RELEASE) else LIMIT))


@router.action("apply.form")
def form_submitted(ctx: Context, action: CardAction) -> Replies:
    """A filled-in form: read it like a typed request, then confirm (or ask what is
    missing)."""
    kind = Draft.from_value(action.value).kind
    form = {k: (v or "").strip() for k, v in action.form.items()}
    today = today_for(ctx)
    customer = form.get("customer", "")
    draft = Draft(kind=kind)
    if customer.isdigit() and len(customer) < 18:  # a typeahead pick: the account's id
        draft = replace(draft, account_id=int(customer))
    else:
        draft = replace(draft, query=customer or None)
    until = form.get("until", "")
    if until and parse_date(until, today) is not None:
        until = f"到{until}"  # a date ends the window; "30天" is its length
    terms = form.get("terms", "")
    words = " ".join(p for p in (form.get("amount", ""), f"账期{terms}天" if terms.isdigit()
                                 else terms, until, form.get("attachments", "")) if p)
    details = parse_details(words, kind, today) if words else Draft(kind=kind)
    if form.get("amount") and details.amount is None:
        raise InvalidInput(_("I can't read “{text}” as an amount, e.g. 20万 or 200,000.",
                             text=form["amount"]))
    draft = draft.merge(details)
    draft = replace(draft, reason=form.get("reason") or None,
                    order=form.get("order") or None)
    return advance(ctx, draft)
