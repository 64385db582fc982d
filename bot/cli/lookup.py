"""Finding people, customers and business units from what an operator types on the command
line, and printing plain lines."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.cli.base import console
from credit_domain.access import Actor
from credit_domain.accounts.models import CreditAccount
from credit_domain.customers.services import find_accounts
from credit_domain.errors import InvalidInput, NotFound
from credit_domain.i18n import text_factory
from credit_domain.orgs.lookup import business_unit_by_code
from credit_domain.orgs.models import BusinessUnit, Person, PlatformIdentity

_ = text_factory("bot")


def find_person(session: Session, ref: str) -> Person:
    """A person by id, login (a platform identity), email, employee number or exact name."""
    key = ref.strip()
    by_identity = select(PlatformIdentity.person_id).where(PlatformIdentity.external_id == key)
    clauses = [Person.id.in_(by_identity), Person.email == key, Person.employee_no == key,
               Person.name == key]
    if key.isdigit():
        clauses.append(Person.id == int(key))
    people = list(session.scalars(select(Person).where(or_(*clauses), Person.active.is_(True))))
    if not people:
        raise NotFound(_("No one called {ref} is enrolled.", ref=key))
    if len(people) > 1:
        raise InvalidInput(_("{ref} could be {names}; use a login or an email.", ref=key,
                             names=", ".join(f"{p.name} (#{p.id})" for p in people)))
    return people[0]


def pick_account(session: Session, query: str, bu_code: str | None,
                 actor: Actor | None = None) -> CreditAccount:
    """The one credit account a customer query (name, alias, USCC) means, in ``bu_code``
    when given; a clear error when none or several match."""
    bu_id = None
    if bu_code:
        bu_id = business_unit_by_code(session, bu_code).id
    matches = find_accounts(session, actor or Actor.system("cli"), query, business_unit_id=bu_id)
    if not matches:
        raise NotFound(_("No customer matches {query}.", query=query))
    if len(matches) > 1:
        codes = dict(session.execute(select(BusinessUnit.id, BusinessUnit.code)).all())
        names = "; ".join(f"{m.legal_name} ({codes.get(m.business_unit_id)})"
                          for m in matches[:5])
        raise InvalidInput(_("{query} matches several accounts: {names}; be more precise or "
                             "give --bu.", query=query, names=names))
    account = session.get(CreditAccount, matches[0].account_id)
    assert account is not None
    return account


def pick_unit(session: Session, code: str) -> BusinessUnit:
    return business_unit_by_code(session, code)


def say(text: str, *, markup: bool = True) -> None:
    """Print a line as it is (wrapped by the terminal, not cut at 80 columns)."""
    console.print(text, highlight=False, soft_wrap=True, markup=markup)
