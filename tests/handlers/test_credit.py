"""``credit 客户`` / ``额度 客户``: the customer's credit, for the people who may see it."""

from __future__ import annotations

from sqlalchemy import select

from bot.messages import Card
from credit_domain.bootstrap import Domain
from credit_domain.customers.models import Customer
from tests.handlers.platform import TestPlatform
from tests.handlers.world import Seeded


def fields(card: Card | None) -> dict[str, str]:
    assert card is not None
    return {f.label: f.value for f in card.fields}


def test_credit_of_a_customer_in_chinese(chat: TestPlatform) -> None:
    [reply] = chat.push("额度 华为", user="wangfang")
    card = reply.card
    assert card is not None and card.title == "华为技术有限公司"
    shown = fields(card)
    assert shown["信用额度"] == "¥50万"
    assert shown["临时额度"] == "¥10万"
    assert shown["信用占用"] == "¥20万"  # 170k receivables + 30k open order
    assert shown["可用额度"] == "¥40万"  # 500k + 100k − 200k
    assert shown["逾期金额"] == "¥5万"
    assert shown["状态"] == "正常"
    assert card.tone == "warn"  # something is overdue
    assert card.footer == "截至 2026-03-02"
    temporary = next(s for s in card.sections if s.title == "临时额度")
    assert temporary.text == "¥10万，2026-02-25 至 2026-03-27"


def test_english_reader_and_other_ways_to_name_the_customer(chat: TestPlatform,
                                                           domain: Domain) -> None:
    with domain.read() as session:
        uscc = session.scalar(select(Customer.uscc)
                              .where(Customer.legal_name == "华为技术有限公司"))
    for text in ("credit Huawei", "credit 华为技术有限公司", f"credit {uscc}", "授信 华为"):
        [reply] = chat.push(text, user="emma")
        assert reply.card is not None and reply.card.title == "华为技术有限公司", text
        assert fields(reply.card)["Available"] == "¥400,000.00"


def test_chinese_command_without_a_space(chat: TestPlatform) -> None:
    [reply] = chat.push("额度华为", user="wangfang")
    assert reply.card is not None and reply.card.title == "华为技术有限公司"


def test_a_salesperson_sees_only_their_own_customers(chat: TestPlatform) -> None:
    [reply] = chat.push("额度 华信", user="wangfang")  # 吴磊's customer
    assert reply.card is None and reply.text is not None
    assert "在您有权查看的客户中，没有与“华信”匹配的" in reply.text
    [other] = chat.push("credit 华南", user="emma")  # finance, but of another unit
    assert other.text is not None and "None of the customers you may see" in other.text


def test_several_matches_give_a_choice_and_the_pick_replaces_it(chat: TestPlatform) -> None:
    [reply] = chat.push("额度 华", user="liqiang")  # the manager sees his team's customers
    card = reply.card
    assert card is not None and card.title == "您指的是哪个客户？"
    assert card.subtitle == "有 3 个客户与“华”匹配。"
    labels = [b.label for b in card.buttons]
    assert labels == ["华为技术有限公司 · 工业品事业部", "杭州华东精密机械有限公司 · 工业品事业部",
                      "苏州华信电子科技有限公司 · 工业品事业部"]
    [picked] = chat.tap(card.buttons[1], user="liqiang")
    assert picked.replace_original
    assert picked.card is not None and picked.card.title == "杭州华东精密机械有限公司"
    assert picked.card.tone == "danger"
    assert fields(picked.card)["状态"] == "自 2026-02-27 起冻结"
    hold = next(s for s in picked.card.sections if s.title == "信用冻结中")
    assert hold.text == "解冻前不得接新订单或发货。原因：逾期超过90天"


def test_a_forged_pick_is_refused_by_the_domain(chat: TestPlatform, seeded: Seeded) -> None:
    from bot.messages import Button

    [reply] = chat.tap(Button("x", "credit.show", {"account": str(seeded.huaxin)}),
                       user="wangfang")
    assert reply.text == "⚠️ 您无权查看该客户在本事业部的授信信息。"
    [bad] = chat.tap(Button("x", "credit.show", {"account": "abc"}), user="wangfang")
    assert bad.text == "⚠️ 这个按钮已失效，请重新查询。"


def test_finance_sees_the_whole_business_unit(chat: TestPlatform) -> None:
    [reply] = chat.push("额度 华信", user="zhangwei")
    assert reply.card is not None and reply.card.title == "苏州华信电子科技有限公司"
    assert fields(reply.card)["客户负责人"] == "吴磊 · IND-E1"


def test_credit_without_a_customer_explains_the_usage(chat: TestPlatform) -> None:
    [zh] = chat.push("额度", user="wangfang")
    assert zh.text == "⚠️ 用法：额度 客户名"
    [en] = chat.push("credit", user="emma")
    assert en.text == "⚠️ Usage: credit CUSTOMER"


def test_typeahead_suggests_visible_customers(chat: TestPlatform, seeded: Seeded) -> None:
    from bot.messages import Envelope
    from tests.handlers.platform import CARDS

    ctx = chat.conversations.context_for(
        Envelope("emulator", "", "liqiang", "dm:liqiang", "s1"), CARDS)
    assert ctx is not None
    found = ctx.router.suggestions["customer"](ctx, "华")
    assert (str(seeded.huawei), "华为技术有限公司 · 工业品事业部") in found
    assert len(found) == 3
