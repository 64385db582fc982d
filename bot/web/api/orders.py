"""``/api/v1/orders``: the credit check the ERP asks before confirming an order, and the
order's lifecycle (confirm, ship, invoice, cancel), which moves its exposure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from bot.bootstrap import Runtime
from bot.web.api.common import (
    ERRORS,
    BusinessUnitCode,
    LocalizedRoute,
    api_actor,
    locale_of,
    runtime_of,
)
from bot.web.app import web_routes
from bot.web.auth import require_api
from credit_domain.apikeys.services import ApiClient
from credit_domain.ledger.labels import status_label
from credit_domain.ledger.models import Order, OrderStatus
from credit_domain.ledger.records import Day, ExternalId, OptAmount, OptDay, OrderRecord
from credit_domain.ledger.services import Recorded, business_unit_for
from credit_domain.orders.check import CheckAnswer, check_order
from credit_domain.orders.lifecycle import (
    cancel_order,
    confirm_order,
    find_order,
    invoice_order,
    ship_order,
)


class OrderCheckRequest(OrderRecord):
    business_unit: BusinessUnitCode


class ReasonOut(BaseModel):
    code: str = Field(description="on_hold | over_limit | overdue | grade_below_minimum | "
                                  "ungraded | closed")
    message: str
    details: dict[str, Any]


class ReleaseOut(BaseModel):
    status: Literal["none", "opened", "not_available", "not_requested", "failed"] = Field(
        description="opened: an order-release application is waiting for approval")
    reference: str | None = None


class CheckOut(BaseModel):
    order: str
    decision: Literal["pass", "block"]
    amount: Decimal
    available_before: Decimal
    available_after: Decimal
    reasons: list[ReasonOut]
    release_application: ReleaseOut
    repeated: bool = Field(description="the same order was checked before: the same answer, "
                                       "nothing reserved again")
    order_status: OrderStatus = Field(
        description="the order's status now: reserved or blocked when first checked (released "
                    "if a rule approved its release at once); a repeated check says what it has "
                    "become since (released: an order-release application was approved, the "
                    "order may be confirmed and shipped)")
    checked_at: dt.datetime


def answer_out(answer: CheckAnswer, locale: str) -> CheckOut:
    return CheckOut(
        order=answer.order_external_id, decision="pass" if answer.passed else "block",
        amount=answer.amount, available_before=answer.available_before,
        available_after=answer.available_after,
        reasons=[ReasonOut(code=r.code, message=r.message.render(locale),
                           details={k: str(v) if isinstance(v, Decimal) else v
                                    for k, v in r.details.items()}) for r in answer.reasons],
        release_application=ReleaseOut(status=answer.release_status,
                                       reference=answer.release_reference),
        repeated=answer.repeated, order_status=answer.order_status,
        checked_at=answer.checked_at)


class Unit(BaseModel):
    business_unit: BusinessUnitCode


class ShipRequest(Unit):
    delivery_external_id: ExternalId
    amount: OptAmount = Field(None, description="default: what is left of the order")
    shipped_on: Day


class InvoiceRequest(Unit):
    invoice_external_id: ExternalId
    amount: OptAmount = Field(None, description="default: the order's deliveries not yet "
                                                "invoiced (or its open amount)")
    issue_date: Day
    due_date: OptDay = None


class CancelRequest(Unit):
    reason: str | None = Field(None, max_length=500)


class OrderOut(BaseModel):
    order: str
    status: str
    status_label: str
    amount: Decimal
    open_amount: Decimal
    check: CheckOut | None


class ChangeOut(BaseModel):
    order: str
    status: str
    change: Literal["created", "updated", "unchanged"]
    record: str | None = Field(None, description="the delivery or invoice recorded")


@web_routes
def order_routes(_runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/api/v1/orders", tags=["Orders"], route_class=LocalizedRoute,
                       responses=ERRORS)
    checker = require_api("orders:check")

    @router.post("/check", response_model=CheckOut)
    def check(request: Request, body: OrderCheckRequest, client: ApiClient = checker
              ) -> CheckOut:
        """Pass (the amount is reserved) or block, with the reasons. The same order id sent
        again gets the same answer and reserves nothing twice."""
        domain = runtime_of(request).domain
        with domain.uow(api_actor(client)) as uow:
            bu = business_unit_for(uow.session, body.business_unit, client)
            answer = check_order(uow, bu, domain.policies.get(bu.id, "order_check", uow.session),
                                 body, domain.ports)
            uow.commit()
        return answer_out(answer, locale_of(request))

    @router.get("/{order}", response_model=OrderOut)
    def read(request: Request, order: str,
             business_unit: str = Query(..., description="business unit code"),
             client: ApiClient = checker) -> OrderOut:
        """An order's status, open amount and credit check answer."""
        with runtime_of(request).domain.read() as session:
            found = find_order(session, business_unit_for(session, business_unit, client), order)
            return _order_out(found, locale_of(request))

    def change(request: Request, client: ApiClient, code: str, order: str, fn: Any,
               **kw: Any) -> ChangeOut:
        with runtime_of(request).domain.uow(api_actor(client)) as uow:
            bu = business_unit_for(uow.session, code, client)
            done = fn(uow, bu, order, **kw)
            found = find_order(uow.session, bu, order)
            uow.commit()
        if isinstance(done, Recorded):
            return ChangeOut(order=order, status=found.status, change=done.change.value,
                             record=None if done.kind == "order" else done.external_id)
        return ChangeOut(order=order, status=found.status, change="updated")

    @router.post("/{order}/confirm", response_model=ChangeOut)
    def confirm(request: Request, order: str, body: Unit, client: ApiClient = checker
                ) -> ChangeOut:
        """The ERP confirmed the order (a blocked order needs an approved release first)."""
        return change(request, client, body.business_unit, order, confirm_order)

    @router.post("/{order}/ship", response_model=ChangeOut)
    def ship(request: Request, order: str, body: ShipRequest, client: ApiClient = checker
             ) -> ChangeOut:
        """Ship (part of) the order; refused (409) while the customer is on credit hold."""
        return change(request, client, body.business_unit, order, ship_order,
                      delivery_external_id=body.delivery_external_id, amount=body.amount,
                      shipped_on=body.shipped_on)

    @router.post("/{order}/invoice", response_model=ChangeOut)
    def invoice(request: Request, order: str, body: InvoiceRequest,
                client: ApiClient = checker) -> ChangeOut:
        """Invoice the order: its deliveries become an open receivable."""
        return change(request, client, body.business_unit, order, invoice_order,
                      invoice_external_id=body.invoice_external_id, amount=body.amount,
                      issue_date=body.issue_date, due_date=body.due_date)

    @router.post("/{order}/cancel", response_model=ChangeOut)
    def cancel(request: Request, order: str, body: CancelRequest, client: ApiClient = checker
               ) -> ChangeOut:
        """Cancel what is left of the order: its exposure is released."""
        return change(request, client, body.business_unit, order, cancel_order,
                      reason=body.reason)

    return router


def _order_out(order: Order, locale: str) -> OrderOut:
    answer = CheckAnswer.from_order(order) if order.check_result else None
    return OrderOut(order=order.external_id, status=order.status,
                    status_label=status_label(order.status).render(locale), amount=order.amount,
                    open_amount=order.open_amount,
                    check=answer_out(answer, locale) if answer else None)

