"""The telemetry port: what the domain reports for metrics (job runs, alerts raised, outbox
deliveries), without knowing how it is collected. ``bot/`` installs a Prometheus
implementation; without one, reports go nowhere.

Reports of work done in a transaction are made after it commits (an alert raised in a dry run
or a rolled-back unit of work is not counted).
"""

from __future__ import annotations

from typing import Protocol


class Telemetry(Protocol):
    """Counters the domain moves; each call is one occurrence."""

    def job_run(self, job: str, outcome: str) -> None:
        """A scheduled or manual job ran: ``ok``, ``partial``, ``failed``, or ``skipped``
        (another process had claimed the tick)."""
        ...

    def alert_raised(self, alert_type: str) -> None:
        """A new alert (not a repeat of its dedupe key) was recorded and routed."""
        ...

    def delivery(self, outcome: str) -> None:
        """An outbox message's delivery attempt ended: ``sent``, ``retried``, ``dead`` or
        ``lease_lost``."""
        ...


class NoTelemetry:
    """Reports nothing (the default, and in tests that do not look)."""

    def job_run(self, job: str, outcome: str) -> None:
        pass

    def alert_raised(self, alert_type: str) -> None:
        pass

    def delivery(self, outcome: str) -> None:
        pass
