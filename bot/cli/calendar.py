"""``creditbot calendar``: the public holidays and make-up workdays SLAs count with.

Each year the State Council announces the next year's holidays (in November or December);
until a ``chinesecalendar`` release carries them, enter them here, e.g.::

    creditbot calendar holiday 2027-02-06 2027-02-13 --name 春节
    creditbot calendar workday 2027-02-14 --name 春节调休
    creditbot calendar show 2027
"""

from __future__ import annotations

import datetime as dt
import getpass

import typer
from rich.table import Table

from bot.cli.base import app, cli_locale, console, domain_errors, runtime
from bot.cli.lookup import say
from credit_domain.access import Actor
from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.orgs.calendar import BusinessCalendar
from credit_domain.orgs.holidays import clear_days, list_days, set_days
from handlers.holidays import SOURCES, WEEKDAYS

_ = text_factory("bot")
calendar_app = typer.Typer(help="Public holidays and make-up workdays (调休) that SLAs count.",
                           no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")

CALENDAR = typer.Option("CN", "--calendar", help="The calendar: CN (China) or weekdays.")


def _operator() -> Actor:
    return Actor.system(f"cli:{getpass.getuser()}")


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(_("{text} is not a date; write it as 2027-02-06.", text=text)) \
            from None


def _span(first: str, last: str | None) -> tuple[dt.date, dt.date]:
    start = _day(first)
    return start, _day(last) if last else start


def _set(first: str, last: str | None, name: str, calendar: str, *, working: bool) -> None:
    start, end = _span(first, last)
    operator = _operator()
    with runtime() as rt, rt.domain.uow(operator) as uow:
        rows = set_days(uow, operator, calendar, start, end, working=working, name=name)
        uow.commit()
    what = "workday(s)" if working else "day(s) off"
    say(f"{calendar}: {len(rows)} {what} from {start} to {end}, {rows[0].name}.", markup=False)


@calendar_app.command("holiday")
@domain_errors
def holiday(
    first: str = typer.Argument(..., help="The first day off, e.g. 2027-02-06."),
    last: str | None = typer.Argument(None, help="The last day off (default: the first)."),
    name: str = typer.Option(..., "--name", help="What the days are, e.g. 春节."),
    calendar: str = CALENDAR,
) -> None:
    """Count the days as days off (a public holiday, a company closure)."""
    _set(first, last, name, calendar, working=False)


@calendar_app.command("workday")
@domain_errors
def workday(
    first: str = typer.Argument(..., help="The make-up workday, e.g. 2027-02-14."),
    last: str | None = typer.Argument(None, help="The last one, for several in a row."),
    name: str = typer.Option(..., "--name", help="What the day is, e.g. 春节调休."),
    calendar: str = CALENDAR,
) -> None:
    """Count the days as working days (a weekend day made up for a holiday: 调休)."""
    _set(first, last, name, calendar, working=True)


@calendar_app.command("clear")
@domain_errors
def clear(
    first: str = typer.Argument(..., help="The first day to clear."),
    last: str | None = typer.Argument(None, help="The last day (default: the first)."),
    calendar: str = CALENDAR,
) -> None:
    """Remove entered days: they follow the calendar's own rules again."""
    start, end = _span(first, last)
    operator = _operator()
    with runtime() as rt, rt.domain.uow(operator) as uow:
        n = clear_days(uow, operator, calendar, start, end)
        uow.commit()
    say(f"{calendar}: {n} entered day(s) cleared from {start} to {end}.", markup=False)


@calendar_app.command("show")
@domain_errors
def show(
    year: int = typer.Argument(None, help="The year (default: this year and the next)."),
    calendar: str = CALENDAR,
) -> None:
    """The days entered for a year, and where the rest of its holidays come from."""
    locale = cli_locale()
    with runtime() as rt:
        this_year = rt.domain.clock.now().year
        years = [year] if year else [this_year, this_year + 1]
        with rt.domain.read() as session:
            for y in years:
                rows = list_days(session, calendar, y)
                cal = BusinessCalendar(calendar, days={r.day: r.working for r in rows})
                table = Table("day", "", "counts as", "name", "entered by", title=f"{calendar} {y}")
                for r in rows:
                    table.add_row(r.day.isoformat(), WEEKDAYS[r.day.weekday()].render(locale),
                                  "workday" if r.working else "day off", r.name,
                                  f"{r.set_by}, {r.set_at:%Y-%m-%d}")
                if rows:
                    console.print(table)
                say(f"{y}: {SOURCES[cal.source(y)].render(locale)}", markup=False)

