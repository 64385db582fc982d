"""The normalised company record every provider returns, whatever its wire format.

Dates are calendar dates, amounts exact ``Decimal`` in yuan; lists hold the records a
provider knows, each with a stable ``ref`` (the case number for enforcement and
dishonest-debtor records, so switching providers raises no signal twice; the provider's id
otherwise) so that two snapshots can be compared record by record.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any


class CompanyStatus(enum.StrEnum):
    ACTIVE = "active"  # 存续 / 在业 / 开业
    REVOKED = "revoked"  # 吊销
    DEREGISTERED = "deregistered"  # 注销
    LIQUIDATING = "liquidating"  # 清算 / 停业 / 歇业
    UNKNOWN = "unknown"


def parse_status(raw: str | None) -> CompanyStatus:
    """Map a registry status as the bureaus write it (``存续（在营、开业、在册）``,
    ``吊销，未注销``) to :class:`CompanyStatus`."""
    text = raw or ""
    if "注销" in text and "未注销" not in text:
        return CompanyStatus.DEREGISTERED
    if "吊销" in text:
        return CompanyStatus.REVOKED
    if any(w in text for w in ("清算", "停业", "歇业", "撤销")):
        return CompanyStatus.LIQUIDATING
    if any(w in text for w in ("存续", "在业", "在营", "开业", "正常")):
        return CompanyStatus.ACTIVE
    return CompanyStatus.UNKNOWN


_CAPITAL = re.compile(r"([\d,]+(?:\.\d+)?)\s*(亿|万)?")


def parse_capital(raw: str | None) -> Decimal | None:
    """``1000万人民币`` / ``1000万元人民币`` / ``500.5万(元)`` → yuan; None when unreadable.
    Foreign currencies are read at face value (the bureaus state the currency, we keep it raw
    in the snapshot)."""
    if not raw:
        return None
    m = _CAPITAL.search(raw)
    if not m:
        return None
    try:
        value = Decimal(m.group(1).replace(",", ""))
    except InvalidOperation:
        return None
    unit = {"亿": Decimal(100_000_000), "万": Decimal(10_000)}.get(m.group(2) or "", Decimal(1))
    return (value * unit).quantize(Decimal("0.01"))


def parse_date(raw: Any) -> dt.date | None:
    """Dates as the bureaus send them: epoch milliseconds, ``2020-05-01``, ``2020-05-01
    00:00:00``, ``2020-05-01T00:00:00+08:00``; None when empty or unreadable."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, int | float) or (isinstance(raw, str) and raw.isdigit()):
        ms = int(raw)
        return (dt.datetime.fromtimestamp(ms / 1000, dt.UTC) + dt.timedelta(hours=8)).date()
    text = str(raw).strip()[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Lawsuit:
    ref: str
    case_no: str
    cause: str
    court: str
    filed_on: dt.date | None
    role: str  # defendant | plaintiff | other


@dataclass(frozen=True)
class Enforcement:
    """被执行人: a court enforces a judgment against the company."""

    ref: str
    case_no: str
    court: str
    amount: Decimal | None
    filed_on: dt.date | None


@dataclass(frozen=True)
class DishonestListing:
    """失信被执行人: listed as a dishonest judgment debtor."""

    ref: str
    case_no: str
    court: str
    published_on: dt.date | None
    performance: str


@dataclass(frozen=True)
class EquityFreeze:
    """股权冻结 (司法协助): shares the company holds or issued, frozen by a court."""

    ref: str
    notice_no: str
    court: str
    amount: str
    status: str


@dataclass(frozen=True)
class AbnormalOperation:
    """经营异常名录: listed by the market regulator; ``removed_on`` when taken off the list."""

    ref: str
    reason: str
    listed_on: dt.date | None
    removed_on: dt.date | None


@dataclass(frozen=True)
class BureauReport:
    """Everything one refresh learns about a company."""

    provider: str
    name: str
    uscc: str | None
    status: CompanyStatus
    status_text: str
    legal_representative: str | None
    registered_capital: Decimal | None
    established_on: dt.date | None
    lawsuits: tuple[Lawsuit, ...] = ()
    enforcements: tuple[Enforcement, ...] = ()
    dishonest: tuple[DishonestListing, ...] = ()
    equity_freezes: tuple[EquityFreeze, ...] = ()
    abnormal_operations: tuple[AbnormalOperation, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (dates ISO, amounts as strings) for the snapshot table."""
        encoded: dict[str, Any] = _encode(asdict(self))
        return encoded

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BureauReport:
        def items(key: str, kind: type[Any]) -> tuple[Any, ...]:
            return tuple(_decode(kind, row) for row in data.get(key) or ())

        return cls(
            provider=str(data["provider"]), name=str(data["name"]), uscc=data.get("uscc"),
            status=CompanyStatus(data.get("status") or "unknown"),
            status_text=str(data.get("status_text") or ""),
            legal_representative=data.get("legal_representative"),
            registered_capital=_dec(data.get("registered_capital")),
            established_on=parse_date(data.get("established_on")),
            lawsuits=items("lawsuits", Lawsuit),
            enforcements=items("enforcements", Enforcement),
            dishonest=items("dishonest", DishonestListing),
            equity_freezes=items("equity_freezes", EquityFreeze),
            abnormal_operations=items("abnormal_operations", AbnormalOperation),
            warnings=tuple(data.get("warnings") or ()),
        )


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _dec(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _decode(kind: type[Any], row: dict[str, Any]) -> Any:
    values: dict[str, Any] = {}
    for f in fields(kind):
        raw = row.get(f.name)
        if f.name.endswith("_on"):
            values[f.name] = parse_date(raw)
        elif f.name == "amount" and kind is Enforcement:
            values[f.name] = _dec(raw)
        else:
            values[f.name] = "" if raw is None else raw
    return kind(**values)
