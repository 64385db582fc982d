"""Directory sync: a platform's departments become teams of one business unit, its users become
people with a platform identity, so administrators do not type the organisation in.

The platform fetchers (``bot/wecom/directory.py``, ``bot/dingtalk/directory.py``) hand plain
records to :func:`sync_org_directory`; this module knows no platform API. A sync is idempotent
(a second run with the same records changes nothing and audits nothing), never grants a role
(roles stay an administrator's decision) and never reactivates someone an administrator
deactivated. A full sync (no ``root``) deactivates people who left the platform, unless they
are also reachable on another platform.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select

from credit_domain.errors import InvalidInput, NotFound
from credit_domain.i18n import text_factory
from credit_domain.orgs.models import BusinessUnit, Person, Platform, PlatformIdentity, Team
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")


@dataclass(frozen=True)
class DirectoryDepartment:
    """A department as the platform lists it."""

    external_id: str
    name: str
    parent_id: str | None = None


@dataclass(frozen=True)
class DirectoryUser:
    """A member as the platform lists it; ``active`` is False for disabled or departed users."""

    external_id: str
    name: str
    departments: tuple[str, ...] = ()
    union_id: str | None = None
    email: str | None = None
    employee_no: str | None = None
    active: bool = True


@dataclass
class SyncReport:
    """What a sync changed (ids of the rows concerned) and what it left alone, and why."""

    teams_created: list[str] = field(default_factory=list)
    teams_renamed: list[str] = field(default_factory=list)
    people_created: list[str] = field(default_factory=list)
    identities_linked: list[str] = field(default_factory=list)
    identities_updated: list[str] = field(default_factory=list)
    people_deactivated: list[str] = field(default_factory=list)
    kept_active: list[str] = field(default_factory=list)  # left here, reachable elsewhere
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return any((self.teams_created, self.teams_renamed, self.people_created,
                    self.identities_linked, self.identities_updated, self.people_deactivated))

    def counts(self) -> dict[str, int]:
        return {"teams_created": len(self.teams_created), "teams_renamed": len(self.teams_renamed),
                "people_created": len(self.people_created),
                "identities_linked": len(self.identities_linked),
                "identities_updated": len(self.identities_updated),
                "people_deactivated": len(self.people_deactivated),
                "kept_active": len(self.kept_active), "unchanged": self.unchanged}


def subtree(departments: Sequence[DirectoryDepartment], root: str) -> set[str]:
    """The ids of ``root`` and every department below it."""
    children: dict[str | None, list[str]] = {}
    for d in departments:
        children.setdefault(d.parent_id, []).append(d.external_id)
    found, todo = set(), [root]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        todo.extend(children.get(current, ()))
    return found


def sync_org_directory(
    uow: UnitOfWork,
    *,
    platform: Platform,
    business_unit_code: str,
    departments: Sequence[DirectoryDepartment],
    users: Sequence[DirectoryUser],
    tenant: str = "",
    root: str | None = None,
) -> SyncReport:
    """Bring teams, people and identities in line with a platform's directory (see module
    docstring). ``root`` limits the sync to one department's subtree (then nobody is
    deactivated). Audited per change; the caller commits."""
    if platform not in (Platform.WECOM, Platform.DINGTALK):
        raise InvalidInput(_("Directory sync is not available for {platform}.",
                             platform=str(platform)))
    session = uow.session
    bu = session.scalar(select(BusinessUnit).where(BusinessUnit.code == business_unit_code))
    if bu is None:
        raise NotFound(_("Business unit {code} does not exist.", code=business_unit_code))
    twice = _first_duplicate(d.external_id for d in departments)
    if twice is not None:
        raise InvalidInput(_("The directory lists department {id} twice.", id=twice))
    twice = _first_duplicate(u.external_id for u in users)
    if twice is not None:
        raise InvalidInput(_("The directory lists user {id} twice.", id=twice))

    if root is not None:
        known = {d.external_id for d in departments}
        if root not in known:
            raise NotFound(_("Department {id} is not in the directory.", id=root))
        keep = subtree(departments, root)
        departments = [d for d in departments if d.external_id in keep]
        users = [u for u in users if keep.intersection(u.departments)]

    report = SyncReport()
    _sync_teams(uow, bu, platform, departments, report)
    _sync_people(uow, platform, tenant, users, report, full=root is None)
    if report.changed:
        uow.audit("directory.synced", "business_unit", bu.id, business_unit_id=bu.id,
                  after={"platform": platform.value, "root": root, **report.counts()})
    return report


def _first_duplicate(ids: Iterable[str]) -> str | None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            return i
        seen.add(i)
    return None


def _team_ref(platform: Platform, external_id: str) -> str:
    return f"{platform.value}:{external_id}"


def _sync_teams(uow: UnitOfWork, bu: BusinessUnit, platform: Platform,
                departments: Sequence[DirectoryDepartment], report: SyncReport) -> None:
    session = uow.session
    refs = [_team_ref(platform, d.external_id) for d in departments]
    existing = {t.external_ref: t for t in session.scalars(
        select(Team).where(Team.business_unit_id == bu.id, Team.external_ref.in_(refs)))}
    codes = set(session.scalars(select(Team.code).where(Team.business_unit_id == bu.id)))
    for d, ref in zip(departments, refs, strict=True):
        name = (d.name.strip() or d.external_id)[:200]
        team = existing.get(ref)
        if team is None:
            code = _free_code(f"{platform.value}-{d.external_id}", codes)
            codes.add(code)
            team = Team(business_unit_id=bu.id, code=code, name=name, external_ref=ref)
            session.add(team)
            session.flush()
            uow.audit("directory.team_created", "team", team.id, business_unit_id=bu.id,
                      after={"code": code, "name": name, "external_ref": ref})
            report.teams_created.append(ref)
        elif team.name != name:
            uow.audit("directory.team_renamed", "team", team.id, business_unit_id=bu.id,
                      before={"name": team.name}, after={"name": name})
            team.name = name
            report.teams_renamed.append(ref)


def _free_code(wanted: str, taken: set[str]) -> str:
    code, n = wanted[:64], 2
    while code in taken:
        suffix = f"-{n}"
        code, n = wanted[: 64 - len(suffix)] + suffix, n + 1
    return code


def _sync_people(uow: UnitOfWork, platform: Platform, tenant: str,
                 users: Sequence[DirectoryUser], report: SyncReport, *, full: bool) -> None:
    session = uow.session
    identities = {i.external_id: i for i in session.scalars(
        select(PlatformIdentity).where(PlatformIdentity.platform == platform,
                                       PlatformIdentity.tenant == tenant))}
    emails = {u.email.strip().lower() for u in users if u.email and u.email.strip()}
    by_email = {(p.email or "").lower(): p for p in session.scalars(
        select(Person).where(func.lower(Person.email).in_(emails)))} if emails else {}
    numbers = {u.employee_no.strip() for u in users if u.employee_no and u.employee_no.strip()}
    by_number = {p.employee_no: p for p in session.scalars(
        select(Person).where(Person.employee_no.in_(numbers)))} if numbers else {}

    leaving: list[PlatformIdentity] = []
    for user in users:
        identity = identities.get(user.external_id)
        if identity is None:
            identity = _link(uow, platform, tenant, user, by_email, by_number, report)
            identities[user.external_id] = identity
        else:
            _refresh(uow, identity, user, report)
        if not user.active:
            leaving.append(identity)
    if full:
        listed = {u.external_id for u in users}
        leaving += [i for ext, i in identities.items() if ext not in listed]
    _deactivate(uow, platform, tenant, leaving, report)


def _link(uow: UnitOfWork, platform: Platform, tenant: str, user: DirectoryUser,
          by_email: dict[str, Person], by_number: dict[str | None, Person],
          report: SyncReport) -> PlatformIdentity:
    session = uow.session
    email = user.email.strip().lower() if user.email and user.email.strip() else None
    number = user.employee_no.strip() if user.employee_no and user.employee_no.strip() else None
    person = (by_email.get(email) if email else None) or (by_number.get(number) if number else None)
    if person is None:
        person = Person(name=(user.name.strip() or user.external_id)[:200],
                        email=email, employee_no=number, active=user.active)
        session.add(person)
        session.flush()
        if email:
            by_email[email] = person
        if number:
            by_number[number] = person
        uow.audit("directory.person_created", "person", person.id, business_unit_id=None,
                  after={"name": person.name, "email": email, "employee_no": number,
                         "platform": platform.value, "external_id": user.external_id})
        report.people_created.append(user.external_id)
    identity = PlatformIdentity(person_id=person.id, platform=platform, tenant=tenant,
                                external_id=user.external_id, union_id=user.union_id,
                                display_name=user.name[:200] or None)
    session.add(identity)
    session.flush()
    uow.audit("directory.identity_linked", "person", person.id, business_unit_id=None,
              after={"platform": platform.value, "external_id": user.external_id,
                     "union_id": user.union_id})
    report.identities_linked.append(user.external_id)
    return identity


def _refresh(uow: UnitOfWork, identity: PlatformIdentity, user: DirectoryUser,
             report: SyncReport) -> None:
    name = user.name[:200] or None
    union_id = user.union_id or identity.union_id
    if identity.display_name == name and identity.union_id == union_id:
        report.unchanged += 1
        return
    uow.audit("directory.identity_updated", "person", identity.person_id, business_unit_id=None,
              before={"display_name": identity.display_name, "union_id": identity.union_id},
              after={"display_name": name, "union_id": union_id})
    identity.display_name, identity.union_id = name, union_id
    report.identities_updated.append(user.external_id)


def _deactivate(uow: UnitOfWork, platform: Platform, tenant: str,
                leaving: Sequence[PlatformIdentity], report: SyncReport) -> None:
    """Deactivate people who left this platform, unless reachable on another one."""
    person_ids = {i.person_id for i in leaving}
    if not person_ids:
        return
    session = uow.session
    elsewhere = set(session.scalars(
        select(PlatformIdentity.person_id).where(
            PlatformIdentity.person_id.in_(person_ids),
            (PlatformIdentity.platform != platform) | (PlatformIdentity.tenant != tenant))))
    people = session.scalars(select(Person).where(Person.id.in_(person_ids))).all()
    external = {i.person_id: i.external_id for i in leaving}
    for person in sorted(people, key=lambda p: p.id):
        if not person.active:
            continue
        if person.id in elsewhere:
            report.kept_active.append(external[person.id])
            continue
        person.active = False
        uow.audit("directory.person_deactivated", "person", person.id, business_unit_id=None,
                  before={"active": True}, after={"active": False},
                  reason=f"left {platform.value} directory")
        report.people_deactivated.append(external[person.id])
