"""What both providers' clients do the same way: read the basics (an unknown company stops
there), then read each record list and map the provider's field names onto the
:class:`~credit_domain.bureau.report.BureauReport` records.

A provider declares its wire format as :class:`Source` tables (endpoint, parameters, and
which of its fields fills which field of ours); values are converted by our field's name:
``*_on`` → date, ``amount`` of an enforcement → yuan, anything else → text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from credit_domain.bureau.http import JsonApi, Outcome
from credit_domain.bureau.port import CompanyNotFound, CompanyRef
from credit_domain.bureau.report import (
    AbnormalOperation,
    BureauReport,
    DishonestListing,
    Enforcement,
    EquityFreeze,
    Lawsuit,
    parse_capital,
    parse_date,
    parse_status,
)

PAGE_SIZE = 20
MAX_PAGES = 5
Wire = dict[str, str | tuple[str, ...]]  # our field → the provider's field(s), first non-empty


@dataclass(frozen=True)
class Source:
    """One endpoint of a provider and how its items map onto a record type."""

    endpoint: str
    params: dict[str, str]  # values may use {keyword} and {key_no}
    wire: Wire
    paged: bool = True
    keep: Callable[[dict[str, Any]], bool] | None = None  # e.g. only equity freezes


@dataclass(frozen=True)
class Layout:
    """A provider's whole wire format (see :class:`BureauClient`)."""

    basics: Source
    lawsuits: Source
    enforcements: Source
    dishonest: Source
    equity_freezes: Source
    abnormal_operations: Source
    page_param: str
    party_fields: tuple[str, str]  # (plaintiffs, defendants) of a lawsuit item
    key_no: str = ""  # the basics field some endpoints take instead of the keyword
    records: dict[str, type] = field(default_factory=lambda: {
        "lawsuits": Lawsuit, "enforcements": Enforcement, "dishonest": DishonestListing,
        "equity_freezes": EquityFreeze, "abnormal_operations": AbnormalOperation})


def pick(item: dict[str, Any], keys: str | tuple[str, ...]) -> Any:
    for key in (keys,) if isinstance(keys, str) else keys:
        if item.get(key) not in (None, ""):
            return item[key]
    return None


def convert(kind: type, name: str, raw: Any) -> Any:
    if name.endswith("_on"):
        return parse_date(raw)
    if name == "amount" and kind is Enforcement:
        return parse_capital(str(raw or ""))
    return "" if raw is None else str(raw)


class BureauClient(JsonApi):
    """The bureau port over a provider described by :attr:`layout` (subclasses set it, with
    authentication and the envelope's reading)."""

    name = "bureau"
    layout: Layout

    def page_of(self, body: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
        """The items of a list answer and the total the provider reports."""
        raise NotImplementedError

    def result_of(self, body: dict[str, Any]) -> Any:
        raise NotImplementedError

    def fetch(self, company: CompanyRef) -> BureauReport:
        """The company's record from six endpoints (basics first: unknown company → stop)."""
        lay = self.layout
        basics = self.get(lay.basics.endpoint, self._params(lay.basics, company.keyword, ""))
        info = self.result_of(basics.body)
        if basics.outcome is Outcome.EMPTY or not isinstance(info, dict):
            raise CompanyNotFound(company.keyword)
        b = {ours: pick(info, theirs) for ours, theirs in lay.basics.wire.items()}
        name = str(b["name"] or company.name)
        key_no = str(info.get(lay.key_no) or company.keyword) if lay.key_no else ""
        lists: dict[str, tuple[Any, ...]] = {}
        for attr, kind in lay.records.items():
            source: Source = getattr(lay, attr)
            items = self._items(source, company.keyword, key_no)
            lists[attr] = tuple(self._record(kind, source, item, name) for item in items
                                if source.keep is None or source.keep(item))
        return BureauReport(
            provider=self.provider, name=name, uscc=b["uscc"] or company.uscc,
            status=parse_status(b["status"]), status_text=str(b["status"] or ""),
            legal_representative=b["legal_representative"],
            registered_capital=parse_capital(b["registered_capital"]),
            established_on=parse_date(b["established_on"]), **lists)

    def _record(self, kind: type, source: Source, item: dict[str, Any], name: str) -> Any:
        values = {f.name: convert(kind, f.name, pick(item, source.wire[f.name]))
                  for f in fields(kind) if f.name in source.wire}
        if kind is Lawsuit:
            plaintiffs, defendants = self.layout.party_fields
            values["role"] = ("defendant" if name in str(item.get(defendants) or "") else
                              "plaintiff" if name in str(item.get(plaintiffs) or "") else "other")
        return kind(**values)

    @staticmethod
    def _params(source: Source, keyword: str, key_no: str) -> dict[str, str]:
        return {k: v.format(keyword=keyword, key_no=key_no) for k, v in source.params.items()}

    def _items(self, source: Source, keyword: str, key_no: str) -> Iterator[dict[str, Any]]:
        params = self._params(source, keyword, key_no)
        if not source.paged:
            yield from self.page_of(self.get(source.endpoint, params).body)[0]
            return
        seen = 0
        for page in range(1, MAX_PAGES + 1):
            answer = self.get(source.endpoint, {**params, self.layout.page_param: str(page),
                                                "pageSize": str(PAGE_SIZE)})
            items, total = self.page_of(answer.body)
            yield from items
            seen += len(items)
            if not items or seen >= total:
                return
