"""A `creditbot serve` process killed (SIGKILL) while it delivers the outbox to a slow WeCom,
then started again: every message reaches the person exactly once and none is lost.

Delivery is at-least-once (a message the platform took in, whose mark died with the process,
is sent again when its lease runs out); outbox deliveries ask for WeCom's duplicate check
(the same message to the same person within four hours is dropped), so the person sees it
once. The fake WeCom takes each message in, then answers slowly: the kill lands between the
platform's acceptance and creditbot's mark.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from credit_domain.bootstrap import Domain
from credit_domain.orgs.people import find_person, link_identity
from credit_domain.outbox.models import OutboxMessage, OutboxStatus
from tests.handlers.world import seed
from tests.platforms.fake_server import ServedApp
from tests.platforms.fake_wecom import FakeWeCom

MESSAGES = 10
LOGS: dict[int, Path] = {}  # what each started process wrote, by pid


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sent(domain: Domain) -> int:
    with domain.read() as s:
        return int(s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.SENT)) or 0)


def wait_for(what: Any, timeout: float, message: str, process: subprocess.Popen[bytes]
             ) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            said = LOGS[process.pid].read_text(errors="replace")[-3000:]
            pytest.fail(f"{message}; creditbot said:\n{said}")
        time.sleep(0.02)


@pytest.fixture
def fake() -> Iterator[FakeWeCom]:
    fake = FakeWeCom()
    fake.delay = 0.3
    with ServedApp(fake.app) as served:
        fake.url = served.url  # type: ignore[attr-defined]
        yield fake


def start(url: str, fake: FakeWeCom, cwd: Path) -> subprocess.Popen[bytes]:
    """`creditbot serve` delivering the outbox to the fake WeCom (no scheduler, no .env)."""
    env = {**os.environ, "DATABASE_URL": url, "CREDITBOT_SCHEDULER": "0",
           "CREDITBOT_EMULATOR": "0", "CREDITBOT_DISPATCHER": "1",
           "CREDITBOT_OUTBOX_POLL_SECONDS": "0.2", "CREDITBOT_OUTBOX_LEASE_SECONDS": "10",
           "WECOM_CORP_ID": fake.corp_id, "WECOM_AGENT_ID": str(fake.agent_id),
           "WECOM_SECRET": fake.secret,
           "WECOM_API_URL": f"{fake.url}/cgi-bin/",  # type: ignore[attr-defined]
           "CREDITBOT_LOG_LEVEL": "WARNING"}
    log = cwd / f"creditbot-{time.monotonic_ns()}.log"
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port",
                                    str(free_port())], env=env, cwd=cwd, stdout=out,
                                   stderr=out)
    LOGS[process.pid] = log
    return process


def test_killed_mid_delivery_every_message_arrives_once(
        domain: Domain, sqlite_url: str, fake: FakeWeCom, tmp_path: Path) -> None:
    seed(domain)
    with domain.uow() as uow:
        person = find_person(uow.session, "wangfang")
        link_identity(uow, person, "wecom", "wangfang")
        for i in range(1, MESSAGES + 1):
            uow.notify("ops.drill", person_id=person.id, title=f"演练消息 {i:02d}",
                       lines=[f"第 {i} 条，只应收到一次"])
        uow.commit()

    first = start(sqlite_url, fake, tmp_path)
    try:
        wait_for(lambda: len(fake.sent) >= 4, 60, "the first process delivered nothing",
                 first)
        first.send_signal(signal.SIGKILL)  # the 4th message is in the fake's slow answer
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    taken_in = len(fake.sent)
    marked = sent(domain)
    assert marked < taken_in < MESSAGES  # killed between acceptance and mark, mid-batch

    second = start(sqlite_url, fake, tmp_path)
    try:
        wait_for(lambda: sent(domain) == MESSAGES, 60, "the restarted process did not finish",
                 second)
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(15)
        except subprocess.TimeoutExpired:
            second.kill()
    titles = [t for body in fake.sent for t in
              [f"演练消息 {i:02d}" for i in range(1, MESSAGES + 1)] if t in json.dumps(
                  body, ensure_ascii=False)]
    assert sorted(titles) == [f"演练消息 {i:02d}" for i in range(1, MESSAGES + 1)]  # once each
    assert fake.duplicates >= taken_in - marked  # the unmarked ones came again and were dropped
    with domain.read() as s:
        states = dict(s.execute(select(OutboxMessage.status, func.count())
                                .group_by(OutboxMessage.status)).all())
    assert states == {OutboxStatus.SENT: MESSAGES}
