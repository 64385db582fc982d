"""``holidays`` / ``节假日``: the public holidays and make-up workdays SLAs count, and, for a
credit administrator, entering them from chat as the State Council announces them::

    节假日                                   this year and next: where the days come from
    节假日 2027                              one year, with the days entered
    节假日 休 2027-10-01 至 2027-10-07 国庆节   days off
    节假日 班 2027-10-09 国庆节调休             a weekend day worked (调休)
    节假日 清除 2027-10-09                     back to the calendar's own rules
"""

from __future__ import annotations

import datetime as dt
import re

from bot.messages import Reply
from credit_domain.i18n import text_factory
from credit_domain.orgs.calendar import BusinessCalendar
from credit_domain.orgs.holidays import calendars_of, clear_days, list_days, set_days
from credit_domain.orgs.models import CalendarDay, Role
from handlers.apply import today_for
from handlers.apply_parse import parse_date
from handlers.router import Args, Context, UsageError, router

_ = text_factory("handlers")

OFF = {"off", "holiday", "休", "放假", "休息"}
WORK = {"work", "workday", "班", "上班", "补班", "调休"}
CLEAR = {"clear", "remove", "清除", "删除", "取消"}
# "2027-10-01至2027-10-07", "10月1日到10月7日", "2027-10-01 to 2027-10-07"
SPAN = re.compile(r"(?<=[\d日])\s*(?:至|到|~|～|—)\s*(?=\d)|\s+to\s+(?=\d)", re.IGNORECASE)
# Also the CLI's (bot/cli/calendar.py), in the operator's language.
WEEKDAYS = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
SOURCES = {
    "package": _("China's holidays and make-up workdays as published; days entered here take "
                 "precedence."),
    "entered": _("the days entered here; Monday to Friday otherwise."),
    "missing": _("not entered yet: SLAs count Monday to Friday, holidays included."),
    "weekdays": _("Monday to Friday, with the days entered here."),
}


@router.command("holidays", aliases=["节假日", "假期"],
                usage=_("holidays [year] · holidays off|work FIRST [to LAST] NAME · "
                        "holidays clear FIRST [to LAST]"),
                summary=_("The public holidays and make-up workdays SLAs count"),
                examples=("节假日 2027", "节假日 休 2027-10-01 至 2027-10-07 国庆节",
                          "节假日 班 2027-10-09 国庆节调休", "holidays clear 2027-10-09"),
                order=850)
def holidays(ctx: Context, args: Args) -> Reply:
    words = args.words
    verb = words[0].lower() if words else ""
    if verb in OFF | WORK | CLEAR:
        return _change(ctx, args, verb, re.sub(r"^\S+\s*", "", args.text.strip(), count=1))
    if len(words) > 1 or (words and not re.fullmatch(r"\d{4}", words[0])):
        raise UsageError(args.command, _("Say 节假日 2027 to see a year, or 节假日 休 / 班 / "
                                         "清除 with the days to change them."))
    today = today_for(ctx)
    years = [int(words[0])] if words else [today.year, today.year + 1]
    calendar = _calendar(ctx)
    return Reply(text=_years(ctx, calendar, years))


def _calendar(ctx: Context, *roles: Role) -> str:
    with ctx.read() as session:
        found = calendars_of(session, ctx.actor, *roles)
    return found[0] if found else "CN"


def _years(ctx: Context, calendar: str, years: list[int]) -> str:
    """Each year: where its holidays come from, and the days entered for it."""
    with ctx.read() as session:
        entered = {year: list_days(session, calendar, year) for year in years}
    blocks = []
    for year, rows in entered.items():
        cal = BusinessCalendar(calendar, days={r.day: r.working for r in rows})
        lines = [ctx.t(_("Holidays {year} ({calendar}): {source}", year=year,
                         calendar=calendar, source=SOURCES[cal.source(year)]))]
        for (working, name), first, last in _runs(rows):
            lines.append(f"· {_span(ctx, first, last)}  "
                         f"{ctx.t(_('work') if working else _('off'))}  {name}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _runs(rows: list[CalendarDay]) -> list[tuple[tuple[bool, str], dt.date, dt.date]]:
    """Consecutive days with the same meaning and name, as (key, first, last)."""
    runs: list[tuple[tuple[bool, str], dt.date, dt.date]] = []
    for r in rows:
        key = (r.working, r.name)
        if runs and runs[-1][0] == key and runs[-1][2] + dt.timedelta(days=1) == r.day:
            runs[-1] = (key, runs[-1][1], r.day)
        else:
            runs.append((key, r.day, r.day))
    return runs


def _span(ctx: Context, first: dt.date, last: dt.date) -> str:
    def day(d: dt.date) -> str:
        return f"{d.isoformat()} {ctx.t(WEEKDAYS[d.weekday()])}"

    return day(first) if first == last else f"{day(first)} – {day(last)}"


def _change(ctx: Context, args: Args, verb: str, rest: str) -> Reply:
    today = today_for(ctx)
    words = SPAN.sub(" 至 ", rest).split()
    first = parse_date(words[0], today) if words else None
    if first is None:
        raise UsageError(args.command, _("Give the first day, e.g. 2027-10-01."))
    last, name_at = first, 1
    if len(words) > 2 and words[1] == "至":
        found = parse_date(words[2], today)
        if found is None:
            raise UsageError(args.command, _("{text} is not a date; write it as 2027-10-07.",
                                             text=words[2]))
        last, name_at = found, 3
    name = " ".join(words[name_at:])
    calendar = _calendar(ctx, Role.CREDIT_ADMIN)
    if verb not in CLEAR and not name:
        raise UsageError(args.command, _("Name the days, e.g. 国庆节 or 春节调休."))
    with ctx.uow() as uow:
        if verb in CLEAR:
            done = _("{n} entered day(s) cleared: they follow the calendar's own rules again.",
                     n=clear_days(uow, ctx.actor, calendar, first, last))
        else:
            n = len(set_days(uow, ctx.actor, calendar, first, last, working=verb in WORK,
                             name=name))
            done = (_("{n} day(s) entered as workdays ({name}).", n=n, name=name)
                    if verb in WORK else
                    _("{n} day(s) entered as days off ({name}).", n=n, name=name))
        uow.commit()
    # every year the days touch (New Year's days off run from one year into the next)
    years = list(range(first.year, max(first.year, last.year) + 1))
    return Reply(text=ctx.t(done) + "\n\n" + _years(ctx, calendar, years))
