"""Directory sync: departments → teams, users → people with identities; idempotent, audited,
never granting roles, careful with deactivation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from credit_domain.audit.models import AuditEvent
from credit_domain.bootstrap import Domain
from credit_domain.errors import InvalidInput, NotFound
from credit_domain.orgs.directory import (
    DirectoryDepartment,
    DirectoryUser,
    SyncReport,
    sync_org_directory,
)
from credit_domain.orgs.models import Person, Platform, PlatformIdentity, RoleAssignment, Team
from tests.factories import World

DEPARTMENTS = [DirectoryDepartment("1", "华东科技有限公司"),
               DirectoryDepartment("2", "销售一部", "1"),
               DirectoryDepartment("3", "销售二部", "1"),
               DirectoryDepartment("4", "华南组", "3"),
               DirectoryDepartment("5", "财务部", "1")]
USERS = [DirectoryUser("zhangsan", "张三", ("2",), email="zhangsan@example.cn"),
         DirectoryUser("lisi", "李四", ("4",), employee_no="E002"),
         DirectoryUser("wangfang", "王芳", ("5",), union_id="u-wangfang")]


def setup_bu(domain: Domain) -> None:
    with domain.uow() as uow:
        World(uow.session, uow.now()).business_unit("IND")
        uow.commit()


def sync(domain: Domain, users: list[DirectoryUser] = USERS,
         departments: list[DirectoryDepartment] = DEPARTMENTS, **kw: object) -> SyncReport:
    with domain.uow() as uow:
        report = sync_org_directory(uow, platform=kw.pop("platform", Platform.WECOM),  # type: ignore[arg-type]
                                    business_unit_code="IND", departments=departments,
                                    users=users, **kw)  # type: ignore[arg-type]
        uow.commit()
    return report


def audit_count(domain: Domain) -> int:
    with domain.read() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def test_departments_become_teams_and_users_people(any_domain: Domain) -> None:
    setup_bu(any_domain)
    report = sync(any_domain)
    assert len(report.teams_created) == 5 and len(report.people_created) == 3
    with any_domain.read() as s:
        teams = {t.external_ref: t.name for t in s.scalars(select(Team))}
        people = {i.external_id: (i.person.name, i.person.email, i.union_id)
                  for i in s.scalars(select(PlatformIdentity))}
        roles = s.scalar(select(func.count()).select_from(RoleAssignment))
    assert teams["wecom:4"] == "华南组"
    assert people["zhangsan"] == ("张三", "zhangsan@example.cn", None)
    assert people["wangfang"][2] == "u-wangfang"
    assert roles == 0  # a sync never grants a role


def test_a_second_sync_changes_and_audits_nothing(any_domain: Domain) -> None:
    setup_bu(any_domain)
    sync(any_domain)
    before = audit_count(any_domain)
    again = sync(any_domain)
    assert not again.changed and again.unchanged == 3
    assert audit_count(any_domain) == before


def test_renames_are_applied_and_audited(any_domain: Domain) -> None:
    setup_bu(any_domain)
    sync(any_domain)
    renamed = [DirectoryDepartment("2", "大客户部", "1"), *DEPARTMENTS[2:]]
    users = [DirectoryUser("zhangsan", "张三丰", ("2",)), *USERS[1:]]
    report = sync(any_domain, users, [DEPARTMENTS[0], *renamed])
    assert report.teams_renamed == ["wecom:2"] and report.identities_updated == ["zhangsan"]
    with any_domain.read() as s:
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        name = s.scalar(select(Team.name).where(Team.external_ref == "wecom:2"))
    assert name == "大客户部"
    assert sorted(actions[-3:]) == ["directory.identity_updated", "directory.synced",
                                    "directory.team_renamed"]


def test_existing_people_are_matched_by_email_or_employee_number(any_domain: Domain) -> None:
    setup_bu(any_domain)
    with any_domain.uow() as uow:
        uow.session.add_all([Person(name="Zhang San", email="ZhangSan@example.cn"),
                             Person(name="Li Si", employee_no="E002")])
        uow.commit()
    report = sync(any_domain)
    assert report.people_created == ["wangfang"]
    with any_domain.read() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 3
        linked = s.scalar(select(Person.name).join(PlatformIdentity).where(
            PlatformIdentity.external_id == "zhangsan"))
    assert linked == "Zhang San"  # the administrator's spelling stays


def test_people_who_left_are_deactivated_unless_reachable_elsewhere(any_domain: Domain) -> None:
    setup_bu(any_domain)
    sync(any_domain)
    with any_domain.uow() as uow:
        lisi = uow.session.scalar(select(PlatformIdentity).where(
            PlatformIdentity.external_id == "lisi"))
        assert lisi is not None
        uow.session.add(PlatformIdentity(person_id=lisi.person_id, platform=Platform.SLACK,
                                         tenant="T1", external_id="U123"))
        uow.commit()
    report = sync(any_domain, [USERS[0]])  # lisi and wangfang are gone from WeCom
    assert report.people_deactivated == ["wangfang"] and report.kept_active == ["lisi"]
    with any_domain.read() as s:
        active = dict(s.execute(select(PlatformIdentity.external_id, Person.active).join(Person)
                                .where(PlatformIdentity.platform == Platform.WECOM)).all())
    assert active == {"zhangsan": True, "lisi": True, "wangfang": False}
    assert not sync(any_domain, [USERS[0]]).changed


def test_a_disabled_user_is_deactivated_and_not_revived(any_domain: Domain) -> None:
    setup_bu(any_domain)
    sync(any_domain)
    disabled = [USERS[0], DirectoryUser("lisi", "李四", ("4",), active=False), USERS[2]]
    assert sync(any_domain, disabled).people_deactivated == ["lisi"]
    back = sync(any_domain)  # enabled again on the platform: an administrator decides
    assert not back.changed


def test_a_subtree_sync_touches_only_that_subtree(any_domain: Domain) -> None:
    setup_bu(any_domain)
    report = sync(any_domain, root="3")
    assert sorted(report.teams_created) == ["wecom:3", "wecom:4"]
    assert report.people_created == ["lisi"] and report.people_deactivated == []


def test_bad_input_is_refused_and_changes_nothing(any_domain: Domain) -> None:
    setup_bu(any_domain)
    with pytest.raises(NotFound), any_domain.uow() as uow:
        sync_org_directory(uow, platform=Platform.WECOM, business_unit_code="NOPE",
                           departments=DEPARTMENTS, users=USERS)
    with pytest.raises(InvalidInput) as twice:
        sync(any_domain, [*USERS, USERS[0]])
    assert "zhangsan" in twice.value.localized("zh_CN") and "两次" in twice.value.localized(
        "zh_CN")
    with pytest.raises(NotFound):
        sync(any_domain, root="99")
    with pytest.raises(InvalidInput):
        sync(any_domain, platform=Platform.EMULATOR)
    with any_domain.read() as s:
        assert s.scalar(select(func.count()).select_from(Team)) == 0
        assert s.scalar(select(func.count()).select_from(Person)) == 0


def test_team_codes_never_collide(any_domain: Domain) -> None:
    setup_bu(any_domain)
    with any_domain.uow() as uow:
        uow.session.add(Team(business_unit_id=1, code="dingtalk-2", name="manual"))
        uow.commit()
    sync(any_domain, [], [DirectoryDepartment("2", "销售一部")], platform=Platform.DINGTALK)
    with any_domain.read() as s:
        codes = sorted(s.scalars(select(Team.code)))
    assert codes == ["dingtalk-2", "dingtalk-2-2"]
