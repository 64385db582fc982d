"""The conversations on WeCom and DingTalk, end to end: the real SDKs and creditbot's real
endpoints against the fake platforms on 127.0.0.1, the real conversation pipeline and
handlers, the real outbox and notifier. What a salesperson or an approver would notice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bot.messages import Button, Card, CardAction, Field, Reply
from credit_domain.i18n import Text
from handlers.router import Context, RenderContext, Router
from tests.platforms.chat import Chat, settle, wait_texts
from tests.platforms.conftest import Platforms
from tests.platforms.fake_server import wait_for


def chat_on(platforms: Platforms, name: str) -> Chat:
    chats: dict[str, Chat] = {"wecom": platforms.wecom, "dingtalk": platforms.dingtalk,
                              "dingtalk-http": platforms.dingtalk_http}
    return chats[name]


ALL = ["wecom", "dingtalk", "dingtalk-http"]


# -- asking ------------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ALL)
@pytest.mark.parametrize("command", ["credit 华为", "额度 华为"])
def test_a_salesperson_asks_for_a_customers_credit_and_gets_the_card_in_chinese(
        platforms: Platforms, where: str, command: str) -> None:
    chat = chat_on(platforms, where)
    chat.say("wangfang", command)
    [card] = wait_texts(chat, "wangfang")
    assert "华为技术有限公司" in card
    assert "可用额度" in card and "信用额度" in card  # Chinese: nobody chose a language
    assert "¥" in card
    settle()
    assert len(chat.texts("wangfang")) == 1


@pytest.mark.parametrize("where", ALL)
def test_someone_not_enrolled_is_told_how_to_be_enrolled(platforms: Platforms,
                                                         where: str) -> None:
    chat = chat_on(platforms, where)
    chat.say("stranger", "额度 华为")
    [answer] = wait_texts(chat, "stranger")
    assert "尚未在 creditbot 中登记" in answer and "stranger" in answer
    assert "华为技术" not in answer


def test_a_person_who_chose_english_is_answered_in_english(platforms: Platforms) -> None:
    platforms.wecom.say("emma", "credit 华为")
    [card] = wait_texts(platforms.wecom, "emma")
    assert "Available" in card and "可用额度" not in card


def test_redeliveries_are_answered_once(platforms: Platforms) -> None:
    wecom, dingtalk = platforms.wecom, platforms.dingtalk
    for _ in range(2):  # WeCom's retry: a new nonce and signature, the same MsgId
        wecom.say("wangfang", "额度 华为", msg_id=4242)
    dingtalk.say("wangfang", "额度 华为", msg_id="msgRe1")
    dingtalk.say("wangfang", "额度 华为", msg_id="msgRe1")  # the stream redelivers it
    wait_texts(wecom, "wangfang")
    wait_texts(dingtalk, "wangfang")
    settle(0.5)
    assert len(wecom.texts("wangfang")) == 1 and len(dingtalk.texts("wangfang")) == 1


def test_a_question_asked_in_a_dingtalk_group_is_answered_privately(
        platforms: Platforms) -> None:
    platforms.dingtalk.say("wangfang", "额度 华为", conversation_type="2")
    [card] = wait_texts(platforms.dingtalk, "wangfang")
    assert "华为技术有限公司" in card
    fake = platforms.dingtalk.fake
    assert fake.session_messages == [] and fake.group_messages == []
    assert [m["userIds"] for m in fake.robot_messages] == [["wangfang"]]


# -- cards and taps ----------------------------------------------------------------------------
HUADONG = "杭州华东精密机械有限公司 · 工业品事业部"
HUAXIN = "苏州华信电子科技有限公司 · 工业品事业部"


def choice_card(chat: Chat, label: str) -> dict[str, Any]:
    """吴磊 asks for "华" and gets a card to choose among his customers."""
    chat.say("wulei", "额度 华")
    wait_texts(chat, "wulei")
    return chat.card("wulei", label)


def test_picking_a_customer_on_a_wecom_choice_card_turns_it_into_the_credit_card(
        platforms: Platforms) -> None:
    wecom = platforms.wecom
    choice = choice_card(wecom, HUADONG)
    assert choice["card_type"] == "button_interaction"
    answer = wecom.tap("wulei", HUADONG)
    assert wecom.passive(answer) is None  # a different card: the whole card is updated
    [update] = wait_for(lambda: wecom.updates("wulei"))
    assert update["task_id"] == choice["task_id"]
    assert update["main_title"]["title"] == "杭州华东精密机械有限公司"
    assert any(r["keyname"] == "可用额度" for r in update["horizontal_content_list"])
    assert update["replace_text"] == "杭州华东精密机械有限公司"  # where the choices were
    settle()
    assert len(wecom.messages("wulei")) == 1  # updated in place, nothing posted


def test_picking_a_customer_on_a_dingtalk_choice_card_turns_it_into_the_credit_card(
        platforms: Platforms) -> None:
    dingtalk = platforms.dingtalk
    choice = choice_card(dingtalk, HUAXIN)
    dingtalk.tap("wulei", HUAXIN)
    shown = wait_for(lambda: dingtalk.params(choice["out_track_id"])["title"]
                     == "苏州华信电子科技有限公司" and dingtalk.params(choice["out_track_id"]))
    assert "可用额度" in shown["markdown"] and shown["btn1_visible"] == "false"
    assert shown["status"] == ""  # the credit card itself, not a decision


@pytest.mark.parametrize("platforms", [False], indirect=True)
def test_without_stream_mode_a_dingtalk_choice_is_answered_by_number(
        platforms: Platforms) -> None:
    """The robot in HTTP mode and no Stream: cards cannot call back, so the choice comes as
    Markdown with numbered options and the person answers with a number."""
    chat = platforms.dingtalk_http
    chat.say("wulei", "额度 华")
    choices, prompt = wait_texts(chat, "wulei", 2)
    assert "1. 杭州华东精密机械有限公司" in choices and "2. 苏州华信电子科技有限公司" in choices
    assert platforms.dingtalk.fake.cards == {} and "数字" in prompt
    chat.say("wulei", "2")
    card = wait_texts(chat, "wulei", 3)[-1]
    assert card.startswith("### 苏州华信电子科技有限公司") and "可用额度" in card


def test_a_double_tap_on_wecom_is_handled_once(platforms: Platforms) -> None:
    """WeCom delivers two taps as two callbacks (different CreateTime): the pipeline's
    double-tap window lets the first through and ignores the second."""
    wecom = platforms.wecom
    choice_card(wecom, HUAXIN)
    wecom.tap("wulei", HUAXIN, created=1772413200)
    wecom.tap("wulei", HUAXIN, created=1772413201)
    wait_for(lambda: wecom.updates("wulei"))
    settle(0.5)
    assert len(wecom.updates("wulei")) == 1 and len(wecom.messages("wulei")) == 1


# -- a decision with a reason, on each platform (scratch handlers in the shape of approvals) -
@pytest.fixture
def decisions(registry: Router) -> list[tuple[str, str, str]]:
    """``test.request`` sends a card keyed ``request:7`` with 同意 / 驳回 (驳回 needs a
    reason); each decision replaces the card with the outcome and who decided."""
    router = registry
    decided: list[tuple[str, str, str]] = []

    def card(status: str | None = None) -> Card:
        buttons = () if status else (
            Button("同意", "test.agree", {"request": "7"}, style="primary"),
            Button("驳回", "test.decline", {"request": "7"}, style="danger",
                   needs_reason=True))
        return Card(title="申请 REQ-7", subtitle=status, key="request:7", buttons=buttons,
                    fields=(Field("客户", "华为技术有限公司"), Field("金额", "¥200,000.00")))

    @router.command("test.request", hidden=True)
    def request(ctx: Context, args: object) -> Reply:
        return Reply(card=card())

    def decide(outcome: str) -> Callable[[Context, CardAction], Reply]:
        def handler(ctx: Context, action: CardAction) -> Reply:
            decided.append((outcome, ctx.actor.name, action.form.get("reason", "")))
            return Reply(card=card(f"{outcome} · {ctx.actor.name}"), replace_original=True)
        return handler

    router.action("test.agree")(decide("已同意"))
    router.action("test.decline")(decide("已驳回"))
    return decided


@pytest.mark.parametrize("where", ["wecom", "dingtalk"])
def test_a_decision_that_needs_a_reason_asks_for_it_and_updates_the_card(
        platforms: Platforms, decisions: list[tuple[str, str, str]], where: str) -> None:
    chat = chat_on(platforms, where)
    chat.say("liqiang", "test.request")
    wait_texts(chat, "liqiang")
    card = chat.card("liqiang", "驳回")
    chat.tap("liqiang", "驳回")
    [question] = wait_for(lambda: [t for t in chat.texts("liqiang") if "原因" in t])
    assert question == "驳回：请填写原因（或回复“取消”）。"
    assert decisions == []
    chat.say("liqiang", "客户逾期未清")
    wait_for(lambda: decisions)
    assert decisions == [("已驳回", "李强", "客户逾期未清")]
    if where == "wecom":
        [update] = wait_for(lambda: platforms.wecom.updates("liqiang"))
        assert update["task_id"] == card["task_id"]
        assert update["main_title"] == {"title": "申请 REQ-7", "desc": "已驳回 · 李强"}
        assert update["replace_text"] == "已驳回 · 李强"
    else:
        shown = wait_for(lambda: platforms.dingtalk.params(card["out_track_id"])["status"]
                         and platforms.dingtalk.params(card["out_track_id"]))
        assert shown["status"] == "已驳回 · 李强" and shown["btn2_visible"] == "false"


def test_a_decision_in_wecoms_window_greys_the_tapped_card_in_the_passive_reply(
        platforms: Platforms, decisions: list[tuple[str, str, str]]) -> None:
    wecom = platforms.wecom
    wecom.say("liqiang", "test.request")
    wait_texts(wecom, "liqiang")
    answer = wecom.tap("liqiang", "同意")
    assert decisions == [("已同意", "李强", "")]
    passive = wecom.passive(answer)
    assert passive is not None and passive["MsgType"] == "update_button"
    assert passive["Button"]["ReplaceName"] == "已同意 · 李强"
    assert passive["ToUserName"] == "liqiang"


# -- alerts from the outbox --------------------------------------------------------------------
def test_an_alert_reaches_a_wecom_user_a_wecom_group_and_a_signed_dingtalk_group_robot(
        platforms: Platforms) -> None:
    wang = platforms.person_id("wangfang")
    title = Text("Credit limit almost used: {customer}", "handlers", {"customer": "华为技术"})
    with platforms.runtime.domain.uow() as uow:
        for to in ({"person_id": wang}, {"channel": "credit-alerts"}):
            uow.notify("test.alert", **to, title=title.to_json(), tone="warn",
                       fields=[{"label": Text("Available", "handlers").to_json(),
                                "value": "¥8,000.00"}])
        uow.commit()
    report = platforms.deliver_outbox()
    assert (report.sent, report.retried, report.dead) == (2, 0, 0)
    [to_wang] = platforms.wecom.messages("wangfang")
    assert to_wang["msgtype"] == "markdown" and "可用额度**: ¥8,000.00" in to_wang[
        "markdown"]["content"]
    [group] = platforms.wecom.fake.appchat
    assert group["chatid"] == "wrcredit-alerts" and "可用额度" in group["markdown"]["content"]
    [robot] = platforms.dingtalk.fake.webhook_messages  # the fake checked the signature
    assert robot["msgtype"] == "markdown" and "¥8,000.00" in robot["markdown"]["text"]
    assert ["¥8,000.00" in t for t in platforms.dingtalk.texts("wangfang")] == [True]


@pytest.fixture
def keyed_card(registry: Router) -> None:
    """An outbox kind ``test.card``: a card keyed by ``key`` with a 同意 button, or (with
    ``outcome``) the same card decided, replacing the one sent before."""

    @registry.notification("test.card")
    def render(payload: dict[str, str], rc: RenderContext) -> Reply:
        outcome = payload.get("outcome")
        buttons = () if outcome else (Button("同意", "test.agree", {"request": "9"}),)
        return Reply(card=Card(title="申请 REQ-9", subtitle=outcome, key=payload["key"],
                               fields=(Field("客户", "华为技术有限公司"),), buttons=buttons),
                     replace_original=bool(outcome))


def test_a_card_sent_under_a_key_is_updated_on_every_platform_it_was_sent_to(
        platforms: Platforms, keyed_card: None) -> None:
    li = platforms.person_id("liqiang")
    with platforms.runtime.domain.uow() as uow:
        uow.notify("test.card", person_id=li, key="request:9")
        uow.commit()
    assert platforms.deliver_outbox().sent == 1
    wecom_card = platforms.wecom.card("liqiang", "同意")
    dingtalk_card = platforms.dingtalk.card("liqiang", "同意")
    with platforms.runtime.domain.uow() as uow:
        uow.notify("test.card", person_id=li, key="request:9", outcome="已同意 · 张伟")
        uow.commit()
    assert platforms.deliver_outbox().sent == 1
    [update] = platforms.wecom.updates("liqiang")
    assert update["task_id"] == wecom_card["task_id"]
    assert update["replace_text"] == "已同意 · 张伟"
    shown = platforms.dingtalk.params(dingtalk_card["out_track_id"])
    assert shown["status"] == "已同意 · 张伟" and shown["btn1_visible"] == "false"
    assert len(platforms.wecom.messages("liqiang")) == 1  # nothing posted again


def test_a_groups_channel_id_is_logged_for_the_administrator(
        platforms: Platforms, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="bot.dingtalk.inbound")
    platforms.dingtalk.say("wangfang", "help", conversation_type="2")
    wait_texts(platforms.dingtalk, "wangfang")
    logged = [r.getMessage() for r in caplog.records]
    assert "DingTalk group 信用管理群 is cidGroupCredit==" in logged


# -- one application approved on each platform ------------------------------------------------
@pytest.mark.parametrize("where", ["wecom", "dingtalk"])
def test_an_application_is_approved_on_the_platforms_card(platforms: Platforms,
                                                          where: str) -> None:
    """王芳 asks for a temporary limit below ¥50,000 (the small route: 李强 alone); 李强 gets
    the approval card on WeCom or DingTalk, taps 同意, and the application is approved; his card
    then shows the decision and 王芳 is told."""
    import datetime as dt
    from decimal import Decimal

    from credit_domain.access import load_actor
    from credit_domain.applications import Application, ApplicationRequest, submit

    chat = chat_on(platforms, where)
    domain = platforms.runtime.domain
    with domain.uow() as uow:
        wang = load_actor(uow.session, platforms.person_id("wangfang"))
        app = submit(uow, domain.policies, wang, ApplicationRequest(
            platforms.seeded.huawei, "temporary", Decimal("30000"), "春节备货",
            valid_from=dt.date(2026, 3, 2), valid_to=dt.date(2026, 3, 31)))
        uow.commit()
        app_id, number = app.id, app.number
    platforms.deliver_outbox()
    card = chat.card("liqiang", "同意")
    shown = str(card)
    assert number in shown and "华为技术有限公司" in shown
    answer = chat.tap("liqiang", "同意")

    def status() -> str:
        with domain.read() as s:
            return str(s.get_one(Application, app_id).status)

    wait_for(lambda: status() == "approved")
    platforms.deliver_outbox()
    told = wait_for(lambda: [t for t in chat.texts("wangfang") if number in t and "批准" in t])
    assert told
    if where == "wecom":  # decided within the callback window: the passive reply greys it
        assert isinstance(answer, httpx.Response)
        passive = platforms.wecom.passive(answer)
        assert passive is not None and passive["MsgType"] == "update_button"
        assert "已批准" in passive["Button"]["ReplaceName"]
    else:
        decided = wait_for(lambda: "李强" in str(platforms.dingtalk.params(
            card["out_track_id"])) and platforms.dingtalk.params(card["out_track_id"]))
        assert "同意" not in str(decided.get("btn1_text", "")) or decided.get(
            "btn1_visible") == "false"
