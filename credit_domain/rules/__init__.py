"""The rules engine: per business unit, a validated policy of rules — when (a domain event),
if (a CEL condition), then (actions) — run inside the transaction that raised the event."""
