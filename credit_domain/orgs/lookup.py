"""Finding organisation records by the codes people type."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credit_domain.errors import NotFound
from credit_domain.i18n import text_factory
from credit_domain.orgs.models import BusinessUnit

_ = text_factory("credit_domain")


def business_unit_by_code(session: Session, code: str) -> BusinessUnit:
    """The business unit ``code`` (any case), or a clear NotFound."""
    unit = session.scalars(
        select(BusinessUnit).where(func.upper(BusinessUnit.code) == (code or "").strip().upper())
    ).first()
    if unit is None:
        raise NotFound(_("There is no business unit {code}.", code=code))
    return unit
