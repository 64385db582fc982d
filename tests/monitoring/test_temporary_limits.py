"""Temporary limits across days: a notice N days before the end, then on the first day after
the last valid day the limit is expired, audited and the account re-evaluated."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from credit_domain.accounts.exposure import account_exposure
from credit_domain.accounts.models import CreditAccount, TemporaryLimit, TemporaryLimitStatus
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.clock import FrozenClock
from credit_domain.events import LimitChanged
from tests.monitoring.helpers import add_account, events_of, in_uow, make_org, run, sent

END = dt.date(2026, 3, 12)  # a Thursday; the clock starts on Monday 2 March


def test_notice_then_expiry_with_exposure_re_evaluated(any_domain: Domain,
                                                       clock: FrozenClock) -> None:
    org = make_org(any_domain)
    acc = add_account(any_domain, org, "甲公司", limit=100_000)

    def build(uow, w):  # type: ignore[no-untyped-def]
        account = uow.session.get(CreditAccount, acc)
        w.order(account, 150_000)
        return w.temporary_limit(account, 80_000, valid_from=dt.date(2026, 2, 1),
                                 valid_to=END).id

    limit_id = in_uow(any_domain, build)
    events = events_of(any_domain)
    notices = []
    for _day in range(12):  # 2 … 13 March
        run(any_domain, "temporary-limits")
        notices.append(len(sent(any_domain, "alert.temporary_limit_expiring")))
        clock.advance(days=1)
    # 7 days' notice: first on 6 March (ends in 6 days), to the owner and the credit admin
    assert notices == [0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2]
    expired = sent(any_domain, "alert.temporary_limit_expired")
    assert {m.person_id for m in expired} == {org.seller, org.admin}
    assert expired[0].payload["severity"] == "warning"  # 150,000 on a 100,000 limit now
    with any_domain.read() as s:
        assert s.get_one(TemporaryLimit, limit_id).status == TemporaryLimitStatus.EXPIRED
        audit = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "temporary_limit.expired")).one()
        assert '"available":"-50000.00"' in (audit.after or "")
        exposure = account_exposure(s, acc, END + dt.timedelta(days=1))
    assert exposure.effective_limit == 100_000
    changed = [e for e in events if isinstance(e, LimitChanged)]
    assert [(e.old_limit, e.new_limit) for e in changed] == [(Decimal(180_000), Decimal(100_000))]
