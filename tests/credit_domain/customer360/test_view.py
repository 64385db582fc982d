"""The 360° view: one customer across the business units the viewer may see."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from credit_domain.access import Actor, load_actor
from credit_domain.bootstrap import Domain
from credit_domain.bureau.report import BureauReport, CompanyStatus, DishonestListing
from credit_domain.bureau.services import record_report
from credit_domain.customer360.services import (
    ApplicationSummary,
    customer_view,
    register_open_applications,
    resolve_customer,
)
from credit_domain.errors import Forbidden, InvalidInput, NotFound
from credit_domain.orgs.models import Role
from credit_domain.scoring.services import recompute_all
from tests.credit_domain.scoring.helpers import days, paid_invoice
from tests.factories import World


def build(domain: Domain) -> dict[str, int]:
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        ind, con = w.business_unit("IND"), w.business_unit("CON", "消费品事业部")
        mine = w.person("王芳", (ind, Role.SALESPERSON, None))
        other = w.person("吴磊", (ind, Role.SALESPERSON, None))
        finance = w.person("张伟", (ind, Role.FINANCE_MANAGER, None))
        parent = w.customer("华信集团有限公司")
        cust = w.customer("苏州华信精密机械有限公司", aliases=("华信精密",), parent=parent)
        acc = w.account(cust, ind, owner=mine, limit=100000, terms=30)
        w.account(cust, con, limit=50000)
        paid_invoice(w, acc, 10000, issued=days(-50), paid=None)  # 20 days past due
        paid_invoice(w, acc, 5000, issued=days(-150), paid=None)  # 120 days past due
        paid_invoice(w, acc, 8000, issued=days(-10), paid=None)  # current
        paid_invoice(w, acc, 4000, issued=days(-80), paid=days(-45))
        w.order(acc, 7000)
        uow.commit()
    record_report(domain, cust.id, BureauReport(
        "stub", cust.legal_name, cust.uscc, CompanyStatus.ACTIVE, "存续", "张三",
        Decimal("10000000"), None,
        dishonest=(DishonestListing("D1", "(2026)执1号", "法院", days(-3), "全部未履行"),)))
    recompute_all(domain)
    return {"customer": cust.id, "account": acc.id, "mine": mine.id, "other": other.id,
            "finance": finance.id, "ind": ind.id}


def actor(session: Session, person_id: int) -> Actor:
    return load_actor(session, person_id)


def test_the_view_gathers_everything_the_viewer_may_see(any_domain: Domain) -> None:
    ids = build(any_domain)
    view = customer_view(any_domain, Actor.system(), ids["customer"])
    assert view.legal_name == "苏州华信精密机械有限公司" and view.aliases == ("华信精密",)
    assert view.group_root == "华信集团有限公司"
    assert set(view.group_members) == {"华信集团有限公司", "苏州华信精密机械有限公司"}
    assert len(view.accounts) == 2
    ind = next(a for a in view.accounts if a.account_id == ids["account"])
    assert ind.exposure.exposure == Decimal("30000.00") and ind.exposure.available == Decimal(
        "70000.00")
    assert (ind.aging.current, ind.aging.days_1_30, ind.aging.days_90_plus) == (
        Decimal("8000.00"), Decimal("10000.00"), Decimal("5000.00"))
    assert ind.aging.total == ind.exposure.open_receivables
    assert ind.payment.payments_12m == 1 and ind.payment.paid_12m == Decimal("4000.00")
    assert ind.score is not None and ind.score.grade == "C"  # dishonest debtor: capped
    assert any("dishonest" in cap for cap in ind.score.caps)
    assert ind.score.reasons and ind.score.reasons[0].lost >= ind.score.reasons[-1].lost
    assert view.bureau is not None and view.bureau.report.dishonest[0].case_no == "(2026)执1号"
    assert [s.kind for s in view.signals] == ["dishonest_debtor"]
    assert any(t.action == "score.changed" for t in view.timeline)
    assert any(t.action == "bureau.signal" for t in view.timeline)


def test_each_viewer_sees_only_their_part(any_domain: Domain) -> None:
    ids = build(any_domain)
    with any_domain.read() as s:
        mine, other, finance = (actor(s, ids[k]) for k in ("mine", "other", "finance"))
    assert [a.business_unit_id for a in customer_view(any_domain, mine,
                                                      ids["customer"]).accounts] == [ids["ind"]]
    assert len(customer_view(any_domain, finance, ids["customer"]).accounts) == 1
    with pytest.raises(Forbidden):
        customer_view(any_domain, other, ids["customer"])
    with pytest.raises(NotFound):
        customer_view(any_domain, Actor.system(), 999_999)


def test_resolving_a_customer_by_what_people_type(any_domain: Domain) -> None:
    ids = build(any_domain)
    with any_domain.uow() as uow:
        w = World(uow.session, uow.now())
        bu = w.business_unit("OTH", "其他事业部")
        w.account(w.customer("上海华信物流有限公司"), bu)
        uow.commit()
    with any_domain.read() as s:
        assert resolve_customer(s, Actor.system(), "华信精密") == ids["customer"]
        with pytest.raises(InvalidInput):
            resolve_customer(s, Actor.system(), "华信")  # two customers with accounts
        with pytest.raises(NotFound):
            resolve_customer(s, actor(s, ids["other"]), "华信精密")


def test_open_applications_come_from_the_registered_provider(any_domain: Domain) -> None:
    ids = build(any_domain)

    def provider(session: Session, viewer: Actor, account_ids: list[int]
                 ) -> list[ApplicationSummary]:
        return [ApplicationSummary(1, aid, "APP-2026-000001", "increase", Decimal("50000.00"),
                                   "pending", None) for aid in account_ids]

    register_open_applications(provider)
    try:
        view = customer_view(any_domain, Actor.system(), ids["customer"])
    finally:
        from credit_domain.customer360 import services

        services._OPEN_APPLICATIONS.remove(provider)
    assert all(a.open_applications[0].reference == "APP-2026-000001" for a in view.accounts)
