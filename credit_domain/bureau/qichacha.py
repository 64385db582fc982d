"""Qichacha (企查查) open platform client.

Authentication: the application ``key`` as a query parameter, and two headers on every
request: ``Timespan`` (Unix seconds) and ``Token`` = upper-case MD5 hex of
``key + Timespan + SecretKey``. Every answer is the envelope ``{"Status": "200", "Message":
…, "OrderNumber": …, "Paging": {"PageSize", "PageIndex", "TotalRecords"}, "Result": …}``.
Endpoints used (GET) and the fields read are in :data:`LAYOUT`:

- ``/ECIV4/GetBasicDetailsByName?keyword=``     企业工商详情
- ``/JudgeDocV4/SearchJudgmentDoc?searchKey=``   裁判文书 (roles from ProsecutorList and
  DefendantList)
- ``/CourtV4/SearchZhiXing?searchKey=``          被执行人
- ``/CourtV4/SearchShiXin?searchKey=``           失信被执行人
- ``/JudicialAssistance/GetJudicialAssistance?keyWord=``  股权冻结 (``Status`` has 冻结)
- ``/ECIException/GetOpException?keyNo=``       经营异常 (``KeyNo`` from the basics)

Status codes: 200 success; 201 no result (an empty answer, not an error); 101 invalid key,
102 arrears, 103 key suspended, 107 IP forbidden, 109 token check failed, 111 no permission
for the interface and 112 quota used up are permanent; anything else (system errors,
frequency limits) is retried.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from credit_domain.bureau.client import BureauClient, Layout, Source
from credit_domain.bureau.http import Outcome

DEFAULT_URL = "http://api.qichacha.com"
PERMANENT = frozenset({"101", "102", "103", "107", "109", "111", "112"})
SEARCH = {"searchKey": "{keyword}"}
EXACT = {"searchKey": "{keyword}", "isExactlySame": "true"}

LAYOUT = Layout(
    basics=Source("/ECIV4/GetBasicDetailsByName", {"keyword": "{keyword}"}, {
        "name": "Name", "uscc": "CreditCode", "status": "Status",
        "legal_representative": "OperName", "registered_capital": "RegistCapi",
        "established_on": "StartDate"}, paged=False),
    lawsuits=Source("/JudgeDocV4/SearchJudgmentDoc", SEARCH, {
        "ref": ("Id", "CaseNo"), "case_no": "CaseNo", "cause": "CaseReason", "court": "Court",
        "filed_on": "SubmitDate"}),
    enforcements=Source("/CourtV4/SearchZhiXing", EXACT, {
        "ref": ("Anno", "Id"), "case_no": "Anno", "court": "ExecuteGov", "amount": "Biaodi",
        "filed_on": "Liandate"}),
    dishonest=Source("/CourtV4/SearchShiXin", EXACT, {
        "ref": ("Anno", "Id"), "case_no": "Anno", "court": "Executegov",
        "published_on": "Publicdate", "performance": "Executestatus"}),
    equity_freezes=Source("/JudicialAssistance/GetJudicialAssistance", {"keyWord": "{keyword}"}, {
        "ref": ("Id", "ExecutionNoticeNum"), "notice_no": "ExecutionNoticeNum",
        "court": "EnforcementCourt", "amount": "EquityAmount", "status": "Status"},
        paged=False, keep=lambda item: "冻结" in str(item.get("Status") or "")),
    abnormal_operations=Source("/ECIException/GetOpException", {"keyNo": "{key_no}"}, {
        "ref": ("Id", "AddDate"), "reason": "AddReason", "listed_on": "AddDate",
        "removed_on": "RemoveDate"}, paged=False),
    page_param="pageIndex",
    party_fields=("ProsecutorList", "DefendantList"),
    key_no="KeyNo",
)


def token(key: str, timespan: str, secret_key: str) -> str:
    """Qichacha's request token: MD5(key + Timespan + SecretKey), upper-case hex."""
    digest = hashlib.md5((key + timespan + secret_key).encode("utf-8"), usedforsecurity=False)
    return digest.hexdigest().upper()


class QichachaClient(BureauClient):
    """The bureau port over Qichacha's open API (see module docstring)."""

    provider = "qichacha"
    name = "qichacha"
    layout = LAYOUT

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

    def result_of(self, body: dict[str, Any]) -> Any:
        return body.get("Result")

    def page_of(self, body: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
        result = body.get("Result")
        if not isinstance(result, list):
            return [], 0
        items = [i for i in result if isinstance(i, dict)]
        paging = body.get("Paging") or {}
        return items, int(paging.get("TotalRecords") or len(items))
