"""How serious an alert is. Urgent alerts ignore quiet hours; the others wait for working
time in the business unit's calendar."""

from __future__ import annotations

import enum


class Severity(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    URGENT = "urgent"

    @property
    def tone(self) -> str:
        """The outbox payload's ``tone`` for this severity."""
        return {"info": "info", "warning": "warn", "urgent": "danger"}[self.value]
