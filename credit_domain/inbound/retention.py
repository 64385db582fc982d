"""How long ``processed_events`` keeps what it has seen, and pruning it.

A claim protects against a retried or replayed delivery only while its row exists. Each
namespace has a replay window: past it, the delivery is refused anyway (the platform's or
the adapter's timestamp check, a sign-in link's expiry) or the platform has stopped retrying.
Rows are kept for :data:`RETENTION`, longer than every window, so pruning never opens a gap:
a delivery replayed after its row is gone is refused as stale before it is looked up.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select

from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.inbound.models import ProcessedEvent
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")

INBOUND_REPLAY_WINDOWS: dict[str, dt.timedelta] = {
    "slack-sig": dt.timedelta(minutes=10),  # Bolt refuses timestamps older than 5 minutes
    "weblogin": dt.timedelta(minutes=15),  # a sign-in link is valid 15 minutes
    "wecom-in": dt.timedelta(hours=1),  # the callback refuses timestamps 1 h away
    "dingtalk-sig": dt.timedelta(hours=1),  # DingTalk: a robot timestamp is valid 1 h
    # Retries of the platforms' own deliveries (Slack retries for minutes, WeCom for
    # seconds, DingTalk's stream redelivers until acknowledged): a day is ample.
    "dingtalk-in": dt.timedelta(days=1),
    "platform events": dt.timedelta(days=1),
}
RETENTION = dt.timedelta(days=7)


def longest_window() -> dt.timedelta:
    return max(INBOUND_REPLAY_WINDOWS.values())


def prune_processed_events(uow: UnitOfWork, *, keep: dt.timedelta = RETENTION,
                           dry_run: bool = False) -> int:
    """Delete claims received more than ``keep`` ago (every namespace); returns how many
    (with ``dry_run``, how many would be). ``keep`` may not be shorter than the longest
    replay window."""
    if keep < longest_window():
        raise InvalidInput(_("Inbound events must be kept at least {hours} hours (the "
                             "longest replay window).",
                             hours=int(longest_window().total_seconds() // 3600)))
    cutoff = uow.now() - keep
    old = ProcessedEvent.received_at < cutoff
    if dry_run:
        return int(uow.session.scalar(select(func.count()).select_from(ProcessedEvent)
                                      .where(old)) or 0)
    result = uow.session.execute(delete(ProcessedEvent).where(old))
    return int(getattr(result, "rowcount", 0) or 0)
