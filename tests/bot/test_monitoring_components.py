"""In `creditbot serve` the dispatcher is a background component woken by commits; the
scheduler is one too unless CREDITBOT_SCHEDULER=0."""

import asyncio
import time
from typing import Any

from bot.monitoring import DispatcherComponent, SchedulerComponent
from credit_domain.outbox.port import OutgoingMessage


def test_components_follow_the_settings(make_runtime: Any) -> None:
    kinds = {type(c) for c in make_runtime(scheduler=True).background}
    assert {DispatcherComponent, SchedulerComponent} <= kinds
    kinds = {type(c) for c in make_runtime(scheduler=False, dispatcher=False).background}
    assert not kinds & {DispatcherComponent, SchedulerComponent}


def test_a_commit_wakes_the_dispatcher_long_before_its_poll(make_runtime: Any) -> None:
    rt = make_runtime(outbox_poll_seconds=60)
    delivered: list[str] = []

    class Recording:
        def send(self, message: OutgoingMessage) -> dict[str, Any] | None:
            delivered.append(message.kind)
            return {"ts": "1"}

    component = next(c for c in rt.background if isinstance(c, DispatcherComponent))

    async def scenario() -> float:
        await component.start()
        try:
            await asyncio.sleep(0.2)  # the first (empty) round is done; now it sleeps
            rt.domain.ports["notifier"] = Recording()

            def commit() -> None:
                with rt.domain.uow() as uow:
                    uow.notify("alert.test", channel="credit-alerts")
                    uow.commit()

            started = time.monotonic()
            await asyncio.to_thread(commit)
            while not delivered:
                await asyncio.sleep(0.02)
                assert time.monotonic() - started < 10
            return time.monotonic() - started
        finally:
            await component.stop()

    assert asyncio.run(scenario()) < 5 and delivered == ["alert.test"]
