"""Money: ``Decimal`` with two places, parsed from what people type.

Accepted: ``200000``, ``200,000``, ``￥20万``, ``20万``, ``1.5亿``, ``200k``, ``2.5w``, ``1.2m``,
``２０万`` (full width), ``二十万``, ``一点五亿``, ``20万元``, ``RMB 200,000.50``.
Refused with a clear reason: negative, zero, too large, more than two decimals, odd digit
grouping (``20,00``), several numbers, no number at all.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import cn2an

from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory

_ = text_factory("credit_domain")

CENT = Decimal("0.01")
RATIO = Decimal("0.0001")  # ratios (utilisation, shares, trends) to four places
DEFAULT_MAX = Decimal("1000000000000")  # 1万亿: above this, a typo is likelier than a deal

_MULTIPLIERS = {
    "": Decimal(1),
    "百": Decimal(100),
    "千": Decimal(1000),
    "k": Decimal(1000),
    "万": Decimal(10_000),
    "w": Decimal(10_000),
    "十万": Decimal(100_000),
    "百万": Decimal(1_000_000),
    "m": Decimal(1_000_000),
    "千万": Decimal(10_000_000),
    "亿": Decimal(100_000_000),
    "b": Decimal(1_000_000_000),
}
_CURRENCY = re.compile(
    r"^(?:¥|\$|rmb|cny|人民币)\s*|\s*(?:元整|元|块钱|块|rmb|cny)$", re.IGNORECASE
)
_ARABIC = re.compile(r"^(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?$")
_UNIT = re.compile(r"(?P<unit>十万|百万|千万|[百千万亿kwmb])$", re.IGNORECASE)
_CN_NUMERALS = set("零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟点")


def money(value: Decimal | int | str) -> Decimal:
    """Quantize a value to two places (half up), the only form money takes in the domain."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(text: str, *, maximum: Decimal = DEFAULT_MAX) -> Decimal:
    """Parse a positive amount as people type it; raise :class:`InvalidInput` otherwise."""
    raw = (text or "").strip()
    if not raw:
        raise InvalidInput(_("Please give an amount, e.g. 200000 or 20万."))
    s = unicodedata.normalize("NFKC", raw).replace("，", ",").replace(" ", "").lower()
    s = s.replace("￥", "¥")
    negative = s.startswith(("-", "负", "−"))
    if negative:
        raise InvalidInput(_("The amount must be positive: {text}", text=raw))
    prev = None
    while prev != s:
        prev, s = s, _CURRENCY.sub("", s)
    value = _parse_number(s, raw)
    if value <= 0:
        raise InvalidInput(_("The amount must be greater than zero: {text}", text=raw))
    if value > maximum:
        raise InvalidInput(
            _("The amount {text} is implausibly large (above {maximum}).", text=raw,
              maximum=format_amount(maximum))
        )
    if value != value.quantize(CENT):
        raise InvalidInput(_("An amount has at most two decimal places: {text}", text=raw))
    return money(value)


def _parse_number(s: str, raw: str) -> Decimal:
    unit = ""
    m = _UNIT.search(s)
    head = s
    if m and m.start() > 0:
        unit, head = m.group("unit").lower(), s[: m.start()]
    arabic = _ARABIC.match(head)
    if arabic:
        digits = arabic.group("num").replace(",", "") + (arabic.group("frac") or "")
        return Decimal(digits) * _MULTIPLIERS[unit]
    if "," in head and re.fullmatch(r"[\d,.]+", head):
        raise InvalidInput(
            _("I can't read {text}: digits are grouped in threes (200,000).", text=raw)
        )
    if set(s) <= _CN_NUMERALS | set("0123456789.") and any(c in _CN_NUMERALS for c in s):
        return _parse_chinese(s, head, unit, raw)
    raise InvalidInput(_("I can't read {text} as an amount, e.g. 200000 or 20万.", text=raw))


def _parse_chinese(whole: str, head: str, unit: str, raw: str) -> Decimal:
    # The whole string first (二十万五千), then a number times a trailing unit (一点五亿).
    candidates = [(whole, Decimal(1))]
    if unit and head and not any(c in "百千万亿佰仟" for c in head):
        candidates.append((head, _MULTIPLIERS[unit]))
    for candidate, mult in candidates:
        try:
            value = cn2an.cn2an(candidate, "smart")
        except (ValueError, TypeError):
            continue
        try:
            return Decimal(str(value)) * mult
        except InvalidOperation:
            continue
    raise InvalidInput(_("I can't read {text} as an amount, e.g. 200000 or 20万.", text=raw))


def format_amount(value: Decimal, locale: str | None = "en", currency: str = "CNY") -> str:
    """Render money for people: ``¥200,000.00``; in Chinese large round figures as ``20万``."""
    symbol = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$"}.get(currency, currency + " ")
    v = money(value)
    if locale and locale.startswith("zh") and abs(v) >= 10_000 and v % 100 == 0:
        wan = (v / 10_000).normalize()
        if abs(v) >= 100_000_000 and v % 1_000_000 == 0:
            return f"{symbol}{(v / 100_000_000).normalize():f}亿"
        return f"{symbol}{wan:f}万"
    return f"{symbol}{v:,.2f}"
