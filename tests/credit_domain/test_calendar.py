"""SLA arithmetic across weekends, Chinese public holidays and make-up workdays."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from credit_domain.access import Actor, load_actor
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.errors import Forbidden, InvalidInput
from credit_domain.orgs.calendar import BusinessCalendar
from credit_domain.orgs.holidays import clear_days, list_days, set_days
from credit_domain.orgs.models import BusinessUnit, CalendarDay, Role
from tests.factories import World

ADMIN = Actor.system("cli:admin")

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


# -- days entered by an administrator ---------------------------------------------------------
def _enter(domain: Domain, first: dt.date, last: dt.date, *, working: bool, name: str) -> None:
    with domain.uow(ADMIN) as uow:
        set_days(uow, ADMIN, "CN", first, last, working=working, name=name)
        uow.commit()


def _calendar(domain: Domain) -> BusinessCalendar:
    with domain.read() as s:
        return BusinessCalendar.for_unit(s, BusinessUnit(calendar="CN", timezone="Asia/Shanghai"))


def test_a_year_the_package_does_not_know_follows_the_days_entered(any_domain: Domain) -> None:
    # An illustrative 2027 schedule (the package has none): Spring Festival off from Saturday
    # 6 to Saturday 13 February, Sunday 14 February made up.
    assert _calendar(any_domain).is_working_day(dt.date(2027, 2, 8))  # a Monday, unknown yet
    _enter(any_domain, dt.date(2027, 2, 6), dt.date(2027, 2, 13), working=False, name="春节")
    _enter(any_domain, dt.date(2027, 2, 14), dt.date(2027, 2, 14), working=True, name="春节调休")

    cal = _calendar(any_domain)  # read at once after the change, no waiting for a refresh
    assert not cal.is_working_day(dt.date(2027, 2, 8))
    assert cal.is_working_day(dt.date(2027, 2, 14))  # a Sunday
    assert cal.is_working_day(dt.date(2027, 3, 1)) and not cal.is_working_day(dt.date(2027, 3, 6))
    assert cal.source(2027) == "entered" and cal.missing_years == set()
    # Friday 5 February 16:00 + 4 working hours: 2 that day, 2 on the make-up Sunday.
    due = cal.add_business_hours(at(2027, 2, 5, 16), 4)
    assert due == at(2027, 2, 14, 11).astimezone(dt.UTC)
    assert BusinessCalendar("CN").source(2027) == "missing"


def test_an_entered_day_takes_precedence_over_the_package(any_domain: Domain) -> None:
    assert _calendar(any_domain).source(2026) == "package"
    _enter(any_domain, dt.date(2026, 3, 9), dt.date(2026, 3, 9), working=False, name="公司年会")
    cal = _calendar(any_domain)
    assert not cal.is_working_day(dt.date(2026, 3, 9))  # a Monday the package calls working
    assert cal.is_working_day(dt.date(2026, 3, 10))


def test_entering_again_replaces_clearing_restores_and_both_are_audited(
        any_domain: Domain) -> None:
    domain = any_domain
    _enter(domain, dt.date(2027, 10, 1), dt.date(2027, 10, 7), working=False, name="国庆节")
    _enter(domain, dt.date(2027, 10, 7), dt.date(2027, 10, 9), working=True, name="国庆节调休")
    with domain.read() as s:
        rows = list_days(s, "CN", 2027)
    assert [(r.day.day, r.working, r.name) for r in rows] == [
        *((d, False, "国庆节") for d in range(1, 7)), (7, True, "国庆节调休"),
        (8, True, "国庆节调休"), (9, True, "国庆节调休")]
    assert {r.set_by for r in rows} == {"system:cli:admin"}

    with domain.uow(ADMIN) as uow:
        assert clear_days(uow, ADMIN, "CN", dt.date(2027, 10, 6), dt.date(2027, 10, 31)) == 4
        uow.commit()
    cal = _calendar(domain)
    assert not cal.is_working_day(dt.date(2027, 10, 5))
    assert cal.is_working_day(dt.date(2027, 10, 6))  # a Wednesday again
    assert not cal.is_working_day(dt.date(2027, 10, 9))  # a Saturday again

    with domain.read() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity_type == "calendar")
                           .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["calendar.days_set", "calendar.days_set",
                                          "calendar.days_cleared"]
    assert events[1].before is not None and events[2].before is not None
    replaced = json.loads(events[1].before)
    assert replaced == [{"day": "2027-10-07", "working": False, "name": "国庆节"}]
    assert [d["day"] for d in json.loads(events[2].before)] == [
        "2027-10-06", "2027-10-07", "2027-10-08", "2027-10-09"]


@pytest.mark.parametrize(("calendar", "first", "last", "name", "says"), [
    ("CN", "2027-02-13", "2027-02-06", "春节", "is before the first day"),
    ("CN", "2027-01-01", "2027-03-01", "春节", "at most 31 days"),
    ("CN", "2027-02-06", "2027-02-06", "   ", "name"),
    ("HK", "2027-02-06", "2027-02-06", "春节", "Unknown calendar HK"),
])
def test_bad_entries_are_refused_and_change_nothing(
        domain: Domain, calendar: str, first: str, last: str, name: str, says: str) -> None:
    with pytest.raises(InvalidInput) as refused, domain.uow() as uow:
        set_days(uow, ADMIN, calendar, dt.date.fromisoformat(first), dt.date.fromisoformat(last),
                 working=False, name=name)
        uow.commit()
    assert says in refused.value.localized("en")
    with domain.read() as s:
        assert s.scalar(select(func.count()).select_from(CalendarDay)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.entity_type == "calendar")) == 0


def test_a_credit_admin_changes_only_the_calendars_of_their_own_units(domain: Domain) -> None:
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        hk = w.business_unit("HKG", "香港事业部", calendar="weekdays")
        w.business_unit("IND")
        person = w.person("陈静", (hk, Role.CREDIT_ADMIN, None))
        uow.commit()
    with domain.read() as s:
        admin = load_actor(s, person.id)
    with pytest.raises(Forbidden), domain.uow(admin) as uow:  # IND, a CN unit, is not theirs
        set_days(uow, admin, "CN", dt.date(2027, 10, 1), dt.date(2027, 10, 7), working=False,
                 name="国庆节")
    with domain.uow(admin) as uow:
        assert len(set_days(uow, admin, "weekdays", dt.date(2027, 7, 1), dt.date(2027, 7, 1),
                            working=False, name="回归纪念日")) == 1
        uow.commit()
    with domain.read() as s:
        assert list_days(s, "CN", 2027) == []
        assert [r.name for r in list_days(s, "weekdays", 2027)] == ["回归纪念日"]
