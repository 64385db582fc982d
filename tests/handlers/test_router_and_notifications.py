"""The registry's rules and the generic notification renderer."""

from __future__ import annotations

import pytest

from bot.messages import Reply, Section
from credit_domain.i18n import Text
from handlers.notifications import render_generic
from handlers.router import Context, RenderContext, Router


def test_a_word_registered_twice_is_refused() -> None:
    r = Router()
    r.command("credit", aliases=["额度"])(lambda ctx, args: None)
    with pytest.raises(ValueError, match="额度"):
        r.command("limit", aliases=["额度"])(lambda ctx, args: None)
    r.action("approve")(lambda ctx, a: None)
    with pytest.raises(ValueError, match="approve"):
        r.action("approve")(lambda ctx, a: None)


def test_matching_words_multiword_and_glued_chinese() -> None:
    r = Router()
    r.command("my applications", aliases=["我的申请"])(lambda ctx, args: None)
    r.command("my")(lambda ctx, args: None)
    r.command("credit", aliases=["额度"])(lambda ctx, args: None)
    assert r.match("My  Applications")[0].name == "my applications"  # type: ignore[index]
    assert r.match("my things")[0].name == "my"  # type: ignore[index]
    assert r.match("我的申请")[0].name == "my applications"  # type: ignore[index]
    assert r.match("额度华为技术") [1] == "华为技术"  # type: ignore[index]
    assert r.match("／额度 华为")[1] == "华为"  # type: ignore[index]  # full-width slash
    assert r.match("creditworthy") is None  # an English word needs its space


def test_a_placeholder_home_section_gives_way() -> None:
    r = Router()

    def placeholder(ctx: Context) -> Section:
        return Section(title="later")

    def real(ctx: Context) -> Section:
        return Section(title="real")

    r.home_section("pending", placeholder=True)(placeholder)
    r.home_section("pending")(real)
    r.home_section("pending", placeholder=True)(placeholder)  # imported late: still ignored
    assert r.home_sections["pending"].build is real
    with pytest.raises(ValueError):
        r.home_section("pending")(real)


def rc(locale: str) -> RenderContext:
    return RenderContext(locale, public_url="https://credit.example.com/")


def test_generic_renderer_translates_every_standard_key() -> None:
    payload = {
        "title": Text("Pending my decision", "handlers").to_json(),
        "tone": "danger",
        "lines": [Text("On hold since {date}", "handlers", {"date": "2026-03-01"}).to_json(),
                  "plain line"],
        "fields": [{"label": Text("Overdue", "handlers").to_json(), "value": "¥5万"},
                   {"label": Text("Status", "handlers").to_json(),
                    "value": Text("Active", "handlers").to_json()}],
        "link": "/customers/7",
    }
    zh = render_generic("monitoring.hold", payload, rc("zh_CN"))
    assert zh.card is not None
    assert zh.card.title == "待我审批" and zh.card.tone == "danger"
    assert zh.card.sections[0].text == "自 2026-03-01 起冻结\nplain line"
    assert [(f.label, f.value) for f in zh.card.fields] == [("逾期金额", "¥5万"), ("状态", "正常")]
    assert zh.card.buttons[0].label == "在 creditbot 中打开"
    assert zh.card.buttons[0].url == "https://credit.example.com/customers/7"
    en = render_generic("monitoring.hold", payload, rc("en"))
    assert en.card is not None and en.card.title == "Pending my decision"


def test_generic_renderer_survives_odd_payloads() -> None:
    reply = render_generic("limit.expiring", {"tone": "purple", "lines": "not a list",
                                               "fields": [{"label": "x", "value": 3}, 5]},
                           rc("en"))
    assert isinstance(reply, Reply) and reply.card is not None
    assert reply.card.title == "limit.expiring" and reply.card.tone == "info"
    assert [(f.label, f.value) for f in reply.card.fields] == [("x", "3")]
    assert reply.card.sections == () and reply.card.buttons == ()
