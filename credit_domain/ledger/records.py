"""Records the ERP sends (by API or in import files), validated field by field.

Amounts are read as people write them (``200000``, ``200,000.50``, ``20万``), dates as
``2026-03-31``, ``2026/3/31`` or ``2026年3月31日`` (or a spreadsheet date), USCCs checked.
A customer is referred to by creditbot's customer id, the ERP's customer number in the
business unit (``customer_external_id``) or its USCC.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.ledger.problems import field_error
from credit_domain.money import money, parse_amount
from credit_domain.uscc import validate_uscc

_ = text_factory("credit_domain")
_CN_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise field_error(_("A number is required."))
    if isinstance(value, int | float | Decimal):
        try:
            amount = money(Decimal(str(value)))
        except InvalidOperation:
            raise field_error(_("A number is required.")) from None
        if amount <= 0:
            raise field_error(_("The amount must be greater than zero: {text}", text=value))
        return amount
    try:
        return parse_amount(str(value))
    except InvalidInput as exc:
        raise field_error(exc.message) from None


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    m = _CN_DATE.match(unicodedata.normalize("NFKC", str(value)).strip())
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    raise field_error(_("Not a date; write it as 2026-03-31."))


def _uscc(value: Any) -> str:
    try:
        return validate_uscc(str(value))
    except InvalidInput as exc:
        raise field_error(exc.message) from None


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _list_of_text(value: Any) -> Any:
    if isinstance(value, str):  # a spreadsheet cell: "华为; Huawei"
        return [v.strip() for v in re.split(r"[;；,，|]", value) if v.strip()]
    return value


Amount = Annotated[Decimal, BeforeValidator(_amount)]
Day = Annotated[dt.date, BeforeValidator(_date)]
Uscc = Annotated[str, BeforeValidator(_uscc)]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Texts = Annotated[list[Name], BeforeValidator(_list_of_text)]


Blank = BeforeValidator(_blank_to_none)  # empty cells and strings mean "not given"
OptAmount = Annotated[Amount | None, Blank]
OptDay = Annotated[Day | None, Blank]
OptUscc = Annotated[Uscc | None, Blank]
OptId = Annotated[ExternalId | None, Blank]
OptTexts = Annotated[Texts | None, Blank]
OptInt = Annotated[int | None, Blank]
OptTerms = Annotated[Annotated[int, Field(ge=0, le=720)] | None, Blank]


OptStr100 = Annotated[Annotated[str, StringConstraints(max_length=100)] | None, Blank]
OptStr320 = Annotated[Annotated[str, StringConstraints(max_length=320)] | None, Blank]
OptStr500 = Annotated[Annotated[str, StringConstraints(max_length=500)] | None, Blank]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerRef(Record):
    """Which customer a ledger record belongs to (one of the three is enough)."""

    customer_id: OptInt = Field(None, description="creditbot's customer id")
    customer_external_id: OptId = Field(
        None, description="the ERP's customer number in this business unit")
    customer_uscc: OptUscc = Field(None, description="统一社会信用代码")

    @model_validator(mode="after")
    def _one_reference(self) -> CustomerRef:
        if self.customer_id is None and not self.customer_external_id and not self.customer_uscc:
            raise field_error(_("Say which customer: customer_external_id, customer_uscc or "
                                "customer_id."))
        return self


class CustomerRecord(Record):
    """A customer and its credit account in the business unit."""

    external_id: ExternalId = Field(description="the ERP's customer number")
    name: Name = Field(description="legal name")
    uscc: OptUscc = None
    aliases: OptTexts = None
    parent_uscc: OptUscc = Field(None, description="USCC of the group's parent company")
    industry: OptStr100 = None
    established_on: OptDay = None
    owner: OptStr320 = Field(
        None, description="the salesperson: e-mail, employee number or (when unique) name")
    team: OptId = Field(
        None, description="team code")
    payment_terms_days: OptTerms = None
    credit_limit: OptAmount = Field(
        None, description="initial limit of a new account (later changes go through an "
                          "application)")


class InvoiceRecord(CustomerRef):
    external_id: ExternalId = Field(description="the ERP's invoice number")
    amount: Amount
    issue_date: Day
    due_date: OptDay = Field(None, description="default: issue date + payment terms")
    order_external_id: OptId = None
    delivery_external_ids: OptTexts = Field(
        None, description="deliveries this invoice bills (they stop counting as shipped, "
                          "not invoiced)")

    @field_validator("due_date")
    @classmethod
    def _due_after_issue(cls, due: dt.date | None, info: ValidationInfo) -> dt.date | None:
        issued = info.data.get("issue_date")
        if due is not None and issued is not None and due < issued:
            raise field_error(_("The due date is before the issue date."))
        return due


class DeliveryRecord(CustomerRef):
    external_id: ExternalId = Field(description="the ERP's delivery note number")
    amount: Amount
    shipped_on: Day
    order_external_id: OptId = None


class AllocationIn(Record):
    invoice_external_id: ExternalId
    amount: Amount


class PaymentRecord(CustomerRef):
    external_id: ExternalId = Field(description="the ERP's receipt number")
    amount: Amount
    received_on: Day
    allocations: list[AllocationIn] | None = Field(
        None, description="how the ERP applied the payment; without it, oldest due first")

    @field_validator("allocations")
    @classmethod
    def _allocations_fit(cls, allocations: list[AllocationIn] | None, info: ValidationInfo
                         ) -> list[AllocationIn] | None:
        total = sum((a.amount for a in allocations or []), Decimal("0.00"))
        amount = info.data.get("amount")
        if amount is not None and total > amount:
            raise field_error(_("The allocations ({total}) exceed the payment ({amount}).",
                                total=total, amount=amount))
        return allocations


class CreditNoteRecord(CustomerRef):
    external_id: ExternalId = Field(description="the ERP's credit note number")
    amount: Amount
    issued_on: Day
    invoice_external_id: OptId = Field(
        None, description="the invoice it reduces; without it, oldest due first")
    reason: OptStr500 = None


class OrderRecord(CustomerRef):
    """An order to check against the customer's credit."""

    external_id: ExternalId = Field(description="the ERP's order number")
    amount: Amount
    ordered_on: OptDay = None
