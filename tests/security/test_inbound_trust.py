"""Inbound trust beyond the platform adapters' own tests (signatures, stale and replayed
requests: ``tests/bot/slack/test_slack_http.py``, ``tests/platforms/test_wecom_callback.py``,
``tests/platforms/test_dingtalk_http.py``): sign-in never redirects off the site, the session
cookie is Secure behind HTTPS, the demo sign-in refuses to start next to any real platform,
and a revoked API key stops at the very next request."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.web.app import create_app
from bot.web.auth import login_link
from credit_domain.apikeys.services import create_key, revoke_key
from credit_domain.orgs.models import Role
from credit_domain.unit_of_work import ActorRef
from tests.factories import World
from tests.integration_world import make_shop


def person(rt: Any) -> int:
    with rt.domain.uow() as uow:
        w = World(uow.session, uow.now())
        p = w.person("王芳", (w.business_unit(), Role.SALESPERSON, None))
        uow.commit()
        return p.id


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example", "https://evil.example",
                                    "javascript:alert(1)", "/ok\r\nSet-Cookie: x=1"])
def test_sign_in_never_redirects_off_the_site(make_runtime: Any, target: str) -> None:
    rt = make_runtime(emulator=True)
    pid = person(rt)
    client = TestClient(create_app(rt), follow_redirects=False)
    picked = client.post("/login/emulator", data={"person_id": pid, "next": target})
    assert picked.status_code == 303 and picked.headers["location"] == "/dashboard"
    linked = client.get(login_link(rt, pid, target))
    assert linked.status_code == 303 and linked.headers["location"] == "/dashboard"
    assert f'value="{target}"' not in client.get("/login", params={"next": target}).text


def test_a_path_on_the_site_is_kept(make_runtime: Any) -> None:
    rt = make_runtime(emulator=True)
    pid = person(rt)
    client = TestClient(create_app(rt), follow_redirects=False)
    went = client.get(login_link(rt, pid, "/dashboard?scope=bu:IND"))
    assert went.headers["location"] == "/dashboard?scope=bu:IND"


@pytest.mark.parametrize(("public_url", "secure"), [("https://credit.example.cn", True),
                                                    ("http://127.0.0.1:8000", False)])
def test_the_session_cookie_is_secure_behind_https(make_runtime: Any, public_url: str,
                                                   secure: bool) -> None:
    rt = make_runtime(public_url=public_url)
    pid = person(rt)
    client = TestClient(create_app(rt), follow_redirects=False, base_url="https://testserver")
    cookie = client.get(login_link(rt, pid, "/dashboard")).headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert ("secure" in cookie.split(";")[-1] or "; secure" in cookie) is secure


@pytest.mark.parametrize("platform", [
    {"slack_bot_token": "xoxb-1-2-3", "slack_signing_secret": "s" * 32},
    {"wecom_corp_id": "ww1", "wecom_agent_id": 1000002, "wecom_secret": "w" * 20},
    {"dingtalk_client_id": "ding1", "dingtalk_client_secret": "d" * 20},
])
def test_the_demo_sign_in_refuses_every_real_platform_unless_forced(platform: dict[str, Any]
                                                                    ) -> None:
    from bot.settings import Settings

    def settings(**extra: Any) -> Settings:
        return Settings(_env_file=None, **platform, **extra)

    refused = settings(emulator=True).unsafe_emulator()
    assert refused is not None and "CREDITBOT_EMULATOR=0" in refused
    assert all(str(v) not in refused for v in platform.values() if len(str(v)) > 8)
    assert settings(emulator=True, emulator_force=True).unsafe_emulator() is None
    assert settings(emulator=False).unsafe_emulator() is None


def test_a_revoked_key_stops_at_the_next_request(make_runtime: Any) -> None:
    rt = make_runtime()
    make_shop(rt.domain)
    with rt.domain.uow(ActorRef.system("test")) as uow:
        key, token = create_key(uow, "erp", business_unit_codes=["IND"], scopes=["erp:read"])
        uow.commit()
    client = TestClient(create_app(rt))
    ask = {"params": {"business_unit": "IND"}, "headers": {"Authorization": f"Bearer {token}"}}
    assert client.get("/api/v1/customers/C1/credit", **ask).status_code == 200
    with rt.domain.uow() as uow:
        revoke_key(uow, str(key.id))
        uow.commit()
    refused = client.get("/api/v1/customers/C1/credit", **ask)
    assert refused.status_code == 401 and token not in refused.text
