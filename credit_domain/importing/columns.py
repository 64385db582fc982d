"""The columns of each import file: the record field, its English and Chinese headers, and
what people should write there. Either header (or the field name) is accepted on import."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory

_ = text_factory("credit_domain")


@dataclass(frozen=True)
class Column:
    key: str  # the record's field
    en: str
    zh: str
    required: bool = False
    note_en: str = ""
    note_zh: str = ""
    example: str = ""

    def header(self, lang: str) -> str:
        return self.zh if lang.startswith("zh") else self.en


def _refs() -> list[Column]:
    return [
        Column("customer_external_id", "Customer No.", "客户编号", False,
               "the ERP's customer number (or give the USCC)",
               "ERP 客户编号（或填统一社会信用代码）", "C00012"),
        Column("customer_uscc", "Customer USCC", "客户统一社会信用代码", False,
               "18 characters", "18 位", "91310000MA1FL0RK4Q"),
    ]


AMOUNT = ("as people write it: 200000, 200,000.50, 20万", "可写 200000、200,000.50 或 20万")
DATE = ("2026-03-31, 2026/3/31 or 2026年3月31日", "如 2026-03-31、2026/3/31 或 2026年3月31日")

KINDS: dict[str, list[Column]] = {
    "customers": [
        Column("external_id", "Customer No.", "客户编号", True, "the ERP's customer number",
               "ERP 客户编号", "C00012"),
        Column("name", "Legal name", "客户名称", True, "registered name", "工商登记名称",
               "上海华东机电有限公司"),
        Column("uscc", "USCC", "统一社会信用代码", False, "18 characters", "18 位",
               "91310000MA1FL0RK4Q"),
        Column("aliases", "Aliases", "别名", False, "separated by ;", "用 ; 分隔",
               "华东机电; East China M&E"),
        Column("parent_uscc", "Parent USCC", "母公司统一社会信用代码", False,
               "the group's parent company", "所属集团母公司", ""),
        Column("industry", "Industry", "行业", False, "", "", "machinery"),
        Column("established_on", "Established on", "成立日期", False, *DATE, "2012-05-18"),
        Column("owner", "Salesperson", "销售员", False, "e-mail or employee number",
               "邮箱或工号", "wangfang@example.com"),
        Column("team", "Team", "团队", False, "team code", "团队代码", "IND-EAST-1"),
        Column("payment_terms_days", "Payment terms (days)", "账期（天）", False, "0 to 720",
               "0 至 720", "60"),
        Column("credit_limit", "Initial credit limit", "初始信用额度", False,
               "new customers only; later changes go through an application",
               "仅用于新客户；之后的调整须走授信申请", "50万"),
    ],
    "invoices": [
        Column("external_id", "Invoice No.", "发票号", True, "", "", "INV-2026-0001"),
        *_refs(),
        Column("amount", "Amount", "金额", True, *AMOUNT, "128,000.00"),
        Column("issue_date", "Issue date", "开票日期", True, *DATE, "2026-03-01"),
        Column("due_date", "Due date", "到期日", False, "default: issue date + payment terms",
               "默认：开票日期 + 账期", "2026-04-30"),
        Column("order_external_id", "Order No.", "订单号", False, "", "", "SO-2026-0100"),
        Column("delivery_external_ids", "Delivery Nos.", "发货单号", False,
               "deliveries this invoice bills, separated by ;", "本发票所开发货单，用 ; 分隔",
               "DN-1; DN-2"),
    ],
    "payments": [
        Column("external_id", "Receipt No.", "收款单号", True, "", "", "RC-2026-0001"),
        *_refs(),
        Column("amount", "Amount", "金额", True, *AMOUNT, "100,000"),
        Column("received_on", "Received on", "收款日期", True, *DATE, "2026-03-15"),
        Column("invoice_external_id", "Applied to invoice", "核销发票号", False,
               "default: oldest due first", "默认按到期日从早到晚核销", "INV-2026-0001"),
        Column("applied_amount", "Applied amount", "核销金额", False,
               "default: the whole payment", "默认：全额", "100,000"),
    ],
    "orders": [
        Column("external_id", "Order No.", "订单号", True, "", "", "SO-2026-0100"),
        *_refs(),
        Column("amount", "Amount", "金额", True, *AMOUNT, "80,000"),
        Column("ordered_on", "Order date", "下单日期", False, *DATE, "2026-03-02"),
    ],
}


def fold(header: object) -> str:
    """A header as compared: width, case, spaces and punctuation folded."""
    text = unicodedata.normalize("NFKC", str(header or "")).lower()
    return re.sub(r"[\s_.()（）:：*]+", "", text)


def columns(kind: str) -> list[Column]:
    try:
        return KINDS[kind]
    except KeyError:
        raise InvalidInput(_("Unknown import {kind}; one of: {known}", kind=kind,
                             known=", ".join(KINDS))) from None


def map_headers(kind: str, headers: list[object]
                ) -> tuple[dict[int, Column], list[Column], list[str]]:
    """Which column of the file is which field (Chinese, English or field-name headers);
    the required columns missing; and the headers that name no field. Those are refused
    rather than dropped (a misspelt ``到期日期`` would lose the due dates); blank headers and
    headers starting with ``#`` (a column kept for people, e.g. ``#备注``) are left out."""
    by_name: dict[str, Column] = {}
    for col in columns(kind):
        for name in (col.en, col.zh, col.key):
            by_name.setdefault(fold(name), col)
    found: dict[int, Column] = {}
    unknown: list[str] = []
    for i, header in enumerate(headers):
        match = by_name.get(fold(header))
        if match is None:
            text = str(header or "").strip()
            if text and not text.startswith("#"):
                unknown.append(text)
        elif match not in found.values():
            found[i] = match
    missing = [c for c in columns(kind) if c.required and c not in found.values()]
    return found, missing, unknown
