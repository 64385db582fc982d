"""Tianyancha (天眼查) open platform client.

Authentication: the account's token in the ``Authorization`` header. Every answer is the
envelope ``{"error_code": 0, "reason": "ok", "result": …}``; list endpoints return
``result = {"total": n, "items": [...]}`` and page with ``pageNum`` / ``pageSize``.
Endpoints used (GET, ``keyword`` = company name, registration number or USCC) and the fields
read are in :data:`LAYOUT`:

- ``/services/open/ic/baseinfo/normal``  企业基本信息 (``estiblishTime`` in epoch ms)
- ``/services/open/jr/lawSuit/2.0``      法律诉讼
- ``/services/open/jr/zhixinginfo/2.0``  被执行人
- ``/services/open/jr/dishonest/2.0``    失信人
- ``/services/open/jr/judicial/2.0``     司法协助 (equity freezes: ``typeState`` has 冻结)
- ``/services/open/mr/abnormal/2.0``     经营异常

Error codes: 300000 no data (an empty answer, not an error); 300001 request failed,
300004 too frequent and 300012 still processing are retried; the others (invalid or expired
account, no permission, no balance, bad parameters, IP not allowed) are permanent.
"""

from __future__ import annotations

from typing import Any

from credit_domain.bureau.client import BureauClient, Layout, Source
from credit_domain.bureau.http import Outcome

DEFAULT_URL = "http://open.api.tianyancha.com"
NO_DATA = 300000
RETRYABLE = frozenset({300001, 300004, 300012})
KW = {"keyword": "{keyword}"}

LAYOUT = Layout(
    basics=Source("/services/open/ic/baseinfo/normal", KW, {
        "name": "name", "uscc": "creditCode", "status": "regStatus",
        "legal_representative": "legalPersonName", "registered_capital": "regCapital",
        "established_on": "estiblishTime"}, paged=False),
    lawsuits=Source("/services/open/jr/lawSuit/2.0", KW, {
        "ref": ("id", "caseno"), "case_no": "caseno", "cause": "casereason", "court": "court",
        "filed_on": "submittime"}),
    enforcements=Source("/services/open/jr/zhixinginfo/2.0", KW, {
        "ref": "caseCode", "case_no": "caseCode", "court": "execCourtName",
        "amount": "execMoney", "filed_on": "caseCreateTime"}),
    dishonest=Source("/services/open/jr/dishonest/2.0", KW, {
        "ref": "casecode", "case_no": "casecode", "court": "courtname",
        "published_on": "publishdate", "performance": "performance"}),
    equity_freezes=Source("/services/open/jr/judicial/2.0", KW, {
        "ref": ("assId", "executeNoticeNum"), "notice_no": "executeNoticeNum",
        "court": "executiveCourt", "amount": "equityAmount", "status": "typeState"},
        keep=lambda item: "冻结" in str(item.get("typeState") or "")),
    abnormal_operations=Source("/services/open/mr/abnormal/2.0", KW, {
        "ref": ("id", "putDate"), "reason": "putReason", "listed_on": "putDate",
        "removed_on": "removeDate"}),
    page_param="pageNum",
    party_fields=("plaintiffs", "defendants"),
)


class TianyanchaClient(BureauClient):
    """The bureau port over Tianyancha's open API (see module docstring)."""

    provider = "tianyancha"
    name = "tianyancha"
    layout = LAYOUT

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

    def result_of(self, body: dict[str, Any]) -> Any:
        return body.get("result")

    def page_of(self, body: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
        result = body.get("result")
        if not isinstance(result, dict):
            return [], 0
        items = [i for i in result.get("items") or [] if isinstance(i, dict)]
        return items, int(result.get("total") or len(items))
