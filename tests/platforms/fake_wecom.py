"""A fake WeCom server API (``/cgi-bin/…``) and the WeCom side of callbacks.

The API checks what WeCom checks that matters here: the corp secret, access tokens (unknown
→ 40014, expired → 42001), the agent id, template cards' unique ``task_id``, single-use
``response_code`` values, app group chats that exist. It records every accepted request.
:class:`WeComCaller` builds the encrypted callbacks WeCom sends, with wechatpy's crypto.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from typing import Any

import xmltodict
from fastapi import FastAPI, Request
from wechatpy.enterprise.crypto import WeChatCrypto

OK = {"errcode": 0, "errmsg": "ok"}


class FakeWeCom:
    def __init__(self, *, corp_id: str = "ww00fakecorp", secret: str = "app-secret",
                 agent_id: int = 1000002) -> None:
        self.corp_id, self.secret, self.agent_id = corp_id, secret, agent_id
        self.lock = threading.Lock()
        self.tokens: dict[str, str] = {}  # token -> "valid" | "expired"
        self.token_requests = 0
        self.sent: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.appchat: list[dict[str, Any]] = []
        self.codes: dict[str, dict[str, Any]] = {}  # response_code -> task, user, used
        self.task_ids: set[str] = set()
        self.chats = {"wrcredit-alerts"}
        self.users: set[str] | None = None  # None: every userid exists
        self.departments: list[dict[str, Any]] = []
        self.members: dict[int, list[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self.delay = 0.0  # seconds message/send takes after taking the message in
        self.seen: dict[str, tuple[float, str]] = {}  # duplicate check: body → (when, msgid)
        self.duplicates = 0  # messages dropped by the duplicate check
        self.app = self._build()

    # -- test controls -----------------------------------------------------------------------
    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, "expired")

    def issue_code(self, task_id: str, user: str) -> str:
        with self.lock:
            code = f"rc-{next(self._ids)}"
            self.codes[code] = {"task_id": task_id, "user": user, "used": False}
            return code

    def invalidate_codes(self) -> None:
        with self.lock:
            for code in self.codes.values():
                code["used"] = True

    def template_cards(self) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.sent if m.get("msgtype") == "template_card"]

    # -- the API -----------------------------------------------------------------------------
    def _auth(self, request: Request) -> dict[str, Any] | None:
        state = self.tokens.get(request.query_params.get("access_token", ""))
        if state is None:
            return {"errcode": 40014, "errmsg": "invalid access_token"}
        if state == "expired":
            return {"errcode": 42001, "errmsg": "access_token expired"}
        return None

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.get("/cgi-bin/gettoken")
        def gettoken(corpid: str = "", corpsecret: str = "") -> dict[str, Any]:
            with self.lock:
                self.token_requests += 1
                if corpid != self.corp_id or corpsecret != self.secret:
                    return {"errcode": 40001, "errmsg": "invalid credential"}
                token = f"tok-{next(self._ids)}"
                self.tokens[token] = "valid"
            return {**OK, "access_token": token, "expires_in": 7200}

        @app.post("/cgi-bin/message/send")
        async def message_send(request: Request) -> dict[str, Any]:
            body = json.loads(await request.body())
            with self.lock:
                if (refused := self._auth(request)) is not None:
                    return refused
                if body.get("agentid") != self.agent_id:
                    return {"errcode": 40056, "errmsg": "invalid agentid"}
                if self.users is not None and body.get("touser") not in self.users:
                    return {"errcode": 81013, "errmsg": "user & party & tag all invalid"}
                fingerprint = json.dumps({k: v for k, v in body.items()
                                          if k != "duplicate_check_interval"}, sort_keys=True)
                earlier = self.seen.get(fingerprint)
                interval = float(body.get("duplicate_check_interval") or 1800)
                if (body.get("enable_duplicate_check") == 1 and earlier is not None
                        and time.monotonic() - earlier[0] < interval):
                    self.duplicates += 1  # as WeCom: accepted, not shown again
                    return {**OK, "msgid": earlier[1]}
                msgid = f"msg-{next(self._ids)}"
                answer = {**OK, "msgid": msgid}
                self.seen[fingerprint] = (time.monotonic(), msgid)
                if body.get("msgtype") == "template_card":
                    card = body["template_card"]
                    if card.get("card_type") != "button_interaction" or not card.get(
                            "button_list") or card.get("task_id") in self.task_ids:
                        return {"errcode": 40058, "errmsg": "invalid template_card"}
                    if any(len(b.get("key", "").encode()) > 1024 for b in card["button_list"]):
                        return {"errcode": 40058, "errmsg": "key too long"}
                    self.task_ids.add(card["task_id"])
                    code = f"rc-{next(self._ids)}"
                    self.codes[code] = {"task_id": card["task_id"], "user": body["touser"],
                                        "used": False}
                    answer["response_code"] = code
                self.sent.append(body)
            if self.delay:  # slow after taking the message in: a sender killed now never
                await asyncio.sleep(self.delay)  # learns that it was
            return answer

        @app.post("/cgi-bin/message/update_template_card")
        async def update_template_card(request: Request) -> dict[str, Any]:
            body = json.loads(await request.body())
            with self.lock:
                if (refused := self._auth(request)) is not None:
                    return refused
                code = self.codes.get(body.get("response_code", ""))
                if code is None or code["used"]:
                    return {"errcode": 40058, "errmsg": "invalid response_code"}
                code["used"] = True
                self.updates.append(body)
            return {**OK, "invaliduser": []}

        @app.post("/cgi-bin/appchat/send")
        async def appchat_send(request: Request) -> dict[str, Any]:
            body = json.loads(await request.body())
            with self.lock:
                if (refused := self._auth(request)) is not None:
                    return refused
                if body.get("chatid") not in self.chats:
                    return {"errcode": 86003, "errmsg": "chat not found"}
                self.appchat.append(body)
            return OK

        @app.post("/cgi-bin/appchat/create")
        async def appchat_create(request: Request) -> dict[str, Any]:
            body = json.loads(await request.body())
            with self.lock:
                if (refused := self._auth(request)) is not None:
                    return refused
                chat = str(body.get("chatid") or f"wr{next(self._ids)}")
                if len(body.get("userlist") or []) < 2 or chat in self.chats or not (
                        chat.isascii() and chat.isalnum() and len(chat) <= 32):
                    return {"errcode": 86215, "errmsg": "invalid chat"}
                self.chats.add(chat)
            return {**OK, "chatid": chat}

        @app.get("/cgi-bin/department/list")
        def department_list(request: Request) -> dict[str, Any]:
            with self.lock:
                return self._auth(request) or {**OK, "department": self.departments}

        @app.get("/cgi-bin/user/list")
        def user_list(request: Request, department_id: int) -> dict[str, Any]:
            with self.lock:
                return self._auth(request) or {**OK,
                                               "userlist": self.members.get(department_id, [])}

        return app


class WeComCaller:
    """WeCom's side of the callback: encrypted, signed POSTs and URL verification."""

    def __init__(self, token: str, aes_key: str, corp_id: str, agent_id: int) -> None:
        self.crypto = WeChatCrypto(token, aes_key, corp_id)
        self.corp_id, self.agent_id = corp_id, agent_id
        self._nonces = itertools.count(1000)

    def envelope(self, plain_xml: str, *, nonce: str | None = None,
                 timestamp: str | None = None) -> tuple[dict[str, str], bytes]:
        """The query parameters and body WeCom would POST for ``plain_xml``."""
        nonce = nonce or str(next(self._nonces))
        timestamp = timestamp or str(int(time.time()))
        encrypted = xmltodict.parse(self.crypto.encrypt_message(plain_xml, nonce, timestamp))
        x = encrypted["xml"]
        body = (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName>"
                f"<Encrypt><![CDATA[{x['Encrypt']}]]></Encrypt>"
                f"<AgentID><![CDATA[{self.agent_id}]]></AgentID></xml>")
        return ({"msg_signature": x["MsgSignature"], "timestamp": x["TimeStamp"],
                 "nonce": x["Nonce"]}, body.encode())

    def text(self, user: str, content: str, msg_id: int, created: int | None = None) -> str:
        return (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName>"
                f"<FromUserName><![CDATA[{user}]]></FromUserName>"
                f"<CreateTime>{created or int(time.time())}</CreateTime>"
                f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
                f"<MsgId>{msg_id}</MsgId><AgentID>{self.agent_id}</AgentID></xml>")

    def card_click(self, user: str, task_id: str, key: str, response_code: str,
                   created: int | None = None) -> str:
        return (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName>"
                f"<FromUserName><![CDATA[{user}]]></FromUserName>"
                f"<CreateTime>{created or int(time.time())}</CreateTime>"
                "<MsgType><![CDATA[event]]></MsgType>"
                "<Event><![CDATA[template_card_event]]></Event>"
                f"<EventKey><![CDATA[{key}]]></EventKey><TaskId><![CDATA[{task_id}]]></TaskId>"
                "<CardType><![CDATA[button_interaction]]></CardType>"
                f"<ResponseCode><![CDATA[{response_code}]]></ResponseCode>"
                f"<AgentID>{self.agent_id}</AgentID></xml>")

    def decrypt_reply(self, body: bytes) -> dict[str, Any]:
        """What WeCom reads from a passive reply (signature checked)."""
        x = xmltodict.parse(body)["xml"]
        plain = self.crypto.decrypt_message(body, x["MsgSignature"], x["TimeStamp"], x["Nonce"])
        parsed: dict[str, Any] = xmltodict.parse(plain)["xml"]
        return parsed
