"""Pending applications on the dashboards: counted in the viewer's scope, aged from
submission to the end of the day, and as of a past date."""

import datetime as dt
from decimal import Decimal

from credit_domain.access import Actor
from credit_domain.analytics.extensions import figures
from credit_domain.analytics.services import KpiQuery, compute_kpis
from credit_domain.applications import reject
from credit_domain.bootstrap import Domain
from credit_domain.clock import FrozenClock, local_date
from tests.credit_domain.applications.builders import act, build_org, submit_as


def extras(domain: Domain, actor: Actor, as_of: dt.date) -> dict[str, object]:
    with domain.read() as s:
        report = compute_kpis(s, actor, KpiQuery("bu:IND", as_of, 3), now=domain.clock.now(),
                              sources=figures(domain))
    assert report.unavailable == ()
    return {x.key: x.value for x in report.extras}


def test_pending_applications_are_counted_and_aged(any_domain: Domain,
                                                   clock: FrozenClock) -> None:
    org = build_org(any_domain)
    first = submit_as(org, amount=130_000)  # an increase: the sales manager decides first
    clock.advance(days=2)
    start = local_date(clock.now(), "Asia/Shanghai")
    submit_as(org, kind="temporary", amount=20_000, valid_from=start,
              valid_to=start + dt.timedelta(days=30))
    clock.advance(days=1)
    today = local_date(clock.now(), "Asia/Shanghai")
    finance = org.actor("finance")

    now = extras(any_domain, finance, today)
    assert now["pending_applications"] == 2
    # Ages run to the end of today: the first waited 3 days + x, the second 1 day + x.
    oldest, average = now["pending_oldest_days"], now["pending_average_days"]
    assert isinstance(oldest, Decimal) and isinstance(average, Decimal)
    assert oldest - average == Decimal("1.0")

    act(org, "manager", reject, first.id, reason="资料不全")
    assert extras(any_domain, finance, today)["pending_applications"] == 1
    # As of the day before the second was submitted, only the first was waiting, and its
    # rejection (today) had not happened yet.
    assert extras(any_domain, finance, start - dt.timedelta(days=1))["pending_applications"] == 1
    # A salesperson of another team sees none of them.
    assert extras(any_domain, org.actor("seller2"), today)["pending_applications"] == 0
