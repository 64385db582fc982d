"""Qichacha (企查查) open platform client.

Authentication: the application ``key`` as a query parameter, and two headers on every
request: ``Timespan`` (Unix seconds) and ``Token`` = upper-case MD5 hex of
``key + Timespan + SecretKey``. Every answer is the envelope ``{"Status": "200", "Message":
…, "OrderNumber": …, "Paging": {"PageSize", "PageIndex", "TotalRecords"}, "Result": …}``.
Endpoints used (GET):

- ``/ECIV4/GetBasicDetailsByName?keyword=``     企业工商详情 (KeyNo, Name, CreditCode, Status,
  RegistCapi, StartDate, OperName)
- ``/JudgeDocV4/SearchJudgmentDoc?searchKey=``   裁判文书 (Id, CaseNo, CaseReason, Court,
  SubmitDate, ProsecutorList, DefendantList)
- ``/CourtV4/SearchZhiXing?searchKey=``          被执行人 (Id, Anno, ExecuteGov, Biaodi, Liandate)
- ``/CourtV4/SearchShiXin?searchKey=``           失信被执行人 (Id, Anno, Executegov, Publicdate,
  Executestatus)
- ``/JudicialAssistance/GetJudicialAssistance?keyWord=``  股权冻结 (ExecutionNoticeNum,
  EnforcementCourt, EquityAmount, Status)
- ``/ECIException/GetOpException?keyNo=``       经营异常 (AddReason, AddDate, RemoveDate)

Status codes: 200 success; 201 no result (an empty answer, not an error); 101 invalid key,
102 arrears, 103 key suspended, 107 IP forbidden, 109 token check failed, 111 no permission
for the interface and 112 quota used up are permanent; anything else (system errors,
frequency limits) is retried.
"""

from __future__ import annotations

import hashlib
import time
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
from credit_domain.bureau.tianyancha import PAGE_SIZE, paged

DEFAULT_URL = "http://api.qichacha.com"
PERMANENT = frozenset({"101", "102", "103", "107", "109", "111", "112"})


def token(key: str, timespan: str, secret_key: str) -> str:
    """Qichacha's request token: MD5(key + Timespan + SecretKey), upper-case hex."""
    digest = hashlib.md5((key + timespan + secret_key).encode("utf-8"), usedforsecurity=False)
    return digest.hexdigest().upper()


class QichachaClient(JsonApi):
    """The bureau port over Qichacha's open API (see module docstring)."""

    provider = "qichacha"
    name = "qichacha"

    def __init__(self, key: str, secret_key: str, base_url: str = DEFAULT_URL, *,
                 now: Callable[[], float] = time.time, **kwargs: Any) -> None:
        super().__init__(base_url, **kwargs)
        self.key, self.secret_key, self.now = key, secret_key, now

    def auth_params(self) -> dict[str, str]:
        return {"key": self.key}

    def auth_headers(self) -> dict[str, str]:
        timespan = str(int(self.now()))
        return {"Token": token(self.key, timespan, self.secret_key), "Timespan": timespan}

    def interpret(self, body: dict[str, Any]) -> tuple[Outcome, str]:
        status = str(body.get("Status", ""))
        reason = f"Status {status}: {body.get('Message', '')}"
        if status == "200":
            return Outcome.OK, "ok"
        if status == "201":
            return Outcome.EMPTY, reason
        return (Outcome.FAIL if status in PERMANENT else Outcome.RETRY), reason

    def fetch(self, company: CompanyRef) -> BureauReport:
        """The company's record from six endpoints (basics first: unknown company → stop)."""
        basics = self.get("/ECIV4/GetBasicDetailsByName", {"keyword": company.keyword})
        if basics.outcome is Outcome.EMPTY or not isinstance(basics.body.get("Result"), dict):
            raise CompanyNotFound(company.keyword)
        info: dict[str, Any] = basics.body["Result"]
        name = str(info.get("Name") or company.name)
        kw = company.keyword

        def role(item: dict[str, Any]) -> str:
            if name in str(item.get("DefendantList") or ""):
                return "defendant"
            return "plaintiff" if name in str(item.get("ProsecutorList") or "") else "other"

        return BureauReport(
            provider=self.provider, name=name, uscc=info.get("CreditCode") or company.uscc,
            status=parse_status(info.get("Status")), status_text=str(info.get("Status")),
            legal_representative=info.get("OperName"),
            registered_capital=parse_capital(info.get("RegistCapi")),
            established_on=parse_date(info.get("StartDate")),
            lawsuits=tuple(
                Lawsuit(str(i.get("Id") or i.get("CaseNo")), str(i.get("CaseNo") or ""),
                        str(i.get("CaseReason") or ""), str(i.get("Court") or ""),
                        parse_date(i.get("SubmitDate")), role(i))
                for i in self._items("/JudgeDocV4/SearchJudgmentDoc", {"searchKey": kw})),
            enforcements=tuple(
                Enforcement(str(i.get("Anno") or i.get("Id")), str(i.get("Anno") or ""),
                            str(i.get("ExecuteGov") or ""),
                            parse_capital(str(i.get("Biaodi") or "")),
                            parse_date(i.get("Liandate")))
                for i in self._items("/CourtV4/SearchZhiXing",
                                     {"searchKey": kw, "isExactlySame": "true"})),
            dishonest=tuple(
                DishonestListing(str(i.get("Anno") or i.get("Id")), str(i.get("Anno") or ""),
                                 str(i.get("Executegov") or ""),
                                 parse_date(i.get("Publicdate")),
                                 str(i.get("Executestatus") or ""))
                for i in self._items("/CourtV4/SearchShiXin",
                                     {"searchKey": kw, "isExactlySame": "true"})),
            equity_freezes=tuple(
                EquityFreeze(str(i.get("Id") or i.get("ExecutionNoticeNum")),
                             str(i.get("ExecutionNoticeNum") or ""),
                             str(i.get("EnforcementCourt") or ""),
                             str(i.get("EquityAmount") or ""), str(i.get("Status") or ""))
                for i in self._list("/JudicialAssistance/GetJudicialAssistance", {"keyWord": kw})
                if "冻结" in str(i.get("Status") or "")),
            abnormal_operations=tuple(
                AbnormalOperation(str(i.get("Id") or i.get("AddDate")),
                                  str(i.get("AddReason") or ""), parse_date(i.get("AddDate")),
                                  parse_date(i.get("RemoveDate")))
                for i in self._list("/ECIException/GetOpException",
                                    {"keyNo": info.get("KeyNo") or kw})),
        )

    def _items(self, endpoint: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield from paged(lambda page: self.get(endpoint, {
            **params, "pageIndex": page, "pageSize": PAGE_SIZE}).body, _page_of)

    def _list(self, endpoint: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return _page_of(self.get(endpoint, params).body)[0]


def _page_of(body: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    result = body.get("Result")
    if not isinstance(result, list):
        return [], 0
    items = [i for i in result if isinstance(i, dict)]
    paging = body.get("Paging") or {}
    return items, int(paging.get("TotalRecords") or len(items))
