"""``/api/v1/customers/{ref}/credit``: a customer's credit in one business unit, for the ERP
or CRM to show next to an order (limit, exposure by category, available, hold, grade)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from bot.bootstrap import Runtime
from bot.web.api.common import ERRORS, LocalizedRoute, runtime_of
from bot.web.app import web_routes
from bot.web.auth import require_api
from credit_domain.accounts.exposure import account_exposure
from credit_domain.apikeys.services import ApiClient
from credit_domain.clock import local_date
from credit_domain.errors import NotFound
from credit_domain.ledger.problems import RecordRejected
from credit_domain.ledger.records import CustomerRef
from credit_domain.ledger.services import business_unit_for, resolve_account


class CreditStatus(BaseModel):
    business_unit: str
    customer_id: int
    customer_external_id: str | None
    name: str
    uscc: str | None
    grade: str | None
    status: str
    hold_reason: str | None
    credit_limit: Decimal
    temporary_limit: Decimal
    effective_limit: Decimal
    open_receivables: Decimal
    uninvoiced_deliveries: Decimal
    open_orders: Decimal
    exposure: Decimal
    available: Decimal
    overdue: Decimal
    as_of: dt.date


@web_routes
def customer_routes(_runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/api/v1/customers", tags=["Credit status"],
                       route_class=LocalizedRoute, responses=ERRORS)
    reader = require_api("erp:read")

    @router.get("/{ref}/credit", response_model=CreditStatus)
    def credit(request: Request, ref: str,
               business_unit: str = Query(..., description="business unit code"),
               by: Literal["external_id", "uscc", "id"] = Query(
                   "external_id", description="what `ref` is: the ERP's customer number, the "
                                              "USCC or creditbot's customer id"),
               client: ApiClient = reader) -> CreditStatus:
        """The customer's limit, exposure by category, available limit, hold and grade."""
        domain = runtime_of(request).domain
        fields = {"external_id": "customer_external_id", "uscc": "customer_uscc",
                  "id": "customer_id"}
        customer = CustomerRef.model_validate({fields[by]: ref})
        with domain.read() as session:
            bu = business_unit_for(session, business_unit, client)
            try:
                account = resolve_account(session, bu.id, customer)
            except RecordRejected as exc:
                raise NotFound(exc.problems[0].message) from None
            today = local_date(domain.clock.now(), bu.timezone)
            e = account_exposure(session, account.id, today)
            return CreditStatus(
                business_unit=bu.code, customer_id=account.customer_id,
                customer_external_id=account.external_id, name=account.customer.legal_name,
                uscc=account.customer.uscc, grade=account.grade, status=account.status,
                hold_reason=account.hold_reason, credit_limit=e.credit_limit,
                temporary_limit=e.temporary_limit, effective_limit=e.effective_limit,
                open_receivables=e.open_receivables,
                uninvoiced_deliveries=e.uninvoiced_deliveries, open_orders=e.open_orders,
                exposure=e.exposure, available=e.available, overdue=e.overdue, as_of=today)

    return router
