"""The approval card and everything that follows a submission in chat: decisions as the
tapping person, cards updated in place, double taps and concurrent approvers, the requester
informed at each step, return and resubmit, withdraw, drafts suggested by rules."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.messages import Button, CardAction, Reply
from credit_domain import applications as wf
from credit_domain.accounts.models import TemporaryLimit
from credit_domain.bootstrap import Domain
from credit_domain.clock import FrozenClock
from credit_domain.orgs.models import BusinessUnit, Role
from tests.factories import World
from tests.handlers.apps import (
    EN_CARDS,
    Shop,
    actions,
    button,
    latest,
    notification,
    outbox,
    submit_by_chat,
    workflow_world,
)
from tests.handlers.platform import TestPlatform


@pytest.fixture
def number(talk: TestPlatform) -> str:
    """王芳 asks for a temporary 10万 for 华为 until 31 March: 李强, then Emma Li or 张伟."""
    card = submit_by_chat(talk, "temp 华为 10万 30天 旺季备货")
    assert card.card is not None
    return card.card.title.split(" · ")[0]


def route_lines(reply: Reply) -> list[str]:
    assert reply.card is not None
    route = next(s for s in reply.card.sections if s.title and s.title.startswith("Route"))
    return (route.text or "").splitlines()


def approval_card(domain: Domain, login: str) -> Reply:
    return notification(domain, "application.pending_approval", login, "en")


def test_the_approval_card_has_the_facts_the_route_and_the_decisions(
        domain: Domain, number: str) -> None:
    card = approval_card(domain, "liqiang")
    assert card.text == f"{number}: your decision is needed"
    assert card.card is not None and card.card.key == f"application:{latest(domain).id}"
    assert card.card.subtitle == "temporary limit · ¥100,000.00 · in approval"
    asked = {f.label: f.value for f in card.card.fields}
    assert asked["Requested"] == "¥100,000.00" and asked["Requester"] == "王芳"
    assert asked["Valid"] == "2026-03-02 – 2026-03-31 (30 days)"
    assert asked["Reason"] == "旺季备货"
    snapshot = card.card.sections[0]
    assert snapshot.title == "Credit at submission (2026-03-02)"
    assert {f.label: f.value for f in snapshot.fields} == {
        "Credit limit": "¥500,000.00", "Temporary limits": "¥100,000.00",
        "Exposure": "¥200,000.00", "Available": "¥400,000.00", "Overdue": "¥50,000.00",
        "Utilisation": "33%", "Grade / score": "AA"}
    assert route_lines(card) == [
        "▶ 1. sales manager: 李强 — waiting since 09:00, due 17:00",
        "○ 2. finance manager (any one): Emma Li、张伟"]
    assert [(b.label, b.action_id, b.style, b.needs_reason) for b in card.card.buttons] == [
        ("Approve", "app.approve", "primary", False), ("Reject", "app.reject", "danger", True),
        ("Return", "app.return", "default", True), ("Comment", "app.comment", "default", True),
        ("Transfer", "app.transfer", "default", False)]
    assert card.card.footer == "Your decision is needed (sales manager)."
    chinese = notification(domain, "application.pending_approval", "liqiang")
    assert chinese.card is not None and [b.label for b in chinese.card.buttons] == [
        "同意", "驳回", "退回", "评论", "转交"]


def test_approving_updates_the_card_and_asks_the_next_step(talk: TestPlatform, domain: Domain,
                                                           number: str) -> None:
    card = approval_card(domain, "liqiang")
    [updated] = talk.tap(button(card, "app.approve"), user="liqiang", message="m-li")
    assert updated.replace_original and updated.card is not None
    assert updated.card.buttons == ()  # nothing left for 李强 to do
    assert route_lines(updated) == [
        "✔ 1. sales manager: 李强 approved 09:00",
        "▶ 2. finance manager (any one): Emma Li、张伟 — waiting since 09:00, due 17:00"]
    assert outbox(domain)[1:] == [("application.pending_approval", "Emma Li"),
                                  ("application.pending_approval", "张伟"),
                                  ("application.progress", "王芳")]
    progress = notification(domain, "application.progress", "wangfang", "en")
    assert progress.text == (f"{number}: 李强 approved sales manager\n"
                             "Now with Emma Li、张伟 (finance manager).")
    assert not progress.replace_original and actions(progress) == ["app.comment", "app.withdraw"]


def test_a_second_tap_says_who_already_decided_and_when(talk: TestPlatform, domain: Domain,
                                                         clock: FrozenClock, number: str) -> None:
    approve = button(approval_card(domain, "liqiang"), "app.approve")
    talk.tap(approve, user="liqiang", message="m-li")
    assert talk.tap(approve, user="liqiang", message="m-li") == []  # a double tap: ignored
    clock.advance(minutes=5)
    card, said = talk.tap(approve, user="liqiang", message="m-li")
    assert said.text == f"⚠️ {number} was already approved by 李强 at 09:00."
    assert card.replace_original and card.card is not None and card.card.buttons == ()
    assert outbox(domain, "application.progress") == [("application.progress", "王芳")]


def test_or_sign_the_first_decision_counts_and_the_other_card_is_updated(
        talk: TestPlatform, domain: Domain, clock: FrozenClock, number: str) -> None:
    talk.tap(button(approval_card(domain, "liqiang"), "app.approve"), user="liqiang")
    emma_card = approval_card(domain, "emma")
    clock.advance(minutes=12)
    [done] = talk.tap(button(approval_card(domain, "zhangwei"), "app.approve"),
                      user="zhangwei")
    assert done.card is not None and done.card.subtitle == ("temporary limit · ¥100,000.00 · "
                                                            "approved")
    assert done.card.footer == "approved: 张伟, 09:12"
    with domain.read() as s:
        granted = s.scalars(select(TemporaryLimit).where(
            TemporaryLimit.amount == Decimal("100000.00"),
            TemporaryLimit.valid_to == dt.date(2026, 3, 31))).all()
    assert len(granted) == 1 and granted[0].status == "active"

    stale = notification(domain, "application.no_longer_pending", "emma", "en")
    assert stale.replace_original and stale.card is not None
    assert stale.card.key == emma_card.card.key if emma_card.card else False
    assert stale.text == (f"{number} no longer needs your decision\n"
                          f"{number} was already approved by 张伟 at 09:12.")
    assert stale.card.buttons == ()
    late, said = talk.tap(button(emma_card, "app.approve"), user="emma")
    assert said.text == f"⚠️ {number} was already approved by 张伟 at 09:12."
    assert late.replace_original and late.card is not None and late.card.buttons == ()

    told = notification(domain, "application.approved", "wangfang", "en")
    assert told.text == (f"{number} approved: temporary limit of ¥100,000.00 for "
                         "华为技术有限公司")
    assert told.card is not None and told.card.tone == "ok" and actions(told) == []


def test_concurrent_approvers_one_wins_the_other_is_told(any_domain: Domain) -> None:
    workflow_world(any_domain)
    chat = TestPlatform(any_domain, capabilities=EN_CARDS)
    submit_by_chat(chat, "temp 华为 10万 30天 旺季备货")
    chat.tap(button(approval_card(any_domain, "liqiang"), "app.approve"), user="liqiang")
    cards = {login: approval_card(any_domain, login) for login in ("emma", "zhangwei")}
    barrier = threading.Barrier(2)
    answers: dict[str, list[Reply]] = {}

    def tap(login: str) -> None:
        barrier.wait()
        answers[login] = chat.tap(button(cards[login], "app.approve"), user=login)

    threads = [threading.Thread(target=tap, args=(login,)) for login in cards]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    told = [r.text for replies in answers.values() for r in replies if r.text]
    assert len(told) == 1 and "was already approved by" in (told[0] or "")
    assert latest(any_domain).status == "approved"
    assert len(outbox(any_domain, "application.approved")) == 1


def test_reject_needs_a_reason_and_the_requester_reads_it(talk: TestPlatform, domain: Domain,
                                                          number: str) -> None:
    reject = button(approval_card(domain, "liqiang"), "app.reject")
    [refused] = talk.tap(reject, user="liqiang", form={"reason": "  "})
    assert refused.text == "⚠️ Please give a reason."
    assert latest(domain).status == "pending"
    [card] = talk.tap(reject, user="liqiang", form={"reason": "逾期未清"})
    assert card.card is not None and card.card.footer == "rejected: 李强, 09:00 — 逾期未清"
    told = notification(domain, "application.rejected", "wangfang", "en")
    assert told.text == f"{number} rejected by 李强\nReason: 逾期未清"
    assert told.card is not None and told.card.tone == "danger"


def test_returned_applications_are_resubmitted_from_chat(talk: TestPlatform, domain: Domain,
                                                         number: str) -> None:
    talk.tap(button(approval_card(domain, "liqiang"), "app.return"), user="liqiang",
             form={"reason": "请补充订单明细"})
    returned = notification(domain, "application.returned", "wangfang", "en")
    assert returned.text == (f"{number} returned by 李强 for more information\n"
                             "Reason: 请补充订单明细\nAmend and resubmit it, or withdraw it.")
    assert actions(returned) == ["app.resubmit", "app.withdraw"]
    [asked] = talk.tap(button(returned, "app.resubmit"), user="wangfang")
    assert asked.form is not None
    assert [(i.name, i.initial) for i in asked.form.inputs] == [
        ("amount", "100000.00"), ("until", "2026-03-31"), ("reason", "旺季备货")]
    form = Button("submit", asked.form.action_id, dict(asked.form.value))
    [card] = talk.tap(form, user="wangfang", form={"amount": "8万", "until": "",
                                                   "reason": "附订单明细 SO-1、SO-2"})
    assert card.replace_original and card.card is not None
    assert card.card.subtitle == "temporary limit · ¥80,000.00 · in approval"
    app = latest(domain)
    assert (app.round, app.requested_amount, app.reason) == (
        2, Decimal("80000.00"), "附订单明细 SO-1、SO-2")
    assert len(outbox(domain, "application.pending_approval")) == 2  # 李强 asked again


def test_a_resubmission_names_its_amount_and_keeps_its_links(talk: TestPlatform,
                                                               domain: Domain,
                                                               number: str) -> None:
    talk.tap(button(approval_card(domain, "liqiang"), "app.return"), user="liqiang",
             form={"reason": "请补充订单"})
    [refused] = talk.push(f"重新提交 {number} +3万 补充订单", user="wangfang")
    assert refused.text == ("⚠️ Give the amount you now ask for (e.g. 35万), not a change like "
                            "+10万.")
    assert latest(domain).status == "returned"  # nothing changed
    [card] = talk.push(f"resubmit {number} 13万 订单见 https://files.example/so-1.pdf",
                       user="wangfang")
    assert card.card is not None
    app = latest(domain)
    assert (app.status, app.round, app.requested_amount) == ("pending", 2, Decimal("130000.00"))
    assert app.attachments == ["https://files.example/so-1.pdf"]


def test_the_requester_withdraws_and_the_approver_card_follows(talk: TestPlatform,
                                                                domain: Domain,
                                                                number: str) -> None:
    [mine] = talk.push(f"status {number}", user="wangfang")
    withdraw = button(mine, "app.withdraw")
    assert withdraw.confirm == f"Withdraw {number}? No limit will change."
    [card] = talk.tap(withdraw, user="wangfang")
    assert card.card is not None and card.card.footer == "withdrawn: 王芳, 09:00"
    stale = notification(domain, "application.no_longer_pending", "liqiang", "en")
    assert stale.replace_original and stale.card is not None and stale.card.buttons == ()
    assert stale.text is not None and "already withdrawn by 王芳" in stale.text


@pytest.mark.parametrize(("login", "said"), [
    ("wulei", "You are not an approver of {number} at this step."),
    ("wangfang", "You cannot decide your own application {number}."),
])
def test_who_may_not_decide_is_told_and_nothing_changes(talk: TestPlatform, domain: Domain,
                                                        number: str, login: str,
                                                        said: str) -> None:
    approve = button(approval_card(domain, "liqiang"), "app.approve")
    replies = talk.tap(approve, user=login)
    assert replies[-1].text == "⚠️ " + said.format(number=number)
    assert latest(domain).status == "pending" and len(outbox(domain)) == 1


def test_comments_reach_the_requester(talk: TestPlatform, domain: Domain, number: str) -> None:
    [card] = talk.tap(button(approval_card(domain, "liqiang"), "app.comment"),
                      user="liqiang", form={"reason": "客户上月回款及时"})
    assert card.card is not None
    assert card.card.sections[-1].title == "Comments"
    assert card.card.sections[-1].text == "09:00 李强: 客户上月回款及时"
    told = notification(domain, "application.commented", "wangfang", "en")
    assert told.text == f"李强 commented on {number}\n客户上月回款及时"


def test_a_suggested_draft_is_submitted_with_one_tap(talk: TestPlatform, domain: Domain,
                                                     shop: Shop) -> None:
    with domain.uow() as uow:
        draft = wf.suggest(uow, account_id=shop.seeded.huawei, kind="temporary",
                           amount=Decimal("50000"), reason="旺季将至", rule_name="peak-season",
                           policies=domain.policies, valid_from=dt.date(2026, 3, 2),
                           valid_to=dt.date(2026, 4, 30))
        uow.commit()
        number = draft.number
    suggested = notification(domain, "application.suggested", "wangfang", "en")
    assert suggested.text is not None and suggested.text.startswith(
        "creditbot suggests temporary limit of ¥50,000.00 for 华为技术有限公司")
    assert actions(suggested) == ["app.draft.submit", "app.draft.change", "app.withdraw"]
    assert suggested.card is not None
    assert suggested.card.footer == "Suggested by creditbot (peak-season); not submitted yet."
    [card] = talk.tap(button(suggested, "app.draft.submit"), user="wangfang")
    assert card.card is not None and card.card.title.startswith(number)
    app = latest(domain)
    assert (app.status, app.requester_id is not None) == ("pending", True)
    assert outbox(domain, "application.pending_approval") == [
        ("application.pending_approval", "李强")]


def add_sales_manager(domain: Domain, name: str, login: str) -> None:
    """A second sales manager of the business unit, in another team."""
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        ind = uow.session.scalars(select(BusinessUnit).where(BusinessUnit.code == "IND")).one()
        w.person(name, (ind, Role.SALES_MANAGER, w.team(ind, "IND-E2")), login=login)
        uow.commit()


def test_an_approver_transfers_the_step_to_a_colleague(talk: TestPlatform, domain: Domain,
                                                        number: str) -> None:
    [none] = talk.tap(button(approval_card(domain, "liqiang"), "app.transfer"), user="liqiang")
    assert none.text == (f"⚠️ Nobody else holds your role for this customer, so there is no "
                         f"one to transfer {number} to.")
    add_sales_manager(domain, "孙浩", "sunhao")
    [asked] = talk.tap(button(approval_card(domain, "liqiang"), "app.transfer"), user="liqiang")
    assert asked.form is not None and asked.form.title == f"Transfer {number}"
    [to, note] = asked.form.inputs
    assert (to.kind, [label for _v, label in to.options]) == ("select", ["孙浩"])
    assert (note.name, note.required) == ("note", False)
    submit = Button("submit", asked.form.action_id, dict(asked.form.value))
    [card] = talk.tap(submit, user="liqiang", form={"to": to.options[0][0], "note": "我出差"})
    assert card.replace_original and card.card is not None and card.card.buttons == ()
    assert route_lines(card)[0] == ("▶ 1. sales manager (any one): 李强 transferred 09:00 — "
                                    "我出差; 孙浩 — waiting since 09:00, due 17:00")
    theirs = approval_card(domain, "sunhao")
    assert theirs.card is not None and actions(theirs)[:2] == ["app.approve", "app.reject"]
    told = notification(domain, "application.transferred", "wangfang", "en")
    assert told.text is not None and told.text.startswith(
        f"{number}: 李强 transferred sales manager to 孙浩")
    # Submitted again (an old form): nothing changes and 李强 is told it is no longer his.
    latest_card, again = talk.tap(submit, user="liqiang", form={"to": to.options[0][0]})
    assert latest_card.card is not None and latest_card.card.buttons == ()
    assert again.text == f"⚠️ {number}: this step was already transferred by 李强 at 09:00."


def test_transfer_by_command_names_the_colleagues(talk: TestPlatform, domain: Domain,
                                                 number: str) -> None:
    add_sales_manager(domain, "孙浩", "sunhao")
    [who] = talk.push(f"转交 {number} 赵敏", user="liqiang")
    assert who.text == "⚠️ Transfer to whom? You can hand this step to: 孙浩."
    assert outbox(domain, "application.pending_approval") == [
        ("application.pending_approval", "李强")]  # nothing changed
    [card] = talk.push(f"转交 {number} 孙浩 我出差", user="liqiang")
    assert card.card is not None and "孙浩 — waiting since 09:00" in route_lines(card)[0]
    [refused] = talk.push(f"transfer {number} 李强", user="wangfang")
    assert refused.text == f"⚠️ You cannot decide your own application {number}."


def test_decisions_by_command(talk: TestPlatform, domain: Domain, number: str) -> None:
    [early] = talk.push(f"approve {number}", user="emma")
    assert early.text == f"⚠️ {number} is still with 李强; it comes to you after them."
    [card] = talk.push(f"approve {number} 同意，回款良好", user="liqiang")
    assert card.card is not None and "✔ 1. sales manager: 李强 approved 09:00 — 同意,回款良好" \
        in route_lines(card)
    [again] = talk.push(f"同意 {number[4:]}", user="liqiang")  # the number without APP-
    assert again.text == f"⚠️ {number} was already approved by 李强 at 09:00."
    [usage] = talk.push("reject APP-x", user="zhangwei")
    assert usage.text == ("⚠️ “APP-x” is not an application number like APP-2026-000123. "
                          "Usage: reject APP-… REASON")
    [no_reason] = talk.push(f"reject {number}", user="zhangwei")
    assert no_reason.text == "⚠️ Please give a reason."
    talk.push(f"驳回 {number} 担保不足", user="zhangwei")
    assert latest(domain).status == "rejected"


def test_an_action_from_an_old_card_is_refused_clearly(talk: TestPlatform, domain: Domain,
                                                       number: str) -> None:
    action = CardAction(talk.envelope("liqiang"), "app.approve", {"app": "x"})
    [said] = talk.conversations.handle(action, talk.capabilities)
    assert said.text == "⚠️ This button is no longer supported; please ask again."


def test_reminders_bring_a_fresh_approval_card(talk: TestPlatform, domain: Domain,
                                               clock: FrozenClock, number: str) -> None:
    clock.advance(hours=5)  # past the reminder time (4 business hours)
    wf.run_sla_checks(domain)
    reminder = notification(domain, "application.reminder", "liqiang", "en")
    assert reminder.text is not None and reminder.text.startswith(
        f"Reminder: {number} awaits your decision")
    assert not reminder.replace_original  # a new message, with the decision buttons
    assert actions(reminder) == ["app.approve", "app.reject", "app.return", "app.comment",
                                "app.transfer"]


def test_cc_readers_and_channels_are_informed(domain: Domain, shop: Shop) -> None:
    from credit_domain.orgs.models import BusinessUnit, Role
    from handlers.router import RenderContext, router
    from tests.factories import World

    with domain.uow() as uow:
        ind = uow.session.get(BusinessUnit, shop.bu_id)
        assert ind is not None
        World(uow.session, uow.now()).person("陈静", (ind, Role.CREDIT_ADMIN, None),
                                             login="chenjing")
        uow.commit()
    chat = TestPlatform(domain, capabilities=EN_CARDS)
    card = submit_by_chat(chat, "temp 华为 10万 30天 旺季备货").card
    assert card is not None
    number = card.title.split(" · ")[0]
    cc = notification(domain, "application.submitted", "chenjing", "en")
    assert cc.text is not None and cc.text.startswith(f"王芳 submitted {number}")
    assert cc.card is not None and actions(cc) == []  # informed, nothing to decide
    assert cc.card.sections[0].title == "Credit at submission (2026-03-02)"
    payload = {"application_id": latest(domain).id, "title": {"msgid": "{v}", "params": {
        "v": f"{number} approved"}}, "link": f"/applications/{number}"}
    channel = router.render_notification(
        "application.approved", payload,
        RenderContext("en", domain, "http://creditbot.test", None, "credit-alerts"))
    assert channel.card is not None and channel.card.title == f"{number} approved"
    assert channel.card.buttons == ()  # no link to a page that does not exist


def test_a_limit_cut_below_the_exposure_is_flagged_to_the_approvers(
        talk: TestPlatform, domain: Domain) -> None:
    card = submit_by_chat(talk, "apply 华为 15万 客户收缩业务")  # exposure ¥200,000
    assert card.card is not None
    asked = notification(domain, "application.pending_approval", "emma", "en")
    assert asked.card is not None
    warning = {f.label: f.value for f in asked.card.fields}["⚠️ Below the exposure"]
    assert warning == ("The new limit is ¥50,000.00 below the exposure at submission "
                       "(¥200,000.00): the account would be over its limit and new orders "
                       "refused.")
