"""The seam between platform adapters and the conversation pipeline, and what every inbound
path needs: delivery dedupe and background work after a fast acknowledgement.

Adapters parse a platform delivery into a neutral :class:`~bot.messages.Command` or
:class:`~bot.messages.CardAction` and hand it to the runtime's inbound handler, an async
callable returning the replies. The conversation pipeline installs itself with
:func:`set_inbound_handler`; until it does, deliveries are logged and answered with nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, TypeVar

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from bot.bootstrap import Runtime
from bot.messages import CardAction, Command, Reply
from credit_domain.bootstrap import Domain
from credit_domain.inbound.models import ProcessedEvent
from credit_domain.unit_of_work import ActorRef

log = logging.getLogger(__name__)
T = TypeVar("T")

InboundEvent = Command | CardAction
InboundHandler = Callable[[InboundEvent], Awaitable[Sequence[Reply]]]
HANDLER_KEY = "inbound_handler"
WORK_KEY = "platform_background_work"


async def not_connected(event: InboundEvent) -> Sequence[Reply]:
    """The handler until the conversation pipeline is installed: log, answer nothing."""
    log.warning("inbound %s from %s:%s dropped: no inbound handler installed",
                type(event).__name__, event.envelope.platform, event.envelope.user_id)
    return ()


def set_inbound_handler(runtime: Runtime, handler: InboundHandler) -> None:
    """Install the conversation pipeline for every platform adapter of ``runtime``."""
    runtime.extras[HANDLER_KEY] = handler


def inbound_handler(runtime: Runtime) -> InboundHandler:
    handler: InboundHandler = runtime.extras.get(HANDLER_KEY, not_connected)
    return handler


def from_sync(fn: Callable[[InboundEvent], Sequence[Reply]]) -> InboundHandler:
    """Wrap a blocking handler so it runs in the thread pool, never on the event loop."""

    async def run(event: InboundEvent) -> Sequence[Reply]:
        return await asyncio.to_thread(fn, event)

    return run


async def run_handler(handler: InboundHandler, deliveries: Deliveries,
                      event: InboundEvent) -> Sequence[Reply]:
    """Run the conversation for ``event``; if it fails, forget the delivery so that the
    platform's retry is taken in."""
    try:
        return await handler(event)
    except Exception:
        await asyncio.to_thread(deliveries.release, event.envelope.event_id)
        raise


class Deliveries:
    """Which platform deliveries were already taken in (``processed_events``), so a retried
    or replayed delivery is processed once. Each adapter uses its own namespace (``wecom-in``,
    ``dingtalk-in``), apart from the ids the conversation pipeline records."""

    def __init__(self, domain: Domain, namespace: str) -> None:
        self._domain = domain
        self.namespace = namespace

    def claim(self, delivery_id: str) -> bool:
        """True the first time ``delivery_id`` is seen; False for a re-delivery."""
        with self._domain.uow(ActorRef.system(self.namespace)) as uow:
            dialect = uow.session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            stmt = insert(ProcessedEvent).values(
                platform=self.namespace, event_id=delivery_id[:255], received_at=uow.now(),
            ).on_conflict_do_nothing(index_elements=["platform", "event_id"])
            new_id = uow.session.execute(stmt.returning(ProcessedEvent.id)).scalar()
            uow.commit()
        return new_id is not None

    def release(self, delivery_id: str) -> None:
        """Forget a delivery whose processing failed, so the platform's retry is taken in."""
        with self._domain.uow(ActorRef.system(self.namespace)) as uow:
            uow.session.execute(delete(ProcessedEvent).where(
                ProcessedEvent.platform == self.namespace,
                ProcessedEvent.event_id == delivery_id[:255]))
            uow.commit()


class BackgroundWork:
    """Tasks started after a platform was already answered (the slow work). Tracked so none
    is garbage-collected mid-flight, and drained when the server stops."""

    def __init__(self, drain_timeout: float = 10.0) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._drain_timeout = drain_timeout

    def spawn(self, coro: Coroutine[Any, Any, T], name: str | None = None) -> asyncio.Task[T]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for every task (including tasks spawned meanwhile)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self._drain_timeout if timeout is None else timeout)
        while self._tasks:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await asyncio.wait(set(self._tasks), timeout=remaining)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        await self.drain()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def background_work(runtime: Runtime) -> BackgroundWork:
    """The runtime's one :class:`BackgroundWork`, started and stopped with the server."""
    work = runtime.extras.get(WORK_KEY)
    if work is None:
        work = BackgroundWork()
        runtime.extras[WORK_KEY] = work
        runtime.background.append(work)
    assert isinstance(work, BackgroundWork)
    return work
