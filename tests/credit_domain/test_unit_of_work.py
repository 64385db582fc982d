"""The unit of work commits a change with its audit events and outbox messages, or nothing;
the audit chain detects tampering."""

import gc
import weakref

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from credit_domain.audit.chain import verify_chains
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain, build_domain
from credit_domain.clock import FrozenClock
from credit_domain.customers.models import Customer
from credit_domain.errors import Conflict
from credit_domain.i18n import Text
from credit_domain.orgs.models import BusinessUnit
from credit_domain.outbox.models import OutboxMessage
from credit_domain.savepoints import undoable
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


def _account(domain: Domain, name: str = "甲") -> int:
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        bu = uow.session.scalars(select(BusinessUnit)).first() or w.business_unit()
        account = w.account(w.customer(name), bu)
        uow.commit()
    return account.id


@pytest.mark.postgres
def test_a_lock_undone_with_its_savepoint_is_taken_again(pg_url: str, clock: FrozenClock
                                                         ) -> None:
    """PostgreSQL releases the row locks taken in a savepoint that rolls back: an account
    locked there, then locked again, is locked again (two order checks of one customer never
    both see its limit free)."""
    domain = build_domain(pg_url, clock=clock)
    try:
        account_id = _account(domain)
        with domain.engine.connect() as other:

            def locked() -> bool:
                try:
                    with other.begin():
                        other.execute(text("SELECT id FROM credit_accounts WHERE id = :id "
                                           "FOR UPDATE NOWAIT"), {"id": account_id})
                    return False
                except OperationalError:
                    return True

            with domain.uow() as uow:
                with pytest.raises(Conflict), undoable(uow):
                    uow.lock_account(account_id)
                    assert locked()
                    raise Conflict(Text("Refused."))
                assert not locked()
                uow.lock_account(account_id)
                assert locked()
    finally:
        domain.dispose()


def test_a_checkpoint_lets_go_of_the_accounts_it_locked(any_domain: Domain) -> None:
    """A long import locks an account per row and checkpoints every few hundred rows; what
    it locked before a checkpoint is not kept in memory until the commit."""
    account_id = _account(any_domain)
    with any_domain.uow() as uow:
        held = weakref.ref(uow.lock_account(account_id))
        gc.collect()
        assert held() is not None  # held by the unit of work, though no one else keeps it
        uow.checkpoint()
        gc.collect()
        assert held() is None
        assert uow.lock_account(account_id).id == account_id


def test_a_savepoint_rolled_back_forgets_only_the_locks_taken_in_it(any_domain: Domain
                                                                    ) -> None:
    """After a refused step the unit of work holds as locked only what it locked before the
    step, even when a checkpoint inside the step let go of what it held and the step locked
    some of it again: what the step alone locked was released with its savepoint."""
    first, second, third = (_account(any_domain, name) for name in ("甲", "乙", "丙"))
    with any_domain.uow() as uow:
        uow.lock_account(first)
        uow.lock_account(second)
        with pytest.raises(Conflict), undoable(uow):
            uow.checkpoint()  # lets go of both (their locks stay)
            uow.lock_account(first)
            uow.lock_account(third)
            assert uow.locks_taken() == {first, third}
            raise Conflict(Text("Refused."))
        assert uow.locks_taken() == {first}
