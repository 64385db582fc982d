"""Enrolling people: who they are, which roles they hold, and under which chat identities
creditbot recognises them. Administrators use these through ``creditbot people``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from credit_domain.errors import Conflict, InvalidInput, NotFound
from credit_domain.i18n import SUPPORTED_LOCALES, normalize_locale, text_factory
from credit_domain.orgs.lookup import business_unit_by_code
from credit_domain.orgs.models import (
    Person,
    Platform,
    PlatformIdentity,
    Region,
    Role,
    RoleAssignment,
    Team,
)
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")

# What each platform's user ids look like (a typo is caught before it is stored).
ID_PATTERNS = {
    Platform.SLACK: re.compile(r"^[UW][A-Z0-9]{2,}$"),
    Platform.WECOM: re.compile(r"^[A-Za-z0-9_.@-]{1,64}$"),
    Platform.DINGTALK: re.compile(r"^[A-Za-z0-9_$-]{1,64}$"),
    Platform.EMULATOR: re.compile(r"^[a-z0-9_.-]{2,64}$"),
}
ID_EXAMPLES = {Platform.SLACK: "U024BE7LH", Platform.WECOM: "zhangsan",
               Platform.DINGTALK: "manager4220", Platform.EMULATOR: "wangfang"}


@dataclass(frozen=True)
class Identity:
    platform: str
    tenant: str
    external_id: str


def find_person(session: Session, ref: str) -> Person:
    """A person by id, e-mail, emulator login or exact name; a clear error when none or
    several match."""
    ref = (ref or "").strip()
    if not ref:
        raise InvalidInput(_("Say which person: their id, e-mail, login or name."))
    if ref.isdigit():
        person = session.get(Person, int(ref))
        if person is not None:
            return person
    logins = select(PlatformIdentity.person_id).where(PlatformIdentity.external_id == ref)
    people = session.scalars(
        select(Person).where(or_(func.lower(Person.email) == ref.lower(), Person.name == ref,
                                 Person.id.in_(logins)))
        .order_by(Person.id)).unique().all()
    if not people:
        raise NotFound(_("No person matches {ref}. See `creditbot people list`.", ref=ref))
    if len(people) > 1:
        raise InvalidInput(_("Several people match {ref} (ids {ids}); use the id.", ref=ref,
                             ids=", ".join(str(p.id) for p in people)))
    return people[0]


def list_people(session: Session) -> list[Person]:
    """Every person with roles and identities loaded, in id order."""
    return list(session.scalars(
        select(Person).options(selectinload(Person.roles).selectinload(RoleAssignment.team),
                               selectinload(Person.roles).selectinload(
                                   RoleAssignment.business_unit),
                               selectinload(Person.identities))
        .order_by(Person.id)))


def person_for_identity(session: Session, identity: Identity) -> Person | None:
    """The active person behind a platform identity (an identity linked without a tenant
    matches any tenant of its platform), or None when nobody is enrolled under it."""
    rows = session.scalars(
        select(PlatformIdentity).where(
            PlatformIdentity.platform == identity.platform,
            PlatformIdentity.external_id == identity.external_id,
            PlatformIdentity.tenant.in_({identity.tenant, ""}))
        .options(selectinload(PlatformIdentity.person))).all()
    rows = sorted(rows, key=lambda r: r.tenant != identity.tenant)  # the exact tenant first
    for row in rows:
        if row.person.active:
            return row.person
    return None


def add_person(uow: UnitOfWork, name: str, *, business_unit: str, role: str,
               team: str | None = None, region: str | None = None, email: str | None = None,
               locale: str | None = None) -> Person:
    """Enrol a person with one role in a business unit (``team`` places a salesperson or
    scopes a sales manager; ``region`` scopes a region director)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("A person needs a name."))
    bu = business_unit_by_code(uow.session, business_unit)
    try:
        the_role = Role(role)
    except ValueError:
        raise InvalidInput(_("Unknown role {role}; one of: {roles}.", role=role,
                             roles=", ".join(r.value for r in Role))) from None
    team_row = region_row = None
    if team:
        team_row = uow.session.scalar(select(Team).where(Team.business_unit_id == bu.id,
                                                         Team.code == team))
        if team_row is None:
            raise NotFound(_("There is no team {code} in {bu}.", code=team, bu=bu.code))
    if region:
        region_row = uow.session.scalar(select(Region).where(Region.business_unit_id == bu.id,
                                                             Region.code == region))
        if region_row is None:
            raise NotFound(_("There is no region {code} in {bu}.", code=region, bu=bu.code))
    if the_role in (Role.SALESPERSON, Role.SALES_MANAGER) and team_row is None:
        raise InvalidInput(_("A {role} needs a team (--team).", role=the_role.value))
    if the_role == Role.REGION_DIRECTOR and region_row is None:
        raise InvalidInput(_("A region director needs a region (--region)."))
    if email:
        email = email.strip().lower()
        if "@" not in email:
            raise InvalidInput(_("{email} is not an e-mail address.", email=email))
        taken = uow.session.scalar(select(Person.id).where(func.lower(Person.email) == email))
        if taken is not None:
            raise Conflict(_("The e-mail {email} belongs to person {id} already.",
                             email=email, id=taken))
    person = Person(name=name, email=email or None, active=True,
                    locale=_locale(locale) if locale else None)
    person.roles.append(RoleAssignment(
        business_unit_id=bu.id, role=the_role, team_id=team_row.id if team_row else None,
        region_id=region_row.id if region_row else (team_row.region_id if team_row else None)))
    uow.session.add(person)
    uow.session.flush()
    uow.audit("person.enrolled", "person", person.id, business_unit_id=bu.id,
              after={"name": name, "email": email, "role": the_role.value, "team": team,
                     "region": region})
    return person


def link_identity(uow: UnitOfWork, person: Person, platform: str, external_id: str,
                  *, tenant: str = "", display_name: str | None = None) -> PlatformIdentity:
    """Link a platform account to ``person``. Linking the same account again changes
    nothing; an account linked to someone else is refused."""
    try:
        the_platform = Platform(platform)
    except ValueError:
        raise InvalidInput(_("Unknown platform {platform}.", platform=platform)) from None
    external_id = (external_id or "").strip()
    pattern = ID_PATTERNS.get(the_platform)
    if pattern is not None and not pattern.match(external_id):
        raise InvalidInput(_("{value} does not look like a {platform} user id (e.g. {example}).",
                             value=external_id, platform=the_platform.value,
                             example=ID_EXAMPLES[the_platform]))
    existing = uow.session.scalar(select(PlatformIdentity).where(
        PlatformIdentity.platform == the_platform, PlatformIdentity.tenant == tenant,
        PlatformIdentity.external_id == external_id))
    if existing is not None:
        if existing.person_id != person.id:
            raise Conflict(_("{platform} user {value} is already linked to person {id}.",
                             platform=the_platform.value, value=external_id,
                             id=existing.person_id))
        return existing
    identity = PlatformIdentity(person_id=person.id, platform=the_platform, tenant=tenant,
                                external_id=external_id, display_name=display_name)
    uow.session.add(identity)
    uow.session.flush()
    uow.audit("person.identity_linked", "person", person.id, business_unit_id=None,
              after={"platform": the_platform.value, "tenant": tenant,
                     "external_id": external_id})
    return identity


def set_locale(uow: UnitOfWork, person_id: int, locale: str | None) -> Person:
    """Set a person's language (``None``: the platform's default)."""
    person = uow.session.get(Person, person_id)
    if person is None:
        raise NotFound(_("Person {id} is not enrolled.", id=person_id))
    before = person.locale
    person.locale = _locale(locale) if locale else None
    if person.locale != before:
        uow.audit("person.locale_changed", "person", person.id, business_unit_id=None,
                  before={"locale": before}, after={"locale": person.locale})
    return person


def _locale(value: str) -> str:
    locale = normalize_locale(value)
    if locale not in SUPPORTED_LOCALES:
        raise InvalidInput(_("Unsupported language {value}.", value=value))
    return locale
