"""Who a command acts as (``--as``): a person by id, e-mail, employee number or chat login."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from credit_domain.access import Actor, load_actor
from credit_domain.errors import NotFound
from credit_domain.i18n import text_factory
from credit_domain.orgs.models import Person, PlatformIdentity

_ = text_factory("bot")


def acting_as(session: Session, who: str | None, system_name: str = "cli") -> Actor:
    """The person ``who`` with their roles; the system actor when ``who`` is None."""
    if who is None:
        return Actor.system(system_name)
    login = select(PlatformIdentity.person_id).where(PlatformIdentity.external_id == who)
    person_id = session.scalar(select(Person.id).where(or_(
        Person.id == (int(who) if who.isdigit() else -1), Person.email == who,
        Person.employee_no == who, Person.id.in_(login))).limit(1))
    if person_id is None:
        raise NotFound(_("No one is enrolled as {who}.", who=who))
    return load_actor(session, person_id)
