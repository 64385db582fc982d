"""Errors of the approval workflow. Each changes nothing and says why in the reader's
language."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from credit_domain.errors import Conflict
from credit_domain.i18n import Text, text_factory

_ = text_factory("credit_domain")

_ALREADY: dict[str, Text] = {
    "approved": _("{number} was already approved by {name} at {time}."),
    "rejected": _("{number} was already rejected by {name} at {time}."),
    "returned": _("{number} was already returned by {name} at {time}."),
    "withdrawn": _("{number} was already withdrawn by {name} at {time}."),
    "submitted": _("{number} was already submitted by {name} at {time}."),
    "transferred": _("{number}: this step was already transferred by {name} at {time}."),
}


def short_time(at: dt.datetime, now: dt.datetime, timezone: str) -> str:
    """``14:03`` on the same local day as ``now``, ``2026-03-02 14:03`` otherwise."""
    tz = ZoneInfo(timezone)
    local = at.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return f"{local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


class AlreadyDecided(Conflict):
    """The step (or the application) is no longer open for this decision; nothing changed.
    ``outcome``, ``decided_by`` and ``decided_at`` say what happened, who did it and when."""

    code = "already_decided"

    def __init__(self, number: str, outcome: str, decided_by: str, decided_at: dt.datetime,
                 *, now: dt.datetime, timezone: str) -> None:
        template = _ALREADY.get(outcome, _ALREADY["approved"])
        params = {"number": number, "name": decided_by,
                  "time": short_time(decided_at, now, timezone)}
        super().__init__(
            Text(template.msgid, template.package, params),
            outcome=outcome, decided_by=decided_by, decided_at=decided_at.isoformat())
        self.outcome = outcome
        self.decided_by = decided_by
        self.decided_at = decided_at


class NotYourTurn(Conflict):
    """The actor is assigned, but the application is still with someone before them."""

    code = "not_your_turn"
