"""``creditbot calendar``: an operator enters next year's holidays before the package knows
them, sees where each year's holidays come from, and a mistyped day changes nothing."""

import datetime as dt
from typing import Any

import pytest

from credit_domain.orgs.calendar import BusinessCalendar
from credit_domain.orgs.holidays import list_days
from credit_domain.orgs.models import BusinessUnit


def test_entering_next_years_spring_festival(cli: Any, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    invoke, domain = cli
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    shown = invoke("calendar", "show", "2027")
    assert shown.exit_code == 0 and "2027: not entered yet: SLAs count Monday" in shown.output

    assert invoke("calendar", "holiday", "2027-02-06", "2027-02-13", "--name", "春节"
                  ).exit_code == 0
    made_up = invoke("calendar", "workday", "2027-02-14", "--name", "春节调休")
    assert made_up.exit_code == 0 and "1 workday(s) from 2027-02-14" in made_up.output

    shown = invoke("calendar", "show", "2027")
    assert "2027: the days entered here; Monday to Friday otherwise." in shown.output
    assert "2027-02-14 │ Sun │ workday   │ 春节调休" in shown.output
    with domain.read() as s:
        cal = BusinessCalendar.for_unit(s, BusinessUnit(calendar="CN", timezone="Asia/Shanghai"))
        assert [r.day.day for r in list_days(s, "CN", 2027)] == list(range(6, 15))
    assert not cal.is_working_day(dt.date(2027, 2, 10)) and cal.is_working_day(
        dt.date(2027, 2, 14))

    cleared = invoke("calendar", "clear", "2027-02-14")
    assert cleared.exit_code == 0 and "1 entered day(s) cleared" in cleared.output


def test_a_mistyped_day_is_refused_in_the_operators_language(
        cli: Any) -> None:
    invoke, domain = cli
    refused = invoke("calendar", "holiday", "2027-02-30", "--name", "春节")
    assert refused.exit_code == 1 and "2027-02-30不是日期" in refused.output
    refused = invoke("calendar", "holiday", "2027-02-13", "2027-02-06", "--name", "春节")
    assert refused.exit_code == 1 and "结束日期2027-02-06早于开始日期2027-02-13" in refused.output
    with domain.read() as s:
        assert list_days(s, "CN", 2027) == []
    assert "2027: 尚未录入：审批时限按周一至周五计算" in invoke("calendar", "show", "2027").output
