"""Column types that keep the invariants: money is exact, instants are aware.

``Money`` is ``NUMERIC(18, 2)`` on PostgreSQL. SQLite has no exact decimal type (a NUMERIC
column there holds a binary float), so on SQLite the same column holds integer cents; SQL
sums, differences and comparisons stay exact and the type converts at the boundary. Use
:func:`ratio` to divide two money expressions (integer division on SQLite otherwise).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Float, Numeric, cast, func
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator, TypeEngine

CENT = Decimal("0.01")


class Money(TypeDecorator[Decimal]):
    """Exact money with two places (see module docstring)."""

    impl = Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, 2, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        d = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        d = d.quantize(CENT)
        if dialect.name == "sqlite":
            return int(d * 100)
        return d

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return self.result_processor(dialect, None)(value)  # type: ignore[no-any-return]

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        # Every money value read passes here (a monitoring scan reads eight per account): the
        # conversion itself, without the generic wrapper around it.
        return _from_cents if dialect.name == "sqlite" else _to_cents_exact

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class SummedMoney(Money):
    """Money computed in SQL from Money columns and literals by adding, subtracting, summing
    and multiplying by whole numbers: what reports and the monitoring read by the hundred
    thousand. PostgreSQL keeps a NUMERIC's scale through those operations, so the driver's
    Decimal has exactly two places already and is taken as it is; SQLite's integer cents
    convert as for Money. Dividing gives more places: type such an expression as Money."""

    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        return _from_cents if dialect.name == "sqlite" else None


def _from_cents(value: Any) -> Decimal | None:
    """Integer cents as stored on SQLite (a float when SQL computed it) → exact Decimal."""
    if value is None:
        return None
    if value.__class__ is int:
        return Decimal(value).scaleb(-2)
    return (Decimal(str(value)) / 100).quantize(CENT)


def _to_cents_exact(value: Any) -> Decimal | None:
    """A NUMERIC as the driver returns it (a Decimal; a float for a computed value) → exactly
    two places."""
    if value is None:
        return None
    if value.__class__ is Decimal:
        return value.quantize(CENT)
    return (Decimal(str(value)) if isinstance(value, float) else Decimal(value)).quantize(CENT)


def ratio(numerator: ColumnElement[Any], denominator: ColumnElement[Any]) -> ColumnElement[Any]:
    """``numerator / denominator`` as a float in SQL, NULL when the denominator is zero."""
    return cast(numerator, Float) / func.nullif(cast(denominator, Float), 0.0)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware instant. Stored as ``timestamptz`` on PostgreSQL and as naive UTC on SQLite;
    always returned aware (UTC). Naive input is refused: it is a bug, not a time."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetime: every instant in creditbot is timezone-aware")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        instant: dt.datetime = value
        if instant.tzinfo is None:
            return instant.replace(tzinfo=dt.UTC)
        return instant.astimezone(dt.UTC)

    @property
    def python_type(self) -> type[dt.datetime]:
        return dt.datetime
