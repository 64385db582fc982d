"""The creditbot side of the scan and KPI benchmarks: the product's own services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from credit_domain.analytics.services import KpiQuery, api_actor, run_kpis
from credit_domain.bootstrap import Domain
from credit_domain.monitoring import overdue, utilisation
from credit_domain.monitoring.book import positions
from credit_domain.monitoring.policy import MonitoringPolicy

BU = 1


def scan(domain: Domain, today: dt.date) -> dict[str, Any]:
    """What the monitoring reads and decides for every account of the book, in one pass: the
    book's positions (effective limit, exposure, overdue, aging, utilisation state) give the
    utilisation job's threshold moves, the overdue scan's holds beyond tolerance and the
    aging each account carries; the overdue scan's unreported overdue invoices come from their
    index, account by account, as the scan streams them. Like the floor, it yields every
    account's figures and does not total them."""
    policy: MonitoringPolicy = domain.policies.get(BU, "monitoring")
    rules = policy.overdue
    accounts = moves = holds = unreported = 0
    with domain.read() as session:
        for invoices in overdue.unreported(session, BU, today, rules):
            unreported += len(invoices)
        for p in positions(session, BU, today, rules.hold.ignore_below):
            accounts += 1
            moves += utilisation.move(p, policy.utilisation) is not None
            holds += overdue.beyond_tolerance(p, today, rules.hold) is not None
    return {"accounts": accounts, "moves": moves, "holds": holds,
            "unreported_overdue": unreported}


def kpis(domain: Domain, scope: str) -> Any:
    """The dashboard's report for ``scope`` as an API key of the business unit sees it."""
    return run_kpis(domain, api_actor("bench", [BU]), KpiQuery(scope=scope))
