"""DingTalk's HTTP entry points, for deployments that give creditbot a public URL.

``POST /dingtalk/robot`` — the robot's HTTP mode (机器人 → 消息接收模式 HTTP): DingTalk posts
each message written to the robot, in plain JSON, with the headers ``timestamp`` (ms) and
``sign`` = Base64(HmacSHA256(app secret, ``timestamp + "\\n" + app secret``)). A request is
accepted when the sign matches and the timestamp is within an hour of now (DingTalk's rule);
the sign does not cover the body, so each (timestamp, sign) pair is accepted once: a second
request with it is ignored. The message then goes the same way as one from Stream mode.

``POST /dingtalk/callback`` — the HTTP event subscription (事件订阅): ``signature``,
``timestamp`` and ``nonce`` in the query, ``{"encrypt": …}`` in the body, checked and
decrypted by dingtalk-sdk with the token, the AES key and the owner key (the AppKey), and
answered with the encrypted word ``success``. DingTalk sends organisation events there
(address book, approvals…), never robot messages or card callbacks; creditbot verifies the
URL (``check_url``) and logs the events.

Interactive-card button callbacks over HTTP (a ``callbackRouteKey`` registered with
``/v1.0/card/callbacks/register``) are not accepted: DingTalk documents no way to check that
such a request comes from DingTalk, and a forged one would decide an application. Card
callbacks arrive over Stream mode (see README, "DingTalk setup").

A failed check answers 403 and changes nothing.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from bot.dingtalk import robot
from bot.dingtalk.crypto import CallbackRejected, DingTalkCrypto
from bot.dingtalk.inbound import DingTalkInbound
from bot.platform_support.inbound import Deliveries
from credit_domain.inbound.retention import INBOUND_REPLAY_WINDOWS

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024
SIGN_WINDOW_MS = int(INBOUND_REPLAY_WINDOWS["dingtalk-sig"].total_seconds() * 1000)


class RobotEndpoint:
    """``POST /dingtalk/robot`` (module docstring)."""

    def __init__(self, app_secret: str, inbound: DingTalkInbound, signatures: Deliveries,
                 now_ms: Callable[[], int] | None = None) -> None:
        self._secret = app_secret
        self.inbound = inbound
        self.signatures = signatures  # namespace "dingtalk-sig": each pair once
        # DingTalk signs with its wall clock, not the domain's.
        self._now_ms = now_ms or (lambda: int(time.time() * 1000))

    def verify(self, timestamp: str, sign: str) -> None:
        """Raise :class:`CallbackRejected` unless ``sign`` is DingTalk's for ``timestamp``
        and ``timestamp`` is within the hour."""
        if not timestamp.isdigit() or abs(self._now_ms() - int(timestamp)) > SIGN_WINDOW_MS:
            raise CallbackRejected("stale or missing timestamp")
        expected = robot.signature(self._secret, int(timestamp))
        if not hmac.compare_digest(sign.encode(), expected.encode()):
            raise CallbackRejected("bad sign")

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("too large", status_code=413)
        timestamp = request.headers.get("timestamp", "")
        sign = request.headers.get("sign", "")
        try:
            self.verify(timestamp, sign)
            message = json.loads(body)
            if not isinstance(message, dict):
                raise CallbackRejected("not an object")
        except (CallbackRejected, ValueError) as exc:
            log.warning("DingTalk robot request refused: %s", exc)
            return PlainTextResponse("forbidden", status_code=403)
        if not await asyncio.to_thread(self.signatures.claim, f"{timestamp}:{sign}"):
            log.warning("DingTalk robot request with a used timestamp and sign ignored")
            return PlainTextResponse("")
        await self.inbound.robot_message(message)
        return PlainTextResponse("")  # the answer goes through the session webhook


class EventCallback:
    """``POST /dingtalk/callback`` (module docstring)."""

    def __init__(self, crypto: DingTalkCrypto) -> None:
        self.crypto = crypto

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("too large", status_code=413)
        q = request.query_params
        signature = q.get("signature") or q.get("msg_signature") or ""
        timestamp = q.get("timestamp") or q.get("timeStamp") or ""
        nonce = q.get("nonce", "")
        try:
            event = self.crypto.decrypt(body, signature, timestamp, nonce)
        except CallbackRejected as exc:
            log.warning("DingTalk callback refused: %s", exc)
            return PlainTextResponse("forbidden", status_code=403)
        kind = str(event.get("EventType") or "?")
        if kind == "check_url":
            log.info("DingTalk callback URL verified")
        else:
            log.info("DingTalk event %s received (not used by creditbot)", kind)
        return JSONResponse(self.crypto.success(timestamp, nonce))


def dingtalk_router(robot_endpoint: RobotEndpoint | None,
                    events: EventCallback | None) -> APIRouter:
    router = APIRouter(tags=["dingtalk"])
    if robot_endpoint is not None:
        router.add_api_route("/dingtalk/robot", robot_endpoint.receive, methods=["POST"],
                             include_in_schema=False)
    if events is not None:
        router.add_api_route("/dingtalk/callback", events.receive, methods=["POST"],
                             include_in_schema=False)
    return router
