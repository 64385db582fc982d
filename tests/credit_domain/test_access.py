"""Who sees which credit accounts: salesperson, manager, director, business-unit-wide roles,
and nobody across business units."""

from sqlalchemy import select

from credit_domain.access import Actor, account_scope, load_actor
from credit_domain.accounts.models import CreditAccount
from credit_domain.bootstrap import Domain
from credit_domain.customers.models import Customer
from credit_domain.customers.services import find_accounts
from credit_domain.orgs.models import Person, Role
from tests.factories import World


def build(domain: Domain) -> dict[str, int]:
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        ind, con = w.business_unit("IND"), w.business_unit("CON", "消费品")
        east, south = w.region(ind, "EAST"), w.region(ind, "SOUTH", "华南")
        t1, t2, t3 = w.team(ind, "E1", east), w.team(ind, "E2", east), w.team(ind, "S1", south)
        ids = {
            "ann": w.person("Ann", (ind, Role.SALESPERSON, t1)).id,
            "bob": w.person("Bob", (ind, Role.SALESPERSON, t2)).id,
            "cat": w.person("Cat", (ind, Role.SALESPERSON, t3)).id,
            "mgr1": w.person("Mgr1", (ind, Role.SALES_MANAGER, t1)).id,
            "dir_east": w.person("Dir", (ind, Role.REGION_DIRECTOR, east)).id,
            "fin": w.person("Fin", (ind, Role.FINANCE_MANAGER, None)).id,
            "con_fin": w.person("ConFin", (con, Role.FINANCE_MANAGER, None)).id,
        }
        people = {k: uow.session.get_one(Person, v) for k, v in ids.items()}
        for name, owner, team in (("安", "ann", t1), ("博", "bob", t2), ("才", "cat", t3)):
            c = w.customer(f"{name}科技有限公司", aliases=(f"{name}科",))
            acc = w.account(c, ind, owner=people[owner], team=team)
            ids[f"acc_{owner}"] = acc.id
        w.account(w.customer("消费客户有限公司"), con)
        uow.commit()
    return ids


def visible(domain: Domain, actor: Actor) -> set[int]:
    with domain.read() as s:
        return set(s.scalars(select(CreditAccount.id).where(account_scope(actor))))


def test_each_role_sees_its_scope(domain: Domain) -> None:
    ids = build(domain)
    with domain.read() as s:
        actor = {k: load_actor(s, v) for k, v in ids.items() if not k.startswith("acc_")}
    ann, bob, cat = ids["acc_ann"], ids["acc_bob"], ids["acc_cat"]
    assert visible(domain, actor["ann"]) == {ann}
    assert visible(domain, actor["bob"]) == {bob}
    assert visible(domain, actor["mgr1"]) == {ann}
    assert visible(domain, actor["dir_east"]) == {ann, bob}
    assert visible(domain, actor["fin"]) == {ann, bob, cat}
    con_only = visible(domain, actor["con_fin"])
    assert con_only and not con_only & {ann, bob, cat}
    assert visible(domain, Actor.system()) == visible(domain, actor["fin"]) | con_only


def test_customer_search_respects_scope(domain: Domain) -> None:
    ids = build(domain)
    with domain.read() as s:
        ann, fin = load_actor(s, ids["ann"]), load_actor(s, ids["fin"])
        assert [m.how for m in find_accounts(s, ann, "安科技")] == ["name"]
        assert [m.how for m in find_accounts(s, ann, "安科")] == ["alias"]
        assert find_accounts(s, ann, "博科技") == []  # someone else's customer
        assert {m.legal_name for m in find_accounts(s, fin, "科技")} == {
            "安科技有限公司", "博科技有限公司", "才科技有限公司"}
        uscc = s.scalar(select(Customer.uscc).join(CreditAccount).where(
            CreditAccount.id == ids["acc_ann"]))
        assert uscc is not None
        [match] = find_accounts(s, fin, uscc.lower())
        assert (match.how, match.account_id) == ("uscc", ids["acc_ann"])
