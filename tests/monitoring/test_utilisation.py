"""Utilisation crossings of 80/90/100% of the effective limit alert once per crossing; falling
back (by the reset margin) and crossing again alerts again."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import delete

from credit_domain.accounts.models import CreditAccount
from credit_domain.bootstrap import Domain
from credit_domain.clock import FrozenClock
from credit_domain.ledger.models import Order
from credit_domain.monitoring.policy import UtilisationRules
from credit_domain.monitoring.utilisation import next_state
from tests.factories import World
from tests.monitoring.helpers import (
    add_account,
    dedupe_key,
    in_uow,
    make_org,
    recipients,
    run,
    sent,
)


def set_exposure(domain: Domain, account_id: int, amount: int) -> None:
    """Replace the account's open orders by one order of ``amount``."""

    def build(uow, w: World) -> None:  # type: ignore[no-untyped-def]
        uow.session.execute(delete(Order).where(Order.account_id == account_id))
        if amount:
            w.order(uow.session.get(CreditAccount, account_id), amount)

    in_uow(domain, build)


def alerts(domain: Domain) -> list[str]:
    """The crossings alerted so far, in order (one entry per alert, not per recipient)."""
    keys = []
    for m in sent(domain, "alert.utilisation"):
        key = dedupe_key(m).split("|")[0]
        if key not in keys:
            keys.append(key)
    return [k.split(":", 2)[2] for k in keys]  # "threshold:episode"


def test_each_crossing_alerts_once_and_again_after_falling_back(
        any_domain: Domain, clock: FrozenClock) -> None:
    org = make_org(any_domain)
    acc = add_account(any_domain, org, "甲公司", limit=100_000)
    walk = [(70_000, []), (85_000, ["80:0"]), (92_000, ["80:0", "90:0"]),
            (95_000, ["80:0", "90:0"]),
            (86_000, ["80:0", "90:0"]),  # within the 5-point margin: still armed off
            (84_000, ["80:0", "90:0"]),  # 90 re-armed, no alert on the way down
            (91_000, ["80:0", "90:0", "90:1"]),  # crossing again alerts again
            (101_000, ["80:0", "90:0", "90:1", "100:1"])]
    for exposure, expected in walk:
        set_exposure(any_domain, acc, exposure)
        clock.advance(minutes=15)
        run(any_domain, "utilisation")
        clock.advance(seconds=1)
        run(any_domain, "utilisation")  # a rerun adds nothing
        assert alerts(any_domain) == expected, exposure

    at_100 = [m for m in sent(any_domain) if dedupe_key(m).startswith(f"utilisation:{acc}:100")]
    assert recipients(at_100) == {f"person:{org.seller}": 1, f"person:{org.manager}": 1,
                                  f"person:{org.finance}": 1, "#credit-alerts": 1}
    assert at_100[0].payload["severity"] == "urgent"
    assert at_100[0].payload["title"]["params"]["percent"] == "101.0"


def test_a_temporary_limit_counts_in_the_effective_limit(domain: Domain,
                                                        clock: FrozenClock) -> None:
    org = make_org(domain)
    acc = add_account(domain, org, "甲公司", limit=100_000)
    in_uow(domain, lambda uow, w: w.temporary_limit(
        uow.session.get(CreditAccount, acc), 100_000, valid_from=dt.date(2026, 3, 1),
        valid_to=dt.date(2026, 3, 31)))
    set_exposure(domain, acc, 150_000)  # 75% of 200,000
    run(domain, "utilisation")
    assert alerts(domain) == []


@pytest.mark.parametrize(("level", "episode", "percent", "expected"), [
    (0, 0, "79.9", (0, 0, None)),
    (0, 0, "80.0", (80, 0, 80)),
    (0, 0, "130.0", (100, 0, 100)),  # a jump alerts the highest threshold only
    (100, 2, "96.0", (100, 2, None)),
    (100, 2, "94.9", (90, 3, None)),
    (90, 0, "10.0", (0, 1, None)),
])
def test_next_state(level: int, episode: int, percent: str,
                    expected: tuple[int, int, int | None]) -> None:
    assert next_state(UtilisationRules(), level, episode, Decimal(percent)) == expected
