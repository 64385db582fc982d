"""People release (and place) holds by hand: only the roles that may, with a reason, audited,
once; the command line does the same as the domain service the chat calls."""

from typing import Any

import pytest
from sqlalchemy import select

from credit_domain.access import Actor, load_actor
from credit_domain.accounts.holds import place_hold, place_hold_as, release_hold_as
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.errors import Conflict, Forbidden, InvalidInput
from credit_domain.outbox.models import OutboxMessage
from tests.credit_domain.rules.test_default_rules import account
from tests.integration_world import Shop, make_shop


def actor(domain: Domain, person_id: int) -> Actor:
    with domain.read() as s:
        return load_actor(s, person_id)


def hold(domain: Domain, shop: Shop, cause: str = "overdue") -> None:
    with domain.uow() as uow:
        place_hold(uow, shop.account_id, "发票逾期 10 天", Actor.system("test"), cause=cause)
        uow.commit()


def release(domain: Domain, shop: Shop, person_id: int, reason: str) -> None:
    who = actor(domain, person_id)
    with domain.uow(who) as uow:
        release_hold_as(uow, who, shop.account_id, reason)
        uow.commit()


def test_a_credit_admin_releases_a_hold_once_with_a_reason(any_domain: Domain) -> None:
    domain = any_domain
    shop = make_shop(domain)
    hold(domain, shop)
    with pytest.raises(Forbidden):  # a salesperson may not
        release(domain, shop, shop.sales_id, "客户已承诺付款")
    with pytest.raises(InvalidInput):  # no reason, no release
        release(domain, shop, shop.admin_id, "  ")
    assert account(domain, shop).on_hold
    release(domain, shop, shop.admin_id, "已收到银行承兑汇票")
    acc = account(domain, shop)
    assert not acc.on_hold and acc.hold_cause is None
    with pytest.raises(Conflict, match="not on credit hold"):  # a second tap
        release(domain, shop, shop.finance_id, "again")
    with domain.read() as s:
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "hold.released"))
        alerts = s.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "alert.credit_hold_released")).all()
    assert (event.actor_id, event.reason) == (shop.admin_id, "已收到银行承兑汇票")
    assert shop.sales_id in {m.person_id for m in alerts}  # the owner hears of it


def test_a_finance_manager_places_a_manual_hold(domain: Domain) -> None:
    shop = make_shop(domain)
    finance = actor(domain, shop.finance_id)
    with domain.uow(finance) as uow:
        place_hold_as(uow, finance, shop.account_id, "客户涉诉，待核实")
        uow.commit()
    acc = account(domain, shop)
    assert (acc.on_hold, acc.hold_cause, acc.hold_reason) == (True, "manual", "客户涉诉，待核实")
    with pytest.raises(Conflict, match="already on credit hold"), domain.uow(finance) as uow:
        place_hold_as(uow, finance, shop.account_id, "again")


def test_release_hold_from_the_command_line(cli: Any) -> None:
    invoke, domain = cli  # LANG=zh_CN
    shop = make_shop(domain)
    hold(domain, shop)
    refused = invoke("accounts", "release-hold", "华东机电", "--reason", "付款", "--as",
                     f"sales-{shop.bu_code}")
    assert refused.exit_code == 1 and "credit_admin" in refused.output
    done = invoke("accounts", "release-hold", "华东机电", "--reason", "已收到银行承兑汇票",
                  "--as", "管理员IND")
    assert done.exit_code == 0, done.output
    assert "已解除 华东机电有限公司 在 IND 的信用冻结。" in done.output
    assert not account(domain, shop).on_hold
    again = invoke("accounts", "release-hold", "华东机电", "--reason", "x", "--as", "管理员IND")
    assert again.exit_code == 1 and "未处于信用冻结" in again.output
    held = invoke("accounts", "place-hold", "华东机电", "--reason", "客户涉诉", "--as", "财务IND")
    assert held.exit_code == 0 and "华东机电有限公司 已在 IND 信用冻结。" in held.output
    assert account(domain, shop).hold_cause == "manual"
