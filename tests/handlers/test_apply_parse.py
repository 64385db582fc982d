"""Reading a one-line application as salespeople type it (no database)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from credit_domain.errors import InvalidInput
from credit_domain.uscc import make_uscc
from handlers.apply_parse import (
    LIMIT,
    RELEASE,
    TEMPORARY,
    Draft,
    add_period,
    parse_date,
    parse_details,
    parse_request,
    tokens,
)

TODAY = dt.date(2026, 3, 2)


def read(text: str, kind: str = LIMIT) -> Draft:
    return parse_request(text, kind, TODAY)


def test_the_issue_examples() -> None:
    d = read("华为技术 20万 60天 新项目备货")
    assert (d.query, d.amount, d.term_days, d.reason) == (
        "华为技术", Decimal("200000.00"), 60, "新项目备货")
    d = read("华为 20万 理由：客户扩产，订单增加")
    assert (d.query, d.amount, d.reason) == ("华为", Decimal("200000.00"), "客户扩产，订单增加")
    d = read("华为 10万 到 2027-01-31 旺季备货", TEMPORARY)
    assert (d.kind, d.amount, d.valid_from, d.valid_to, d.reason) == (
        TEMPORARY, Decimal("100000.00"), None, dt.date(2027, 1, 31), "旺季备货")


@pytest.mark.parametrize(("typed", "amount"), [
    ("200000", "200000.00"), ("200,000", "200000.00"), ("￥20万", "200000.00"),
    ("1.5亿", "150000000.00"), ("200k", "200000.00"), ("２０万", "200000.00"),
    ("二十万", "200000.00"), ("20万元", "200000.00")])
def test_amounts_as_people_type_them(typed: str, amount: str) -> None:
    assert read(f"华为 {typed} 备货").amount == Decimal(amount)


def test_a_usccs_of_digits_names_the_customer_not_an_amount() -> None:
    uscc = make_uscc("91440300066580351")
    assert uscc.isdigit()
    d = read(f"{uscc} 25万 扩产")
    assert (d.query, d.amount, d.reason) == (uscc, Decimal("250000.00"), "扩产")
    with pytest.raises(InvalidInput):  # 18 digits with a wrong check digit: a huge amount
        read(f"华为 {uscc[:-1]}{(int(uscc[-1]) + 1) % 10} 扩产")


def test_plus_raises_the_current_limit_and_glued_words_are_split() -> None:
    d = read("华为+10万 订单增加")
    assert (d.query, d.amount, d.delta, d.reason) == ("华为", Decimal("100000.00"), True,
                                                       "订单增加")
    assert tokens("华为20万 60 天") == ["华为", "20万", "60天"]
    assert tokens("奇虎360 20万") == ["奇虎360", "20万"]  # a number ending a name stays
    assert tokens("华为,20万,60天,新项目备货") == ["华为", "20万", "60天", "新项目备货"]
    assert tokens("华为 200,000 备货") == ["华为", "200,000", "备货"]


def test_terms_and_links() -> None:
    d = read("Huawei Technologies 200k net 45 new project https://files.example/q.pdf")
    assert (d.query, d.amount, d.term_days) == ("Huawei Technologies", Decimal("200000.00"), 45)
    assert d.reason == "new project" and d.attachments == ("https://files.example/q.pdf",)
    assert read("华为 20万 账期60天 备货").term_days == 60
    assert read("华为 20万 2个月 备货").term_days == 60


@pytest.mark.parametrize(("typed", "start", "end"), [
    ("到 2027-01-31", None, dt.date(2027, 1, 31)),
    ("至2027/1/31", None, dt.date(2027, 1, 31)),
    ("until 2026-04-30", None, dt.date(2026, 4, 30)),
    ("1月31日前", None, dt.date(2027, 1, 31)),  # the next 31 January
    ("4月30号", None, dt.date(2026, 4, 30)),
    ("30天", None, dt.date(2026, 3, 31)),  # thirty days from today, today included
    ("2 weeks", None, dt.date(2026, 3, 15)),
    ("3个月", None, dt.date(2026, 6, 1)),
    ("月底", None, dt.date(2026, 3, 31)),
    ("从 2026-03-10 到 2026-04-09", dt.date(2026, 3, 10), dt.date(2026, 4, 9)),
    ("2026-03-10~2026-04-09", dt.date(2026, 3, 10), dt.date(2026, 4, 9)),
])
def test_validity_windows(typed: str, start: dt.date | None, end: dt.date) -> None:
    d = read(f"华为 10万 {typed} 展会备货", TEMPORARY)
    assert (d.valid_from, d.valid_to, d.reason) == (start, end, "展会备货")


def test_an_end_date_makes_a_limit_request_temporary() -> None:
    assert read("华为 10万 到 2026-06-30 旺季").kind == TEMPORARY


def test_what_is_plainly_a_wrong_amount_is_refused_with_its_reason() -> None:
    with pytest.raises(InvalidInput) as negative:
        read("华为 -5万 备货")
    assert negative.value.localized("zh_CN") == "金额必须为正数：-5万"
    with pytest.raises(InvalidInput, match="grouped in threes"):
        read("华为 20,00 备货")
    with pytest.raises(InvalidInput, match="two decimal places"):
        read("华为 1.234 备货")
    with pytest.raises(InvalidInput, match="not a date of the calendar"):
        read("华为 10万 到 2月30日 备货", TEMPORARY)
    with pytest.raises(InvalidInput, match="one end date"):
        read("华为 10万 到 2026-04-30 到 2026-05-31 备货", TEMPORARY)
    with pytest.raises(InvalidInput, match="terms of 0 days make no sense"):
        read("华为 20万 账期0天 备货")
    backwards = re.escape("end (2026-03-10) before it starts (2026-04-01)")
    with pytest.raises(InvalidInput, match=backwards):
        read("华为 10万 从 2026-04-01 到 2026-03-10 备货", TEMPORARY)


def test_missing_parts_stay_missing() -> None:
    d = read("华为技术有限公司")
    assert (d.query, d.amount, d.reason) == ("华为技术有限公司", None, None)
    assert parse_details("20万", LIMIT, TODAY).amount == Decimal("200000.00")
    assert read("SO-2026-0042 客户已回款", RELEASE).amount is None  # an order has no amount


def test_dates_and_periods() -> None:
    assert parse_date("2026年12月31日", TODAY) == dt.date(2026, 12, 31)
    assert parse_date("下月底", TODAY) == dt.date(2026, 4, 30)
    assert parse_date("年底", TODAY) == dt.date(2026, 12, 31)
    assert parse_date("华为", TODAY) is None
    assert add_period(dt.date(2026, 1, 31), 1, "m") == dt.date(2026, 2, 27)


def test_a_draft_round_trips_through_a_button_value() -> None:
    d = read("华为 10万 从 2026-03-10 到 2026-04-09 展会 https://x.example/a", TEMPORARY)
    assert Draft.from_value(d.to_value()) == d
    with pytest.raises(InvalidInput):
        Draft.from_value({"k": "loan"})
