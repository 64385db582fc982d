"""Build small constructed worlds for tests: organisation, customers, accounts and ledgers."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from sqlalchemy.orm import Session

from credit_domain.accounts.models import (
    AccountStatus,
    CreditAccount,
    TemporaryLimit,
    TemporaryLimitStatus,
)
from credit_domain.customers.models import Customer, CustomerAlias
from credit_domain.ledger.models import (
    Allocation,
    Delivery,
    Invoice,
    Order,
    OrderStatus,
    Payment,
)
from credit_domain.money import money
from credit_domain.names import normalize_name
from credit_domain.orgs.models import (
    BusinessUnit,
    Person,
    Platform,
    PlatformIdentity,
    Region,
    Role,
    RoleAssignment,
    Team,
)
from credit_domain.uscc import make_uscc

_seq = itertools.count(1)


def uscc_for(n: int) -> str:
    """A valid USCC, different for every n."""
    return make_uscc(f"91310000{n:08d}0")


class World:
    """Adds rows to ``session`` and flushes, returning the new objects."""

    def __init__(self, session: Session, now: dt.datetime) -> None:
        self.s = session
        self.now = now

    def _add(self, obj: object) -> None:
        self.s.add(obj)
        self.s.flush()

    def business_unit(self, code: str = "IND", name: str = "工业品事业部",
                      calendar: str = "CN") -> BusinessUnit:
        bu = BusinessUnit(code=code, name=name, name_en=f"{code} unit", currency="CNY",
                          timezone="Asia/Shanghai", calendar=calendar, locale="zh_CN")
        self._add(bu)
        return bu

    def region(self, bu: BusinessUnit, code: str = "EAST", name: str = "华东区") -> Region:
        r = Region(business_unit_id=bu.id, code=code, name=name)
        self._add(r)
        return r

    def team(self, bu: BusinessUnit, code: str = "T1", region: Region | None = None) -> Team:
        t = Team(business_unit_id=bu.id, code=code, name=code,
                 region_id=region.id if region else None)
        self._add(t)
        return t

    def person(self, name: str, *grants: tuple[BusinessUnit, Role, Team | Region | None],
               login: str | None = None, locale: str | None = None) -> Person:
        p = Person(name=name, locale=locale, active=True)
        for bu, role, scope in grants:
            p.roles.append(RoleAssignment(
                business_unit_id=bu.id, role=role,
                team_id=scope.id if isinstance(scope, Team) else None,
                region_id=scope.id if isinstance(scope, Region) else (
                    scope.region_id if isinstance(scope, Team) else None)))
        if login:
            p.identities.append(PlatformIdentity(platform=Platform.EMULATOR, tenant="",
                                                 external_id=login, display_name=name))
        self._add(p)
        return p

    def customer(self, name: str, *, uscc: str | None = None, aliases: tuple[str, ...] = (),
                 parent: Customer | None = None) -> Customer:
        c = Customer(legal_name=name, normalized_name=normalize_name(name),
                     uscc=uscc or uscc_for(next(_seq)), parent_id=parent.id if parent else None,
                     created_at=self.now, updated_at=self.now)
        for a in aliases:
            c.aliases.append(CustomerAlias(alias=a, normalized_alias=normalize_name(a)))
        self._add(c)
        return c

    def account(self, customer: Customer, bu: BusinessUnit, *, owner: Person | None = None,
                team: Team | None = None, limit: Decimal | int | str = 100_000,
                terms: int = 30, grade: str | None = "A",
                status: AccountStatus = AccountStatus.ACTIVE,
                external_id: str | None = None) -> CreditAccount:
        a = CreditAccount(
            business_unit_id=bu.id, customer_id=customer.id, external_id=external_id,
            owner_id=owner.id if owner else None, team_id=team.id if team else None,
            region_id=team.region_id if team else None, payment_terms_days=terms,
            credit_limit=money(limit), grade=grade, status=status, version=1,
            created_at=self.now, updated_at=self.now)
        self._add(a)
        return a

    def invoice(self, account: CreditAccount, amount: Decimal | int | str, *,
                issued: dt.date, due: dt.date | None = None,
                open_amount: Decimal | int | str | None = None) -> Invoice:
        amt = money(amount)
        inv = Invoice(
            business_unit_id=account.business_unit_id, account_id=account.id,
            external_id=f"INV-{next(_seq)}", amount=amt,
            open_amount=amt if open_amount is None else money(open_amount), issue_date=issued,
            due_date=due or issued + dt.timedelta(days=account.payment_terms_days),
            created_at=self.now, updated_at=self.now)
        self._add(inv)
        return inv

    def payment(self, account: CreditAccount, amount: Decimal | int | str, *, on: dt.date,
                invoice: Invoice | None = None) -> Payment:
        amt = money(amount)
        p = Payment(business_unit_id=account.business_unit_id, account_id=account.id,
                    external_id=f"PAY-{next(_seq)}", amount=amt,
                    unapplied_amount=Decimal("0.00") if invoice else amt, received_on=on,
                    created_at=self.now, updated_at=self.now)
        self._add(p)
        if invoice is not None:
            self._add(Allocation(invoice_id=invoice.id, payment_id=p.id, amount=amt,
                                 applied_on=on))
            invoice.open_amount = invoice.open_amount - amt
            if invoice.open_amount == 0:
                invoice.settled_on = on
            self.s.flush()
        return p

    def order(self, account: CreditAccount, amount: Decimal | int | str, *,
              status: OrderStatus = OrderStatus.RESERVED, on: dt.date | None = None,
              external_id: str | None = None) -> Order:
        amt = money(amount)
        o = Order(business_unit_id=account.business_unit_id, account_id=account.id,
                  external_id=external_id or f"SO-{next(_seq)}", amount=amt, open_amount=amt,
                  status=status, ordered_on=on or self.now.date(), created_at=self.now,
                  updated_at=self.now)
        self._add(o)
        return o

    def delivery(self, account: CreditAccount, amount: Decimal | int | str, *,
                 on: dt.date | None = None, invoiced: bool = False) -> Delivery:
        d = Delivery(business_unit_id=account.business_unit_id, account_id=account.id,
                     external_id=f"DN-{next(_seq)}", amount=money(amount),
                     shipped_on=on or self.now.date(),
                     invoiced_at=self.now if invoiced else None,
                     created_at=self.now, updated_at=self.now)
        self._add(d)
        return d

    def temporary_limit(self, account: CreditAccount, amount: Decimal | int | str, *,
                        valid_from: dt.date, valid_to: dt.date,
                        status: TemporaryLimitStatus = TemporaryLimitStatus.ACTIVE
                        ) -> TemporaryLimit:
        t = TemporaryLimit(account_id=account.id, amount=money(amount), valid_from=valid_from,
                           valid_to=valid_to, status=status, created_at=self.now)
        self._add(t)
        return t
