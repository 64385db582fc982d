"""Applying for credit in chat: one line, step by step, by form; the confirmation shows the
route before anything is submitted; bad input is refused specifically and changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from bot.messages import Button, Reply
from credit_domain.bootstrap import Domain
from credit_domain.clock import FrozenClock
from tests.handlers.apps import (
    EN_CARDS,
    Shop,
    actions,
    applications,
    button,
    latest,
    outbox,
    submit_by_chat,
)
from tests.handlers.platform import TEXT_ONLY, TestPlatform


def fields(reply: object) -> dict[str, str]:
    card = reply.card  # type: ignore[attr-defined]
    return {f.label: f.value for f in card.fields}


def test_one_line_shows_the_route_first_and_submits_on_the_tap(talk: TestPlatform,
                                                               domain: Domain) -> None:
    [confirmation] = talk.push("apply 华为技术 +10万 60天 新项目备货", user="wangfang")
    assert confirmation.card is not None
    assert confirmation.card.title == "Please check, then submit"
    shown = fields(confirmation)
    assert shown["Customer"] == "华为技术有限公司 · IND unit"
    assert (shown["Type"], shown["Current limit"], shown["New limit"]) == (
        "limit adjustment", "¥500,000.00", "¥600,000.00")
    assert shown["Payment terms"] == "60 days (now 30)"
    assert shown["Reason"] == "新项目备货"
    assert shown["Route large"] == ("1. sales manager: 李强\n"
                                    "2. finance manager (any one): Emma Li、张伟\n"
                                    "3. risk director: 刘洋")
    assert actions(confirmation) == ["apply.submit", "apply.cancel"]
    assert applications(domain) == 0 and outbox(domain) == []  # nothing submitted yet

    [card] = talk.tap(button(confirmation, "apply.submit"), user="wangfang")
    app = latest(domain)
    assert (app.kind, app.requested_amount, app.term_days, app.status) == (
        "increase", Decimal("600000.00"), 60, "pending")
    assert card.replace_original and card.card is not None
    assert card.card.title == f"{app.number} · 华为技术有限公司"
    assert card.card.key == f"application:{app.id}"
    route = card.card.sections[-1]
    assert route.title == "Route large"
    assert route.text is not None and route.text.splitlines() == [
        "▶ 1. sales manager: 李强 — waiting since 09:00, due 17:00",
        "○ 2. finance manager (any one): Emma Li、张伟",
        "○ 3. risk director: 刘洋"]
    assert actions(card) == ["app.comment", "app.withdraw"]  # the requester's buttons
    # 李强 is asked; 王芳 is answered right here, so no "submitted" message follows
    assert outbox(domain) == [("application.pending_approval", "李强")]


def test_chinese_one_liner_with_a_new_customer_is_initial_credit(talk: TestPlatform,
                                                                 domain: Domain) -> None:
    [confirmation] = talk.push("申请授信新客20万 新项目备货，首批订单", user="wangfang")
    shown = fields(confirmation)
    assert shown["Type"] == "initial credit"
    assert shown["Reason"] == "新项目备货,首批订单"  # as typed (after NFKC)
    assert shown["Route middle"] == ("1. sales manager: 李强\n"
                                     "2. finance manager (any one): Emma Li、张伟")
    talk.tap(button(confirmation, "apply.submit"), user="wangfang")
    assert (latest(domain).kind, latest(domain).requested_amount) == (
        "initial", Decimal("200000.00"))


@pytest.mark.parametrize(("typed", "end"), [
    ("临时额度 华为 10万 到 2026-04-30 旺季备货", dt.date(2026, 4, 30)),
    ("temp 华为 10万 30天 旺季备货", dt.date(2026, 3, 31)),
    ("申请临时额度 华为 10万 4月30日前 旺季备货", dt.date(2026, 4, 30)),
])
def test_temporary_limits(talk: TestPlatform, domain: Domain, typed: str, end: dt.date) -> None:
    card = submit_by_chat(talk, typed)
    app = latest(domain)
    assert (app.kind, app.requested_amount, app.valid_from, app.valid_to) == (
        "temporary", Decimal("100000.00"), dt.date(2026, 3, 2), end)
    days = (end - dt.date(2026, 3, 2)).days + 1
    assert fields(card)["Valid"] == f"2026-03-02 – {end.isoformat()} ({days} days)"


def test_order_release_finds_the_blocked_order(talk: TestPlatform, domain: Domain,
                                               shop: Shop) -> None:
    [only] = talk.push("release 华为 客户已回款", user="wangfang")  # its one blocked order
    assert fields(only)["Order"] == "SO-2026-0042"
    [confirmation] = talk.push("放行 SO-2026-0042 客户已回款", user="wangfang")
    shown = fields(confirmation)
    assert (shown["Type"], shown["Amount"], shown["Order"], shown["Reason"]) == (
        "order release", "¥80,000.00", "SO-2026-0042", "客户已回款")
    assert shown["Route order_release"] == ("1. sales manager: 李强\n"
                                            "2. finance manager (any one): Emma Li、张伟")
    talk.tap(button(confirmation, "apply.submit"), user="wangfang")
    assert (latest(domain).kind, latest(domain).requested_amount) == (
        "order_release", Decimal("80000.00"))


def test_a_lower_amount_offers_what_was_probably_meant(talk: TestPlatform,
                                                       domain: Domain) -> None:
    [confirmation] = talk.push("apply 华为 10万 备货", user="wangfang")
    assert confirmation.card is not None and confirmation.card.tone == "warn"
    assert confirmation.card.subtitle == "This lowers the limit from ¥500,000.00 to ¥100,000.00."
    assert fields(confirmation)["Route decrease"] == ("1. finance manager (any one): "
                                                      "Emma Li、张伟")
    [meant] = talk.tap(button(confirmation, "apply.confirm"), user="wangfang")
    assert meant.replace_original
    assert fields(meant)["New limit"] == "¥600,000.00"
    assert actions(meant) == ["apply.submit", "apply.cancel"]
    assert applications(domain) == 0


def test_step_by_step_asks_what_is_missing_and_can_be_cancelled(domain: Domain,
                                                                 shop: Shop) -> None:
    cli = TestPlatform(domain, capabilities=TEXT_ONLY)
    assert cli.push("apply", user="wangfang")[0].text == (
        "Which customer? Send a name, a short name or the USCC (cancel to stop).")
    choice = cli.push("apply 华", user="wulei")  # another person's dialogue is separate
    assert "Which customer do you mean?" in choice[0].as_text()
    cli.replies.clear()
    cli.push("cancel", user="wulei")
    [question] = cli.push("华为", user="wangfang")
    assert question.text == ("The limit now is ¥500,000.00. What should it be? e.g. 20万, or "
                             "+10万 to raise it by that much (cancel to stop).")
    problem, again = cli.push("很多", user="wangfang")
    assert problem.text == ("⚠️ I can't read “很多” as an amount, e.g. 20万 or 200,000.")
    assert again.text is not None and again.text.startswith("The limit now is")
    [why] = cli.push("+8万", user="wangfang")
    assert why.text == "Why? Approvers read this reason (cancel to stop)."
    confirmation, numbers = cli.push("订单增加", user="wangfang")
    assert "New limit: ¥580,000.00" in confirmation.as_text()
    assert "1. Submit" in confirmation.as_text() and "2. Cancel" in confirmation.as_text()
    assert numbers.text == "Answer with a number to choose (or cancel)."
    [cancelled] = cli.push("2", user="wangfang")
    assert cancelled.text == "OK, nothing was submitted."
    assert applications(domain) == 0


def test_a_command_instead_of_an_answer_ends_the_application(domain: Domain,
                                                             shop: Shop) -> None:
    cli = TestPlatform(domain, capabilities=TEXT_ONLY)
    cli.push("temp 华为", user="wangfang")
    [card] = cli.push("credit 华为", user="wangfang")
    assert card.card is not None and card.card.title == "华为技术有限公司"
    assert "I don't know" in cli.push("10万", user="wangfang")[0].as_text()


def test_a_reason_may_start_like_a_command_but_a_command_is_not_a_reason(
        domain: Domain, shop: Shop) -> None:
    cli = TestPlatform(domain, capabilities=TEXT_ONLY)
    [why] = cli.push("apply 华为 60万", user="wangfang")
    assert why.text == "Why? Approvers read this reason (cancel to stop)."
    set_aside, pending = cli.push("pending", user="wangfang")  # a command on its own
    assert set_aside.text == ("The request for 华为 was set aside: it still needed a reason. "
                              "Start it again when you are ready.")
    assert pending.as_text() == "Nothing waits for your decision."
    cli.push("apply 华为 60万", user="wangfang")
    set_aside, confirmation, _numbers = cli.push("temp 华为 5万 30天 展会备货", user="wangfang")
    assert "set aside" in (set_aside.text or "")
    assert "Type: temporary limit\nAmount: ¥50,000.00" in confirmation.as_text()
    assert "Reason: 展会备货" in confirmation.as_text()  # the new request goes on whole
    cli.push("cancel", user="wangfang")
    cli.push("apply 华为 60万", user="wangfang")
    confirmation, _numbers = cli.push("客户回款稳定，新项目备货", user="wangfang")
    assert "客户回款稳定，新项目备货" in confirmation.as_text()  # starts with 客户: still a reason
    assert applications(domain) == 0


def test_an_ambiguous_customer_gives_a_choice_that_keeps_the_request(talk: TestPlatform,
                                                                     domain: Domain) -> None:
    [choice] = talk.push("apply 华 30万 备货", user="zhangwei")  # finance sees three
    assert choice.card is not None and choice.card.title == "Which customer do you mean?"
    assert len(choice.card.buttons) == 3
    huaxin = next(b for b in choice.card.buttons if "华信" in b.label)
    [confirmation] = talk.tap(huaxin, user="zhangwei")
    assert confirmation.replace_original  # the choice card becomes the confirmation
    assert fields(confirmation)["Customer"].startswith("苏州华信电子科技有限公司")
    assert fields(confirmation)["Reason"] == "备货"


def test_the_form_submits_like_a_typed_request(talk: TestPlatform, domain: Domain,
                                               shop: Shop) -> None:
    [opened] = talk.push("apply", user="wangfang")
    assert opened.form is not None and opened.form.action_id == "apply.form"
    assert [(i.name, i.kind, i.required) for i in opened.form.inputs] == [
        ("customer", "customer", True), ("amount", "amount", True),
        ("terms", "text", False), ("reason", "multiline", True),
        ("attachments", "text", False)]
    suggestions = talk.conversations.router.suggestions["customer"]
    ctx = talk.conversations.context_for(talk.envelope("wangfang"), EN_CARDS)
    assert ctx is not None
    assert suggestions(ctx, "新客") == [(str(shop.newco), "深圳新客科技有限公司 · IND unit")]
    submitted = replace(button_for_form(opened), value=dict(opened.form.value))
    [confirmation] = talk.tap(submitted, user="wangfang", form={
        "customer": str(shop.newco), "amount": "15万", "terms": "45", "reason": "首单",
        "attachments": "https://files.example/license.pdf"})
    shown = fields(confirmation)
    assert (shown["Type"], shown["New limit"], shown["Payment terms"]) == (
        "initial credit", "¥150,000.00", "45 days (now 30)")
    assert shown["Attachments"] == "https://files.example/license.pdf"


def button_for_form(reply: Reply) -> Button:
    form = reply.form
    assert form is not None
    return Button("submit", form.action_id, dict(form.value))


@pytest.mark.parametrize(("typed", "problem"), [
    ("apply 华为 -5万 备货", "The amount must be positive: -5万"),
    ("apply 华为 50万 备货", "¥500,000.00 is already the limit; give the new limit you need."),
    ("temp 华为 10万 到 2026-12-31 备货",
     "A temporary limit lasts at most 180 days; this one 305."),
    ("temp 华为 10万 到 2026-02-01 备货",
     "The window 2026-03-02 – 2026-02-01 is not valid: it must end on or after its start "
     "and not in the past."),
    ("放行 华为 订单 SO-404 急单", "This customer has no order SO-404."),
    ("apply 广州华南 20万 备货", "None of the customers you may see matches"),
])
def test_bad_input_is_refused_specifically_and_changes_nothing(
        talk: TestPlatform, domain: Domain, typed: str, problem: str) -> None:
    replies = talk.push(typed, user="wangfang")
    text = "\n".join(r.as_text() for r in replies)
    assert text.startswith("⚠️") and problem in text, text
    assert applications(domain) == 0 and outbox(domain) == []


def test_errors_are_in_the_readers_language(domain: Domain, shop: Shop) -> None:
    zh = TestPlatform(domain)  # the emulator's default: Chinese
    [problem] = zh.push("apply 华为 1.234 备货", user="wangfang")
    assert problem.text == "⚠️ 金额最多保留两位小数：1.234"


def test_submitting_the_same_twice_names_the_open_application(talk: TestPlatform,
                                                              domain: Domain,
                                                              clock: FrozenClock) -> None:
    [confirmation] = talk.push("temp 华为 10万 30天 备货", user="wangfang")
    talk.tap(button(confirmation, "apply.submit"), user="wangfang", message="m1")
    assert talk.tap(button(confirmation, "apply.submit"), user="wangfang", message="m1") == []
    clock.advance(minutes=1)
    [again] = talk.tap(button(confirmation, "apply.submit"), user="wangfang", message="m1")
    number = latest(domain).number
    assert again.text == (f"⚠️ {number} asks for the same and is still open; follow it up, or "
                          "withdraw it first.")
    assert applications(domain) == 1
