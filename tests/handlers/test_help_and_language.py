"""``help`` / ``帮助`` and ``lang`` / ``语言``: localized, per person."""

from __future__ import annotations

from sqlalchemy import func, select

from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from tests.handlers.platform import TestPlatform


def test_help_lists_the_commands_in_the_readers_language(chat: TestPlatform) -> None:
    [zh] = chat.push("帮助", user="wangfang")
    assert zh.card is not None and zh.card.title == "我能做什么"
    usage = {f.label: f.value for f in zh.card.fields}
    assert usage["额度 客户名"] == "客户的信用额度、占用、可用额度和冻结状态"
    assert "语言 中文|英文" in usage and "帮助 [命令]" in usage
    [en] = chat.push("help", user="emma")
    assert en.card is not None and en.card.title == "What I can do"
    assert "credit CUSTOMER" in {f.label for f in en.card.fields}


def test_help_on_one_command(chat: TestPlatform) -> None:
    [reply] = chat.push("帮助 额度", user="wangfang")
    assert reply.card is not None and reply.card.title == "额度"
    details = {f.label: f.value for f in reply.card.fields}
    assert details["用法"] == "额度 客户名"
    assert "credit / 额度 / 授信" in details["也可以说"]
    [unknown] = chat.push("help frobnicate", user="emma")
    assert unknown.text == "⚠️ I have no command “frobnicate”. Usage: help [COMMAND]"


def test_an_empty_message_gets_help(chat: TestPlatform) -> None:
    [reply] = chat.push("   ", user="emma")
    assert reply.card is not None and reply.card.title == "What I can do"


def test_unknown_commands_get_a_suggestion(chat: TestPlatform) -> None:
    [typo] = chat.push("credt 华为", user="emma")
    assert typo.text == ("⚠️ I don't know “credt”. Did you mean “credit”? Send help to see "
                         "what I can do.")
    [nonsense] = chat.push("今天天气怎么样", user="wangfang")
    assert nonsense.text == "⚠️ 我不认识“今天天气怎么样”。发送“帮助”查看我能做什么。"


def test_choosing_a_language(chat: TestPlatform, domain: Domain) -> None:
    [reply] = chat.push("lang en", user="wangfang")
    assert reply.text == "OK, from now on I speak English with you."
    [card] = chat.push("额度 华为", user="wangfang")
    assert card.card is not None and "Available" in {f.label for f in card.card.fields}
    [back] = chat.push("语言 中文", user="wangfang")
    assert back.text == "好的，从现在起我用中文和您交流。"
    [current] = chat.push("语言", user="wangfang")
    assert current.text is not None and current.text.startswith("我现在用中文和您交流")
    [default] = chat.push("lang default", user="emma")
    assert default.text == "好的，我会用这个平台的默认语言和您交流。"  # the emulator: Chinese
    [wrong] = chat.push("lang klingon", user="wangfang")
    assert wrong.text == "⚠️ 我可以说中文（zh）或英文（en）。用法：语言 中文|英文"
    with domain.read() as session:
        changes = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "person.locale_changed"))
    assert changes == 3  # en, zh, Emma back to the default; asking changes nothing


def test_cancel_with_nothing_in_progress(chat: TestPlatform) -> None:
    [reply] = chat.push("取消", user="wangfang")
    assert reply.text == "目前没有可以取消的操作。"
