"""Seed a realistic, deterministic demo data set (same seed and date → same data).

Two business units, regions, teams, people in every role, about 200 customers with valid
USCCs, limits, orders, deliveries, invoices spread over every aging bucket, payments on time
and late, temporary limits, groups of related companies and a few accounts on hold.
(``credit_domain.demo.workflow`` then adds applications in every state and a blocked order,
through the real services.)
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from credit_domain.accounts.exposure import accounts_exposure
from credit_domain.accounts.models import (
    AccountStatus,
    CreditAccount,
    TemporaryLimit,
    TemporaryLimitStatus,
)
from credit_domain.bootstrap import Domain
from credit_domain.clock import local_date
from credit_domain.customers.models import Customer, CustomerAlias
from credit_domain.db.models import Base
from credit_domain.demo import roster
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
from credit_domain.unit_of_work import ActorRef, UnitOfWork
from credit_domain.uscc import make_uscc

GRADES: dict[str, list[str | None]] = {
    "good": ["AAA", "AA", "A"], "slow": ["BBB", "BB", "B"], "bad": ["CCC", "C"], "new": [None]}
GRADE_SCORE = {"AAA": 92, "AA": 85, "A": 78, "BBB": 70, "BB": 63, "B": 56, "CCC": 45, "C": 35}


@dataclass(frozen=True)
class DemoSummary:
    business_units: int
    people: int
    customers: int
    accounts: int
    invoices: int
    payments: int
    orders: int
    on_hold: int


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(BusinessUnit))


def reset(domain: Domain) -> None:
    """Delete every row of every table (the schema stays)."""
    with domain.uow() as uow:
        for table in reversed(Base.metadata.sorted_tables):
            uow.session.execute(delete(table))
        uow.commit()


def org_code(rng: random.Random) -> str:
    """A GB 11714 organisation code (8 characters and its check character)."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    c = 11 - sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(c, str(c))


def seed_demo(
    domain: Domain, *, customers: int = 200, seed: int = 20261128, today: dt.date | None = None
) -> DemoSummary:
    """Seed the demo data set into an empty database."""
    rng = random.Random(seed)
    with domain.uow(ActorRef.system("demo")) as uow:
        today = today or local_date(uow.now(), "Asia/Shanghai")
        builder = _Builder(uow, rng, today)
        builder.organisation()
        builder.customers(customers)
        summary = builder.summary()
        _history_alerted(uow, today)
        uow.audit("demo.seeded", "database", "demo", business_unit_id=None,
                  after=summary.__dict__)
        uow.commit()
    return summary


class _Builder:
    def __init__(self, uow: UnitOfWork, rng: random.Random, today: dt.date) -> None:
        self.uow, self.s, self.rng, self.today = uow, uow.session, rng, today
        self.now = uow.now()
        self.bus: dict[str, BusinessUnit] = {}
        self.teams: dict[str, Team] = {}
        self.regions: dict[tuple[str, str], Region] = {}
        self.sales: dict[str, list[tuple[Person, Team]]] = {}
        self.counters: dict[str, int] = {}

    def next_id(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}-{self.counters[prefix]:06d}"

    # -- organisation -------------------------------------------------------------------------
    def organisation(self) -> None:
        for code, name, name_en in roster.BUSINESS_UNITS:
            bu = BusinessUnit(code=code, name=name, name_en=name_en, currency="CNY",
                              timezone="Asia/Shanghai", calendar="CN", locale="zh_CN")
            self.s.add(bu)
            self.bus[code] = bu
            for rcode, rname in roster.REGIONS:
                region = Region(business_unit=bu, code=rcode, name=rname)
                self.s.add(region)
                self.regions[(code, rcode)] = region
            for tcode, tname, rcode in roster.TEAMS[code]:
                team = Team(business_unit=bu, code=tcode, name=tname,
                            region=self.regions[(code, rcode)])
                self.s.add(team)
                self.teams[tcode] = team
        self.s.flush()
        for p in roster.PEOPLE:
            person = Person(name=p.name, email=f"{p.login}@demo.creditbot.local",
                            locale=p.locale, active=True)
            person.identities.append(PlatformIdentity(platform=Platform.EMULATOR, tenant="",
                                                      external_id=p.login, display_name=p.name))
            for bu_code, role, scope in p.roles:
                bu = self.bus[bu_code]
                home = self.teams.get(scope or "")
                area = self.regions.get((bu_code, scope or ""))
                person.roles.append(RoleAssignment(
                    business_unit_id=bu.id, role=role, team_id=home.id if home else None,
                    region_id=area.id if area else (home.region_id if home else None)))
                if role == Role.SALESPERSON and home is not None:
                    self.sales.setdefault(bu_code, []).append((person, home))
            self.s.add(person)
        self.s.flush()

    # -- customers and their ledgers -----------------------------------------------------------
    def customers(self, n: int) -> None:
        names: set[str] = set()
        parents: list[Customer] = []
        for i in range(n):
            city, division = self.rng.choice(roster.CITIES)
            brand = self.rng.choice(roster.BRANDS)
            trade, industry = self.rng.choice(roster.TRADES)
            legal = f"{city}{brand}{trade}有限公司"
            if i == 0:
                legal, industry, division = "华为技术有限公司", "electronics", "440300"
            while legal in names:
                legal = f"{city}{brand}{trade}{self.rng.choice('一二三四五六七八')}厂有限公司"
            names.add(legal)
            uscc = make_uscc("91" + division + org_code(self.rng))
            cust = Customer(
                legal_name=legal, normalized_name=normalize_name(legal), uscc=uscc,
                industry=industry, created_at=self.now, updated_at=self.now,
                established_on=self.today - dt.timedelta(days=self.rng.randint(400, 9000)),
            )
            short = brand if i else "华为"
            for alias in {short + trade if i else "华为", "Huawei" if i == 0 else None,
                          f"{city}{brand}"} - {None}:
                cust.aliases.append(CustomerAlias(alias=str(alias),
                                                  normalized_alias=normalize_name(str(alias))))
            if i and i % 40 == 1:
                parents.append(cust)
            elif parents and i % 40 in (2, 3):
                cust.parent = parents[-1]
            self.s.add(cust)
            self.s.flush()
            profile = "good" if i == 0 else self.rng.choices(
                ["good", "slow", "bad", "new"], weights=[60, 25, 11, 4])[0]
            roll = self.rng.random()
            bu_codes = ["IND"] if roll < 0.7 else (["CON"] if roll < 0.9 else ["IND", "CON"])
            for bu_code in bu_codes:
                self.account(cust, bu_code, profile, i)

    def account(self, cust: Customer, bu_code: str, profile: str, i: int) -> None:
        bu = self.bus[bu_code]
        owner, team = self.sales[bu_code][0] if i == 0 else self.rng.choice(self.sales[bu_code])
        terms = self.rng.choice([30, 30, 45, 60, 60, 90])
        grade = self.rng.choice(GRADES[profile])
        acc = CreditAccount(
            business_unit_id=bu.id, customer_id=cust.id, external_id=f"{bu_code}{i:05d}",
            owner_id=owner.id, team_id=team.id, region_id=team.region_id,
            payment_terms_days=terms, credit_limit=Decimal("0.00"), grade=grade,
            score=float(GRADE_SCORE[grade] + self.rng.randint(-3, 3)) if grade else None,
            status=AccountStatus.ACTIVE, version=1, created_at=self.now, updated_at=self.now,
            review_date=self.today + dt.timedelta(days=self.rng.randint(-45, 330)),
            opened_on=self.today - dt.timedelta(days=self.rng.randint(200, 2500)),
        )
        self.s.add(acc)
        self.s.flush()
        if profile == "new":
            acc.review_date, acc.opened_on = None, self.today - dt.timedelta(days=5)
            return
        monthly = Decimal(self.rng.choice([5, 8, 12, 20, 30, 50, 80, 120, 200])) * 10_000
        worst_overdue = self.ledger(acc, bu, profile, monthly, terms)
        self.orders(acc, bu, monthly)
        self.s.flush()
        exposure = accounts_exposure(self.s, [acc.id], self.today)[acc.id].exposure
        target = {"good": self.rng.uniform(0.35, 0.85), "slow": self.rng.uniform(0.6, 0.97),
                  "bad": self.rng.uniform(0.85, 1.15)}[profile]
        limit = (exposure / Decimal(str(target))).quantize(Decimal("1E4"))
        acc.credit_limit = money(max(Decimal(50_000), limit))
        if profile == "bad" and worst_overdue > 60 and self.rng.random() < 0.6:
            acc.status = AccountStatus.ON_HOLD
            acc.hold_reason = (f"逾期超过{worst_overdue}天，超出容忍期 "
                               f"(overdue {worst_overdue} days)")
            acc.hold_since = self.now - dt.timedelta(days=self.rng.randint(1, 20))
            acc.hold_cause = "overdue"  # lifted by the rules once the overdue is paid
        if i % 17 == 5:
            self.temporary_limit(acc, monthly)

    def ledger(self, acc: CreditAccount, bu: BusinessUnit, profile: str, monthly: Decimal,
               terms: int) -> int:
        """Invoices over 15 months, paid by the profile's habits; returns the worst days
        overdue of what is still open."""
        worst = 0
        paid: list[tuple[Invoice, Decimal, dt.date]] = []
        for months_ago in range(15, -1, -1):
            for _ in range(self.rng.randint(1, 3)):
                issue = self.today - dt.timedelta(days=30 * months_ago + self.rng.randint(0, 29))
                if issue > self.today:
                    continue
                amount = money(monthly * Decimal(str(self.rng.uniform(0.2, 0.6))))
                due = issue + dt.timedelta(days=terms)
                inv = Invoice(
                    business_unit_id=bu.id, account_id=acc.id,
                    external_id=self.next_id(f"INV-{bu.code}"), amount=amount,
                    open_amount=amount, issue_date=issue, due_date=due,
                    created_at=self.now, updated_at=self.now,
                )
                self.s.add(inv)
                delay = {"good": self.rng.randint(-8, 3), "slow": self.rng.randint(3, 40),
                         "bad": self.rng.randint(15, 150)}[profile]
                paid_on = due + dt.timedelta(days=delay)
                if paid_on <= self.today:
                    partial = profile == "bad" and self.rng.random() < 0.3
                    paying = money(amount / 2) if partial else amount
                    inv.open_amount = inv.amount - paying
                    if inv.open_amount == 0:
                        inv.settled_on = paid_on
                    paid.append((inv, paying, paid_on))
                if inv.open_amount > 0 and due < self.today:
                    worst = max(worst, (self.today - due).days)
        self.pay(acc, bu, paid)
        return worst

    def pay(self, acc: CreditAccount, bu: BusinessUnit,
            paid: list[tuple[Invoice, Decimal, dt.date]]) -> None:
        """One payment per paid invoice, applied to it (inserted in one flush)."""
        payments = [Payment(business_unit_id=bu.id, account_id=acc.id,
                            external_id=self.next_id(f"PAY-{bu.code}"), amount=amount,
                            unapplied_amount=Decimal("0.00"), received_on=on,
                            created_at=self.now, updated_at=self.now)
                    for _inv, amount, on in paid]
        self.s.add_all(payments)
        self.s.flush()
        self.s.add_all(Allocation(invoice_id=inv.id, payment_id=pay.id, amount=amount,
                                  applied_on=on)
                       for (inv, amount, on), pay in zip(paid, payments, strict=True))

    def orders(self, acc: CreditAccount, bu: BusinessUnit, monthly: Decimal) -> None:
        if self.rng.random() < 0.35:
            amount = money(monthly * Decimal(str(self.rng.uniform(0.1, 0.4))))
            self.s.add(Order(
                business_unit_id=bu.id, account_id=acc.id,
                external_id=self.next_id(f"SO-{bu.code}"),
                amount=amount, open_amount=amount, status=OrderStatus.RESERVED,
                ordered_on=self.today - dt.timedelta(days=self.rng.randint(0, 10)),
                created_at=self.now, updated_at=self.now))
        if self.rng.random() < 0.2:
            amount = money(monthly * Decimal(str(self.rng.uniform(0.1, 0.3))))
            self.s.add(Delivery(
                business_unit_id=bu.id, account_id=acc.id,
                external_id=self.next_id(f"DN-{bu.code}"),
                amount=amount, shipped_on=self.today - dt.timedelta(days=self.rng.randint(0, 6)),
                created_at=self.now, updated_at=self.now))

    def temporary_limit(self, acc: CreditAccount, monthly: Decimal) -> None:
        start = self.today - dt.timedelta(days=self.rng.randint(5, 40))
        end = self.today + dt.timedelta(days=self.rng.choice([-2, 3, 6, 20, 45]))
        self.s.add(TemporaryLimit(
            account_id=acc.id, amount=money(monthly * Decimal("0.5")), valid_from=start,
            valid_to=end, status=TemporaryLimitStatus.ACTIVE, reason="旺季备货 (peak season)",
            source="demo", created_at=self.now))

    def summary(self) -> DemoSummary:
        def n(model: type[Base]) -> int:
            return int(self.s.scalar(select(func.count()).select_from(model)) or 0)

        on_hold = self.s.scalar(select(func.count()).select_from(CreditAccount).where(
            CreditAccount.status == AccountStatus.ON_HOLD)) or 0
        return DemoSummary(n(BusinessUnit), n(Person), n(Customer), n(CreditAccount), n(Invoice),
                           n(Payment), n(Order), int(on_hold))


def _history_alerted(uow: UnitOfWork, today: dt.date) -> None:
    """The demo is a book creditbot has been watching: invoices that fell overdue before the
    last week were reported back then (the monitoring policy's ``new_within_days``), so the
    first scan reports this week's and does not bring up a year of history at once. Only the
    invoices are marked: alert records dated today would count as this week's alerts in the
    digests."""
    earliest_new = today - dt.timedelta(days=7)
    uow.session.execute(update(Invoice).where(Invoice.open_amount > 0,
                                              Invoice.due_date < earliest_new)
                        .values(overdue_reported=True)
                        .execution_options(synchronize_session=False))
