"""What a refused action must leave alone: every table's row count and the rows that decide
credit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text

import credit_domain.db.models  # noqa: F401  (every table on the metadata)
from credit_domain.bootstrap import Domain
from credit_domain.db.base import Base

MUTABLE = {"credit_accounts": "id, status, credit_limit, version, customer_id, hold_reason",
           "applications": "id, status, version, requester_id, round",
           "step_assignments": "id, status, person_id",
           "customers": "id, merged_into_id, uscc",
           "orders": "id, status, open_amount"}


def fingerprint(domain: Domain) -> dict[str, Any]:
    """Every table's row count and the rows that decide credit: a refusal changes none."""
    with domain.read() as s:
        state: dict[str, Any] = {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables}
        for table, cols in MUTABLE.items():
            state[f"{table}:rows"] = [tuple(r) for r in s.execute(
                text(f"SELECT {cols} FROM {table} ORDER BY id"))]
    return state
