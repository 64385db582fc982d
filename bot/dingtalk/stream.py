"""DingTalk Stream mode: no public URL; the app holds a WebSocket to DingTalk's gateway.

:class:`StreamClient` is the official SDK's ``DingTalkStreamClient`` (its frames, handler
registry, routing and acks are used as they are) with two parts replaced, because in the
SDK's current release (0.24.3) they block the event loop and retry without backoff:

- opening a connection (``POST /v1.0/gateway/connections/open``) goes to the configured
  ``DINGTALK_API_URL`` with httpx, asynchronously, with a timeout;
- the connection loop reconnects with bounded exponential backoff and jitter (reset once a
  connection delivered a frame), and stops cleanly.

Robot messages and card callbacks are acknowledged at once; the conversation runs after
(:class:`bot.dingtalk.inbound.DingTalkInbound`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from typing import Any
from urllib.parse import quote_plus

import httpx
import websockets
from dingtalk_stream import (
    AckMessage,
    CallbackHandler,
    CallbackMessage,
    ChatbotMessage,
    Credential,
    DingTalkStreamClient,
)
from dingtalk_stream.version import VERSION_STRING
from websockets.asyncio.client import ClientConnection, connect

from bot.dingtalk.inbound import DingTalkInbound

log = logging.getLogger(__name__)


class StreamClient(DingTalkStreamClient):  # type: ignore[misc]
    """The SDK client with a non-blocking, backing-off connection loop (module docstring)."""

    def __init__(self, credential: Credential, *, api_url: str, backoff_base: float = 1.0,
                 backoff_max: float = 60.0, open_timeout: float = 10.0) -> None:
        super().__init__(credential, logger=log)
        self.api_url = api_url.rstrip("/")
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.open_timeout = open_timeout
        self.sessions = 0  # connections opened so far
        self.websocket: ClientConnection | None = None
        self._stop: asyncio.Event | None = None
        self._frames: set[asyncio.Task[Any]] = set()

    def _open_request(self) -> dict[str, Any]:
        topics = [{"type": "CALLBACK", "topic": t} for t in self.callback_handler_map]
        if self._is_event_required:
            topics.insert(0, {"type": "EVENT", "topic": "*"})
        return {"clientId": self.credential.client_id,
                "clientSecret": self.credential.client_secret, "subscriptions": topics,
                "ua": f"creditbot dingtalk-stream/{VERSION_STRING}", "localIp": ""}

    def open_connection(self) -> dict[str, Any] | None:
        """Synchronous variant (the SDK's signature), against the configured API URL."""
        try:
            res = httpx.post(f"{self.api_url}/v1.0/gateway/connections/open",
                             json=self._open_request(), timeout=self.open_timeout)
            res.raise_for_status()
            data: dict[str, Any] = res.json()
            return data
        except (httpx.HTTPError, ValueError) as exc:
            log.error("DingTalk stream: opening a connection failed: %s", exc)
            return None

    async def open_connection_async(self) -> dict[str, Any] | None:
        try:
            async with httpx.AsyncClient(timeout=self.open_timeout) as http:
                res = await http.post(f"{self.api_url}/v1.0/gateway/connections/open",
                                      json=self._open_request())
                res.raise_for_status()
                data: dict[str, Any] = res.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.error("DingTalk stream: opening a connection failed: %s", exc)
            return None
        if not data.get("endpoint") or not data.get("ticket"):
            log.error("DingTalk stream: no endpoint/ticket in %s", sorted(data))
            return None
        return data

    def reconnect_delay(self, attempt: int) -> float:
        """Exponential backoff with jitter, at most ``backoff_max`` seconds."""
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** min(attempt, 30)))
        return random.uniform(ceiling / 2, ceiling)

    async def start(self) -> None:
        """Connect, dispatch frames, and reconnect whenever the stream drops, until
        :meth:`stop`."""
        self.pre_start()
        self._stop = asyncio.Event()
        attempt = 0
        while not self._stop.is_set():
            connection = await self.open_connection_async()
            if connection is not None and not self._stop.is_set():
                uri = f'{connection["endpoint"]}?ticket={quote_plus(connection["ticket"])}'
                try:
                    async with connect(uri, open_timeout=self.open_timeout) as ws:
                        self.websocket = ws
                        self.sessions += 1
                        log.info("DingTalk stream connected (session %d)", self.sessions)
                        async for raw in ws:
                            attempt = 0
                            self._dispatch(raw)
                except (TimeoutError, websockets.exceptions.WebSocketException, OSError) as exc:
                    log.warning("DingTalk stream dropped: %s", exc)
                except Exception:  # a long-running loop: log anything else and reconnect
                    log.exception("DingTalk stream failed")
                finally:
                    self.websocket = None
            if self._stop.is_set():
                break
            delay = self.reconnect_delay(attempt)
            attempt += 1
            log.info("DingTalk stream: reconnecting in %.1fs", delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=delay)

    def _dispatch(self, raw: str | bytes) -> None:
        try:
            frame = json.loads(raw)
        except ValueError:
            log.warning("DingTalk stream: a frame that is not JSON was ignored")
            return
        task = asyncio.get_running_loop().create_task(self.background_task(frame))
        self._frames.add(task)
        task.add_done_callback(self._frames.discard)

    async def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        ws = self.websocket
        if ws is not None:
            await ws.close()
        if self._frames:
            await asyncio.gather(*self._frames, return_exceptions=True)


class _RobotMessages(CallbackHandler):  # type: ignore[misc]
    def __init__(self, inbound: DingTalkInbound) -> None:
        super().__init__()
        self.inbound = inbound

    async def process(self, message: CallbackMessage) -> tuple[int, str]:
        await self.inbound.robot_message(message.data)
        return AckMessage.STATUS_OK, "OK"


class _CardCallbacks(CallbackHandler):  # type: ignore[misc]
    def __init__(self, inbound: DingTalkInbound) -> None:
        super().__init__()
        self.inbound = inbound

    async def process(self, message: CallbackMessage) -> tuple[int, dict[str, Any]]:
        await self.inbound.card_callback(message.data, str(message.headers.message_id))
        return AckMessage.STATUS_OK, {}


def build_stream_client(inbound: DingTalkInbound, *, client_id: str, client_secret: str,
                        api_url: str, backoff_base: float = 1.0,
                        backoff_max: float = 60.0) -> StreamClient:
    client = StreamClient(Credential(client_id, client_secret), api_url=api_url,
                          backoff_base=backoff_base, backoff_max=backoff_max)
    client.register_callback_handler(ChatbotMessage.TOPIC, _RobotMessages(inbound))
    client.register_callback_handler(CallbackHandler.TOPIC_CARD_CALLBACK, _CardCallbacks(inbound))
    return client


class StreamRunner:
    """Runs a :class:`StreamClient` with the web server (``runtime.background``)."""

    def __init__(self, client: StreamClient) -> None:
        self.client = client
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.client.start(),
                                                            name="dingtalk-stream")

    async def stop(self) -> None:
        await self.client.stop()
        if self._task is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=5)  # cancelled if it hangs
            self._task = None
