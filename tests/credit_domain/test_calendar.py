"""SLA arithmetic across weekends, Chinese public holidays and make-up workdays."""

import datetime as dt
from zoneinfo import ZoneInfo

from credit_domain.orgs.calendar import BusinessCalendar

SH = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, h: int = 9, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=SH)


def test_national_day_week_and_its_make_up_workday() -> None:
    cal = BusinessCalendar("CN")
    assert not cal.is_working_day(dt.date(2025, 10, 1))  # 国庆节
    assert not cal.is_working_day(dt.date(2025, 10, 8))  # still the holiday in 2025
    assert cal.is_working_day(dt.date(2025, 9, 28))  # a Sunday, make-up workday (调休)
    assert cal.is_working_day(dt.date(2025, 10, 11))  # a Saturday, make-up workday


def test_sla_runs_over_a_weekend() -> None:
    cal = BusinessCalendar("weekdays")
    # Friday 16:00 + 4 working hours = Monday 11:00
    due = cal.add_business_hours(at(2026, 3, 6, 16), 4)
    assert due == at(2026, 3, 9, 11).astimezone(dt.UTC)
    assert cal.business_hours_between(at(2026, 3, 6, 16), at(2026, 3, 9, 11)) == 4


def test_sla_skips_a_chinese_holiday_and_counts_a_make_up_day() -> None:
    cal = BusinessCalendar("CN")
    # Saturday 27 Sep 2025 17:00 is not a working day; Sunday 28 Sep is (调休).
    due = cal.add_business_hours(at(2025, 9, 27, 17), 10)
    assert due == at(2025, 9, 29, 10).astimezone(dt.UTC)  # 9 h on Sunday, 1 h on Monday
    # Tuesday 30 Sep 17:00 + 2 h: the holiday runs 1–8 Oct, so Thursday 9 Oct 10:00.
    due = cal.add_business_hours(at(2025, 9, 30, 17), 2)
    assert due == at(2025, 10, 9, 10).astimezone(dt.UTC)


def test_without_holiday_data_it_falls_back_to_weekdays_and_says_so() -> None:
    cal = BusinessCalendar("CN")
    assert cal.is_working_day(dt.date(2030, 1, 7))  # a Monday
    assert not cal.is_working_day(dt.date(2030, 1, 5))  # a Saturday
    assert 2030 in cal.missing_years


def test_working_time_for_quiet_hours() -> None:
    cal = BusinessCalendar("CN")
    assert cal.is_working_time(at(2026, 3, 2, 10))
    assert not cal.is_working_time(at(2026, 3, 2, 20))
    assert not cal.is_working_time(at(2026, 3, 7, 10))  # Saturday
