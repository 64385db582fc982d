"""The creditbot side of the scan and KPI benchmarks: the product's own services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.analytics.facts import Period, account_facts, months_before
from credit_domain.analytics.services import KpiQuery, api_actor, run_kpis
from credit_domain.bootstrap import Domain
from credit_domain.monitoring import overdue, utilisation
from credit_domain.monitoring.policy import MonitoringPolicy

BU = 1


def scan(domain: Domain, today: dt.date) -> dict[str, int]:
    """What the monitoring reads for every account of the book: the utilisation job's plan
    (exposure against the effective limit, one aggregate), the overdue job's newly overdue
    invoices and hold candidates, and each account's aging (the analytics facts)."""
    policy: MonitoringPolicy = domain.policies.get(BU, "monitoring")
    with domain.read() as session:
        moves = utilisation.plan(session, BU, today, policy.utilisation)
        newly = overdue.newly_overdue(session, BU, today, policy.overdue)
        holds = overdue.hold_candidates(session, BU, today, policy.overdue.hold)
        period = Period(today, months_before(today, 3), True,
                        dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0),
                                            dt.UTC))
        facts = account_facts(period, (CreditAccount.business_unit_id == BU)
                              & (CreditAccount.status != AccountStatus.CLOSED))
        aged = 0
        for _row in session.execute(select(facts).execution_options(yield_per=2000)):
            aged += 1
    return {"moves": len(moves), "newly_overdue": len(newly), "holds": len(holds),
            "accounts": aged}


def kpis(domain: Domain, scope: str) -> Any:
    """The dashboard's report for ``scope`` as an API key of the business unit sees it."""
    return run_kpis(domain, api_actor("bench", [BU]), KpiQuery(scope=scope))
