"""A rules policy is checked against what each event offers when it is loaded; a bad one never
replaces the one in force; a good one is picked up without a restart, versioned with who
installed it; the simulation replays history and changes nothing."""

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from credit_domain.access import Actor
from credit_domain.accounts.holds import place_hold
from credit_domain.accounts.models import CreditAccount
from credit_domain.bootstrap import Domain, build_domain
from credit_domain.db.models import Base
from credit_domain.events import InvoiceOverdue, OrderChecked
from credit_domain.outbox.models import OutboxMessage
from credit_domain.policy.expr import Expression
from credit_domain.policy.models import PolicyVersion
from credit_domain.policy.store import PolicyInvalid, parse_policy
from credit_domain.rules.context import build_context
from credit_domain.rules.models import RuleFiring
from credit_domain.rules.simulate import simulate
from credit_domain.unit_of_work import ActorRef
from tests.credit_domain.rules.test_default_rules import firings, messages, publish
from tests.credit_domain.test_order_check import check
from tests.integration_world import make_shop, push
from tests.statements import recorded

LOUD = """
rules:
  - name: every-order
    when: order_checked
    if: amount >= 100
    then:
      - notify:
          to: [owner]
          channels: [credit-alerts]
          message: "订单 {order_external_id}：{amount}"
"""
BAD = """
rules:
  - name: typo
    when: order_checked
    if: amount > limit_left
    then:
      - notify: {to: [owner], message: "x"}
"""


def test_names_are_checked_against_the_event_with_lines() -> None:
    with pytest.raises(PolicyInvalid) as err:
        parse_policy("rules", BAD)
    (problem,) = err.value.problems
    assert problem.line == 5 and problem.location == "rules[0].if"
    assert "limit_left" in problem.message and "available_before" in problem.message
    with pytest.raises(PolicyInvalid) as err:
        parse_policy("rules", """
rules:
  - name: wrong-event
    when: payment_received
    then:
      - reject_application: {reason: "no"}
      - notify: {to: [owner], message: "{order_external_id}"}
""")
    assert "needs an application event" in err.value.problems[0].message
    policy = parse_policy("rules", """
rules:
  - name: macro
    when: order_checked
    if: reasons.exists(r, r == "over_limit")
    then: [{type: note, message: "blocked"}]
""")
    assert policy.rules[0].then[0].type == "note"  # type: ignore[attr-defined]


def test_a_new_policy_is_picked_up_without_restart_and_a_bad_one_is_refused(
        domain: Domain) -> None:
    shop = make_shop(domain)
    domain.policies.refresh_seconds = 0
    check(domain, shop.bu_id, "SO-1", "500")
    assert firings(domain) == []  # the default rules say nothing about a small order
    other = build_domain(str(domain.engine.url), clock=domain.clock)  # another process
    try:
        with other.uow(ActorRef.person(shop.admin_id, "管理员IND")) as uow:
            other.policies.install(uow, shop.bu_id, "rules", LOUD, source="test")
            uow.commit()
        with pytest.raises(PolicyInvalid), other.uow() as uow:
            other.policies.install(uow, shop.bu_id, "rules", BAD)
            uow.commit()
    finally:
        other.dispose()
    check(domain, shop.bu_id, "SO-2", "500")
    assert firings(domain) == [("every-order", [("notify", "done")])]
    assert [m[0] for m in messages(domain)] == [shop.sales_id, None]  # None: the channel
    assert messages(domain)[-1][2] == "华东机电有限公司：订单 SO-2：¥500.00"
    with domain.read() as s:
        channel = s.scalars(select(OutboxMessage).where(OutboxMessage.channel.is_not(None))).one()
    assert (channel.channel, channel.business_unit_id) == ("credit-alerts", shop.bu_id)
    with domain.read() as s:
        versions = s.scalars(select(PolicyVersion).where(PolicyVersion.kind == "rules")).all()
    assert [(v.version, v.created_by, v.active) for v in versions] == [
        (1, f"person:{shop.admin_id} 管理员IND", True)]


def snapshot(domain: Domain) -> str:
    """A digest of every row of every table."""
    digest = hashlib.sha256()
    with domain.read() as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(text(f'SELECT * FROM "{table.name}" ORDER BY 1')):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_simulation_replays_history_and_changes_nothing(domain: Domain) -> None:
    shop = make_shop(domain, limit="100000", grade="BB")
    for n in range(1, 4):
        push(domain, shop.bu_id, "invoice", external_id=f"I-{n}", amount="1000",
             issue_date="2026-01-01", due_date="2026-02-20")
        push(domain, shop.bu_id, "payment", external_id=f"P-{n}", amount="1000",
             received_on=f"2026-02-1{n}")
    push(domain, shop.bu_id, "invoice", external_id="I-LATE", amount="2000",
         issue_date="2026-01-01", due_date="2026-02-10")
    check(domain, shop.bu_id, "SO-1", "90000")
    with domain.uow() as uow:  # forget what the live rules did, to compare with the replay
        uow.session.query(RuleFiring).delete()
        uow.commit()
    before = snapshot(domain)
    sim = simulate(domain, dt.date(2026, 1, 1))
    assert snapshot(domain) == before
    assert sim.replayed == {"payment_received": 3, "invoice_overdue": 1, "order_checked": 1}
    fired = [(f.on, f.rule, f.subject) for f in sim.firings]
    assert fired == [
        (dt.date(2026, 2, 13), "three-on-time-payments-upgrade", "payment P-3"),
        (dt.date(2026, 3, 2), "order-above-90pct-of-available", "order SO-1"),
        (dt.date(2026, 3, 2), "overdue-invoice-hold", "invoice I-LATE"),
    ]
    hold = sim.firings[-1]
    assert "逾期 20 天" in hold.actions[0].render("zh_CN")
    assert hold.actions[0].render("en").startswith("put 华东机电有限公司 on credit hold")
    upgrade = sim.firings[0].actions[0].render("en")
    # 20% above today's limit of ¥100,000: the scorecard suggests less on these sales
    assert upgrade.startswith("open a suggested limit increase application (¥12万)")
    assert "连续 3 笔按时回款" in upgrade
    custom = parse_policy("rules", LOUD)
    only = simulate(domain, dt.date(2026, 3, 1), policy=custom)  # type: ignore[arg-type]
    assert [f.rule for f in only.firings] == ["every-order"]
    assert snapshot(domain) == before
    publish(domain, InvoiceOverdue(shop.bu_id, shop.account_id, 1, 1, Decimal(1)))
    assert snapshot(domain) != before  # the digest does see changes


HOLD_THEN_TELL = """
rules:
  - name: hold-large
    when: order_checked
    if: amount >= 400
    then:
      - place_hold: {cause: manual, reason: "large order {order_external_id}"}
  - name: tell
    when: order_checked
    if: amount >= 400
    then:
      - notify: {to: [owner], message: "hold {on_hold}, exposure {exposure}"}
"""


def test_rules_see_the_account_as_it_was_before_any_of_them_acted(domain: Domain) -> None:
    """The account's figures are read lazily, but never after an action: the second rule's
    message shows the account before the first rule put it on hold."""
    shop = make_shop(domain)
    domain.policies.refresh_seconds = 0
    with domain.uow(ActorRef.person(shop.admin_id, "管理员IND")) as uow:
        domain.policies.install(uow, shop.bu_id, "rules", HOLD_THEN_TELL, source="test")
        uow.commit()
    check(domain, shop.bu_id, "SO-1", "500")
    assert firings(domain) == [("hold-large", [("place_hold", "done")]),
                               ("tell", [("notify", "done")])]
    assert messages(domain)[-1][2].endswith("hold False, exposure ¥500.00")


def _a_checked_order(domain: Domain) -> OrderChecked:
    """An account with ¥500.00 of exposure, and the event of a second order on it."""
    shop = make_shop(domain)
    check(domain, shop.bu_id, "SO-1", "500")
    return OrderChecked(shop.bu_id, shop.account_id, "SO-2", Decimal("300.00"), True,
                        Decimal("9500.00"))


def test_a_rule_context_reads_the_account_only_when_asked_and_once(domain: Domain) -> None:
    event = _a_checked_order(domain)
    with domain.uow() as uow:
        at_hand = uow.session.get(CreditAccount, event.account_id)  # as the engine has it
        assert at_hand is not None
        with recorded(domain.engine) as statements:
            ctx = build_context(uow.session, event, uow.now())
            assert (ctx["amount"], "exposure" in ctx) == (Decimal("300.00"), True)
            assert statements == []  # the event's own fields need no query
            assert ctx["exposure"] == Decimal("500.00") and statements
            ctx.settle()  # as the engine does before any rule acts
            place_hold(uow, event.account_id, "test", Actor.system("test"))
            held = len(statements)
            assert ctx["on_hold"] is False  # taken once, before the hold
            assert ctx["available"] == Decimal("99500.00") and len(statements) == held


def test_a_condition_on_the_grade_alone_reads_no_exposure(domain: Domain) -> None:
    """The default high-risk rule tests the score of every application submitted: the
    account's own fields answer it, without summing its receivables and orders; its figures
    are still all taken before any action (settle)."""
    event = _a_checked_order(domain)
    with domain.uow() as uow:
        assert uow.session.get(CreditAccount, event.account_id) is not None
        with recorded(domain.engine) as statements:
            ctx = build_context(uow.session, event, uow.now())
            assert Expression("scored && score < 50 || grade == 'D'").test(ctx) is False
            tables = " ".join(s for s, _params in statements)
            assert "invoices" not in tables and "credit_scores" not in tables
            ctx.settle()
            tables = " ".join(s for s, _params in statements)
            assert "invoices" in tables and "credit_scores" in tables
            assert ctx["exposure"] == Decimal("500.00") and ctx["has_suggested_limit"] is False
