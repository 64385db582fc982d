"""Application numbers: ``APP-<year>-<six digits>``, counted per year without gaps or
duplicates even when two people submit at the same instant."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from credit_domain.applications.models import ApplicationSequence


def next_number(session: Session, year: int) -> str:
    """Issue the next number of ``year``. The upsert locks the year's counter row until the
    transaction ends, so concurrent submissions take turns."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else (
        sqlite.insert)
    stmt = insert(ApplicationSequence).values(year=year, last_value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["year"], set_={"last_value": ApplicationSequence.last_value + 1})
    value = session.execute(stmt.returning(ApplicationSequence.last_value)).scalar_one()
    return f"APP-{year}-{value:06d}"
