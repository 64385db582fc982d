"""Master data: customers matched by USCC first, then name; probable duplicates reported;
a credit admin merges them, audited, the loser kept as a pointer."""

import pytest
from sqlalchemy import select

from credit_domain.access import Actor, load_actor
from credit_domain.accounts.exposure import account_exposure
from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.customers.master import probable_duplicates
from credit_domain.customers.models import Customer
from credit_domain.errors import Conflict, Forbidden
from credit_domain.ledger.services import merge_customers
from credit_domain.orgs.models import BusinessUnit
from tests.credit_domain.test_order_check import check
from tests.factories import World, uscc_for
from tests.integration_world import TODAY, make_shop, money, push


def test_a_record_matches_by_uscc_then_by_name(domain: Domain) -> None:
    shop = make_shop(domain)
    by_uscc = push(domain, shop.bu_id, "customer", external_id="C1", name="华东智能装备有限公司",
                   uscc=shop.uscc)
    assert by_uscc.change == "updated"
    with domain.read() as s:
        c = s.get(Customer, shop.customer_id)
        assert c is not None and c.legal_name == "华东智能装备有限公司"
        assert [a.alias for a in c.aliases] == ["华东机电有限公司"]  # the old name stays findable
    other = push(domain, shop.bu_id, "customer", external_id="C2", name="华东机电有限公司",
                 uscc=uscc_for(555))  # same name, another USCC: another legal entity
    assert other.change == "created"
    with domain.read() as s:
        assert s.scalar(select(CreditAccount.customer_id).where(
            CreditAccount.external_id == "C2")) != shop.customer_id


def test_duplicates_are_reported_and_merged_by_a_credit_admin(any_domain: Domain) -> None:
    shop = make_shop(any_domain)
    con = make_shop(any_domain, code="CON", name="其他客户有限公司", n=2)
    with any_domain.uow() as uow:
        w = World(uow.session, uow.now())
        twin = w.customer("华东机电(有限公司)", uscc=None)  # typed in by hand, years ago
        twin.uscc = None
        ind = uow.session.get(BusinessUnit, shop.bu_id)
        con_bu = uow.session.get(BusinessUnit, con.bu_id)
        assert ind is not None and con_bu is not None
        dup_account = w.account(twin, ind, limit="5000", external_id="OLD-7")
        w.account(twin, con_bu, limit="8000", external_id="CON-9")
        uow.commit()
    push(any_domain, shop.bu_id, "invoice", external_id="I-OLD", amount="700",
         issue_date="2026-02-01", customer_external_id="OLD-7")
    with any_domain.read() as s:
        pairs = probable_duplicates(s)
    assert [(p.first_id, p.second_id, p.why) for p in pairs] == [
        (shop.customer_id, twin.id, "same_name")]
    with any_domain.read() as s:
        seller, admin = load_actor(s, shop.sales_id), load_actor(s, shop.admin_id)
        con_admin = load_actor(s, con.admin_id)
    with pytest.raises(Forbidden), any_domain.uow(seller) as uow:
        merge_customers(uow, seller, twin.id, shop.customer_id)
    with pytest.raises(Forbidden), any_domain.uow(admin) as uow:  # also needs CON's admin role
        merge_customers(uow, admin, twin.id, shop.customer_id)
    both = Actor(admin.person_id, admin.name, admin.locale, admin.grants + con_admin.grants)
    with any_domain.uow(both) as uow:
        result = merge_customers(uow, both, twin.id, shop.customer_id, "同一法人，手工录入重复")
        uow.commit()
    assert (result.accounts_moved, result.accounts_folded) == (1, 1)
    with any_domain.read() as s:
        loser = s.get(Customer, twin.id)
        assert loser is not None and loser.merged_into_id == shop.customer_id
        folded = s.get(CreditAccount, dup_account.id)
        assert folded is not None and folded.status == AccountStatus.CLOSED
        assert account_exposure(s, shop.account_id, TODAY).open_receivables == money(700)
        moved = s.scalars(select(CreditAccount).where(CreditAccount.external_id == "CON-9")).one()
        assert moved.customer_id == shop.customer_id
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "customer.merged")).one()
        assert audit.reason == "同一法人，手工录入重复" and audit.actor_id == shop.admin_id
        assert probable_duplicates(s) == []
    # the old customer number still resolves, to the survivor's account
    push(any_domain, shop.bu_id, "invoice", external_id="I-NEW", amount="1",
         issue_date="2026-03-01", customer_external_id="OLD-7")
    with any_domain.read() as s:
        assert account_exposure(s, shop.account_id, TODAY).open_receivables == money(701)
    # and an order checked under it is the survivor's
    answer = check(any_domain, shop.bu_id, "SO-OLD-7", "100", customer_external_id="OLD-7")
    assert (answer.account_id, answer.passed) == (shop.account_id, True)


def test_two_uscc_are_two_legal_entities(domain: Domain) -> None:
    shop = make_shop(domain)
    with domain.uow() as uow:
        other = World(uow.session, uow.now()).customer("华东机电有限公司", uscc=uscc_for(31))
        uow.commit()
    with domain.read() as s:
        admin = load_actor(s, shop.admin_id)
        assert probable_duplicates(s) == []
    with pytest.raises(Conflict), domain.uow(admin) as uow:
        merge_customers(uow, admin, other.id, shop.customer_id)
