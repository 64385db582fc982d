"""The unit of work commits a change with its audit events and outbox messages, or nothing;
the audit chain detects tampering."""

import pytest
from sqlalchemy import func, select, text

from credit_domain.audit.chain import verify_chains
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.customers.models import Customer
from credit_domain.outbox.models import OutboxMessage
from credit_domain.unit_of_work import ActorRef
from tests.factories import World


def counts(domain: Domain) -> tuple[int, int, int]:
    with domain.read() as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(m)) for m in (Customer, AuditEvent,
                                                                    OutboxMessage))


def test_change_audit_and_messages_commit_together(any_domain: Domain) -> None:
    with any_domain.uow() as uow:
        seller = World(uow.session, uow.now()).person("王芳")
        uow.commit()
    with any_domain.uow(ActorRef.person(seller.id, "王芳")) as uow:
        bu = World(uow.session, uow.now()).business_unit()
        World(uow.session, uow.now()).customer("甲")
        uow.audit("customer.created", "customer", 1, business_unit_id=bu.id, after={"n": 1})
        uow.notify("customer.created", channel="credit", business_unit_id=bu.id, name="甲")
        uow.commit()
    assert counts(any_domain) == (1, 1, 1)
    with any_domain.read() as s:
        event = s.scalars(select(AuditEvent)).one()
    assert event.actor_label == f"person:{seller.id} 王芳" and event.chain == f"bu:{bu.id}"
    assert event.occurred_at.tzinfo is not None


def test_an_error_leaves_nothing_behind(any_domain: Domain) -> None:
    with pytest.raises(RuntimeError), any_domain.uow() as uow:
        World(uow.session, uow.now()).customer("乙")
        uow.audit("customer.created", "customer", 1, business_unit_id=None)
        uow.notify("x", channel="c")
        raise RuntimeError("boom")
    assert counts(any_domain) == (0, 0, 0)


def test_leaving_without_commit_rolls_back(any_domain: Domain) -> None:
    with any_domain.uow() as uow:
        World(uow.session, uow.now()).customer("丙")
        uow.notify("x", channel="c")
    assert counts(any_domain) == (0, 0, 0)


def test_dedupe_key_sends_a_message_once(any_domain: Domain) -> None:
    for _ in range(3):
        with any_domain.uow() as uow:
            uow.notify("alert.utilisation", channel="finance", dedupe_key="util:1:90")
            uow.commit()
    assert counts(any_domain)[2] == 1
    with any_domain.uow() as uow:  # taken before, twice in this one, and new ones beside
        for key in ("util:1:90", "util:2:90", None, "util:2:90", None):
            uow.notify("alert.utilisation", channel="finance", dedupe_key=key)
        uow.commit()
    assert counts(any_domain)[2] == 4 and len(uow.inserted_message_ids) == 3


def test_audit_chain_verifies_and_catches_tampering(any_domain: Domain) -> None:
    for i in range(5):
        with any_domain.uow() as uow:
            uow.audit("limit.changed", "account", i, business_unit_id=None,
                      before={"limit": "1.00"}, after={"limit": f"{i}.00"}, reason="test")
            uow.commit()
    with any_domain.read() as s:
        report = verify_chains(s)
    assert report.ok and report.checked == 5
    with any_domain.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET after = :a WHERE seq = 3"),
                     {"a": '{"limit":"999999.00"}'})
    with any_domain.read() as s:
        report = verify_chains(s)
    assert not report.ok and report.broken_seq == 3 and "edited" in (report.problem or "")


def test_deleted_audit_row_breaks_the_chain(domain: Domain) -> None:
    for i in range(3):
        with domain.uow() as uow:
            uow.audit("hold.placed", "account", i, business_unit_id=None)
            uow.commit()
    with domain.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    with domain.read() as s:
        report = verify_chains(s)
    assert not report.ok and report.broken_seq == 3 and "gap" in (report.problem or "")
