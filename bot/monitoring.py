"""Background components of ``creditbot serve``: the monitoring scheduler and the outbox
dispatcher. Both do blocking database and network work, so it runs in threads, never on the
event loop.

The dispatcher hands messages to ``runtime.domain.ports["notifier"]`` (the chat layer's
renderer and platform clients); until one is configured, messages stay pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable

from bot.bootstrap import Runtime, runtime_hook
from bot.settings import Settings
from credit_domain.bootstrap import Domain
from credit_domain.outbox.dispatcher import Dispatcher, DispatchReport, RetryPolicy, watch_outbox
from credit_domain.outbox.port import Notifier
from scheduler.service import MonitoringScheduler

log = logging.getLogger(__name__)


def _nothing() -> None:
    pass


def make_dispatcher(domain: Domain, settings: Settings) -> Dispatcher:
    """A dispatcher configured from settings, sending through the ``notifier`` port."""

    def notifier() -> Notifier | None:
        found: Notifier | None = domain.ports.get("notifier")
        return found

    return Dispatcher(domain, notifier,
                      retry=RetryPolicy(max_attempts=settings.outbox_max_attempts),
                      lease_seconds=settings.outbox_lease_seconds)


class DispatcherComponent:
    """Delivers the outbox while the server runs: at once after a commit that wrote
    messages (in this process), and every ``poll_seconds`` for the rest (messages written by
    other processes, retries coming due)."""

    def __init__(self, dispatcher: Dispatcher, poll_seconds: float) -> None:
        self.dispatcher = dispatcher
        self.poll_seconds = poll_seconds
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unwatch: Callable[[], None] = _nothing

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._unwatch = watch_outbox(self.dispatcher.domain.session_factory, self.wake)
        self._task = asyncio.create_task(self._run(), name="outbox-dispatcher")

    def wake(self) -> None:
        """Thread-safe: deliver now rather than at the next poll."""
        if self._loop is not None and self._wake is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    async def stop(self) -> None:
        self._stopping = True
        self._unwatch()
        self.wake()
        if self._task is not None:
            await self._task  # lets the batch in flight finish and be marked

    def _batch(self) -> DispatchReport | None:
        try:
            return self.dispatcher.run_once()
        except Exception:  # the database is away, say: log and try again at the next poll
            log.exception("Outbox dispatch failed")
            return None

    async def _run(self) -> None:
        assert self._wake is not None
        while not self._stopping:
            report = await asyncio.to_thread(self._batch)
            if report is not None and report.claimed and not self._stopping:
                continue  # more may be due right away
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            self._wake.clear()


class SchedulerComponent:
    """The monitoring scheduler as a background component."""

    def __init__(self, scheduler: MonitoringScheduler) -> None:
        self.scheduler = scheduler

    async def start(self) -> None:
        await asyncio.to_thread(self.scheduler.start)

    async def stop(self) -> None:
        await asyncio.to_thread(self.scheduler.shutdown)


def run_dispatcher_thread(dispatcher: Dispatcher, poll_seconds: float,
                          stop: threading.Event) -> threading.Thread:
    """The dispatcher in a plain thread (for ``creditbot scheduler --dispatch``)."""

    def loop() -> None:
        while not stop.is_set():
            try:
                report = dispatcher.run_once()
            except Exception:
                log.exception("Outbox dispatch failed")
                report = None
            if report is None or not report.claimed:
                stop.wait(poll_seconds)

    thread = threading.Thread(target=loop, name="outbox-dispatcher", daemon=True)
    thread.start()
    return thread


@runtime_hook
def monitoring(runtime: Runtime) -> None:
    settings = runtime.settings
    if settings.dispatcher:
        runtime.background.append(DispatcherComponent(
            make_dispatcher(runtime.domain, settings), settings.outbox_poll_seconds))
    if settings.scheduler:
        runtime.background.append(SchedulerComponent(
            MonitoringScheduler(runtime.domain, timezone=settings.scheduler_timezone)))
