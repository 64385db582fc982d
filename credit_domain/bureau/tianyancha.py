"""Tianyancha (天眼查) open platform client.

Authentication: the account's token in the ``Authorization`` header. Every answer is the
envelope ``{"error_code": 0, "reason": "ok", "result": …}``; list endpoints return
``result = {"total": n, "items": [...]}`` and page with ``pageNum`` / ``pageSize``.
Endpoints used (GET, ``keyword`` = company name, registration number or USCC):

- ``/services/open/ic/baseinfo/normal``  企业基本信息 (name, creditCode, regStatus,
  regCapital, estiblishTime in epoch ms, legalPersonName)
- ``/services/open/jr/lawSuit/2.0``      法律诉讼 (caseno, casereason, court, submittime,
  plaintiffs, defendants)
- ``/services/open/jr/zhixinginfo/2.0``  被执行人 (caseCode, execMoney, caseCreateTime,
  execCourtName)
- ``/services/open/jr/dishonest/2.0``    失信人 (casecode, courtname, publishdate,
  performance)
- ``/services/open/jr/judicial/2.0``     司法协助 / 股权冻结 (assId, executeNoticeNum,
  executiveCourt, equityAmount, typeState)
- ``/services/open/mr/abnormal/2.0``     经营异常 (putDate, putReason, removeDate)

Error codes: 300000 no data (an empty answer, not an error); 300001 request failed,
300004 too frequent and 300012 still processing are retried; the others (invalid or expired
account, no permission, no balance, bad parameters, IP not allowed) are permanent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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

DEFAULT_URL = "http://open.api.tianyancha.com"
NO_DATA = 300000
RETRYABLE = frozenset({300001, 300004, 300012})
PAGE_SIZE = 20
MAX_PAGES = 5


class TianyanchaClient(JsonApi):
    """The bureau port over Tianyancha's open API (see module docstring)."""

    provider = "tianyancha"
    name = "tianyancha"

    def __init__(self, token: str, base_url: str = DEFAULT_URL, **kwargs: Any) -> None:
        super().__init__(base_url, **kwargs)
        self.token = token

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": self.token}

    def interpret(self, body: dict[str, Any]) -> tuple[Outcome, str]:
        try:
            code = int(body.get("error_code", -1))
        except (TypeError, ValueError):
            return Outcome.RETRY, f"unreadable error_code {body.get('error_code')!r}"
        reason = f"error_code {code}: {body.get('reason', '')}"
        if code == 0:
            return Outcome.OK, "ok"
        if code == NO_DATA:
            return Outcome.EMPTY, reason
        return (Outcome.RETRY if code in RETRYABLE else Outcome.FAIL), reason

    def fetch(self, company: CompanyRef) -> BureauReport:
        """The company's record from six endpoints (basics first: unknown company → stop)."""
        basics = self.get("/services/open/ic/baseinfo/normal", {"keyword": company.keyword})
        if basics.outcome is Outcome.EMPTY or not isinstance(basics.body.get("result"), dict):
            raise CompanyNotFound(company.keyword)
        info: dict[str, Any] = basics.body["result"]
        name = str(info.get("name") or company.name)
        kw = company.keyword

        def role(item: dict[str, Any]) -> str:
            if name in str(item.get("defendants") or ""):
                return "defendant"
            return "plaintiff" if name in str(item.get("plaintiffs") or "") else "other"

        return BureauReport(
            provider=self.provider, name=name, uscc=info.get("creditCode") or company.uscc,
            status=parse_status(info.get("regStatus")), status_text=str(info.get("regStatus")),
            legal_representative=info.get("legalPersonName"),
            registered_capital=parse_capital(info.get("regCapital")),
            established_on=parse_date(info.get("estiblishTime")),
            lawsuits=tuple(
                Lawsuit(str(i.get("id") or i.get("caseno")), str(i.get("caseno") or ""),
                        str(i.get("casereason") or ""), str(i.get("court") or ""),
                        parse_date(i.get("submittime")), role(i))
                for i in self._items("/services/open/jr/lawSuit/2.0", kw)),
            enforcements=tuple(
                Enforcement(str(i.get("caseCode")), str(i.get("caseCode") or ""),
                            str(i.get("execCourtName") or ""), parse_capital(
                                str(i.get("execMoney") or "")),
                            parse_date(i.get("caseCreateTime")))
                for i in self._items("/services/open/jr/zhixinginfo/2.0", kw)),
            dishonest=tuple(
                DishonestListing(str(i.get("casecode")), str(i.get("casecode") or ""),
                                 str(i.get("courtname") or ""), parse_date(i.get("publishdate")),
                                 str(i.get("performance") or ""))
                for i in self._items("/services/open/jr/dishonest/2.0", kw)),
            equity_freezes=tuple(
                EquityFreeze(str(i.get("assId") or i.get("executeNoticeNum")),
                             str(i.get("executeNoticeNum") or ""),
                             str(i.get("executiveCourt") or ""), str(i.get("equityAmount") or ""),
                             str(i.get("typeState") or ""))
                for i in self._items("/services/open/jr/judicial/2.0", kw)
                if "冻结" in str(i.get("typeState") or "")),
            abnormal_operations=tuple(
                AbnormalOperation(str(i.get("id") or i.get("putDate")),
                                  str(i.get("putReason") or ""), parse_date(i.get("putDate")),
                                  parse_date(i.get("removeDate")))
                for i in self._items("/services/open/mr/abnormal/2.0", kw)),
        )

    def _items(self, endpoint: str, keyword: str) -> Iterator[dict[str, Any]]:
        yield from paged(lambda page: self.get(endpoint, {
            "keyword": keyword, "pageNum": page, "pageSize": PAGE_SIZE}).body, _page_of)


def _page_of(body: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    result = body.get("result")
    if not isinstance(result, dict):
        return [], 0
    items = [i for i in result.get("items") or [] if isinstance(i, dict)]
    return items, int(result.get("total") or len(items))


def paged(
    get_page: Callable[[int], dict[str, Any]],
    page_of: Callable[[dict[str, Any]], tuple[list[dict[str, Any]], int]],
) -> Iterator[dict[str, Any]]:
    """Every item of a paged list endpoint (at most MAX_PAGES pages)."""
    seen = 0
    for page in range(1, MAX_PAGES + 1):
        items, total = page_of(get_page(page))
        yield from items
        seen += len(items)
        if not items or seen >= total:
            return
