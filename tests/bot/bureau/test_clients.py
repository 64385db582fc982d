"""Both providers' real clients against the fake bureau on 127.0.0.1: parsing, signing,
errors, retries with backoff, rate limits, timeouts, the database cache and the shared
token bucket."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.fakes.bureau import FakeBureau, make_company
from bot.fakes.server import RunningServer, serve_in_thread
from credit_domain.bootstrap import Domain
from credit_domain.bureau.cache import DatabaseCache
from credit_domain.bureau.http import _seconds
from credit_domain.bureau.port import BureauUnavailable, CompanyNotFound, CompanyRef
from credit_domain.bureau.qichacha import QichachaClient
from credit_domain.bureau.ratelimit import DatabaseTokenBucket
from credit_domain.bureau.report import CompanyStatus
from credit_domain.bureau.tianyancha import TianyanchaClient
from credit_domain.clock import FrozenClock
from credit_domain.uscc import make_uscc

TODAY = dt.date(2026, 3, 2)


def uscc_where(pred: Callable[[dict[str, Any]], bool]) -> str:
    """The first test USCC whose fake record satisfies ``pred``."""
    for n in range(5000):
        uscc = make_uscc(f"91310000{n:08d}0")
        if pred(make_company(uscc, "x", uscc).as_of(TODAY)):
            return uscc
    raise AssertionError("no such company among the first 5000")


DISHONEST = uscc_where(lambda r: bool(r["dishonest"]) and bool(r["enforcements"]))
CLEAN = uscc_where(lambda r: not any(r[k] for k in ("lawsuits", "enforcements", "dishonest",
                                                    "freezes", "abnormal")))
NAMES = {DISHONEST: "失信样本有限公司", CLEAN: "清白样本有限公司"}


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[FakeBureau, RunningServer]]:
    def directory(keyword: str) -> tuple[str | None, str] | None:
        by_name = {v: k for k, v in NAMES.items()}
        if keyword in NAMES:
            return keyword, NAMES[keyword]
        return (by_name[keyword], keyword) if keyword in by_name else None

    bureau = FakeBureau(directory=directory, today=lambda: TODAY, tianyancha_token="tok")
    server = serve_in_thread(bureau.app)
    yield bureau, server
    server.stop()


@pytest.fixture
def bureau(fake: tuple[FakeBureau, RunningServer]) -> FakeBureau:
    fake[0].reset()
    return fake[0]


@pytest.fixture
def url(fake: tuple[FakeBureau, RunningServer]) -> str:
    return fake[1].url


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def tyc(url: str, **kw: Any) -> TianyanchaClient:
    kw.setdefault("sleep", Sleeps())
    return TianyanchaClient("tok", url, **kw)


def qcc(url: str, secret: str = "fake-secret", **kw: Any) -> QichachaClient:
    kw.setdefault("sleep", Sleeps())
    return QichachaClient("fake-key", secret, url, **kw)


def test_tianyancha_reads_the_company_record(bureau: FakeBureau, url: str) -> None:
    report = tyc(url).fetch(CompanyRef("失信样本有限公司", DISHONEST))
    record = make_company(DISHONEST, NAMES[DISHONEST], DISHONEST).as_of(TODAY)
    assert report.name == "失信样本有限公司" and report.uscc == DISHONEST
    assert report.status is CompanyStatus.ACTIVE
    assert report.legal_representative == record["legal_rep"]
    assert report.registered_capital is not None and report.registered_capital >= 500_000
    assert [d.case_no for d in report.dishonest] == [r["case"] for r in record["dishonest"]]
    assert len(report.enforcements) == len(record["enforcements"])
    assert report.enforcements[0].amount is not None
    defendants = [s for s in report.lawsuits if s.role == "defendant"]
    assert len(defendants) == sum(1 for s in record["lawsuits"] if s["defendant"])
    paths = [p for p, _ in bureau.requests]
    assert "/services/open/jr/dishonest/2.0" in paths and len(paths) == 6


def test_both_providers_give_the_same_record(bureau: FakeBureau, url: str) -> None:
    company = CompanyRef("失信样本有限公司", DISHONEST)
    a, b = tyc(url).fetch(company).to_json(), qcc(url).fetch(company).to_json()
    assert a.pop("provider") == "tianyancha" and b.pop("provider") == "qichacha"
    assert a == b


def test_bad_credentials_fail_at_once(bureau: FakeBureau, url: str) -> None:
    with pytest.raises(BureauUnavailable) as exc:
        qcc(url, secret="wrong").fetch(CompanyRef("x", CLEAN))
    assert exc.value.permanent and "109" in exc.value.reason
    with pytest.raises(BureauUnavailable) as exc:
        TianyanchaClient("other", url, sleep=Sleeps()).fetch(CompanyRef("x", CLEAN))
    assert exc.value.permanent and "300002" in exc.value.reason
    assert len(bureau.requests) == 2  # permanent: not retried


def test_unknown_company(bureau: FakeBureau, url: str) -> None:
    with pytest.raises(CompanyNotFound):
        tyc(url).fetch(CompanyRef("查无此公司"))
    with pytest.raises(CompanyNotFound):
        qcc(url).fetch(CompanyRef("查无此公司"))


def test_server_errors_are_retried_with_backoff(bureau: FakeBureau, url: str) -> None:
    sleeps = Sleeps()
    client = tyc(url, sleep=sleeps, backoff=0.5)
    bureau.fail_next(2, status=502)
    report = client.fetch(CompanyRef("x", CLEAN))
    assert report.uscc == CLEAN
    assert sleeps == [0.5, 1.0] and client.calls == 8
    bureau.fail_next(10, status=503)
    with pytest.raises(BureauUnavailable) as exc:
        tyc(url, attempts=3).fetch(CompanyRef("y", DISHONEST))
    assert not exc.value.permanent and "HTTP 503" in exc.value.reason


@pytest.mark.parametrize("style", ["http", "code"])
def test_rate_limits_are_waited_out(bureau: FakeBureau, url: str, style: str) -> None:
    sleeps = Sleeps()
    bureau.rate_limit_next(2, style=style)
    report = tyc(url, sleep=sleeps, backoff=0.25).fetch(CompanyRef("x", CLEAN))
    assert report.uscc == CLEAN and sleeps == [0.25, 0.5]


def test_retry_after_is_honoured(bureau: FakeBureau, url: str) -> None:
    sleeps = Sleeps()
    bureau.rate_limit_next(1, retry_after=3)
    assert tyc(url, sleep=sleeps, backoff=0.25).fetch(CompanyRef("x", CLEAN)).uscc == CLEAN
    assert sleeps == [3.0]


def test_a_retry_after_that_is_not_whole_seconds_leaves_the_backoff() -> None:
    assert [_seconds(h) for h in ("3", " 7 ", "1.5", "-2", "Wed, 21 Oct 2026 07:28:00 GMT",
                                  "", None)] == [3, 7, None, None, None, None, None]


def test_qichacha_rate_limit_and_timeouts(bureau: FakeBureau, url: str) -> None:
    bureau.rate_limit_next(1)
    bureau.slow_next(1, seconds=1.0)
    sleeps = Sleeps()
    client = qcc(url, sleep=sleeps, timeout=0.3)
    assert client.fetch(CompanyRef("x", CLEAN)).uscc == CLEAN
    assert len(sleeps) == 2  # one 429, one timeout
    bureau.slow_next(5, seconds=1.0)
    with pytest.raises(BureauUnavailable) as exc:
        qcc(url, timeout=0.2, attempts=2).fetch(CompanyRef("x", CLEAN))
    assert "timeout" in exc.value.reason


def test_responses_are_cached_in_the_database_for_the_ttl(
        bureau: FakeBureau, url: str, domain: Domain, clock: FrozenClock) -> None:
    cache = DatabaseCache(domain.read, domain.uow, clock, dt.timedelta(hours=24))
    company = CompanyRef("x", DISHONEST)
    first = tyc(url, cache=cache).fetch(company)
    other_process = tyc(url, cache=cache)
    assert other_process.fetch(company) == first and other_process.calls == 0
    clock.advance(hours=25)
    assert other_process.fetch(company) == first and other_process.calls == 6


def test_the_token_bucket_is_shared_through_the_database(domain: Domain) -> None:
    clock = FrozenClock()
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds=seconds)

    a = DatabaseTokenBucket(domain.uow, "t", rate=2.0, capacity=2.0, clock=clock, sleep=sleep)
    b = DatabaseTokenBucket(domain.uow, "t", rate=2.0, capacity=2.0, clock=clock, sleep=sleep)
    for bucket in (a, b, a, b, a):
        bucket.acquire()
    assert waits == [0.5, 0.5, 0.5]  # two saved tokens, then one every half second
