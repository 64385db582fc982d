"""Signing in to the web pages: one-time links from chat, and the demo picker only in demo."""

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from bot.bootstrap import Runtime
from bot.web.app import create_app
from bot.web.auth import CurrentActor, login_link
from credit_domain.orgs.models import Role
from tests.factories import World


def app_with_probe(rt: Runtime) -> FastAPI:  # a page that shows who is signed in
    app = create_app(rt)
    probe = APIRouter()

    @probe.get("/whoami")
    def whoami(actor: CurrentActor) -> dict[str, object]:
        return {"name": actor.name}

    app.include_router(probe)
    return app


def seed_person(rt: Runtime) -> int:
    with rt.domain.uow() as uow:
        w = World(uow.session, uow.now())
        p = w.person("王芳", (w.business_unit(), Role.SALESPERSON, None))
        uow.commit()
        return p.id


def test_login_link_signs_in_once(make_runtime: Any) -> None:
    rt = make_runtime()
    pid = seed_person(rt)
    client = TestClient(app_with_probe(rt))
    assert client.get("/whoami").status_code == 401
    link = login_link(rt, pid, "/whoami")
    r = client.get(link)
    assert r.status_code == 200 and r.json() == {"name": "王芳"}
    other = TestClient(app_with_probe(rt))
    reused = other.get(link)
    assert reused.status_code == 401 and "already used" in reused.text


def test_forged_link_is_refused(make_runtime: Any) -> None:
    rt = make_runtime()
    client = TestClient(app_with_probe(rt))
    r = client.get("/login/link/eyJwIjoxfQ.forged.sig")
    assert r.status_code == 401 and "not valid" in r.text


def test_demo_picker_only_when_emulator_is_on(make_runtime: Any) -> None:
    off = make_runtime(emulator=False)
    pid = seed_person(off)
    client = TestClient(app_with_probe(off))
    assert "王芳" not in client.get("/login").text
    assert client.post("/login/emulator", data={"person_id": pid}).status_code == 403
    on = make_runtime(emulator=True)
    client = TestClient(app_with_probe(on))
    page = client.get("/login", headers={"accept-language": "zh-CN"})
    assert "王芳" in page.text and "演示登录" in page.text
    r = client.post("/login/emulator", data={"person_id": pid, "next": "/whoami"})
    assert r.json() == {"name": "王芳"}
