"""``/api/v1`` pushes from the ERP: customers, deliveries, invoices, payments, credit notes.

Each call carries one business unit and up to 1,000 records, applied all together or not at
all: a batch with any refused record changes nothing and the 422 answer locates every problem
(``records[3].amount``). Records are idempotent by the ERP's number: sending one again is an
update (audited when an amount changes) or, unchanged, nothing.
"""

from collections.abc import Callable
from typing import Any, Generic, Literal, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from bot.bootstrap import Runtime
from bot.web.api.common import ERRORS, BusinessUnitCode, LocalizedRoute, api_actor, runtime_of
from bot.web.app import web_routes
from bot.web.auth import require_api
from credit_domain.apikeys.services import ApiClient
from credit_domain.errors import DomainError
from credit_domain.ledger.problems import RecordRejected, located
from credit_domain.ledger.records import (
    CreditNoteRecord,
    CustomerRecord,
    DeliveryRecord,
    InvoiceRecord,
    PaymentRecord,
)
from credit_domain.ledger.services import (
    Recorded,
    business_unit_for,
    record_credit_note,
    record_delivery,
    record_invoice,
    record_payment,
    upsert_account,
)
from credit_domain.orgs.models import BusinessUnit
from credit_domain.unit_of_work import UnitOfWork

R = TypeVar("R", bound=BaseModel)
Service = Callable[[UnitOfWork, BusinessUnit, Any], Recorded]


class Batch(BaseModel, Generic[R]):
    business_unit: BusinessUnitCode
    records: list[R] = Field(min_length=1, max_length=1000)


class RecordResult(BaseModel):
    external_id: str
    id: int = Field(description="creditbot's id")
    change: Literal["created", "updated", "unchanged"]


class BatchResult(BaseModel):
    business_unit: str
    results: list[RecordResult]


def apply_batch(runtime: Runtime, client: ApiClient, batch: Batch[Any],
                service: Service) -> BatchResult:
    """Apply every record in one transaction, or none (raising every problem located)."""
    with runtime.domain.uow(api_actor(client)) as uow:
        bu = business_unit_for(uow.session, batch.business_unit, client)
        results, problems = [], []
        for i, rec in enumerate(batch.records):
            try:
                done = service(uow, bu, rec)
            except DomainError as exc:
                problems += located(exc, ("body", "records", i)).problems
                continue
            results.append(RecordResult(external_id=done.external_id, id=done.id,
                                        change=done.change.value))
        if problems:
            raise RecordRejected(problems)
        uow.commit()
    return BatchResult(business_unit=batch.business_unit, results=results)


PUSHES: list[tuple[str, type[BaseModel], Service, str]] = [
    ("/customers", CustomerRecord, upsert_account,
     "Customers and their credit accounts, matched to master data by USCC, then name."),
    ("/deliveries", DeliveryRecord, record_delivery,
     'Goods shipped: exposure moves from the order to "shipped, not invoiced".'),
    ("/invoices", InvoiceRecord, record_invoice,
     "Invoices (open receivables); the deliveries they bill stop counting as shipped."),
    ("/payments", PaymentRecord, record_payment,
     "Payments, applied as `allocations` says or oldest due first."),
    ("/credit-notes", CreditNoteRecord, record_credit_note,
     "Credit notes, applied to the invoice named or oldest due first."),
]


def _push_route(router: APIRouter, path: str, model: type[BaseModel], service: Service,
                doc: str) -> None:
    writer = require_api("erp:write")

    def push(request: Request, batch: Batch[model],  # type: ignore[valid-type]
             client: ApiClient = writer) -> BatchResult:
        return apply_batch(runtime_of(request), client, batch, service)

    push.__doc__ = doc
    router.add_api_route(path, push, methods=["POST"], response_model=BatchResult,
                         name=f"push_{path.strip('/').replace('-', '_')}")


@web_routes
def ledger_routes(_runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["ERP push"], route_class=LocalizedRoute,
                       responses=ERRORS)
    for path, model, service, doc in PUSHES:
        _push_route(router, path, model, service, doc)
    return router
