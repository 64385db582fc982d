"""``节假日`` / ``holidays``: anyone sees where a year's holidays come from; a credit
administrator enters the State Council's schedule from chat, and it counts at once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.orgs.calendar import BusinessCalendar
from credit_domain.orgs.holidays import list_days
from credit_domain.orgs.models import BusinessUnit, Role
from tests.factories import World
from tests.handlers.platform import TestPlatform


@pytest.fixture
def admin(domain: Domain, chat: TestPlatform) -> str:
    with domain.uow() as uow:
        ind = uow.session.scalars(select(BusinessUnit).where(BusinessUnit.code == "IND")).one()
        World(uow.session, uow.now()).person("陈静", (ind, Role.CREDIT_ADMIN, None),
                                             login="chenjing")
        uow.commit()
    return "chenjing"


def text_of(replies: list) -> str:  # type: ignore[type-arg]
    [reply] = replies
    assert reply.text is not None
    return str(reply.text)


def test_entering_next_years_national_day_from_chat(chat: TestPlatform, domain: Domain,
                                                     admin: str) -> None:
    seen = text_of(chat.push("节假日", user="wangfang"))
    assert "2026年节假日（CN）：按已发布的法定节假日和调休安排" in seen
    assert "2027年节假日（CN）：尚未录入：审批时限按周一至周五计算" in seen

    done = text_of(chat.push("节假日 休 2027-10-01至2027-10-07 国庆节", user=admin))
    assert done.startswith("已录入7天为休息日（国庆节）。")
    assert "· 2027-10-01 周五 – 2027-10-07 周四  休  国庆节" in done
    made_up = text_of(chat.push("节假日 班 2027-10-09 国庆节调休", user=admin))
    assert made_up.startswith("已录入1天为上班日（国庆节调休）。")
    assert "· 2027-10-09 周六  上班  国庆节调休" in made_up

    english = text_of(chat.push("holidays off 2027-05-01 to 2027-05-05 Labour Day", user=admin))
    assert english.startswith("已录入5天为休息日（Labour Day）。")
    with domain.read() as s:
        days = {r.day: r.working for r in list_days(s, "CN", 2027)}
        cal = BusinessCalendar.for_unit(s, s.scalars(select(BusinessUnit)).first())
    assert sorted(d for d, working in days.items() if working) == [dt.date(2027, 10, 9)]
    assert len([d for d, working in days.items() if not working]) == 12
    assert not cal.is_working_day(dt.date(2027, 10, 4)) and cal.source(2027) == "entered"

    cleared = text_of(chat.push("节假日 清除 2027-05-01 至 2027-05-05", user=admin))
    assert cleared.startswith("已清除5天的录入")


def test_days_off_across_new_year_show_in_both_years(chat: TestPlatform, domain: Domain,
                                                     admin: str) -> None:
    done = text_of(chat.push("节假日 休 2027-12-31 至 2028-01-02 元旦", user=admin))
    assert done.startswith("已录入3天为休息日（元旦）。")
    assert "· 2027-12-31 周五  休  元旦" in done  # under 2027's heading …
    assert "· 2028-01-01 周六 – 2028-01-02 周日  休  元旦" in done  # … and 2028's
    assert done.index("2027年节假日（CN）") < done.index("2028年节假日（CN）")


def test_only_a_credit_administrator_changes_them_and_bad_input_changes_nothing(
        chat: TestPlatform, domain: Domain, admin: str) -> None:
    refused = text_of(chat.push("节假日 休 2027-10-01 国庆节", user="wangfang"))
    assert refused == "⚠️ 只有使用CN日历的事业部的授信管理员才能修改节假日。"
    assert text_of(chat.push("节假日 休 2027-02-30 春节", user=admin)) == \
        "⚠️ 2027-02-30 不是有效的日期。"
    unnamed = text_of(chat.push("节假日 休 2027-10-01", user=admin))
    assert unnamed.startswith("⚠️ 请写上名称，例如：国庆节、春节调休。")
    too_long = text_of(chat.push("节假日 休 2027-01-01 至 2027-03-01 假", user=admin))
    assert too_long == "⚠️ 一次最多录入31天（2027-01-01至2027-03-01共60天）。"
    with domain.read() as s:
        assert list_days(s, "CN", 2027) == []


def test_a_retried_delivery_enters_the_days_once(chat: TestPlatform, domain: Domain,
                                                 admin: str) -> None:
    first = chat.push("节假日 休 2027-10-01 至 2027-10-07 国庆节", user=admin, event_id="m-41")
    assert text_of(first).startswith("已录入7天为休息日")
    assert chat.push("节假日 休 2027-10-01 至 2027-10-07 国庆节", user=admin,
                     event_id="m-41") == []  # the platform's retry: taken in once
    with domain.read() as s:
        audited = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "calendar.days_set"))
    assert audited == 1
