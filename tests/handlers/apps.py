"""Helpers of the application conversation tests: find buttons, read the outbox, render a
notification for its reader as the notifier would, count applications."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from bot.messages import Button, Capabilities, Reply
from credit_domain.accounts.models import CreditAccount
from credit_domain.applications.models import Application
from credit_domain.bootstrap import Domain
from credit_domain.i18n import normalize_locale
from credit_domain.ledger.models import OrderStatus
from credit_domain.orgs.models import BusinessUnit, Person, Role, Team
from credit_domain.orgs.people import find_person
from credit_domain.outbox.models import OutboxMessage
from handlers.router import RenderContext, router
from tests.factories import World
from tests.handlers.platform import TestPlatform
from tests.handlers.world import Seeded, seed

EN_CARDS = Capabilities(update_in_place=True, buttons_call_back=True, forms=True,
                        default_locale="en")


def button(reply: Reply, action_id: str) -> Button:
    assert reply.card is not None, reply.as_text()
    found = [b for b in reply.card.buttons if b.action_id == action_id]
    assert found, [b.action_id for b in reply.card.buttons]
    return found[0]


def actions(reply: Reply) -> list[str]:
    return [b.action_id for b in reply.card.buttons] if reply.card else []


def person_id(domain: Domain, login: str) -> int:
    with domain.read() as s:
        return find_person(s, login).id


def outbox(domain: Domain, kind: str | None = None) -> list[tuple[str, str | None]]:
    """(kind, reader's name or #channel) of every outbox message, in order."""
    with domain.read() as s:
        stmt = select(OutboxMessage, Person.name).outerjoin(
            Person, Person.id == OutboxMessage.person_id).order_by(OutboxMessage.id)
        if kind:
            stmt = stmt.where(OutboxMessage.kind == kind)
        return [(m.kind, name or f"#{m.channel}") for m, name in s.execute(stmt)]


def notification(domain: Domain, kind: str, login: str, locale: str | None = None) -> Reply:
    """The newest ``kind`` message for ``login``, rendered in their language as delivered."""
    pid = person_id(domain, login)
    with domain.read() as s:
        message = s.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == kind, OutboxMessage.person_id == pid)
            .order_by(OutboxMessage.id.desc()).limit(1)).first()
        assert message is not None, f"no {kind} for {login}"
        person = s.get(Person, pid)
        assert person is not None
        loc = locale or normalize_locale(person.locale or "zh_CN")
        payload: dict[str, Any] = dict(message.payload)
    rc = RenderContext(loc, domain, "http://creditbot.test", pid, None, "emulator")
    return router.render_notification(kind, payload, rc)


def applications(domain: Domain) -> int:
    with domain.read() as s:
        return int(s.scalar(select(func.count()).select_from(Application)) or 0)


def latest(domain: Domain) -> Application:
    with domain.read() as s:
        app = s.scalars(select(Application).order_by(Application.id.desc()).limit(1)).first()
        assert app is not None
        s.expunge(app)
        return app


def submit_by_chat(chat: TestPlatform, text: str, user: str = "wangfang") -> Reply:
    """Type ``text``, tap Submit on the confirmation; the application's card."""
    [confirmation] = chat.push(text, user=user)
    [card] = chat.tap(button(confirmation, "apply.submit"), user=user)
    chat.replies.clear()
    return card


@dataclass(frozen=True)
class Shop:
    """The conversation world plus what applications need: a risk director (刘洋) for
    large requests, a new customer of 王芳's without a limit, a blocked order of 华为's."""

    seeded: Seeded
    newco: int
    blocked_order: str
    bu_id: int


def workflow_world(domain: Domain) -> Shop:
    """Business rules are switched off for the unit (``rules: []``): these tests are about
    the conversations, not about what rules do to applications."""
    seeded = seed(domain)
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        ind = uow.session.scalars(select(BusinessUnit).where(BusinessUnit.code == "IND")).one()
        team = uow.session.scalars(select(Team).where(Team.code == "IND-E1")).one()
        wang = find_person(uow.session, "wangfang")
        w.person("刘洋", (ind, Role.RISK_DIRECTOR, None), login="liuyang")
        newco = w.account(w.customer("深圳新客科技有限公司", aliases=("新客",)), ind,
                          owner=wang, team=team, limit=0, grade=None)
        huawei = uow.session.get(CreditAccount, seeded.huawei)
        assert huawei is not None
        w.order(huawei, 80_000, status=OrderStatus.BLOCKED, external_id="SO-2026-0042")
        domain.policies.install(uow, ind.id, "rules", "rules: []\n", source="test")
        uow.commit()
        return Shop(seeded, newco.id, "SO-2026-0042", ind.id)
