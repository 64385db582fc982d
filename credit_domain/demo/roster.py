"""The demo organisation: two business units, their regions, teams and people."""

from __future__ import annotations

from dataclasses import dataclass

from credit_domain.orgs.models import Role

BUSINESS_UNITS = [
    # code, name, English name
    ("IND", "工业品事业部", "Industrial Products"),
    ("CON", "消费品事业部", "Consumer Goods"),
]

REGIONS = [("EAST", "华东区"), ("SOUTH", "华南区"), ("NORTH", "华北区")]

TEAMS = {
    "IND": [("IND-E1", "华东一组", "EAST"), ("IND-E2", "华东二组", "EAST"),
            ("IND-S1", "华南一组", "SOUTH"), ("IND-N1", "华北一组", "NORTH")],
    "CON": [("CON-E1", "华东渠道组", "EAST"), ("CON-S1", "华南渠道组", "SOUTH")],
}


@dataclass(frozen=True)
class DemoPerson:
    login: str
    name: str
    roles: tuple[tuple[str, Role, str | None], ...]  # (BU code, role, team or region code)
    locale: str | None = None
    email: str | None = None


PEOPLE = [
    DemoPerson("wangfang", "王芳", (("IND", Role.SALESPERSON, "IND-E1"),)),
    DemoPerson("wulei", "吴磊", (("IND", Role.SALESPERSON, "IND-E1"),)),
    DemoPerson("zhengshuang", "郑爽", (("IND", Role.SALESPERSON, "IND-E2"),)),
    DemoPerson("fengtao", "冯涛", (("IND", Role.SALESPERSON, "IND-S1"),)),
    DemoPerson("hejing", "何静", (("IND", Role.SALESPERSON, "IND-N1"),)),
    DemoPerson("emma", "Emma Li", (("IND", Role.SALESPERSON, "IND-E2"),
                                   ("CON", Role.SALESPERSON, "CON-E1")), locale="en"),
    DemoPerson("liqiang", "李强", (("IND", Role.SALES_MANAGER, "IND-E1"),)),
    DemoPerson("sunhao", "孙浩", (("IND", Role.SALES_MANAGER, "IND-E2"),)),
    DemoPerson("guoyan", "郭燕", (("IND", Role.SALES_MANAGER, "IND-S1"),)),
    DemoPerson("majun", "马骏", (("IND", Role.SALES_MANAGER, "IND-N1"),)),
    DemoPerson("zhoujie", "周杰", (("IND", Role.REGION_DIRECTOR, "EAST"),)),
    DemoPerson("zhangwei", "张伟", (("IND", Role.FINANCE_MANAGER, None),)),
    DemoPerson("liuyang", "刘洋", (("IND", Role.RISK_DIRECTOR, None),)),
    DemoPerson("zhaomin", "赵敏", (("IND", Role.GENERAL_MANAGER, None),)),
    DemoPerson("chenjing", "陈静", (("IND", Role.CREDIT_ADMIN, None),
                                   ("CON", Role.CREDIT_ADMIN, None))),
    DemoPerson("sunli", "孙丽", (("IND", Role.AUDITOR, None), ("CON", Role.AUDITOR, None))),
    DemoPerson("gaoyuan", "高远", (("CON", Role.SALESPERSON, "CON-E1"),)),
    DemoPerson("linna", "林娜", (("CON", Role.SALESPERSON, "CON-S1"),)),
    DemoPerson("xuming", "徐明", (("CON", Role.SALES_MANAGER, "CON-E1"),)),
    DemoPerson("tangli", "唐丽", (("CON", Role.SALES_MANAGER, "CON-S1"),)),
    DemoPerson("huanglei", "黄磊", (("CON", Role.FINANCE_MANAGER, None),)),
    DemoPerson("linfeng", "林峰", (("CON", Role.RISK_DIRECTOR, None),)),
    DemoPerson("david", "David Chen", (("CON", Role.GENERAL_MANAGER, None),), locale="en"),
]

# Fictional company-name parts (plus one well-known name the README's examples use).
CITIES = [("上海", "310000"), ("苏州", "320500"), ("杭州", "330100"), ("宁波", "330200"),
          ("南京", "320100"), ("深圳", "440300"), ("广州", "440100"), ("东莞", "441900"),
          ("北京", "110000"), ("天津", "120000"), ("青岛", "370200"), ("无锡", "320200")]
BRANDS = ["恒达", "华信", "振宇", "鼎盛", "金源", "瑞丰", "博远", "天润", "宏图", "中联", "新锐",
          "永泰", "嘉禾", "远航", "联创", "盛世", "同德", "汇通", "启明", "安捷"]
TRADES = [("精密机械", "machinery"), ("电子科技", "electronics"), ("新材料", "materials"),
          ("物流", "logistics"), ("建设工程", "construction"), ("贸易", "trading"),
          ("食品", "food"), ("医疗器械", "medical devices"), ("汽车零部件", "auto parts"),
          ("包装", "packaging")]
