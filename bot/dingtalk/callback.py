"""``POST /dingtalk/callback``: DingTalk's HTTP event subscription, for deployments that prefer
a callback URL to Stream mode.

The request carries ``signature`` (or ``msg_signature``), ``timestamp`` and ``nonce`` in the
query and ``{"encrypt": …}`` in the body; dingtalk-sdk checks and decrypts it with the token,
the AES key and the owner key (the app's AppKey). A failed check answers 403 and changes
nothing. Every accepted event, including the URL check (``check_url``), is answered with the
encrypted word ``success``. Robot messages and card callbacks delivered this way go the same
way as Stream ones; other events (address-book changes, …) are logged.
"""

from __future__ import annotations

import hashlib
import json
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from bot.dingtalk.crypto import CallbackRejected, DingTalkCrypto
from bot.dingtalk.inbound import DingTalkInbound

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024


class DingTalkCallback:
    def __init__(self, crypto: DingTalkCrypto, inbound: DingTalkInbound) -> None:
        self.crypto = crypto
        self.inbound = inbound

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
        kind = str(event.get("EventType") or "")
        if kind == "check_url":
            log.info("DingTalk callback URL verified")
        elif "outTrackId" in event:
            await self.inbound.card_callback(event, self._event_id(event))
        elif "msgtype" in event:
            await self.inbound.robot_message(event)
        else:
            log.info("DingTalk event %s received (not used)", kind or "?")
        return JSONResponse(self.crypto.success(timestamp, nonce))

    @staticmethod
    def _event_id(event: dict[str, object]) -> str:
        """A re-delivered event carries the same content: its digest identifies it."""
        explicit = event.get("eventId") or event.get("EventId")
        if explicit:
            return str(explicit)
        canonical = json.dumps(event, sort_keys=True, ensure_ascii=False)
        return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def dingtalk_router(callback: DingTalkCallback) -> APIRouter:
    router = APIRouter(tags=["dingtalk"])
    router.add_api_route("/dingtalk/callback", callback.receive, methods=["POST"],
                         include_in_schema=False)
    return router
