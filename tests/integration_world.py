"""Builders for the integration tests: a business unit with people in every role, and
shortcuts to push ledger records through the real services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from credit_domain.access import Actor
from credit_domain.bootstrap import Domain
from credit_domain.ledger.records import (
    CreditNoteRecord,
    CustomerRecord,
    DeliveryRecord,
    InvoiceRecord,
    PaymentRecord,
    Record,
)
from credit_domain.ledger.services import (
    Recorded,
    record_credit_note,
    record_delivery,
    record_invoice,
    record_payment,
    upsert_account,
)
from credit_domain.orgs.models import BusinessUnit, Role
from tests.factories import World, uscc_for

TODAY = dt.date(2026, 3, 2)


@dataclass
class Shop:
    """One business unit with a salesperson, their manager, finance, risk and a credit
    admin, and one customer account (customer number ``C1``)."""

    bu_id: int
    bu_code: str
    account_id: int
    customer_id: int
    sales_id: int
    manager_id: int
    finance_id: int
    admin_id: int
    uscc: str


def make_shop(domain: Domain, *, code: str = "IND", limit: str = "100000.00",
              grade: str | None = "A", name: str = "华东机电有限公司", n: int = 1) -> Shop:
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        bu = w.business_unit(code, name=f"{code}事业部")
        team = w.team(bu, code=f"{code}-T1")
        sales = w.person(f"销售{code}", (bu, Role.SALESPERSON, team), login=f"sales-{code}")
        manager = w.person(f"经理{code}", (bu, Role.SALES_MANAGER, team))
        finance = w.person(f"财务{code}", (bu, Role.FINANCE_MANAGER, None), locale="en")
        admin = w.person(f"管理员{code}", (bu, Role.CREDIT_ADMIN, None))
        w.person(f"风控{code}", (bu, Role.RISK_DIRECTOR, None))
        code_ = uscc_for(9000 + n)
        customer = w.customer(name, uscc=code_)
        account = w.account(customer, bu, owner=sales, team=team, limit=limit, grade=grade,
                            external_id="C1")
        uow.commit()
        return Shop(bu.id, code, account.id, customer.id, sales.id, manager.id, finance.id,
                    admin.id, code_)


def push(domain: Domain, bu_id: int, kind: str, **fields: Any) -> Recorded:
    """Push one record through the ledger service of ``kind`` and commit."""
    services: dict[str, tuple[type[Record], Callable[..., Recorded]]] = {
        "customer": (CustomerRecord, upsert_account),
        "invoice": (InvoiceRecord, record_invoice),
        "delivery": (DeliveryRecord, record_delivery),
        "payment": (PaymentRecord, record_payment),
        "credit_note": (CreditNoteRecord, record_credit_note),
    }
    model, service = services[kind]
    if kind != "customer":
        fields.setdefault("customer_external_id", "C1")
    rec = model.model_validate(fields)
    with domain.uow(Actor.system("test")) as uow:
        bu = uow.session.get(BusinessUnit, bu_id)
        assert bu is not None
        result = service(uow, bu, rec)
        uow.commit()
    return result


def count(domain: Domain, model: Any, *where: Any) -> int:
    with domain.read() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def money(v: str | int | Decimal) -> Decimal:
    return Decimal(str(v)).quantize(Decimal("0.01"))
