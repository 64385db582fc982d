"""Known secrets fed through failing paths never come out: not in logs (as the deployment
writes them, through the masker), not in the errors stored with undelivered messages, not in
tracebacks, not in HTTP error bodies, not in what the CLI prints when the database is
unreachable.

The secrets: a Slack bot token and signing secret, a WeCom corp secret, callback token and
AES key, a DingTalk app secret, robot secret and robot webhook token, the short-lived access
token a platform hands out, an API key, and a database password.
"""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from bot.observability import configure_logging
from bot.web.app import create_app
from credit_domain.apikeys.services import create_key, revoke_key
from credit_domain.orgs.models import Role
from credit_domain.orgs.people import link_identity
from credit_domain.outbox.models import OutboxMessage
from handlers.router import Router
from tests.factories import World
from tests.platforms.fake_server import ServedApp

ACCESS_TOKEN = "SECRET-access-token-0007"  # what the broken platform hands out
SECRETS = {
    "slack_bot_token": "xoxb-SECRET-slack-bot-0001",
    "slack_signing_secret": "SECRET-slack-signing-0002",
    "wecom_secret": "SECRET-wecom-corp-0003",
    "wecom_token": "SECRET-wecom-token-0004",
    "wecom_encoding_aes_key": base64.b64encode(b"S" * 32).decode().rstrip("="),
    "dingtalk_client_secret": "SECRET-dingtalk-app-0005",
    "dingtalk_robot_secret": "SECRET-dingtalk-robot-0006",
}
ROBOT_TOKEN = "SECRET-robot-webhook-0008"
DB_PASSWORD = "SECRET-db-password-0009"


def broken_platform() -> FastAPI:
    """Fails WeCom's first token request (500), then hands out access tokens, and fails
    every other call with a 500 that echoes the request line back (as some gateways' error
    pages do)."""
    app = FastAPI()
    token_requests = [0]

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def anything(path: str, request: Request) -> JSONResponse:
        if path.endswith("gettoken") and not token_requests[0]:
            token_requests[0] += 1
            return JSONResponse({"errmsg": f"down: {request.url}"}, status_code=500)
        if path.endswith("gettoken"):
            return JSONResponse({"errcode": 0, "access_token": ACCESS_TOKEN, "expires_in": 7200})
        if path.endswith("oauth2/accessToken"):
            return JSONResponse({"accessToken": ACCESS_TOKEN, "expireIn": 7200})
        return JSONResponse({"errcode": 500, "errmsg": f"upstream failed for {request.url}"},
                            status_code=500)

    return app


@pytest.fixture
def broken() -> Iterator[str]:
    with ServedApp(broken_platform()) as served:
        yield served.url


def leaks(text: str, extra: tuple[str, ...] = ()) -> list[str]:
    found = [name for name, value in SECRETS.items() if value in text]
    found += [s for s in (ACCESS_TOKEN, ROBOT_TOKEN, DB_PASSWORD, *extra) if s in text]
    return found


@pytest.fixture
def production_logs(capfd: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """The deployment's logging (``creditbot serve`` installs it), restored afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield capfd
    root.handlers[:], root.level = saved


def test_failing_platform_calls_leak_no_secret(make_runtime: Any, broken: str, tmp_path: Path,
                                               production_logs: Any) -> None:
    from bot.monitoring import make_dispatcher

    rt = make_runtime(
        dispatcher=False, outbox_max_attempts=1,
        slack_bot_token=SECRETS["slack_bot_token"],
        slack_signing_secret=SECRETS["slack_signing_secret"], slack_api_url=f"{broken}/api/",
        wecom_corp_id="ww00secretcorp", wecom_agent_id=1000002,
        wecom_secret=SECRETS["wecom_secret"], wecom_token=SECRETS["wecom_token"],
        wecom_encoding_aes_key=SECRETS["wecom_encoding_aes_key"],
        wecom_api_url=f"{broken}/cgi-bin/",
        dingtalk_client_id="dingsecretapp",
        dingtalk_client_secret=SECRETS["dingtalk_client_secret"],
        dingtalk_api_url=broken, dingtalk_oapi_url=broken,
        dingtalk_robot_webhook=f"{broken}/robot/send?access_token={ROBOT_TOKEN}",
        dingtalk_robot_secret=SECRETS["dingtalk_robot_secret"],
        dingtalk_channels="credit-alerts=webhook", emulator_force=True)
    configure_logging("text", "DEBUG", rt.settings.secret_values())
    with rt.domain.uow() as uow:
        w = World(uow.session, uow.now())
        bu = w.business_unit("IND")
        person = w.person("王芳", (bu, Role.SALESPERSON, None))
        uow.session.flush()
        for platform, user in (("slack", "U024BE7LH"), ("wecom", "wangfang"),
                               ("dingtalk", "wangfang")):
            link_identity(uow, person, platform, user)
        for platform in ("slack", "wecom", "wecom", "dingtalk"):
            uow.notify("test.notice", person_id=person.id, platform=platform,
                       title="额度提醒", lines=["可用额度不足"])
        uow.notify("test.notice", channel="credit-alerts", business_unit_id=bu.id,
                   platform="dingtalk", title="预警", lines=["逾期"])
        uow.commit()
    try:
        make_dispatcher(rt.domain, rt.settings).drain()
    except Exception:  # a crash is itself a finding, but its traceback must be clean too
        logging.getLogger("test").exception("the dispatcher crashed")
    with rt.domain.read() as s:
        errors = [m.last_error or "" for m in s.scalars(select(OutboxMessage))]
    assert len(errors) == 5 and all(errors), errors  # every delivery failed, with a reason
    out, err = production_logs.readouterr()
    assert "500" in out + err + "".join(errors)  # the failures were reported
    assert leaks("\n".join(errors)) == [], errors
    assert leaks(out + err) == [], (out + err)[-3000:]


def test_an_exception_in_a_handler_is_logged_masked(make_runtime: Any,
                                                    production_logs: Any) -> None:
    rt = make_runtime(slack_bot_token=SECRETS["slack_bot_token"],
                      slack_signing_secret=SECRETS["slack_signing_secret"])
    configure_logging("json", "INFO", rt.settings.secret_values())
    try:
        raise RuntimeError(f"cannot call Slack with {SECRETS['slack_bot_token']}")
    except RuntimeError:
        logging.getLogger("handlers").exception("handler failed (token %s)",
                                                SECRETS["slack_signing_secret"])
    _out, err = production_logs.readouterr()
    assert "handler failed" in err and "RuntimeError" in err
    assert leaks(err) == [], err


def test_bad_and_revoked_api_keys_are_refused_without_echo(make_runtime: Any,
                                                          caplog: pytest.LogCaptureFixture
                                                          ) -> None:
    from fastapi.testclient import TestClient

    rt = make_runtime()
    with rt.domain.uow() as uow:
        World(uow.session, uow.now()).business_unit("IND")
        uow.commit()
    with rt.domain.uow() as uow:
        key, token = create_key(uow, "erp", business_unit_codes=["IND"], scopes=["erp:read"])
        uow.commit()
    client = TestClient(create_app(rt))
    caplog.set_level(logging.DEBUG)
    wrong = token[:-4] + "zzzz"
    answers = [client.get("/api/v1/customers/C1/credit", params={"business_unit": "IND"},
                          headers={"Authorization": f"Bearer {t}"}) for t in (wrong, "cb_x")]
    with rt.domain.uow() as uow:
        revoke_key(uow, str(key.id))
        uow.commit()
    answers.append(client.get("/api/v1/customers/C1/credit", params={"business_unit": "IND"},
                              headers={"Authorization": f"Bearer {token}"}))
    assert [a.status_code for a in answers] == [401, 401, 401]
    bodies = "".join(a.text for a in answers)
    logs = "\n".join(r.getMessage() for r in caplog.records)
    secret_part = token.split("_", 2)[2]
    assert secret_part not in bodies + logs and wrong.split("_", 2)[2] not in bodies + logs
    assert "revoked key" in logs and "wrong secret" in logs  # the refusals are on record


@pytest.mark.parametrize("command", [["db", "upgrade"], ["db", "current"], ["people", "list"],
                                     ["serve", "--port", "0"]])
def test_an_unreachable_database_does_not_print_its_password(tmp_path: Path,
                                                             command: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WECOM_",
                                                                     "DINGTALK_"))}
    env.update(DATABASE_URL=f"postgresql+psycopg://creditbot:{DB_PASSWORD}@127.0.0.1:1/credit",
               CREDITBOT_LOG_LEVEL="DEBUG", COLUMNS="200")
    done = subprocess.run([sys.executable, "-m", "bot", *command], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "127.0.0.1" in output or "connect" in output.lower(), output[-2000:]
    assert leaks(output) == [], output[-2000:]


def test_a_traceback_through_the_masker_hides_every_configured_secret(
        make_runtime: Any, production_logs: Any) -> None:
    rt = make_runtime(**SECRETS, wecom_corp_id="ww1",
                      wecom_agent_id=1, dingtalk_client_id="ding1",
                      dingtalk_robot_webhook=f"http://127.0.0.1:1/robot/send?access_token="
                                             f"{ROBOT_TOKEN}", emulator_force=True)
    configure_logging("text", "INFO", rt.settings.secret_values())
    everything = " ".join([*SECRETS.values(), ROBOT_TOKEN])
    try:
        raise ValueError(everything)
    except ValueError:
        logging.getLogger("bot").error("failed: %s", everything, exc_info=True)
    _out, err = production_logs.readouterr()
    assert "failed:" in err and "ValueError" in err
    assert leaks(err) == [], err


def test_a_handler_crash_tells_the_person_nothing_secret(domain: Any, seeded: Any,
                                                        registry: Router,
                                                        production_logs: Any) -> None:
    from tests.handlers.platform import TestPlatform

    configure_logging("text", "INFO", SECRETS.values())

    @registry.command("boom")
    def boom(ctx: Any, args: Any) -> Any:
        raise RuntimeError(f"Slack said no to {SECRETS['slack_bot_token']} "
                           f"(AES key {SECRETS['wecom_encoding_aes_key']})")

    [reply] = TestPlatform(domain).push("boom", user="emma", event_id="E-secret")
    assert reply.text and "something went wrong" in reply.text
    assert leaks(reply.as_text()) == []
    _out, err = production_logs.readouterr()
    assert "RuntimeError" in err and leaks(err) == [], err
