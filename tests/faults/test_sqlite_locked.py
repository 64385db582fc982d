"""The SQLite database refuses writes for a while (another process holds its write lock):
requests that arrive meanwhile wait within the busy timeout, or past it fail cleanly (503,
Retry-After, a clear message, nothing written), and succeed once the lock is released.
Checked with an ERP order check and an approval tapped in the chat."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.monitoring import make_dispatcher
from bot.web.app import create_app
from credit_domain.accounts.models import CreditAccount
from credit_domain.apikeys.services import create_key
from credit_domain.applications.models import Application, ApprovalStep
from credit_domain.audit.models import AuditEvent
from credit_domain.conversations.models import EmulatorMessage
from credit_domain.customers.models import Customer
from credit_domain.ledger.models import Order
from credit_domain.unit_of_work import ActorRef
from tests.handlers.apps import EN_CARDS, person_id, submit_by_chat, workflow_world
from tests.handlers.platform import TestPlatform


@contextmanager
def write_locked(database: str, seconds: float) -> Iterator[threading.Event]:
    """Another connection (as another process would) holds the write lock for ``seconds``
    from when the block starts; the event is set when it lets go."""
    held, released = threading.Event(), threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(database, isolation_level=None, timeout=10)
        conn.execute("BEGIN EXCLUSIVE")
        held.set()
        time.sleep(seconds)
        conn.execute("COMMIT")
        conn.close()
        released.set()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert held.wait(10)
    try:
        yield released
    finally:
        thread.join(seconds + 10)


@dataclass
class World:
    runtime: Any
    database: str
    api: TestClient
    headers: dict[str, str]
    approver: TestClient
    application_id: int
    card: dict[str, Any]  # the approval card's emulator message: id and Approve's index
    order: dict[str, Any]

    def counts(self) -> tuple[int, int]:
        with self.runtime.domain.read() as s:
            return (int(s.scalar(select(func.count()).select_from(Order)) or 0),
                    int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0))

    def status(self) -> list[tuple[int, str]]:
        """The application's steps and their states."""
        with self.runtime.domain.read() as s:
            return [(p, str(st)) for p, st in s.execute(
                select(ApprovalStep.position, ApprovalStep.status).where(
                    ApprovalStep.application_id == self.application_id)
                .order_by(ApprovalStep.position))]

    def check_order(self) -> Any:
        return self.api.post("/api/v1/orders/check", json=self.order, headers=self.headers)

    def assert_went_through(self, check: Any, tap: Any, before: tuple[int, int],
                            pending: list[tuple[int, str]]) -> None:
        """The order check passed and added its order; the tap decided 李强's step."""
        assert check.status_code == 200 and check.json()["decision"] == "pass", check.text
        assert tap.status_code == 200, tap.text
        assert self.counts()[0] == before[0] + 1
        assert self.status() != pending  # the next approver's turn

    def approve(self) -> Any:
        return self.approver.post("/emulator/api/action", json={
            **self.card, "form": {}, "client_id": f"tap-{time.monotonic_ns()}"})


def make_world(make_runtime: Any, database_url: str) -> World:
    """An application waiting for 李强, its card in his emulator chat, and an ERP key."""
    rt = make_runtime(emulator=True, secret_key="faults-secret-key", database_url=database_url)
    workflow_world(rt.domain)
    submit_by_chat(TestPlatform(rt.domain, capabilities=EN_CARDS),
                   "申请临时额度 华为 10万 30天 旺季备货")
    make_dispatcher(rt.domain, rt.settings).drain()  # the approval card reaches 李强's chat
    liqiang = person_id(rt.domain, "liqiang")
    with rt.domain.uow(ActorRef.system("test")) as uow:
        key = create_key(uow, "erp", business_unit_codes=["IND"], scopes=["orders:check"])[1]
        uow.commit()
    with rt.domain.read() as s:
        application = s.scalars(select(Application).order_by(Application.id.desc())).first()
        assert application is not None
        message = s.scalars(select(EmulatorMessage).where(
            EmulatorMessage.person_id == liqiang,
            EmulatorMessage.card_key == f"application:{application.id}")).one()
        assert message.card is not None
        index = [b.get("action_id") for b in message.card["buttons"]].index("app.approve")
        uscc = s.scalar(select(Customer.uscc).join(
            CreditAccount, CreditAccount.customer_id == Customer.id).where(
            CreditAccount.id == application.account_id))
    approver = TestClient(create_app(rt))
    approver.post("/login/emulator", data={"person_id": liqiang, "next": "/"})
    return World(rt, make_url(database_url).database or "", TestClient(create_app(rt)),
                 {"Authorization": f"Bearer {key}", "Accept-Language": "en"}, approver,
                 application.id, {"message_id": message.id, "index": index},
                 {"business_unit": "IND", "customer_uscc": uscc, "external_id": "SO-LOCK-1",
                  "amount": "10,000"})


@pytest.fixture
def short_wait(make_runtime: Any, sqlite_url: str) -> World:
    """Writers give up after one second of waiting for the lock."""
    return make_world(make_runtime, f"{sqlite_url}?timeout=1")


@pytest.fixture
def long_wait(make_runtime: Any, sqlite_url: str) -> World:
    """The default busy timeout (30 s)."""
    return make_world(make_runtime, sqlite_url)


def test_requests_during_a_long_lock_fail_cleanly_and_succeed_after(short_wait: World) -> None:
    w = short_wait
    before, pending = w.counts(), w.status()
    with write_locked(w.database, seconds=4) as released:
        check = w.check_order()
        tap = w.approve()
        for answer in (check, tap):
            assert answer.status_code == 503, answer.text
            assert answer.headers["Retry-After"] == "5"
            assert answer.json()["detail"].startswith("The database is busy or unavailable")
            assert "Traceback" not in answer.text
        assert w.counts() == before and w.status() == pending  # nothing half-written
        assert w.api.get("/readyz").status_code == 200  # reads go on (WAL)
        assert not released.is_set()
    w.assert_went_through(w.check_order(), w.approve(), before, pending)


def test_requests_during_a_short_lock_wait_for_it(long_wait: World) -> None:
    w = long_wait
    before, pending = w.counts(), w.status()
    with write_locked(w.database, seconds=1.5) as released:
        started = time.monotonic()
        check = w.check_order()
        waited = time.monotonic() - started
        assert released.is_set()  # answered only after the lock went
        tap = w.approve()
    assert waited >= 1.0
    w.assert_went_through(check, tap, before, pending)


def test_a_chinese_reader_is_told_in_chinese(short_wait: World) -> None:
    w = short_wait
    with write_locked(w.database, seconds=2):
        answer = w.api.post("/api/v1/orders/check", json=w.order,
                            headers={**w.headers, "Accept-Language": "zh-CN"})
    assert answer.status_code == 503
    assert answer.json()["detail"] == "数据库繁忙或暂时不可用，本次操作未做任何更改，请稍后重试。"
