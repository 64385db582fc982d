"""Wiring of the bureau port: the provider chosen by ``CREDITBOT_BUREAU_PROVIDER`` becomes
``domain.ports["bureau"]``, with the database cache (``BUREAU_CACHE_TTL_HOURS``) and the
database-shared token bucket (``BUREAU_RATE_PER_SECOND``, default 5 calls a second for
the real providers).

``fake`` (the default) talks Tianyancha's format to the fake bureau: at ``BUREAU_API_URL``
when set, otherwise to one started on 127.0.0.1 in this process on first use. The fake
knows the customers in the database by USCC and name, as a real bureau knows every company.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from sqlalchemy import or_, select

from bot.bootstrap import Runtime, runtime_hook
from bot.fakes.bureau import FakeBureau
from bot.fakes.server import RunningServer, serve_in_thread
from bot.settings import Settings
from bot.web.app import web_routes
from credit_domain.bootstrap import Domain
from credit_domain.bureau.cache import DatabaseCache
from credit_domain.bureau.port import BureauProvider, BureauUnavailable, CompanyRef
from credit_domain.bureau.qichacha import DEFAULT_URL as QICHACHA_URL
from credit_domain.bureau.qichacha import QichachaClient
from credit_domain.bureau.ratelimit import DatabaseTokenBucket
from credit_domain.bureau.report import BureauReport
from credit_domain.bureau.tianyancha import DEFAULT_URL as TIANYANCHA_URL
from credit_domain.bureau.tianyancha import TianyanchaClient
from credit_domain.clock import local_date
from credit_domain.customers.models import Customer
from credit_domain.names import normalize_name
from credit_domain.uscc import normalize_uscc

FAKE_TOKEN = "fake-bureau-token"  # noqa: S105 (the fake accepts any token)
PROVIDERS = ("tianyancha", "qichacha", "fake", "none")
REAL_RATE = 5.0  # calls per second shared by every process (BUREAU_RATE_PER_SECOND)
FAKE_RATE = 200.0


@dataclass
class Misconfigured:
    """Stands in for a provider whose credentials are missing: every call fails clearly."""

    name: str
    reason: str

    def fetch(self, company: CompanyRef) -> BureauReport:
        raise BureauUnavailable(self.reason, permanent=True)


@dataclass
class EmbeddedFake:
    """The fake bureau served from this process, started on first use."""

    fake: FakeBureau
    make_client: Any
    name: str = "fake"
    _server: RunningServer | None = field(default=None, init=False)
    _client: BureauProvider | None = field(default=None, init=False)

    def fetch(self, company: CompanyRef) -> BureauReport:
        if self._client is None:
            self._server = serve_in_thread(self.fake.app)
            self._client = self.make_client(self._server.url)
        return self._client.fetch(company)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()


def customer_directory(domain: Domain) -> Any:
    """keyword (USCC or name) → (USCC, legal name) of a customer in the database."""

    def find(keyword: str) -> tuple[str | None, str] | None:
        code = normalize_uscc(keyword)
        with domain.read() as session:
            row = session.execute(
                select(Customer.uscc, Customer.legal_name).where(or_(
                    Customer.uscc == code,
                    Customer.normalized_name == normalize_name(keyword))).limit(1)).first()
        return (row[0], row[1]) if row else None

    return find


def fake_bureau(runtime: Runtime) -> FakeBureau:
    """The process's fake bureau (one per runtime, shared by the port and the web mount)."""
    existing = runtime.extras.get("fake_bureau")
    if isinstance(existing, FakeBureau):
        return existing
    domain = runtime.domain
    fake = FakeBureau(directory=customer_directory(domain),
                      today=lambda: local_date(domain.clock.now(), "Asia/Shanghai"))
    runtime.extras["fake_bureau"] = fake
    return fake


def build_provider(settings: Settings, domain: Domain, runtime: Runtime | None = None
                   ) -> BureauProvider:
    """The configured provider, with cache and rate limit (see module docstring)."""
    kind = settings.bureau_kind
    ttl = dt.timedelta(hours=settings.bureau_cache_ttl_hours)
    rate = settings.bureau_rate_per_second or (FAKE_RATE if kind == "fake" else REAL_RATE)
    options: dict[str, Any] = {
        "cache": DatabaseCache(domain.read, domain.uow, domain.clock, ttl),
        "limiter": DatabaseTokenBucket(domain.uow, f"bureau:{kind}",
                                       rate=rate, capacity=max(1.0, rate)),
    }
    if kind == "tianyancha":
        if settings.tianyancha_token is None:
            return Misconfigured(kind, "TIANYANCHA_TOKEN is not set")
        return TianyanchaClient(settings.tianyancha_token.get_secret_value(),
                                settings.bureau_api_url or TIANYANCHA_URL, **options)
    if kind == "qichacha":
        if not settings.qichacha_key or settings.qichacha_secret_key is None:
            return Misconfigured(kind, "QICHACHA_KEY and QICHACHA_SECRET_KEY are not set")
        return QichachaClient(settings.qichacha_key,
                              settings.qichacha_secret_key.get_secret_value(),
                              settings.bureau_api_url or QICHACHA_URL, **options)
    if kind != "fake":
        return Misconfigured(kind, f"unknown CREDITBOT_BUREAU_PROVIDER {kind!r}; "
                                   f"use one of {', '.join(PROVIDERS)}")

    def client(url: str) -> BureauProvider:
        return TianyanchaClient(FAKE_TOKEN, url, **options)

    if settings.bureau_api_url:
        return client(settings.bureau_api_url)
    if runtime is None:
        raise ValueError("the embedded fake bureau needs the runtime")
    return EmbeddedFake(fake_bureau(runtime), client)


def demo_provider(runtime: Runtime) -> EmbeddedFake:
    """The fake bureau for ``creditbot demo``: served in this process, without the response
    cache and the shared rate limit (each of the demo's fictional companies is asked once,
    and only the fake knows them)."""
    return EmbeddedFake(fake_bureau(runtime), lambda url: TianyanchaClient(FAKE_TOKEN, url))


@runtime_hook
def install_bureau(runtime: Runtime) -> None:
    if runtime.settings.bureau_kind == "none":
        runtime.domain.ports.pop("bureau", None)  # the bureau job says none is configured
        return
    runtime.domain.ports["bureau"] = build_provider(runtime.settings, runtime.domain, runtime)


@web_routes
def fake_bureau_routes(runtime: Runtime) -> APIRouter:
    """``/fake-bureau/`` serves the fake in the demo (emulator on, provider fake)."""
    router = APIRouter()
    if runtime.settings.emulator and runtime.settings.bureau_kind == "fake":
        router.mount("/fake-bureau", fake_bureau(runtime).app)
    return router
