"""A fake DingTalk: the OpenAPI v1.0 (token, interactive cards, robot messages), the old oapi
address book, a group-robot webhook that checks DingTalk's signature, session webhooks, and
the Stream gateway (``POST /v1.0/gateway/connections/open`` + a WebSocket) that the real
dingtalk-stream client connects to. The test pushes frames into the stream, reads the acks,
and can drop the connection."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
from typing import Any

from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse

from tests.platforms.fake_server import wait_for

ROBOT_TOPIC = "/v1.0/im/bot/messages/get"
CARD_TOPIC = "/v1.0/card/instances/callback"


class FakeDingTalk:
    def __init__(self, *, client_id: str = "dingappkey01", client_secret: str = "app-secret",
                 template_id: str = "tpl-credit.schema", webhook_token: str = "grouptoken",
                 webhook_secret: str = "SECgroupsecret") -> None:
        self.client_id, self.client_secret, self.template_id = client_id, client_secret, template_id
        self.webhook_token, self.webhook_secret = webhook_token, webhook_secret
        self.url = ""
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self.tokens: dict[str, str] = {}
        self.token_requests = 0
        self.cards: dict[str, dict[str, Any]] = {}  # outTrackId -> created card
        self.card_updates: list[dict[str, Any]] = []
        self.robot_messages: list[dict[str, Any]] = []
        self.group_messages: list[dict[str, Any]] = []
        self.webhook_messages: list[dict[str, Any]] = []
        self.session_messages: list[dict[str, Any]] = []
        self.unknown_users: set[str] = set()
        self.departments: dict[int, list[dict[str, Any]]] = {}  # parent -> children
        self.root_name = "华东科技有限公司"
        self.members: dict[int, list[dict[str, Any]]] = {}
        # the stream gateway
        self.tickets: set[str] = set()
        self.connections_opened = 0
        self.acks: list[dict[str, Any]] = []
        self._socket: WebSocket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.app = self._build()

    # -- test controls -----------------------------------------------------------------------
    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, "expired")

    def push(self, topic: str, data: dict[str, Any], message_id: str | None = None) -> str:
        """Send a CALLBACK frame down the open stream; returns its message id."""
        message_id = message_id or f"stream-{next(self._ids)}"
        frame = {"specVersion": "1.0", "type": "CALLBACK",
                 "headers": {"appId": self.client_id, "connectionId": "c1",
                             "contentType": "application/json", "messageId": message_id,
                             "time": str(int(time.time() * 1000)), "topic": topic},
                 "data": json.dumps(data, ensure_ascii=False)}
        socket = wait_for(lambda: self._socket)
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(socket.send_text(json.dumps(frame)), self._loop).result(5)
        return message_id

    def drop(self) -> None:
        """The gateway closes the connection (as when DingTalk rotates or loses it)."""
        socket = wait_for(lambda: self._socket)
        assert self._loop is not None
        self._socket = None
        asyncio.run_coroutine_threadsafe(socket.close(code=1011), self._loop).result(5)

    def robot_message(self, user: str, text: str, msg_id: str, *,
                      conversation_type: str = "1") -> dict[str, Any]:
        now = int(time.time() * 1000)
        group = {"conversationId": "cidGroupCredit==", "conversationTitle": "信用管理群",
                 "isInAtList": True} if conversation_type == "2" else {}
        return {"conversationId": "cidP2P" + user, **group, "chatbotCorpId": "dingcorp",
                "chatbotUserId": "$:LWCP_v1:$bot", "msgId": msg_id, "senderNick": user,
                "isAdmin": False, "senderStaffId": user, "sessionWebhookExpiredTime": now + 5400000,
                "createAt": now, "senderCorpId": "dingcorp", "conversationType": conversation_type,
                "senderId": "$:LWCP_v1:$" + user, "robotCode": self.client_id, "msgtype": "text",
                "sessionWebhook": f"{self.url}/robot/session/{msg_id}", "text": {"content": text}}

    def card_click(self, user: str, out_track_id: str, action_id: str,
                   params: dict[str, Any] | None = None) -> dict[str, Any]:
        content = {"cardPrivateData": {"actionIds": [action_id], "params": params or {}}}
        return {"extension": "{}", "corpId": "dingcorp", "userId": user,
                "outTrackId": out_track_id, "content": json.dumps(content),
                "type": "actionCallback", "spaceType": "IM_ROBOT", "spaceId": "", "userIdType": 1}

    # -- the API -----------------------------------------------------------------------------
    def _auth(self, request: Request) -> JSONResponse | None:
        state = self.tokens.get(request.headers.get("x-acs-dingtalk-access-token", ""))
        if state != "valid":
            return JSONResponse({"code": "InvalidAuthentication",
                                 "message": "不合法的access_token"}, status_code=401)
        return None

    def _oapi_auth(self, request: Request) -> dict[str, Any] | None:
        state = self.tokens.get(request.query_params.get("access_token", ""))
        if state is None:
            return {"errcode": 40014, "errmsg": "不合法的access_token"}
        if state == "expired":
            return {"errcode": 42001, "errmsg": "access_token超时"}
        return None

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1.0/oauth2/accessToken")
        async def access_token(request: Request) -> JSONResponse:
            body = await request.json()
            with self.lock:
                self.token_requests += 1
                if (body.get("appKey"), body.get("appSecret")) != (self.client_id,
                                                                    self.client_secret):
                    return JSONResponse({"code": "invalidClientIdOrSecret",
                                         "message": "无效的clientId或者clientSecret"}, 400)
                token = f"dt-{next(self._ids)}"
                self.tokens[token] = "valid"
            return JSONResponse({"accessToken": token, "expireIn": 7200})

        @app.post("/v1.0/card/instances/createAndDeliver")
        async def create_and_deliver(request: Request) -> JSONResponse:
            body = await request.json()
            with self.lock:
                if (refused := self._auth(request)) is not None:
                    return refused
                params = body.get("cardData", {}).get("cardParamMap", {})
                track = body.get("outTrackId")
                if (body.get("cardTemplateId") != self.template_id or not track
                        or track in self.cards
                        or not all(isinstance(v, str) for v in params.values())
                        or not str(body.get("openSpaceId", "")).startswith("dtv1.card//")):
                    return JSONResponse({"code": "param.invalid", "message": "bad card"}, 400)
                self.cards[track] = body
                space = body["openSpaceId"].split("//", 1)[1]
            kind, space_id = space.split(".", 1)
            delivered = [{"spaceType": kind, "spaceId": space_id, "success": True}]
            return JSONResponse({"success": True, "result": {"outTrackId": track,
                                                             "deliverResults": delivered}})

        @app.put("/v1.0/card/instances")
        async def update_card(request: Request) -> JSONResponse:
            body = await request.json()
            with self.lock:
                if (refused := self._auth(request)) is not None:
                    return refused
                if body.get("outTrackId") not in self.cards:
                    return JSONResponse({"code": "card.notFound", "message": "no card"}, 400)
                self.card_updates.append(body)
            return JSONResponse({"success": True, "result": True})

        @app.post("/v1.0/robot/oToMessages/batchSend")
        async def batch_send(request: Request) -> JSONResponse:
            body = await request.json()
            with self.lock:
                if (refused := self._auth(request)) is not None:
                    return refused
                invalid = [u for u in body.get("userIds", []) if u in self.unknown_users]
                if not invalid:
                    self.robot_messages.append(body)
            return JSONResponse({"processQueryKey": f"pq-{next(self._ids)}",
                                 "invalidStaffIdList": invalid, "flowControlledStaffIdList": []})

        @app.post("/v1.0/robot/groupMessages/send")
        async def group_send(request: Request) -> JSONResponse:
            body = await request.json()
            with self.lock:
                if (refused := self._auth(request)) is not None:
                    return refused
                self.group_messages.append(body)
            return JSONResponse({"processQueryKey": f"pq-{next(self._ids)}"})

        @app.post("/robot/send")
        async def webhook(request: Request) -> dict[str, Any]:
            q = request.query_params
            if q.get("access_token") != self.webhook_token:
                return {"errcode": 300001, "errmsg": "token is not exist"}
            timestamp, sign = q.get("timestamp", ""), q.get("sign", "")
            expected = base64.b64encode(hmac.new(
                self.webhook_secret.encode(), f"{timestamp}\n{self.webhook_secret}".encode(),
                hashlib.sha256).digest()).decode()
            fresh = timestamp.isdigit() and abs(time.time() * 1000 - int(timestamp)) < 3600_000
            if not fresh or not hmac.compare_digest(sign, expected):  # the query is decoded once
                return {"errcode": 310000, "errmsg": "sign not match"}
            with self.lock:
                self.webhook_messages.append(await request.json())
            return {"errcode": 0, "errmsg": "ok"}

        @app.post("/robot/session/{session}")
        async def session_webhook(session: str, request: Request) -> dict[str, Any]:
            with self.lock:
                self.session_messages.append({"session": session, **(await request.json())})
            return {"errcode": 0, "errmsg": "ok"}

        @app.post("/topapi/v2/department/get")
        async def department_get(request: Request) -> dict[str, Any]:
            with self.lock:
                return self._oapi_auth(request) or {
                    "errcode": 0, "result": {"dept_id": 1, "name": self.root_name}}

        @app.post("/topapi/v2/department/listsub")
        async def department_listsub(request: Request) -> dict[str, Any]:
            body = await request.json()
            with self.lock:
                return self._oapi_auth(request) or {
                    "errcode": 0, "result": self.departments.get(int(body["dept_id"]), [])}

        @app.post("/topapi/v2/user/list")
        async def user_list(request: Request) -> dict[str, Any]:
            body = await request.json()
            with self.lock:
                if (refused := self._oapi_auth(request)) is not None:
                    return refused
                everyone = self.members.get(int(body["dept_id"]), [])
                start, size = int(body.get("cursor", 0)), int(body.get("size", 100))
                page = everyone[start:start + size]
                more = start + size < len(everyone)
            return {"errcode": 0, "result": {"has_more": more, "next_cursor": start + size,
                                             "list": page}}

        @app.post("/v1.0/gateway/connections/open")
        async def open_connection(request: Request) -> JSONResponse:
            body = await request.json()
            if (body.get("clientId"), body.get("clientSecret")) != (self.client_id,
                                                                    self.client_secret):
                return JSONResponse({"code": "invalidClient", "message": "bad client"}, 401)
            topics = {s["topic"] for s in body.get("subscriptions", [])}
            if not {ROBOT_TOPIC, CARD_TOPIC} <= topics:
                return JSONResponse({"code": "badSubscription", "message": str(topics)}, 400)
            with self.lock:
                self.connections_opened += 1
                ticket = f"ticket-{next(self._ids)}"
                self.tickets.add(ticket)
            endpoint = self.url.replace("http://", "ws://") + "/gateway"
            return JSONResponse({"endpoint": endpoint, "ticket": ticket})

        @app.websocket("/gateway")
        async def gateway(ws: WebSocket) -> None:
            ticket = ws.query_params.get("ticket", "")
            with self.lock:
                valid = ticket in self.tickets
                self.tickets.discard(ticket)  # a ticket opens one connection
            if not valid:
                await ws.close(code=4001)
                return
            await ws.accept()
            self._loop = asyncio.get_running_loop()
            self._socket = ws
            try:
                while True:
                    ack = json.loads(await ws.receive_text())
                    with self.lock:
                        self.acks.append(ack)
            except WebSocketDisconnect:
                pass
            except RuntimeError:  # closed by drop()
                pass
            finally:
                if self._socket is ws:
                    self._socket = None

        return app
