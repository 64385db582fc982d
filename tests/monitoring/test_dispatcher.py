"""Reliable delivery: a platform that is down for an hour delays messages and, once it is
back, every message arrives exactly once; failures back off, give up after a bounded number
of attempts, and concurrent dispatchers never send one message twice."""

import datetime as dt
import random
import threading
from typing import Any

import pytest
from sqlalchemy import select

from credit_domain.bootstrap import Domain, build_domain
from credit_domain.clock import FrozenClock
from credit_domain.outbox.admin import purge_messages, retry_messages
from credit_domain.outbox.dispatcher import Dispatcher, RetryPolicy, watch_outbox
from credit_domain.outbox.models import OutboxMessage, OutboxStatus
from credit_domain.outbox.port import DeliveryFailed, OutgoingMessage
from tests.monitoring.fake_platform import FakePlatform, HttpNotifier


def queue(domain: Domain, n: int, **extra: Any) -> list[int]:
    with domain.uow() as uow:
        for i in range(n):
            uow.notify("alert.test", channel="credit-alerts", dedupe_key=f"t:{i}", n=i, **extra)
        uow.commit()
        return list(uow.inserted_message_ids)


def rows(domain: Domain) -> list[OutboxMessage]:
    with domain.read() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_an_hour_long_outage_delays_messages_and_loses_or_repeats_none(
        any_domain: Domain, clock: FrozenClock) -> None:
    back_at = clock.now() + dt.timedelta(hours=1)
    ids = queue(any_domain, 8)
    with FakePlatform(lambda: clock.now() < back_at) as platform:
        dispatcher = Dispatcher(any_domain, lambda: HttpNotifier(platform.url),
                                rng=random.Random(7))
        for _ in range(24 * 4):  # up to a day in 15-minute steps
            dispatcher.drain()
            if all(m.status == OutboxStatus.SENT for m in rows(any_domain)):
                break
            clock.advance(minutes=15)
        assert clock.now() - back_at < dt.timedelta(hours=2)  # backoff stays reasonable
        assert platform.failures >= len(ids) * 4  # 500s and timeouts, retried with backoff
        assert dict(platform.posted) == {i: 1 for i in ids}
    sent = rows(any_domain)
    assert all(m.status == OutboxStatus.SENT for m in sent)
    assert all(m.sent_at is not None and m.sent_at >= back_at for m in sent)
    assert {m.delivery_ref["ts"] for m in sent} == {f"ts-{i}" for i in ids}  # type: ignore[index]
    assert all(m.lease_owner is None and m.last_error is None for m in sent)


def test_backoff_doubles_with_jitter_up_to_a_cap() -> None:
    policy = RetryPolicy(base_delay=10, max_delay=300, jitter=0.5)
    rng = random.Random(1)
    for attempts, raw in [(1, 10), (2, 20), (3, 40), (6, 300), (20, 300)]:
        delays = {policy.delay(attempts, rng) for _ in range(50)}
        assert all(raw / 2 <= d <= raw for d in delays) and len(delays) > 40


def test_dead_letter_after_max_attempts_then_retry_by_hand(domain: Domain,
                                                          clock: FrozenClock) -> None:
    [mid] = queue(domain, 1)
    broken = {"down": True}
    with FakePlatform(lambda: broken["down"], hang_every=1000) as platform:
        dispatcher = Dispatcher(domain, lambda: HttpNotifier(platform.url),
                                retry=RetryPolicy(max_attempts=3, base_delay=60))
        for _ in range(10):
            dispatcher.drain()
            clock.advance(minutes=5)
        [row] = rows(domain)
        assert row.status == OutboxStatus.DEAD and row.attempts == 3
        assert "500" in (row.last_error or "") and platform.requests == 3
        broken["down"] = False
        with domain.uow() as uow:
            assert retry_messages(uow, all_dead=True) == 1
            uow.commit()
        assert dispatcher.drain().sent == 1
        assert platform.posted == {mid: 1}


def test_a_permanent_refusal_is_dead_at_once(domain: Domain) -> None:
    queue(domain, 1)

    class Refusing:
        def send(self, message: OutgoingMessage) -> dict[str, Any] | None:
            raise DeliveryFailed("channel_not_found", permanent=True)

    report = Dispatcher(domain, lambda: Refusing()).drain()
    assert report.dead == 1 and rows(domain)[0].status == OutboxStatus.DEAD


def test_without_a_notifier_messages_wait(domain: Domain) -> None:
    queue(domain, 3)
    report = Dispatcher(domain, lambda: None).drain()
    assert report.waiting_for_notifier and report.claimed == 0
    assert [(m.status, m.attempts) for m in rows(domain)] == [(OutboxStatus.PENDING, 0)] * 3


def test_a_lease_keeps_others_off_until_it_expires(any_domain: Domain,
                                                  clock: FrozenClock) -> None:
    queue(any_domain, 2)
    delivered: list[int] = []

    class Recording:
        def send(self, message: OutgoingMessage) -> dict[str, Any] | None:
            delivered.append(message.id)
            return {"ok": True}

    crashed = Dispatcher(any_domain, lambda: Recording(), lease_seconds=120)
    _token, claimed = crashed.claim()  # … and the process dies before sending
    assert len(claimed) == 2
    other = Dispatcher(any_domain, lambda: Recording())
    assert other.drain().claimed == 0  # leased
    clock.advance(seconds=121)
    assert other.drain().sent == 2  # the lease expired: taken over
    report = crashed.run_once()  # the first process comes back: nothing left for it
    assert report.claimed == 0 and sorted(delivered) == sorted(m.id for m in claimed)


def test_a_send_that_outlives_its_lease_is_reported(domain: Domain, clock: FrozenClock) -> None:
    queue(domain, 1)

    class Slow:
        def send(self, message: OutgoingMessage) -> dict[str, Any] | None:
            clock.advance(seconds=200)  # longer than the lease: another dispatcher takes it
            taken = Dispatcher(domain, lambda: Fast()).drain()
            assert taken.sent == 1
            return {"ok": True}

    class Fast:
        def send(self, message: OutgoingMessage) -> dict[str, Any] | None:
            return {"ok": True}

    report = Dispatcher(domain, lambda: Slow(), lease_seconds=60).run_once()
    assert report.lease_lost == 1 and report.sent == 0  # the documented at-least-once window


def test_two_dispatchers_send_each_message_once(db_url: str) -> None:
    first, second = build_domain(db_url), build_domain(db_url)
    try:
        ids = queue(first, 120)
        with FakePlatform(delay=0.002) as platform:
            dispatchers = [Dispatcher(d, lambda: HttpNotifier(platform.url, timeout=5),
                                      batch_size=5) for d in (first, second)]
            start = threading.Barrier(2)
            sent = [0, 0]

            def work(i: int) -> None:
                start.wait()
                sent[i] = dispatchers[i].drain().sent

            threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert dict(platform.posted) == {i: 1 for i in ids}
            assert sum(sent) == 120 and min(sent) > 0  # both took part
    finally:
        first.dispose()
        second.dispose()


def test_commits_that_write_messages_wake_the_dispatcher(domain: Domain) -> None:
    woken: list[int] = []
    unwatch = watch_outbox(domain.session_factory, lambda: woken.append(1))
    try:
        queue(domain, 1)
        assert woken == [1]
        with domain.uow() as uow:
            uow.audit("x", "y", 1, business_unit_id=None)
            uow.commit()  # no message: no wake
        with domain.uow() as uow:
            uow.notify("x", channel="c")  # rolled back: no wake
        assert woken == [1]
        Dispatcher(domain, lambda: None).drain()
        assert woken == [1]
    finally:
        unwatch()
    queue(domain, 1, other=True)
    assert woken == [1]


def test_purge_keeps_pending_messages(domain: Domain, clock: FrozenClock) -> None:
    queue(domain, 2)

    class Ok:
        def send(self, message: OutgoingMessage) -> dict[str, Any] | None:
            return None

    Dispatcher(domain, lambda: Ok(), batch_size=1).run_once()
    clock.advance(days=40)
    with domain.uow() as uow:
        assert purge_messages(uow, older_than=dt.timedelta(days=30)) == 1
        uow.commit()
    assert [m.status for m in rows(domain)] == [OutboxStatus.PENDING]
    with pytest.raises(Exception, match="never purged"), domain.uow() as uow:
        purge_messages(uow, older_than=dt.timedelta(days=1), statuses=["pending"])
