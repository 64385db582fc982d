"""The approve button end to end: ``creditbot serve`` in its own process with Slack on, a
fake Slack Web API on 127.0.0.1 that notes when each card is updated in place, and 50
clients sending correctly signed requests over real HTTP.

A tap is acknowledged at once (Bolt's ``ack()``) and the decision is taken right after it
(verify, dispatch, decide, commit with its outbox messages, then ``chat.update``): its
latency is from sending the tap to the fake Slack receiving the updated card. The floor is a
signed no-op request (a link button: verified, refused if replayed, dispatched, acknowledged)
to the same server.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import pathlib
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import aiohttp
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bot.messages import Button
from bot.slack.cards import encode_button
from credit_domain.access import Actor, load_actor
from credit_domain.accounts.models import CreditAccount
from credit_domain.apikeys.services import create_key
from credit_domain.applications.models import ApprovalStep, StepStatus
from credit_domain.applications.submission import ApplicationRequest, submit
from credit_domain.bootstrap import Domain
from credit_domain.orgs.models import Person, PlatformIdentity, Role, RoleAssignment
from credit_domain.orgs.people import link_identity
from credit_domain.outbox.models import OutboxMessage

SECRET = "bench-signing-secret-0123456789abcdef"
CLIENTS = 50
GOOD_GRADES = ("AAA", "AA", "A", "BBB", "BB", "B")


class FakeSlack:
    """Answers every Web API call ``ok`` and notes when ``chat.update`` reached it, by ts."""

    def __init__(self) -> None:
        self.updated: dict[str, float] = {}
        self.waiters: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Future[float]]] = {}
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                method = self.path.rsplit("/", 1)[-1]
                body: dict[str, Any] = {}
                if "json" in (self.headers.get("content-type") or ""):
                    body = json.loads(raw or b"{}")
                if method == "chat.update":
                    fake.card_updated(str(body.get("ts")))
                answer = json.dumps({"ok": True, "channel": body.get("channel", "D0"),
                                     "ts": body.get("ts") or f"{time.time():.6f}"}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def card_updated(self, ts: str) -> None:
        now = time.perf_counter()
        with self.lock:
            self.updated[ts] = now
            waiter = self.waiters.pop(ts, None)
        if waiter is not None:
            loop, future = waiter

            def settle() -> None:
                if not future.done():
                    future.set_result(now)

            loop.call_soon_threadsafe(settle)

    def wait_for(self, ts: str) -> asyncio.Future[float]:
        """A future of the moment the card of message ``ts`` is updated (a tap decided)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[float] = loop.create_future()
        with self.lock:
            if ts in self.updated:
                future.set_result(self.updated[ts])
            else:
                self.waiters[ts] = (loop, future)
        return future

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


APPROVER_NAME, APPROVER_USER = "审批人（基准测试）", "UBENCH"


@dataclass(frozen=True)
class Taps:
    user: str
    buttons: list[tuple[int, str]]  # (application id, button value)
    api_token: str


def _everyone_on_slack(session: Session) -> None:
    """Everyone in the book on Slack, as in a company that works there: the notices the order
    checks and the approvals write are then rendered and posted, as a production server
    does, instead of given up on at once as unreachable (which costs far less)."""
    linked = select(PlatformIdentity.person_id).where(PlatformIdentity.platform == "slack")
    missing = session.scalars(select(Person.id).where(Person.id.not_in(linked))).all()
    if missing:
        session.execute(insert(PlatformIdentity), [
            {"person_id": p, "platform": "slack", "tenant": "", "external_id": f"UP{p:07d}"}
            for p in missing])


def prepare(domain: Domain, n: int, run: str) -> Taps:
    """Everyone on Slack; the approver (sales manager of team 1, finance manager and risk
    director) and ``n`` temporary applications of that team's salespeople waiting for them;
    an API key for the order checks. The approver is made once per data set: one more per
    run would be asked on every route, and each run's release applications and approvals
    would cost more than the run before."""
    today = domain.clock.now().date()
    with domain.uow() as uow:
        s = uow.session
        if s.scalar(select(Person.id).where(Person.name == APPROVER_NAME)) is None:
            approver = Person(name=APPROVER_NAME, active=True, locale="en")
            s.add(approver)
            s.flush()
            for role in (Role.SALES_MANAGER, Role.FINANCE_MANAGER, Role.RISK_DIRECTOR):
                s.add(RoleAssignment(person_id=approver.id, business_unit_id=1,
                                     role=role.value,
                                     team_id=1 if role == Role.SALES_MANAGER else None,
                                     region_id=None))
            link_identity(uow, approver, "slack", APPROVER_USER)
        _everyone_on_slack(s)
        _key, token = create_key(uow, f"bench-{run}", business_unit_codes=["BIG"],
                                 scopes=["orders:check"], rate_limit_per_minute=1_000_000)
        uow.commit()
    with domain.read() as s:
        accounts = s.execute(
            select(CreditAccount.id, CreditAccount.owner_id)
            .where(CreditAccount.team_id == 1, CreditAccount.grade.in_(GOOD_GRADES),
                   CreditAccount.status == "active", CreditAccount.external_id.like("C%"))
            .order_by(CreditAccount.id)).all()
    actors: dict[int, Actor] = {}
    app_ids: list[int] = []
    for account_id, owner in accounts:
        if len(app_ids) >= n:
            break
        if owner is None:
            continue
        with domain.uow() as uow:
            if owner not in actors:
                actors[owner] = load_actor(uow.session, owner)
            try:
                app = submit(uow, domain.policies, actors[owner], ApplicationRequest(
                    account_id=account_id, kind="temporary", amount=Decimal(10_000),
                    reason="bench", valid_from=today, valid_to=today + dt.timedelta(days=20)))
            except Exception:  # an application of that kind is open already (a rerun)
                continue
            uow.commit()
            app_ids.append(app.id)
    with domain.read() as s:
        steps = dict(s.execute(select(ApprovalStep.application_id, ApprovalStep.id).where(
            ApprovalStep.application_id.in_(app_ids),
            ApprovalStep.status == StepStatus.PENDING)).all())
    buttons = [(a, encode_button(Button("Approve", "app.approve",
                                        {"app": str(a), "step": str(steps[a])})))
               for a in app_ids if a in steps]
    return Taps(APPROVER_USER, buttons, token)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``creditbot serve`` on a free port of 127.0.0.1 (scheduler off), Slack on. Its log
    goes to ``log`` (a file: a pipe nobody reads fills after 64 KiB and then stops every
    thread of the server that logs)."""

    def __init__(self, database_url: str, slack_api: str, log: pathlib.Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": database_url, "CREDITBOT_SCHEDULER": "0",
               "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_API_URL": slack_api + "/api/", "CREDITBOT_LOG_LEVEL": "WARNING",
               "CREDITBOT_EMULATOR": "0"}
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", "--port", str(self.port)], env=env,
                stdout=subprocess.DEVNULL, stderr=out)
        deadline = time.monotonic() + 60
        import urllib.request

        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    err = log.read_text(encoding="utf-8", errors="replace")[-2000:]
                    raise RuntimeError(f"creditbot serve did not start ({log}): {err}"
                                       ) from None
                time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _signed(body: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {"content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": stamp,
            "x-slack-signature": SignatureVerifier(SECRET).generate_signature(
                timestamp=stamp, body=body) or ""}


def _tap(user: str, action_id: str, value: str, ts: str, trigger: str) -> str:
    payload = {
        "type": "block_actions", "team": {"id": "T1", "domain": "bench"},
        "user": {"id": user, "team_id": "T1"}, "api_app_id": "A1", "trigger_id": trigger,
        "container": {"type": "message", "message_ts": ts, "channel_id": "D0BENCH",
                      "is_ephemeral": False},
        "channel": {"id": "D0BENCH", "name": "directmessage"},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b",
                     "value": value, "action_ts": f"{time.time():.6f}"}]}
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


@dataclass(frozen=True)
class Load:
    seconds: float
    latencies: list[float]  # per request, seconds
    statuses: dict[int, int]

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)


async def _fire(url: str, bodies: list[tuple[str, str]], clients: int,
                fake: FakeSlack | None = None
                ) -> tuple[float, dict[str, float], dict[str, float], dict[int, int]]:
    """POST every body (key, body), ``clients`` at a time; each client sends its next one when
    the last was answered or, with ``fake``, when its card was updated (the tap decided).
    (start, sent at, answered at, statuses)."""
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for item in bodies:
        queue.put_nowait(item)
    sent: dict[str, float] = {}
    answered: dict[str, float] = {}
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def client() -> None:
            while not queue.empty():
                key, body = queue.get_nowait()
                headers = _signed(body)
                decided = fake.wait_for(key) if fake is not None else None
                sent[key] = time.perf_counter()
                async with session.post(url, data=body.encode(), headers=headers) as r:
                    await r.read()
                    statuses[r.status] = statuses.get(r.status, 0) + 1
                answered[key] = time.perf_counter()
                if decided is not None:
                    with contextlib.suppress(TimeoutError):  # counted as unanswered
                        await asyncio.wait_for(decided, 60)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return started, sent, answered, statuses


def caught_up(domain: Domain, say: Callable[[str], None], timeout: float = 1800) -> None:
    """Wait until the server's outbox dispatcher has delivered (or given up on) every message
    due, so that a measured row pays for its own deliveries and not for the backlog earlier
    rows and runs left (the order checks' notices: thousands, on a data set used again)."""
    started = time.monotonic()
    first = None
    while True:
        with domain.read() as s:
            due = s.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.due(domain.clock.now()))) or 0
        first = due if first is None else first
        if not due:
            if first:
                say(f"the outbox caught up on {first:,} messages in "
                    f"{time.monotonic() - started:.0f} s")
            return
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"the outbox still has {due:,} messages due after {timeout:.0f} s")
        time.sleep(0.5)


def warm_up(server: Server, run: str) -> None:
    """A few requests first: the server's first ones pay for lazy imports and connections."""
    bodies = [(f"w{i}", _tap(f"UWARM{run}", "cb-link:0", "", f"8{i}.{run}", f"tw{run}-{i}"))
              for i in range(100)]
    asyncio.run(_fire(server.url + "/slack/events", bodies, CLIENTS))


def noop(server: Server, n: int, run: str) -> Load:
    bodies = [(f"n{i}", _tap(f"UNOOP{run}", "cb-link:0", "", f"9{i}.{run}", f"tn{run}-{i}"))
              for i in range(n)]
    started, sent, answered, statuses = asyncio.run(
        _fire(server.url + "/slack/events", bodies, CLIENTS))
    return Load(max(answered.values()) - started, [answered[k] - sent[k] for k in sent],
                statuses)


def approve(server: Server, fake: FakeSlack, taps: Taps, run: str
            ) -> tuple[Load, Load]:
    """(acknowledgements, decisions end to end: tap sent → card updated at Slack). Each of
    the 50 clients taps again once its last tap was decided."""
    bodies = []
    for app_id, value in taps.buttons:
        ts = f"{app_id}.{run}"
        bodies.append((ts, _tap(taps.user, "cb:0", value, ts, f"ta{run}-{app_id}")))
    started, sent, answered, statuses = asyncio.run(
        _fire(server.url + "/slack/events", bodies, CLIENTS, fake))
    done = [k for k in sent if k in fake.updated]
    acks = Load(max(answered.values()) - started, [answered[k] - sent[k] for k in sent],
                statuses)
    e2e = Load(max(fake.updated[k] for k in done) - started,
               [fake.updated[k] - sent[k] for k in done], {200: len(done)})
    return acks, e2e


def order_checks(server: Server, token: str, plan: list[list[tuple[int, str, int]]],
                 run: str) -> Load:
    """The order credit check over HTTP (``POST /api/v1/orders/check``), 8 clients."""
    async def go() -> Load:
        headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            async def client(index: int) -> None:
                for n, (_aid, ext, cents) in enumerate(plan[index]):
                    body = json.dumps({"business_unit": "BIG", "customer_external_id": ext,
                                       "external_id": f"H{run}-{index}-{n}",
                                       "amount": f"{Decimal(cents) / 100:.2f}"})
                    t = time.perf_counter()
                    async with session.post(server.url + "/api/v1/orders/check",
                                            data=body, headers=headers) as r:
                        await r.read()
                        statuses[r.status] = statuses.get(r.status, 0) + 1
                    latencies.append(time.perf_counter() - t)

            started = time.perf_counter()
            await asyncio.gather(*(client(i) for i in range(len(plan))))
            return Load(time.perf_counter() - started, latencies, statuses)

    return asyncio.run(go())
