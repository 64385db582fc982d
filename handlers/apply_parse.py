"""Reading a credit application typed in one line, as a salesperson types it on a phone.

    apply 华为技术 20万 60天 新项目备货             a limit of 20万, payment terms 60 days
    申请授信 华为 +10万 理由：订单增加               the current limit raised by 10万
    临时额度 华为 10万 到 2027-01-31 旺季备货        extra 10万 until 31 January 2027
    临时额度 华为 10万 30天 旺季备货                 extra 10万 for 30 days from today
    放行 华为 SO-2026-0042 客户已回款                release a blocked order

The customer comes first (words up to the first amount, date or order; ``华为20万`` is split),
then in any order: the amount (``parse_amount``: ``20万``, ``200,000``, ``1.5亿``, ``二十万``),
a term (``60天`` / ``60 days`` / ``账期60天``: payment terms for a limit, the validity for a
temporary limit), dates (``2027-01-31``, ``2027/1/31``, ``2027年1月31日``, ``1月31日``,
``月底``, ``年底``, ``到``/``至``/``until`` before the end, ``从``/``from`` before the start,
ranges ``2027-01-01~2027-01-31``), links (attachments); the rest is the reason.

Pure functions: no database. What they cannot read stays in the reason; what is wrong (two
amounts, a date in the past…) is said by :class:`~credit_domain.errors.InvalidInput`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.money import parse_amount
from credit_domain.uscc import is_valid_uscc

_ = text_factory("handlers")

LIMIT, TEMPORARY, RELEASE = "limit", "temporary", "order_release"
KINDS = (LIMIT, TEMPORARY, RELEASE)

_SEPARATORS = re.compile(r"[;；、，]|(?<!\d),|,(?!\d)")
_GLUED = re.compile(r"^(?P<head>.*?[^\d\s.,+¥$￥])(?P<tail>[+＋]?[¥￥$]?\d[\d,.]*\S*)$")
_UNIT_TAIL = re.compile(r"(?:[万亿千百kwm元块天日周月]|days?|weeks?|months?)$", re.IGNORECASE)
_UNIT_WORD = re.compile(r"^(?:[万亿千元块天日周]|个月|days?|weeks?|months?|k|w)$", re.IGNORECASE)
_DAYS = re.compile(r"^(?:账期|期限|有效期|terms?|net)?[:：]?(?P<n>\d{1,4})\s*"
                   r"(?P<unit>天|日|days?|d|周|星期|weeks?|个月|月|months?)$", re.IGNORECASE)
_TERM_WORD = re.compile(r"^(?:账期|付款期|terms?|net)[:：]?$", re.IGNORECASE)
_TERM_PREFIX = re.compile(r"^(?:账期|付款期|terms|net)", re.IGNORECASE)
_ISO = re.compile(r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})[日号]?$")
_MONTH_DAY = re.compile(r"^(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?$")
_TO_WORDS = ("截至", "截止到", "截止", "到", "至", "until", "till", "to", "through")
_FROM_WORDS = ("从", "自", "from", "since")
_RANGE = re.compile(r"^(?P<a>.+?)(?:~|～|至|到|—|–|--)(?P<b>.+)$")
_REASON_WORDS = re.compile(r"^(?:理由|原因|reason|because|因为|说明)[:：]?\s*", re.IGNORECASE)
_PLUS = re.compile(r"^(?:\+|＋|加|增加|提高|提升)")
_MEANT_AS_AMOUNT = re.compile(r"^[-−]?[¥￥$]?\d[\d,.]*(?:[万亿千kwm]|元|块)?$", re.IGNORECASE)
_LINK = re.compile(r"^https?://\S+$", re.IGNORECASE)
MAX_REASON = 1000  # a card button carries the whole request (Slack allows 2000 characters)


@dataclass(frozen=True)
class Draft:
    """What a person asked for so far; missing parts are None. ``delta`` means the amount
    raises the current limit by that much (``+10万``)."""

    kind: str = LIMIT
    query: str | None = None  # the customer as typed
    account_id: int | None = None
    amount: Decimal | None = None
    delta: bool = False
    term_days: int | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    order: str | None = None
    reason: str | None = None
    attachments: tuple[str, ...] = field(default=())

    def to_value(self) -> dict[str, str]:
        """A card button's value (strings only, short keys)."""
        raw = {"k": self.kind, "q": self.query, "a": self.account_id,
               "m": self.amount, "d": "1" if self.delta else None, "t": self.term_days,
               "f": self.valid_from, "u": self.valid_to, "o": self.order, "r": self.reason,
               "x": " ".join(self.attachments) or None}
        return {k: str(v) for k, v in raw.items() if v is not None}

    @classmethod
    def from_value(cls, value: Mapping[str, str]) -> Draft:
        """The draft a button carries (refuses a malformed one clearly)."""
        try:
            kind = value.get("k", LIMIT)
            if kind not in KINDS:
                raise ValueError(kind)
            return cls(
                kind=kind, query=value.get("q"),
                account_id=int(value["a"]) if value.get("a") else None,
                amount=Decimal(value["m"]) if value.get("m") else None,
                delta=value.get("d") == "1",
                term_days=int(value["t"]) if value.get("t") else None,
                valid_from=dt.date.fromisoformat(value["f"]) if value.get("f") else None,
                valid_to=dt.date.fromisoformat(value["u"]) if value.get("u") else None,
                order=value.get("o"), reason=value.get("r"),
                attachments=tuple(value.get("x", "").split()))
        except (ValueError, ArithmeticError):
            raise InvalidInput(_("This button is no longer supported; please ask again.")) \
                from None

    def merge(self, other: Draft) -> Draft:
        """This draft completed with what ``other`` adds (``other`` wins where both say)."""
        changes = {name: getattr(other, name) for name in
                   ("amount", "term_days", "valid_from", "valid_to", "order", "reason")
                   if getattr(other, name) is not None}
        if other.amount is not None:
            changes["delta"] = other.delta
        if other.attachments:
            changes["attachments"] = self.attachments + other.attachments
        if other.kind != self.kind and other.kind == TEMPORARY:
            changes["kind"] = TEMPORARY
        return replace(self, **changes)


class Word(str):
    """A word of the typed text and where it starts in it."""

    at: int

    def __new__(cls, value: str, at: int) -> Word:
        word = super().__new__(cls, value)
        word.at = at
        return word


def tokens(text: str) -> list[Word]:
    """Words of a command: spaces and list separators (、；， and a comma not between digits)
    split them; ``华为20万`` becomes ``华为`` and ``20万`` when the tail reads as an amount."""
    words: list[Word] = []
    for m in re.finditer(r"\S+", text or ""):
        chunk, pos = m.group(), 0
        for sep in _SEPARATORS.finditer(chunk):
            _add(words, chunk[pos:sep.start()], m.start() + pos)
            pos = sep.end()
        _add(words, chunk[pos:], m.start() + pos)
    return words


def _add(words: list[Word], word: str, at: int) -> None:
    if not word:
        return
    if words and _UNIT_WORD.match(word) and re.fullmatch(r"[+＋]?[\d,.]+", words[-1]):
        words[-1] = Word(words[-1] + word, words[-1].at)  # "60 天", "20 万", "2 weeks"
        return
    m = _GLUED.match(word)
    if m is None or _is_value(word) or not re.search(r"[^\W\d_]", m.group("head")):
        words.append(Word(word, at))
        return
    head, tail = m.group("head"), m.group("tail")
    if not _UNIT_TAIL.search(tail) or (_amount(tail) is None and _days(tail) is None):
        words.append(Word(word, at))
        return
    words += [Word(head, at), Word(tail, at + len(head))]


def _amount(word: str) -> tuple[Decimal, bool] | None:
    """(amount, raises the limit) when ``word`` reads as an amount. A word that is plainly
    meant as one but is wrong (``-5万``, ``20,00``, ``1.234``) is refused with the reason."""
    plus = _PLUS.match(word)
    body = word[plus.end():] if plus else word
    if not body or not re.search(r"\d|[一二两三四五六七八九十百千万亿]", body):
        return None
    if not plus and is_valid_uscc(body):  # 18 digits with a valid check: a customer's USCC
        return None
    try:
        return parse_amount(body), plus is not None
    except InvalidInput:
        if _MEANT_AS_AMOUNT.match(body):
            raise
        return None


def _days(word: str) -> tuple[int, str] | None:
    """(number, unit kind: d | w | m) of ``60天``, ``2 weeks``, ``3个月``."""
    m = _DAYS.match(word)
    if m is None:
        return None
    unit = m.group("unit").lower()
    kind = "w" if unit[0] in "w周星" else "m" if unit[0] in "m个月" else "d"
    return int(m.group("n")), kind


def parse_date(word: str, today: dt.date) -> dt.date | None:
    """``2027-01-31``, ``2027/1/31``, ``2027年1月31日``, ``1月31日`` (the next one),
    ``月底`` / ``下月底`` / ``年底``; None when ``word`` is not a date. A date that does not
    exist (``2月30日``) is refused."""
    w = word.strip().rstrip("前止")
    ends = {"月底": _month_end(today, 0), "本月底": _month_end(today, 0),
            "下月底": _month_end(today, 1), "年底": dt.date(today.year, 12, 31)}
    if w in ends:
        return ends[w]
    try:
        m = _ISO.match(w)
        if m:
            return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
        m = _MONTH_DAY.match(w)
        if m:
            day = dt.date(today.year, int(m["m"]), int(m["d"]))
            return day if day >= today else dt.date(today.year + 1, day.month, day.day)
    except ValueError:
        raise InvalidInput(_("{text} is not a date of the calendar.", text=word)) from None
    return None


def _month_end(today: dt.date, ahead: int) -> dt.date:
    year, month = divmod(today.month - 1 + ahead, 12)
    y, m = today.year + year, month + 1
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def add_period(start: dt.date, n: int, unit: str) -> dt.date:
    """The last day of ``n`` days / weeks / months starting on ``start``."""
    if unit == "w":
        return start + dt.timedelta(days=7 * n - 1)
    if unit == "m":
        year, month = divmod(start.month - 1 + n, 12)
        y, m = start.year + year, month + 1
        return dt.date(y, m, min(start.day, calendar.monthrange(y, m)[1])) - dt.timedelta(1)
    return start + dt.timedelta(days=n - 1)


def _is_value(word: str) -> bool:
    return bool(_LINK.match(word) or _days(word) or _ISO.match(word.rstrip("前止"))
                or _MONTH_DAY.match(word.rstrip("前止")))


@dataclass
class _Reader:
    """One pass over the words after the customer."""

    kind: str
    today: dt.date
    text: str
    draft: Draft = field(default_factory=Draft)
    rest: list[Word] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    def read(self, words: list[Word]) -> Draft:
        self.draft = replace(self.draft, kind=self.kind)
        i = 0
        while i < len(words):
            i += self._word(words, i)
        reason = None
        if self.rest:  # as typed, from its first word on (links are attachments)
            typed = self.text[self.rest[0].at:]
            for link in self.links:
                typed = typed.replace(link, " ")
            reason = _REASON_WORDS.sub("", " ".join(typed.split())).strip(" ：:，,") or None
        if reason is not None and len(reason) > MAX_REASON:
            raise InvalidInput(_("The reason is too long for a chat message (at most {n} "
                                 "characters); please shorten it.", n=MAX_REASON))
        return replace(self.draft, reason=reason, attachments=tuple(self.links))

    def _word(self, words: list[Word], i: int) -> int:
        """Read ``words[i]`` (and maybe the next one); return how many were read."""
        word = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else None
        if _LINK.match(word):
            self.links.append(word)
            return 1
        if self.rest:  # the reason has begun: the rest is prose, except links
            self.rest.append(word)
            return 1
        for prefix, is_end in [(p, True) for p in _TO_WORDS] + [(p, False) for p in _FROM_WORDS]:
            if word.lower() == prefix and nxt is not None and self._date(nxt, end=is_end):
                return 2
            if word.lower().startswith(prefix) and len(word) > len(prefix) and re.match(
                    r"[\d年月本下]", word[len(prefix):]) and self._date(word[len(prefix):],
                                                                       end=is_end):
                return 1
        if _TERM_WORD.match(word) and nxt is not None and nxt.isdigit():
            return 2 if self._term(int(nxt), "d", explicit=True) else 1
        if self._range(word) or self._date(word, end=None):
            return 1
        found = _days(word)
        if found is not None:
            self._term(*found, explicit=bool(_TERM_PREFIX.match(word)))
            return 1
        if self.draft.amount is None and self.kind != RELEASE:
            amount = _amount(word)
            if amount is not None:
                self.draft = replace(self.draft, amount=amount[0], delta=amount[1])
                return 1
        self.rest.append(word)
        return 1

    def _term(self, n: int, unit: str, *, explicit: bool) -> bool:
        if self.kind == TEMPORARY and not explicit:
            start = self.draft.valid_from or self.today
            self._window(valid_to=add_period(start, n, unit))
            return True
        days = n * {"d": 1, "w": 7, "m": 30}[unit]
        if days < 1:
            raise InvalidInput(_("Payment terms of {days} days make no sense; e.g. 60天 or "
                                 "net 45.", days=days))
        if self.draft.term_days is not None:
            raise InvalidInput(_("Please give the payment terms once."))
        self.draft = replace(self.draft, term_days=days)
        return True

    def _date(self, word: str, *, end: bool | None) -> bool:
        day = parse_date(word, self.today)
        if day is None:
            return False
        if end is None:  # a bare date: the end, or the start when an end follows
            end = self.draft.valid_to is None or self.draft.valid_from is not None
            if not end:
                self._window(valid_from=day)
                return True
        if end:
            self._window(valid_to=day)
        else:
            self._window(valid_from=day)
        return True

    def _range(self, word: str) -> bool:
        m = _RANGE.match(word)
        if m is None:
            return False
        start, end = parse_date(m["a"], self.today), parse_date(m["b"], self.today)
        if start is None or end is None:
            return False
        self._window(valid_from=start, valid_to=end)
        return True

    def _window(self, valid_from: dt.date | None = None,
                valid_to: dt.date | None = None) -> None:
        if self.kind == LIMIT:  # an end date turns a limit request into a temporary one
            self.kind = TEMPORARY
            self.draft = replace(self.draft, kind=TEMPORARY)
        if valid_to is not None and self.draft.valid_to is not None:
            raise InvalidInput(_("Please give one end date for the temporary limit."))
        self.draft = replace(self.draft, valid_from=valid_from or self.draft.valid_from,
                             valid_to=valid_to or self.draft.valid_to)
        start, end = self.draft.valid_from, self.draft.valid_to
        if start is not None and end is not None and start > end:
            raise InvalidInput(_("The temporary limit would end ({end}) before it starts "
                                 "({start}); please check the dates.",
                                 start=start.isoformat(), end=end.isoformat()))


def parse_details(text: str, kind: str, today: dt.date) -> Draft:
    """What follows the customer (or answers a question): amount, term, dates, links and the
    reason."""
    return _Reader(kind, today, text).read(tokens(text))


def parse_request(text: str, kind: str, today: dt.date) -> Draft:
    """A whole one-line request: the customer, then :func:`parse_details`. The customer is
    every word before the first amount, term, date or link (an order release has no amount:
    the caller finds the order among the words)."""
    words = tokens(text)
    if not words:
        return Draft(kind=kind)
    first = next((i for i, w in enumerate(words) if _is_value(w) or (
        kind != RELEASE and _amount(w) is not None)), len(words))
    if first == 0 and len(words) > 1:  # the amount first: the customer follows it
        customer, rest = [words[1]], [words[0], *words[2:]]
    else:
        customer, rest = words[:first], words[first:]
    draft = _Reader(kind, today, text).read(rest)
    return replace(draft, query=" ".join(customer) or None)


def split_customer(query: str) -> tuple[str, str] | None:
    """``华为 新项目备货`` → (``华为``, ``新项目备货``): when the whole of a query matches no
    customer, its first word may be the customer and the rest the reason."""
    words = query.split()
    if len(words) < 2:
        return None
    return words[0], " ".join(words[1:])
