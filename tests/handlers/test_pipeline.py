"""The inbound pipeline: enrolment, idempotency, errors, and dialogues on text-only
platforms (numbered choices, reasons, forms asked question by question, custom flows)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.messages import Button, Card, CardAction, Form, Input, Reply
from credit_domain.bootstrap import Domain
from credit_domain.conversations.state import Dialogue
from credit_domain.errors import Conflict
from credit_domain.inbound.models import ProcessedEvent
from handlers.router import Args, Context, Router
from tests.handlers.platform import TEXT_ONLY, TestPlatform


def test_an_unknown_person_learns_how_to_enrol_and_nothing_else(chat: TestPlatform,
                                                               domain: Domain) -> None:
    [reply] = chat.push("额度 华为", user="stranger")
    assert reply.text == ("您好！我还不认识您：您尚未在 creditbot 中登记。"
                          "请联系信用管理员为您登记并关联这个账号（emulator 用户 stranger）。"
                          "在此之前我无法向您展示任何信息。")
    assert reply.card is None
    with domain.read() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 0


def test_a_retried_delivery_is_processed_once(chat: TestPlatform, registry: Router) -> None:
    calls: list[str] = []

    @registry.command("ping")
    def ping(ctx: Context, args: Args) -> Reply:
        calls.append(args.text)
        return Reply(text="pong")

    assert [r.text for r in chat.push("ping 1", user="wangfang", event_id="E1")] == ["pong"]
    assert chat.push("ping 1", user="wangfang", event_id="E1") == []
    assert calls == ["1"]


def test_domain_errors_are_answered_and_unexpected_ones_can_be_retried(
        chat: TestPlatform, registry: Router) -> None:
    attempts: list[int] = []

    @registry.command("flaky")
    def flaky(ctx: Context, args: Args) -> Reply:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database went away")
        raise Conflict(_text("Already approved by 李强."))

    [first] = chat.push("flaky", user="emma", event_id="E2")
    assert first.text == "⚠️ Sorry, something went wrong on my side. Please try again in a moment."
    [again] = chat.push("flaky", user="emma", event_id="E2")  # the claim was released
    assert again.text == "⚠️ Already approved by 李强."
    assert len(attempts) == 2


def _text(msg: str) -> Any:
    from credit_domain.i18n import Text

    return Text(msg, "handlers")


def test_numbered_choice_on_a_text_only_platform(domain: Domain, seeded: Any) -> None:
    cli = TestPlatform(domain, capabilities=TEXT_ONLY)
    card, hint = cli.push("credit 华", user="zhangwei")
    assert card.card is not None
    assert next(b.label for b in card.card.buttons).startswith("1. 华为技术有限公司")
    assert hint.text == "Answer with a number to choose (or cancel)."
    [wrong] = cli.push("7", user="zhangwei")
    assert wrong.text == "Please answer with a number from 1 to 3, or cancel."
    [picked] = cli.push("3", user="zhangwei")
    assert picked.card is not None and picked.card.title == "苏州华信电子科技有限公司"
    [nothing] = cli.push("2", user="zhangwei")  # the choice is over
    assert nothing.text is not None and "I don't know “2”" in nothing.text


def test_a_new_command_or_cancel_ends_a_choice(domain: Domain, seeded: Any) -> None:
    cli = TestPlatform(domain, capabilities=TEXT_ONLY)
    cli.push("credit 华", user="zhangwei")
    [card] = cli.push("credit 华为", user="zhangwei")
    assert card.card is not None and card.card.title == "华为技术有限公司"
    cli.push("credit 华", user="zhangwei")
    assert cli.push("cancel", user="zhangwei")[0].text == "OK, cancelled."
    assert "I don't know" in (cli.push("1", user="zhangwei")[0].text or "")


def test_a_reason_is_asked_for_on_a_text_only_platform(domain: Domain, seeded: Any,
                                                       registry: Router) -> None:
    seen: list[CardAction] = []

    @registry.command("decide")
    def decide(ctx: Context, args: Args) -> Reply:
        return Reply(card=Card("APP-1", buttons=(
            Button("Approve", "test.approve", {"app": "1"}, "primary"),
            Button("Reject", "test.reject", {"app": "1"}, "danger", needs_reason=True),
            Button("Comment", "test.reject", {"app": "1"}, needs_reason=True,
                   prompt="Your comment"),
            Button("Open", url="https://example.com/app/1"))))

    @registry.action("test.reject")
    def reject(ctx: Context, action: CardAction) -> Reply:
        seen.append(action)
        return Reply(text=f"rejected: {action.form['reason']}")

    cli = TestPlatform(domain, capabilities=TEXT_ONLY)
    card, _hint = cli.push("decide", user="liqiang")
    assert card.card is not None
    assert [b.label for b in card.card.buttons] == ["1. Approve", "2. Reject", "3. Comment",
                                                    "Open"]
    [ask] = cli.push("3", user="liqiang")  # a text that is not a reason is called what it is
    assert ask.text == "Comment: please write your comment (or cancel)."
    cli.push("cancel", user="liqiang")
    card, _hint = cli.push("decide", user="liqiang")
    [ask] = cli.push("2", user="liqiang")
    assert ask.text == "Reject: please give a reason (or cancel)."
    [done] = cli.push("exposure too high", user="liqiang")
    assert done.text == "rejected: exposure too high"
    assert seen[0].value == {"app": "1"} and seen[0].envelope.person_id is not None


def test_a_form_is_asked_question_by_question(domain: Domain, seeded: Any,
                                              registry: Router) -> None:
    answers: list[dict[str, str]] = []

    @registry.command("survey")
    def survey(ctx: Context, args: Args) -> Reply:
        return Reply(form=Form("Apply", "test.apply", (
            Input("customer", "Customer?", "customer"),
            Input("kind", "Kind?", "select", options=(("temporary", "Temporary"),
                                                       ("increase", "Increase"))),
            Input("note", "Note?", "multiline", required=False)), value={"v": "1"}))

    @registry.action("test.apply")
    def apply(ctx: Context, action: CardAction) -> Reply:
        answers.append(dict(action.form))
        return Reply(text="submitted")

    cli = TestPlatform(domain, capabilities=TEXT_ONLY)
    [question] = cli.push("survey", user="wangfang")
    assert question.text == "Apply\nCustomer?"
    [needed] = cli.push(" ", user="wangfang")
    assert needed.text == "This one is needed. Customer?"
    [kind] = cli.push("华为", user="wangfang")
    assert kind.text == "Kind?\n  1. Temporary\n  2. Increase"
    [bad] = cli.push("9", user="wangfang")
    assert bad.text == "⚠️ Please choose one of the numbers 1 to 2."
    [note] = cli.push("2", user="wangfang")
    assert note.text == "Note? (optional: - to skip)"
    [done] = cli.push("-", user="wangfang")
    assert done.text == "submitted"
    assert answers == [{"customer": "华为", "kind": "increase", "note": ""}]


def test_a_conversation_can_ask_its_own_questions(chat: TestPlatform, registry: Router) -> None:
    @registry.command("count")
    def count(ctx: Context, args: Args) -> Reply:
        ctx.begin_dialogue("count", "first", {"n": 0})
        return Reply(text="Say numbers; 'done' to finish.")

    @registry.flow("count")
    def more(ctx: Context, dialogue: Dialogue, text: str) -> Reply:
        n = int(dialogue.data["n"])
        if text == "done":
            ctx.end_dialogue()
            return Reply(text=f"total {n}")
        ctx.begin_dialogue("count", "next", {"n": n + int(text)})
        return Reply(text="ok")

    chat.push("count", user="wangfang")
    chat.push("2", user="wangfang")
    chat.push("40", user="wangfang")
    assert chat.push("done", user="wangfang")[0].text == "total 42"
    assert chat.push("done", user="liqiang")[0].text is not None  # others are not in it


def test_a_dialogue_expires(chat: TestPlatform, registry: Router, clock: Any) -> None:
    @registry.command("ask")
    def ask(ctx: Context, args: Args) -> Reply:
        ctx.begin_dialogue("ask")
        return Reply(text="?")

    @registry.flow("ask")
    def answer(ctx: Context, dialogue: Dialogue, text: str) -> Reply:
        ctx.end_dialogue()
        return Reply(text=f"answered {text}")

    chat.push("ask", user="wangfang")
    clock.advance(minutes=31)
    [late] = chat.push("help", user="wangfang")
    assert late.card is not None  # treated as a command, not as the answer


def test_a_double_tap_acts_once_and_a_later_tap_again(chat: TestPlatform, registry: Router,
                                                      clock: Any) -> None:
    taps: list[dict[str, str]] = []

    @registry.action("test.approve")
    def approve(ctx: Context, action: CardAction) -> Reply:
        taps.append(dict(action.form))
        return Reply(text="approved")

    button = Button("Approve", "test.approve", {"app": "1"})
    assert chat.tap(button, user="liqiang", message="m1")[0].text == "approved"
    assert chat.tap(button, user="liqiang", message="m1") == []  # the double tap
    assert chat.tap(button, user="zhangwei", message="m1")[0].text == "approved"  # someone else
    assert chat.tap(button, user="liqiang", message="m2")[0].text == "approved"  # another card
    clock.advance(seconds=11)
    assert chat.tap(button, user="liqiang", message="m1")[0].text == "approved"
    assert len(taps) == 4
