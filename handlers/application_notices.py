"""How the workflow's notifications (``credit_domain.applications.notices``) look in chat.

Each is the application's card as its reader may see it at delivery (so a card delivered late
never offers a decision that was already taken), under a headline from the payload:

- ``application.pending_approval`` and ``application.reminder``: the approval card with
  Approve / Reject / Return / Comment, for each approver;
- ``application.no_longer_pending``: replaces the approver's card in place (someone else
  decided, the application was withdrawn…);
- ``submitted`` (to the requester when they submitted elsewhere: chat answers in place),
  ``progress``, ``approved``, ``rejected``, ``returned`` (with Resubmit / Withdraw),
  ``withdrawn``, ``transferred``, ``commented``, ``escalated``, ``suggested`` (Submit with one
  tap): a new card for the requester, approvers concerned or CC readers.

A channel (no reader) gets the payload's own title and lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.messages import Reply
from credit_domain.access import load_actor
from credit_domain.errors import DomainError
from handlers.application_card import application_card
from handlers.application_view import load
from handlers.notifications import render_generic, render_text
from handlers.router import RenderContext, router

KINDS = ("submitted", "progress", "approved", "rejected", "returned", "withdrawn",
         "transferred", "commented", "reminder", "escalated", "suggested")
STANDARD_LINES = 3  # of a pending_approval payload; more lines are notes (transfer, escalation)


def render(kind: str, payload: Mapping[str, Any], rc: RenderContext, *, lines: bool = True,
           replace: bool = False) -> Reply:
    """The application's card for the reader under the payload's headline."""
    if rc.domain is None or rc.person_id is None or "application_id" not in payload:
        return render_generic(kind, {k: v for k, v in payload.items() if k != "link"}, rc)
    with rc.domain.read() as session:
        try:
            reader = load_actor(session, rc.person_id)
            view = load(session, reader, int(payload["application_id"]), rc.domain.clock.now())
        except DomainError:  # the reader can no longer see it: only what the payload says
            return render_generic(kind, {k: v for k, v in payload.items() if k != "link"}, rc)
    headline = [render_text(payload.get("title"), rc)]
    if lines:
        headline += [render_text(line, rc) for line in payload.get("lines") or ()]
    return Reply(text="\n".join(p for p in headline if p) or None,
                 card=application_card(view, rc.locale, rc.person_id),
                 replace_original=replace)


@router.notification("application.pending_approval")
def pending_approval(payload: Mapping[str, Any], rc: RenderContext) -> Reply:
    reply = render("application.pending_approval", payload, rc, lines=False)
    notes = [render_text(n, rc) for n in (payload.get("lines") or ())[STANDARD_LINES:]]
    if notes and reply.text is not None:
        return Reply(text="\n".join([reply.text, *notes]), card=reply.card)
    return reply


@router.notification("application.no_longer_pending")
def no_longer_pending(payload: Mapping[str, Any], rc: RenderContext) -> Reply:
    return render("application.no_longer_pending", payload, rc, replace=True)


def _register(kind: str) -> None:
    name = f"application.{kind}"

    @router.notification(name)
    def renderer(payload: Mapping[str, Any], rc: RenderContext) -> Reply:
        return render(name, payload, rc)


for _kind in KINDS:
    if f"application.{_kind}" not in router.renderers:
        _register(_kind)
