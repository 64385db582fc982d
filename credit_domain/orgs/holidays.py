"""Days a business calendar counts differently: public holidays and make-up workdays (调休)
entered by a credit administrator, e.g. the State Council's schedule for next year before a
``chinesecalendar`` release knows it, or a company's own closures.

Entries belong to a calendar (``BusinessUnit.calendar``: ``CN``, ``weekdays``), so every
business unit on it follows them, and a credit administrator of any of those units may change
them. They take precedence over the package; see :mod:`credit_domain.orgs.calendar`. Each
change is audited with what the days were before.

The SLA arithmetic reads the entries of a calendar on every step it opens; they are kept in
memory for :data:`REFRESH_SECONDS` per database (its connection pool), so another replica's
entry counts within that time and this process's at once.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import weakref
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from credit_domain.access import Actor, refuse
from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.orgs.models import BusinessUnit, CalendarDay, Role
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")

CALENDARS = ("CN", "weekdays")
LONGEST = 31  # days one entry may span (the longest holiday is a week and a bit)
REFRESH_SECONDS = 60.0

_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary[Any, dict[str, tuple[float, dict[dt.date, bool]]]] = \
    weakref.WeakKeyDictionary()


def entered_days(session: Session, calendar: str) -> Mapping[dt.date, bool]:
    """The entered days of ``calendar`` (day → working?), from memory when recent enough."""
    bind: Any = session.get_bind()
    pool = bind.engine.pool  # one per database, shared by its engines' execution options
    now = time.monotonic()
    with _lock:
        found = _cache.get(pool, {}).get(calendar)
    if found is not None and now - found[0] < REFRESH_SECONDS:
        return found[1]
    days = {day: working for day, working in session.execute(
        select(CalendarDay.day, CalendarDay.working).where(CalendarDay.calendar == calendar))}
    with _lock:
        _cache.setdefault(pool, {})[calendar] = (now, days)
    return days


def forget() -> None:
    """Read the entries afresh next time (after a change, once it has committed)."""
    with _lock:
        _cache.clear()


def calendars_of(session: Session, actor: Actor, *roles: Role) -> list[str]:
    """The calendars of the business units where ``actor`` holds one of ``roles`` (any
    role when none is named), CN first."""
    units = session.execute(select(BusinessUnit.id, BusinessUnit.calendar)).all()
    found = {cal for unit, cal in units
             if (actor.has_role(unit, *roles) if roles else
                 actor.is_system or unit in actor.business_unit_ids())}
    return sorted(found, key=lambda c: (c != "CN", c))


def _require_admin(session: Session, actor: Actor, calendar: str) -> None:
    if not actor.is_system and calendar not in calendars_of(session, actor, Role.CREDIT_ADMIN):
        raise refuse(actor, "set_calendar", f"calendar:{calendar}", _(
            "Only a credit administrator of a business unit on the {calendar} calendar can "
            "change its holidays.", calendar=calendar))


def _check(calendar: str, first: dt.date, last: dt.date) -> None:
    if calendar not in CALENDARS:
        raise InvalidInput(_("Unknown calendar {calendar}; use one of {known}.",
                             calendar=calendar, known=", ".join(CALENDARS)))
    if last < first:
        raise InvalidInput(_("The last day {last} is before the first day {first}.",
                             last=last.isoformat(), first=first.isoformat()))
    if (last - first).days >= LONGEST:
        raise InvalidInput(_("Enter at most {n} days at a time ({first} to {last} is {days}).",
                             n=LONGEST, first=first.isoformat(), last=last.isoformat(),
                             days=(last - first).days + 1))


def _span(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _as_audit(rows: list[CalendarDay]) -> list[dict[str, Any]]:
    return [{"day": r.day.isoformat(), "working": r.working, "name": r.name} for r in rows]


def set_days(uow: UnitOfWork, actor: Actor, calendar: str, first: dt.date, last: dt.date, *,
             working: bool, name: str) -> list[CalendarDay]:
    """Count ``first`` to ``last`` as days off (``working`` False) or as workdays, named
    ``name`` (春节, 国庆节调休, …); days entered before are replaced."""
    name = " ".join(name.split())
    _check(calendar, first, last)
    _require_admin(uow.session, actor, calendar)
    if not name or len(name) > 100:
        raise InvalidInput(_("Give the days a name of at most 100 characters, e.g. 春节."))
    session = uow.session
    days = _span(first, last)
    rows = {r.day: r for r in session.scalars(select(CalendarDay).where(
        CalendarDay.calendar == calendar, CalendarDay.day.in_(days)))}
    before = _as_audit(sorted(rows.values(), key=lambda r: r.day))
    now = uow.now()
    for day in days:
        row = rows.get(day)
        if row is None:
            row = rows[day] = CalendarDay(calendar=calendar, day=day)
            session.add(row)
        row.working, row.name, row.set_by, row.set_at = working, name, uow.actor.label, now
    session.flush()
    after = [rows[d] for d in days]
    uow.audit("calendar.days_set", "calendar", calendar, business_unit_id=None,
              before=before, after=_as_audit(after))
    uow.after_commit(forget)
    return after


def clear_days(uow: UnitOfWork, actor: Actor, calendar: str, first: dt.date,
               last: dt.date) -> int:
    """Remove the entries from ``first`` to ``last``: the days follow the calendar's rules
    again. Returns how many there were."""
    _check(calendar, first, last)
    _require_admin(uow.session, actor, calendar)
    session = uow.session
    rows = list(session.scalars(select(CalendarDay).where(
        CalendarDay.calendar == calendar, CalendarDay.day >= first, CalendarDay.day <= last)
        .order_by(CalendarDay.day)))
    if rows:
        session.execute(delete(CalendarDay).where(CalendarDay.id.in_([r.id for r in rows])))
        uow.audit("calendar.days_cleared", "calendar", calendar, business_unit_id=None,
                  before=_as_audit(rows), after=[])
        uow.after_commit(forget)
    return len(rows)


def list_days(session: Session, calendar: str, year: int) -> list[CalendarDay]:
    """The entries of ``calendar`` in ``year``, by day."""
    return list(session.scalars(select(CalendarDay).where(
        CalendarDay.calendar == calendar, CalendarDay.day >= dt.date(year, 1, 1),
        CalendarDay.day <= dt.date(year, 12, 31)).order_by(CalendarDay.day)))
