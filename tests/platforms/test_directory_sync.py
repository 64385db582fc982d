"""``creditbot directory sync wecom|dingtalk`` as an administrator runs it, reading the fake
platforms' address books over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select

from credit_domain.bootstrap import build_domain
from credit_domain.orgs.models import Person, PlatformIdentity, Team
from tests.factories import World
from tests.platforms.fake_dingtalk import FakeDingTalk
from tests.platforms.fake_wecom import FakeWeCom


def creditbot(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def base_env(sqlite_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WECOM_", "DINGTALK_", "SLACK_"))}
    return {**env, "DATABASE_URL": sqlite_url, "CREDITBOT_SCHEDULER": "0", "LANG": "en_US.UTF-8"}


def with_bu(sqlite_url: str) -> None:
    domain = build_domain(sqlite_url)
    with domain.uow() as uow:
        World(uow.session, uow.now()).business_unit("IND")
        uow.commit()
    domain.dispose()


def people(sqlite_url: str, platform: str) -> dict[str, tuple[str, str | None, bool]]:
    domain = build_domain(sqlite_url)
    with domain.read() as s:
        rows = s.execute(select(PlatformIdentity.external_id, Person.name,
                                PlatformIdentity.union_id, Person.active).join(Person)
                         .where(PlatformIdentity.platform == platform)).all()
        teams = set(s.scalars(select(Team.external_ref)))
    domain.dispose()
    assert teams, "no teams were created"
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_wecom_directory_sync(sqlite_url: str, fake_wecom: FakeWeCom) -> None:
    with_bu(sqlite_url)
    fake_wecom.departments = [{"id": 1, "name": "华东科技", "parentid": 0},
                              {"id": 2, "name": "销售一部", "parentid": 1}]
    fake_wecom.members = {
        1: [{"userid": "boss", "name": "赵总", "department": [1], "status": 1}],
        2: [{"userid": "zhangsan", "name": "张三", "department": [2], "status": 1,
             "email": "zhangsan@example.cn"},
            {"userid": "boss", "name": "赵总", "department": [1, 2], "main_department": 1,
             "status": 1},
            {"userid": "gone", "name": "离职者", "department": [2], "status": 5}]}
    env = {**base_env(sqlite_url), "WECOM_CORP_ID": fake_wecom.corp_id,
           "WECOM_AGENT_ID": str(fake_wecom.agent_id), "WECOM_SECRET": fake_wecom.secret,
           "WECOM_API_URL": f"{fake_wecom.url}/cgi-bin/"}  # type: ignore[attr-defined]
    first = creditbot(["directory", "sync", "wecom", "--bu", "IND"], env)
    assert first.returncode == 0, first.stderr
    assert "2 teams created" in first.stdout and "3 people created" in first.stdout
    assert people(sqlite_url, "wecom") == {"boss": ("赵总", None, True),
                                           "zhangsan": ("张三", None, True),
                                           "gone": ("离职者", None, False)}
    second = creditbot(["directory", "sync", "wecom", "--bu", "IND"], env)
    assert second.returncode == 0 and "Nothing to change." in second.stdout

    wrong = creditbot(["directory", "sync", "wecom", "--bu", "NOPE"], env)
    assert wrong.returncode == 1 and "NOPE" in wrong.stderr


def test_dingtalk_directory_sync(sqlite_url: str, fake_dingtalk: FakeDingTalk) -> None:
    with_bu(sqlite_url)
    fake_dingtalk.departments = {1: [{"dept_id": 10, "name": "华南销售部", "parent_id": 1}],
                                 10: [{"dept_id": 11, "name": "深圳组", "parent_id": 10}]}
    fake_dingtalk.members = {
        11: [{"userid": f"u{n:03d}", "unionid": f"union{n}", "name": f"销售{n}",
              "dept_id_list": [11], "active": True, "job_number": f"E{n:03d}"}
             for n in range(150)]}  # two pages
    env = {**base_env(sqlite_url), "DINGTALK_CLIENT_ID": fake_dingtalk.client_id,
           "DINGTALK_CLIENT_SECRET": fake_dingtalk.client_secret,
           "DINGTALK_API_URL": fake_dingtalk.url, "DINGTALK_OAPI_URL": fake_dingtalk.url}
    dry = creditbot(["directory", "sync", "dingtalk", "--bu", "IND", "--dry-run"], env)
    assert dry.returncode == 0 and "would change" in dry.stdout
    run = creditbot(["directory", "sync", "dingtalk", "--bu", "IND", "--root", "10"], env)
    assert run.returncode == 0, run.stderr
    assert "2 teams created" in run.stdout and "150 people created" in run.stdout
    synced = people(sqlite_url, "dingtalk")
    assert len(synced) == 150 and synced["u149"] == ("销售149", "union149", True)

    env["DINGTALK_CLIENT_SECRET"] = "wrong"
    fake_dingtalk.expire_tokens()  # the stored token no longer works; a new one is refused
    refused = creditbot(["directory", "sync", "dingtalk", "--bu", "IND"], env)
    assert refused.returncode == 1 and "directory failed" in refused.stderr
