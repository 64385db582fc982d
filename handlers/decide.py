"""Acting on an application from its card or by command, as the person who taps or types:
approve, reject and return (a reason is required), comment, withdraw, resubmit a returned
application, submit a draft the rules suggested.

Every action goes through the workflow services (``credit_domain.applications``), which
check who may do what. The tapped card is updated in place to show the new state; when the
state had already moved on (a second tap, another approver of an or-sign step was quicker),
nothing changes, the card is brought up to date and the person is told who decided and when.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from bot.messages import Card, CardAction, Form, Input, Reply
from credit_domain import applications as wf
from credit_domain.applications.models import ApplicationKind
from credit_domain.errors import Conflict, InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.unit_of_work import UnitOfWork
from handlers.application_card import application_card
from handlers.application_view import AppView, load
from handlers.apply import today_for
from handlers.apply_parse import TEMPORARY, Draft, parse_details
from handlers.router import Args, Context, Replies, UsageError, router

_ = text_factory("handlers")

NUMBER = re.compile(r"^(?:APP-)?(\d{4}-\d{1,9})$", re.IGNORECASE)
Service = Callable[[UnitOfWork, int, int | None], Any]


def view_of(ctx: Context, ref: int | str) -> AppView:
    with ctx.read() as session:
        return load(session, ctx.actor, ref, ctx.now())


def card_for(ctx: Context, ref: int | str) -> Card:
    """The application's card as the person sees it now."""
    return application_card(view_of(ctx, ref), ctx.locale, ctx.person_id)


def ids_of(value: Mapping[str, str]) -> tuple[int, int | None]:
    try:
        return int(value["app"]), int(value["step"]) if value.get("step") else None
    except (KeyError, ValueError):
        raise InvalidInput(_("This button is no longer supported; please ask again.")) from None


def run(ctx: Context, app_id: int, step_id: int | None, service: Service) -> list[Reply]:
    """Run ``service`` as the person and answer with the application's card in place of the
    tapped one; a decision overtaken by another leaves everything as it was and says so."""
    try:
        with ctx.uow() as uow:
            service(uow, app_id, step_id)
            uow.commit()
    except Conflict as exc:  # already decided, withdrawn, not yet their turn…
        return [Reply(card=card_for(ctx, app_id), replace_original=True),
                Reply(text="⚠️ " + ctx.t(exc.message), ephemeral=True)]
    return [Reply(card=card_for(ctx, app_id), replace_original=True)]


def tapped(ctx: Context, action: CardAction, service: Service) -> list[Reply]:
    app_id, step_id = ids_of(action.value)
    return run(ctx, app_id, step_id, service)


def reason_of(action: CardAction) -> str:
    return (action.form.get("reason") or "").strip()


# -- card buttons --------------------------------------------------------------------------------
@router.action("app.approve")
def approve(ctx: Context, action: CardAction) -> Replies:
    note = reason_of(action) or None
    return tapped(ctx, action, lambda uow, app, step: wf.approve(
        uow, ctx.actor, app, step_id=step, comment=note))


@router.action("app.reject")
def reject(ctx: Context, action: CardAction) -> Replies:
    return tapped(ctx, action, lambda uow, app, step: wf.reject(
        uow, ctx.actor, app, reason_of(action), step_id=step))


@router.action("app.return")
def return_(ctx: Context, action: CardAction) -> Replies:
    return tapped(ctx, action, lambda uow, app, step: wf.return_for_info(
        uow, ctx.actor, app, reason_of(action), step_id=step))


@router.action("app.comment")
def comment(ctx: Context, action: CardAction) -> Replies:
    return tapped(ctx, action, lambda uow, app, _step: wf.comment(
        uow, ctx.actor, app, reason_of(action)))


@router.action("app.transfer")
def transfer_form(ctx: Context, action: CardAction) -> Reply:
    """转交: choose the colleague (same role, same business unit) to hand the step to."""
    app_id, step_id = ids_of(action.value)
    view = view_of(ctx, app_id)
    with ctx.uow() as uow:
        people = wf.transfer_candidates(uow, ctx.actor, app_id, step_id=step_id)
    if not people:
        raise InvalidInput(_("Nobody else holds your role for this customer, so there is no "
                             "one to transfer {number} to.", number=view.number))
    return Reply(form=Form(
        title=ctx.t(_("Transfer {number}", number=view.number)), action_id="app.transfer.form",
        inputs=(Input("to", ctx.t(_("Transfer to")), "select",
                      options=tuple((str(p.person_id), p.name) for p in people)),
                Input("note", ctx.t(_("Note for them")), "multiline", required=False)),
        value=dict(action.value), submit_label=ctx.t(_("Transfer")),
        intro=ctx.t(_("{number} · {customer}. Your colleague is asked at once and you are no "
                      "longer.", number=view.number, customer=view.customer))))


@router.action("app.transfer.form")
def transferred(ctx: Context, action: CardAction) -> Replies:
    to = (action.form.get("to") or "").strip()
    if not to.isdigit():
        raise InvalidInput(_("Choose the colleague to transfer to."))
    note = (action.form.get("note") or "").strip() or None
    return tapped(ctx, action, lambda uow, app, step: wf.transfer(
        uow, ctx.actor, app, int(to), step_id=step, note=note))


@router.action("app.withdraw")
def withdraw(ctx: Context, action: CardAction) -> Replies:
    return tapped(ctx, action, lambda uow, app, _step: wf.withdraw(
        uow, ctx.actor, app, reason_of(action) or None))


@router.action("app.draft.submit")
def submit_draft(ctx: Context, action: CardAction) -> Replies:
    """A suggested draft submitted as it is, with one tap."""
    return tapped(ctx, action, lambda uow, app, _step: wf.submit_draft(
        uow, ctx.domain.policies, ctx.actor, app, tell_requester=False))


@router.action("app.card")
def show_card(ctx: Context, action: CardAction) -> Reply:
    """The application's card as a new message (from a list or a reminder)."""
    return Reply(card=card_for(ctx, ids_of(action.value)[0]))


# -- amending: resubmit a returned application, submit a changed draft ---------------------------
def amend_form(ctx: Context, view: AppView, action_id: str, title: str) -> Form:
    """The request's amendable parts, prefilled; empty answers keep what is there."""
    inputs = [Input("amount", ctx.t(_("Amount")), "amount", required=False,
                    initial=f"{view.amount:f}")]
    if view.kind == ApplicationKind.TEMPORARY:
        inputs.append(Input("until", ctx.t(_("Valid until")), "date", required=False,
                            initial=view.valid_to.isoformat() if view.valid_to else None))
    inputs.append(Input("reason", ctx.t(_("Reason")), "multiline", required=False,
                        initial=view.reason))
    return Form(title=title, action_id=action_id, inputs=tuple(inputs),
                value={"app": str(view.id)}, submit_label=ctx.t(_("Submit")),
                intro=ctx.t(_("{number} · {customer}. Change what the approvers asked for; "
                              "what you leave as it is stays.", number=view.number,
                              customer=view.customer)))


def amendments(ctx: Context, form: Mapping[str, str], kind: str) -> dict[str, Any]:
    """What a filled-in amend form (or the words after ``resubmit APP``) changes."""
    today = today_for(ctx)
    words = " ".join(p for p in (form.get("amount", ""), _until(form.get("until", ""))) if p)
    details = parse_details(words, TEMPORARY if kind == ApplicationKind.TEMPORARY else "limit",
                            today)
    if form.get("amount", "").strip() and details.amount is None:
        raise InvalidInput(_("I can't read “{text}” as an amount, e.g. 20万 or 200,000.",
                             text=form["amount"]))
    no_change(details)
    changes: dict[str, Any] = {"amount": details.amount, "reason": form.get("reason") or None}
    if kind == ApplicationKind.TEMPORARY:
        changes["valid_to"] = details.valid_to
    return changes


def no_change(details: Draft) -> None:
    """An amended request names the amount it now asks for: ``+10万`` could mean more than
    the current limit or more than the request, so it is refused rather than guessed."""
    if details.delta:
        raise InvalidInput(_("Give the amount you now ask for (e.g. 35万), not a change like "
                             "+10万."))


def _until(text: str) -> str:
    text = text.strip()
    return f"到{text}" if re.match(r"^\d{4}-\d{2}-\d{2}$", text) else text


AMEND_SERVICES = {"app.resubmit.form": wf.resubmit, "app.draft.form": wf.submit_draft}


@router.action("app.resubmit")
def resubmit_form(ctx: Context, action: CardAction) -> Reply:
    view = view_of(ctx, ids_of(action.value)[0])
    return Reply(form=amend_form(ctx, view, "app.resubmit.form",
                                 ctx.t(_("Resubmit {number}", number=view.number))))


@router.action("app.draft.change")
def draft_form(ctx: Context, action: CardAction) -> Reply:
    view = view_of(ctx, ids_of(action.value)[0])
    return Reply(form=amend_form(ctx, view, "app.draft.form",
                                 ctx.t(_("Submit {number}", number=view.number))))


@router.action("app.resubmit.form")
@router.action("app.draft.form")
def amended(ctx: Context, action: CardAction) -> Replies:
    """A filled-in amend form: resubmit the returned application, or submit the draft."""
    view = view_of(ctx, ids_of(action.value)[0])
    changes = amendments(ctx, action.form, view.kind)
    service = AMEND_SERVICES[action.action_id]
    return run(ctx, view.id, None, lambda uow, app, _step: service(
        uow, ctx.domain.policies, ctx.actor, app, tell_requester=False, **changes))


# -- the same by command -------------------------------------------------------------------------
def number_of(args: Args) -> tuple[str, str]:
    """The application number a command names (``APP-2026-000123`` or ``2026-000123``) and
    the rest of its text."""
    words = args.require().split(maxsplit=1)
    m = NUMBER.match(words[0])
    if m is None:
        raise UsageError(args.command, _("“{text}” is not an application number like "
                                         "APP-2026-000123.", text=words[0]))
    return f"APP-{m.group(1)}", words[1] if len(words) > 1 else ""


def by_command(ctx: Context, args: Args, service: Callable[[UnitOfWork, int, str], Any]
               ) -> Reply:
    number, rest = number_of(args)
    app_id = view_of(ctx, number).id
    with ctx.uow() as uow:
        service(uow, app_id, rest)
        uow.commit()
    return Reply(card=card_for(ctx, app_id))


@router.command("approve", aliases=["同意", "批准"], usage=_("approve APP-… [COMMENT]"),
                summary=_("Approve an application waiting for you"), order=40, hidden=True)
def approve_command(ctx: Context, args: Args) -> Reply:
    return by_command(ctx, args, lambda uow, app, rest: wf.approve(
        uow, ctx.actor, app, comment=rest or None))


@router.command("reject", aliases=["驳回", "拒绝"], usage=_("reject APP-… REASON"),
                summary=_("Reject an application waiting for you"), order=41, hidden=True)
def reject_command(ctx: Context, args: Args) -> Reply:
    return by_command(ctx, args, lambda uow, app, rest: wf.reject(uow, ctx.actor, app, rest))


@router.command("return", aliases=["退回"], usage=_("return APP-… REASON"),
                summary=_("Send an application back to its requester for more information"),
                order=42, hidden=True)
def return_command(ctx: Context, args: Args) -> Reply:
    return by_command(ctx, args, lambda uow, app, rest: wf.return_for_info(
        uow, ctx.actor, app, rest))


@router.command("comment", aliases=["评论", "留言"], usage=_("comment APP-… TEXT"),
                summary=_("Comment on an application (its requester and approvers are told)"),
                order=43, hidden=True)
def comment_command(ctx: Context, args: Args) -> Reply:
    return by_command(ctx, args, lambda uow, app, rest: wf.comment(uow, ctx.actor, app, rest))


@router.command("transfer", aliases=["转交", "转办"], usage=_("transfer APP-… COLLEAGUE [NOTE]"),
                summary=_("Hand your approval step to a colleague with the same role"),
                examples=("转交 APP-2026-000123 孙浩 我出差，请代为审批",), order=44, hidden=True)
def transfer_command(ctx: Context, args: Args) -> Reply:
    def service(uow: UnitOfWork, app_id: int, rest: str) -> None:
        name, _sep, note = rest.strip().partition(" ")
        people = wf.transfer_candidates(uow, ctx.actor, app_id)
        wanted = name.casefold()
        match = [p for p in people if wanted and wanted in (
            p.name.casefold(), (p.email or "").casefold(), (p.email or "").split("@")[0])]
        if len(match) != 1:
            raise InvalidInput(_("Transfer to whom? You can hand this step to: {names}.",
                                 names="、".join(p.name for p in people) or "—"))
        wf.transfer(uow, ctx.actor, app_id, match[0].person_id, note=note.strip() or None)

    return by_command(ctx, args, service)


@router.command("withdraw", aliases=["撤回", "撤销申请"], usage=_("withdraw APP-… [REASON]"),
                summary=_("Withdraw your application"), order=45, hidden=True)
def withdraw_command(ctx: Context, args: Args) -> Reply:
    return by_command(ctx, args, lambda uow, app, rest: wf.withdraw(
        uow, ctx.actor, app, rest or None))


@router.command("resubmit", aliases=["重新提交"], usage=_("resubmit APP-… [AMOUNT] [REASON]"),
                summary=_("Resubmit a returned application, amended as you say"),
                examples=("resubmit APP-2026-000123 18万 已补充担保函",), order=46, hidden=True)
def resubmit_command(ctx: Context, args: Args) -> Reply:
    number, rest = number_of(args)
    view = view_of(ctx, number)
    kind = TEMPORARY if view.kind == ApplicationKind.TEMPORARY else "limit"
    details = parse_details(rest, kind, today_for(ctx))
    no_change(details)
    changes: dict[str, Any] = {"amount": details.amount, "reason": details.reason,
                               "term_days": details.term_days,
                               "attachments": details.attachments or None}
    if view.kind == ApplicationKind.TEMPORARY:
        changes["valid_to"] = details.valid_to
    with ctx.uow() as uow:
        wf.resubmit(uow, ctx.domain.policies, ctx.actor, view.id, tell_requester=False,
                    **changes)
        uow.commit()
    return Reply(card=card_for(ctx, view.id))

