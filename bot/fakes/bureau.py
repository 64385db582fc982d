"""A fake company-data bureau: a real ASGI app serving Tianyancha's and Qichacha's wire
formats for the same deterministic companies.

Every company's record derives from a hash of its USCC (or name): most are clean; some have
lawsuits as defendant, court enforcement, dishonest-debtor listings, equity freezes,
abnormal-operation listings, a changed legal representative, or a revoked or deregistered
registration. Records carry dates between 2024 and 2027 and appear once their date has come
(``today``), so refreshing on a later day finds new records, as with a real bureau.

Switches for tests (and for trying failure handling in the demo): :meth:`FakeBureau.fail_next`
(HTTP 5xx), :meth:`FakeBureau.rate_limit_next` (HTTP 429 or the provider's "too frequent"
code), :meth:`FakeBureau.slow_next` (answers late, for client timeouts). Every request is
recorded in :attr:`FakeBureau.requests`.

Run alone with ``creditbot fake-bureau serve --port 8100``; ``creditbot serve`` mounts it at
``/fake-bureau/`` when the emulator is on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from credit_domain.bureau.qichacha import token as qichacha_token
from credit_domain.uscc import is_valid_uscc, normalize_uscc

EPOCH = dt.date(2024, 1, 1)
SPAN_DAYS = 4 * 365
CAPITALS = ["50", "100", "200", "500", "1000", "3000", "5000", "10000"]  # 万元
PEOPLE = ["张建国", "李明", "王磊", "刘洋", "陈静", "杨帆", "赵强", "黄涛", "周敏", "吴刚",
          "徐立", "孙伟", "马超", "朱红", "胡军", "郭平"]
COURTS = ["上海市浦东新区人民法院", "苏州市中级人民法院", "杭州市西湖区人民法院",
          "深圳市南山区人民法院", "北京市朝阳区人民法院", "广州市天河区人民法院"]
CAUSES = ["买卖合同纠纷", "借款合同纠纷", "建设工程施工合同纠纷", "服务合同纠纷", "劳动争议",
          "租赁合同纠纷"]
PLAINTIFFS = ["江苏宏达钢铁贸易有限公司", "浙江恒信供应链管理有限公司", "上海瑞通物流有限公司",
              "深圳前海融通商业保理有限公司", "中国工商银行股份有限公司某支行"]
Directory = Callable[[str], "tuple[str | None, str] | None"]


@dataclass
class Company:
    """One company's full record (every date, including future ones)."""

    uscc: str | None
    name: str
    seed: int
    legal_reps: list[tuple[dt.date, str]]
    capital_wan: str
    established: dt.date
    statuses: list[tuple[dt.date, str]]
    lawsuits: list[dict[str, Any]] = field(default_factory=list)
    enforcements: list[dict[str, Any]] = field(default_factory=list)
    dishonest: list[dict[str, Any]] = field(default_factory=list)
    freezes: list[dict[str, Any]] = field(default_factory=list)
    abnormal: list[dict[str, Any]] = field(default_factory=list)

    def as_of(self, today: dt.date) -> dict[str, Any]:
        def seen(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [r for r in rows if r["date"] <= today]

        def current(changes: list[tuple[dt.date, str]]) -> str:
            return [v for d, v in changes if d <= today][-1]

        return {"legal_rep": current(self.legal_reps), "status": current(self.statuses),
                "lawsuits": seen(self.lawsuits), "enforcements": seen(self.enforcements),
                "dishonest": seen(self.dishonest), "freezes": seen(self.freezes),
                "abnormal": [{**r, "removed": r["removed"] if r["removed"] and r["removed"]
                              <= today else None} for r in seen(self.abnormal)]}


def make_company(key: str, name: str, uscc: str | None) -> Company:
    """The deterministic record of the company identified by ``key`` (see module doc)."""
    h = hashlib.sha256(key.encode("utf-8")).digest()
    seed = int.from_bytes(h[:8], "big")
    pick = seed % 100

    def num(i: int, mod: int) -> int:
        """The i-th deterministic number below ``mod`` drawn from the hash."""
        return (h[8 + i % 24] * 256 + h[(9 + i) % 32]) % mod

    def day(i: int) -> dt.date:
        return EPOCH + dt.timedelta(days=num(i, SPAN_DAYS))

    established = EPOCH - dt.timedelta(days=400 + num(0, 9000))
    reps = [(established, PEOPLE[num(1, len(PEOPLE))])]
    if seed % 7 == 0:
        reps.append((day(2), PEOPLE[(num(1, len(PEOPLE)) + 3) % len(PEOPLE)]))
    statuses = [(established, "存续（在营、开业、在册）")]
    if pick >= 97:
        statuses.append((day(3), "吊销，未注销" if pick < 99 else "注销"))
    c = Company(uscc, name, seed, sorted(reps), CAPITALS[num(4, len(CAPITALS))], established,
                sorted(statuses))
    n_suits = (1 + num(5, 3)) if 60 <= pick < 92 else (1 if pick % 3 == 0 else 0)
    for i in range(n_suits):
        defendant = 60 <= pick < 92 or i % 2 == 1
        c.lawsuits.append({"id": f"{seed % 10**9}{i:02d}", "date": day(10 + i),
                           "case": f"({day(10 + i).year})沪0115民初{num(20 + i, 90000)}号",
                           "cause": CAUSES[num(30 + i, len(CAUSES))],
                           "court": COURTS[num(40 + i, len(COURTS))],
                           "plaintiff": PLAINTIFFS[num(50 + i, len(PLAINTIFFS))],
                           "defendant": defendant})
    if 75 <= pick < 89:
        for i in range(1 + num(6, 2)):
            c.enforcements.append({"id": f"Z{seed % 10**8}{i}", "date": day(60 + i),
                                   "case": f"({day(60 + i).year})苏05执{num(61 + i, 9000)}号",
                                   "court": COURTS[num(62 + i, len(COURTS))],
                                   "amount": str(10_000 * (5 + num(63 + i, 200)))})
    if 83 <= pick < 89:
        c.dishonest.append({"id": f"S{seed % 10**8}", "date": day(70),
                            "case": f"({day(70).year})浙0106执{num(71, 9000)}号",
                            "court": COURTS[num(72, len(COURTS))],
                            "performance": "全部未履行"})
    if 89 <= pick < 93:
        c.freezes.append({"id": f"F{seed % 10**8}", "date": day(80),
                          "notice": f"({day(80).year})粤0305执保{num(81, 9000)}号",
                          "court": COURTS[num(82, len(COURTS))],
                          "amount": f"{100 * (1 + num(83, 50))}万人民币"})
    if 93 <= pick < 97:
        listed = day(90)
        removed = listed + dt.timedelta(days=200) if seed % 2 else None
        c.abnormal.append({"id": f"A{seed % 10**8}", "date": listed, "removed": removed,
                           "reason": "通过登记的住所或者经营场所无法联系的"})
    return c


@dataclass
class FakeBureau:
    """The fake's state and its ASGI app (:attr:`app`)."""

    directory: Directory | None = None
    today: Callable[[], dt.date] = dt.date.today
    tianyancha_token: str | None = None  # None: any non-empty token is accepted
    qichacha_key: str = "fake-key"
    qichacha_secret: str = "fake-secret"  # noqa: S105 (the fake's published test secret)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    _faults: list[tuple[str, float]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- switches ----------------------------------------------------------------------------
    def fail_next(self, n: int = 1, status: int = 503) -> None:
        self._queue(n, "fail", status)

    def rate_limit_next(self, n: int = 1, *, style: str = "http",
                        retry_after: int = 0) -> None:
        """``style="http"``: HTTP 429 with ``Retry-After``; ``"code"``: HTTP 200 with
        Tianyancha's error_code 300004 (访问频率过快)."""
        self._queue(n, "rate_http" if style == "http" else "rate_code", retry_after)

    def slow_next(self, n: int = 1, seconds: float = 2.0) -> None:
        self._queue(n, "slow", seconds)

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()
            self.requests.clear()

    def _queue(self, n: int, kind: str, value: float) -> None:
        with self._lock:
            self._faults.extend([(kind, value)] * n)

    def _next_fault(self) -> tuple[str, float] | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    # -- companies ---------------------------------------------------------------------------
    def lookup(self, keyword: str) -> Company | None:
        code = normalize_uscc(keyword)
        known = self.directory(keyword) if self.directory else None
        if known is not None:
            uscc, name = known
        elif len(code) == 18 and is_valid_uscc(code):
            uscc, name = code, f"企业{code[8:17]}有限公司"
        else:
            return None
        return make_company(uscc or name, name, uscc)

    # -- the app -----------------------------------------------------------------------------
    @property
    def app(self) -> Starlette:
        routes = [Route(path, self._handler(fmt, part)) for path, fmt, part in ENDPOINTS]
        return Starlette(routes=routes)

    def _handler(self, fmt: str, part: str) -> Callable[[Request], Any]:
        async def handle(request: Request) -> Response:
            params = dict(request.query_params)
            self.requests.append((request.url.path, params))
            fault = self._next_fault()
            if fault is not None:
                kind, value = fault
                if kind == "slow":
                    await asyncio.sleep(value)
                elif kind == "fail":
                    return JSONResponse({"message": "upstream unavailable"}, int(value))
                elif kind == "rate_http":
                    return JSONResponse({"message": "too many requests"}, 429,
                                        headers={"Retry-After": str(value)})
                elif fmt == "tyc":
                    return JSONResponse({"error_code": 300004, "reason": "访问频率过快",
                                         "result": None})
                else:
                    return JSONResponse({"message": "too many requests"}, 429)
            if fmt == "tyc":
                return JSONResponse(self._tianyancha(request, params, part))
            return JSONResponse(self._qichacha(request, params, part))

        return handle

    def _tianyancha(self, request: Request, params: dict[str, str], part: str
                    ) -> dict[str, Any]:
        auth = request.headers.get("Authorization", "")
        if not auth or (self.tianyancha_token is not None and auth != self.tianyancha_token):
            return {"error_code": 300002, "reason": "账号失效", "result": None}
        company = self.lookup(params.get("keyword", ""))
        if company is None:
            return {"error_code": 300000, "reason": "经查无结果", "result": None}
        rec = company.as_of(self.today())
        if part == "basics":
            return _tyc_ok(tyc_basics(company, rec))
        rows = tyc_rows(company, rec, part)
        if not rows:
            return {"error_code": 300000, "reason": "经查无结果", "result": None}
        num, size = int(params.get("pageNum", 1)), int(params.get("pageSize", 20))
        return _tyc_ok({"total": len(rows), "items": rows[(num - 1) * size: num * size]})

    def _qichacha(self, request: Request, params: dict[str, str], part: str
                  ) -> dict[str, Any]:
        span = request.headers.get("Timespan", "")
        expected = qichacha_token(self.qichacha_key, span, self.qichacha_secret)
        if params.get("key") != self.qichacha_key:
            return {"Status": "101", "Message": "当前的KEY无效或者还未审核通过", "Result": None}
        if not span or request.headers.get("Token") != expected:
            return {"Status": "109", "Message": "Token验证失败", "Result": None}
        keyword = (params.get("keyword") or params.get("searchKey") or params.get("keyWord")
                   or params.get("keyNo") or "")
        company = self.lookup(keyword) or self._by_keyno(keyword)
        if company is None:
            return {"Status": "201", "Message": "【有效请求】查询无结果", "Result": None}
        rec = company.as_of(self.today())
        if part == "basics":
            return _qcc_ok(qcc_basics(company, rec))
        rows = qcc_rows(company, rec, part)
        if not rows:
            return {"Status": "201", "Message": "【有效请求】查询无结果", "Result": None}
        if part in ("freezes", "abnormal"):
            return _qcc_ok(rows)
        index, size = int(params.get("pageIndex", 1)), int(params.get("pageSize", 20))
        return {**_qcc_ok(rows[(index - 1) * size: index * size]),
                "Paging": {"PageSize": size, "PageIndex": index, "TotalRecords": len(rows)}}

    def _by_keyno(self, keyword: str) -> Company | None:
        return self.lookup(keyword[3:]) if keyword.startswith("qcc") else None


def _tyc_ok(result: Any) -> dict[str, Any]:
    return {"error_code": 0, "reason": "ok", "result": result}


def _qcc_ok(result: Any) -> dict[str, Any]:
    return {"Status": "200", "Message": "【有效请求】查询成功",
            "OrderNumber": "ECI2026" + hashlib.md5(repr(result).encode(), usedforsecurity=False
                                                   ).hexdigest()[:12].upper(),
            "Result": result}


def _ms(d: dt.date) -> int:
    return int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone(dt.timedelta(hours=8))
                           ).timestamp() * 1000)


def tyc_basics(c: Company, rec: dict[str, Any]) -> dict[str, Any]:
    return {"id": c.seed % 10**10, "name": c.name, "creditCode": c.uscc,
            "regStatus": rec["status"], "regCapital": f"{c.capital_wan}万人民币",
            "regCapitalCurrency": "人民币", "estiblishTime": _ms(c.established),
            "legalPersonName": rec["legal_rep"], "companyOrgType": "有限责任公司",
            "regNumber": (c.uscc or "")[8:17], "base": "sh"}


def tyc_rows(c: Company, rec: dict[str, Any], part: str) -> list[dict[str, Any]]:
    if part == "lawsuits":
        return [{"id": r["id"], "caseno": r["case"], "casereason": r["cause"],
                 "court": r["court"], "submittime": _ms(r["date"]), "doctype": "民事判决书",
                 "title": f"{r['plaintiff']}与{c.name}{r['cause']}一审民事判决书",
                 "plaintiffs": r["plaintiff"] if r["defendant"] else c.name,
                 "defendants": c.name if r["defendant"] else r["plaintiff"]}
                for r in rec["lawsuits"]]
    if part == "enforcements":
        return [{"caseCode": r["case"], "execMoney": r["amount"], "pname": c.name,
                 "caseCreateTime": _ms(r["date"]), "execCourtName": r["court"]}
                for r in rec["enforcements"]]
    if part == "dishonest":
        return [{"iname": c.name, "casecode": r["case"], "courtname": r["court"],
                 "regdate": _ms(r["date"] - dt.timedelta(days=90)),
                 "publishdate": _ms(r["date"]), "performance": r["performance"],
                 "disrupttypename": "有履行能力而拒不履行生效法律文书确定义务", "type": "1"}
                for r in rec["dishonest"]]
    if part == "freezes":
        return [{"assId": r["id"], "executedPerson": c.name, "executeNoticeNum": r["notice"],
                 "executiveCourt": r["court"], "equityAmount": r["amount"],
                 "typeState": "股权冻结|冻结"} for r in rec["freezes"]]
    return [{"id": r["id"], "putDate": r["date"].isoformat(), "putReason": r["reason"],
             "putDepartment": "市场监督管理局",
             "removeDate": r["removed"].isoformat() if r["removed"] else None,
             "removeReason": "已补报年度报告" if r["removed"] else None}
            for r in rec["abnormal"]]


def qcc_basics(c: Company, rec: dict[str, Any]) -> dict[str, Any]:
    return {"KeyNo": "qcc" + (c.uscc or c.name), "Name": c.name, "CreditCode": c.uscc,
            "No": (c.uscc or "")[8:17], "OperName": rec["legal_rep"], "Status": rec["status"],
            "StartDate": f"{c.established.isoformat()} 00:00:00",
            "RegistCapi": f"{c.capital_wan}万元人民币", "EconKind": "有限责任公司",
            "BelongOrg": "市场监督管理局"}


def qcc_rows(c: Company, rec: dict[str, Any], part: str) -> list[dict[str, Any]]:
    if part == "lawsuits":
        return [{"Id": r["id"], "CaseNo": r["case"], "CaseReason": r["cause"],
                 "Court": r["court"], "SubmitDate": f"{r['date'].isoformat()} 00:00:00",
                 "CaseName": f"{r['plaintiff']}与{c.name}{r['cause']}",
                 "ProsecutorList": r["plaintiff"] if r["defendant"] else c.name,
                 "DefendantList": c.name if r["defendant"] else r["plaintiff"]}
                for r in rec["lawsuits"]]
    if part == "enforcements":
        return [{"Id": r["id"], "Name": c.name, "Anno": r["case"], "ExecuteGov": r["court"],
                 "Biaodi": r["amount"], "Liandate": f"{r['date'].isoformat()} 00:00:00"}
                for r in rec["enforcements"]]
    if part == "dishonest":
        return [{"Id": r["id"], "Name": c.name, "Anno": r["case"], "Executegov": r["court"],
                 "Publicdate": f"{r['date'].isoformat()} 00:00:00",
                 "Executestatus": r["performance"]} for r in rec["dishonest"]]
    if part == "freezes":
        return [{"Id": r["id"], "ExecutedBy": c.name, "ExecutionNoticeNum": r["notice"],
                 "EnforcementCourt": r["court"], "EquityAmount": r["amount"],
                 "Status": "股权冻结|冻结"} for r in rec["freezes"]]
    return [{"Id": r["id"], "AddReason": r["reason"], "AddDate": r["date"].isoformat(),
             "DecisionOffice": "市场监督管理局",
             "RemoveDate": r["removed"].isoformat() if r["removed"] else "",
             "RemoveReason": "已补报年度报告" if r["removed"] else ""} for r in rec["abnormal"]]


ENDPOINTS = [
    ("/services/open/ic/baseinfo/normal", "tyc", "basics"),
    ("/services/open/jr/lawSuit/2.0", "tyc", "lawsuits"),
    ("/services/open/jr/zhixinginfo/2.0", "tyc", "enforcements"),
    ("/services/open/jr/dishonest/2.0", "tyc", "dishonest"),
    ("/services/open/jr/judicial/2.0", "tyc", "freezes"),
    ("/services/open/mr/abnormal/2.0", "tyc", "abnormal"),
    ("/ECIV4/GetBasicDetailsByName", "qcc", "basics"),
    ("/JudgeDocV4/SearchJudgmentDoc", "qcc", "lawsuits"),
    ("/CourtV4/SearchZhiXing", "qcc", "enforcements"),
    ("/CourtV4/SearchShiXin", "qcc", "dishonest"),
    ("/JudicialAssistance/GetJudicialAssistance", "qcc", "freezes"),
    ("/ECIException/GetOpException", "qcc", "abnormal"),
]
