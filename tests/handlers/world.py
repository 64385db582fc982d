"""A small world for conversation tests: one business unit, two salespeople with their own
customers, their manager, finance, and someone from another business unit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from credit_domain.accounts.models import AccountStatus
from credit_domain.bootstrap import Domain
from credit_domain.orgs.models import Role
from tests.factories import World


@dataclass(frozen=True)
class Seeded:
    huawei: int  # 王芳's account of 华为技术有限公司
    huaxin: int  # 吴磊's
    huadong: int  # 吴磊's, on hold
    other_bu: int  # an account in the other business unit


def seed(domain: Domain) -> Seeded:
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        ind = w.business_unit("IND", "工业品事业部")
        con = w.business_unit("CON", "消费品事业部")
        region = w.region(ind)
        team = w.team(ind, "IND-E1", region)
        con_team = w.team(con, "CON-E1")
        wang = w.person("王芳", (ind, Role.SALESPERSON, team), login="wangfang")
        wu = w.person("吴磊", (ind, Role.SALESPERSON, team), login="wulei")
        w.person("李强", (ind, Role.SALES_MANAGER, team), login="liqiang")
        w.person("Emma Li", (ind, Role.FINANCE_MANAGER, None), login="emma", locale="en")
        w.person("张伟", (ind, Role.FINANCE_MANAGER, None), login="zhangwei")
        gao = w.person("高远", (con, Role.SALESPERSON, con_team), login="gaoyuan")
        today = dt.date(2026, 3, 2)
        huawei = w.account(w.customer("华为技术有限公司", aliases=("华为", "Huawei")), ind,
                           owner=wang, team=team, limit=500_000, grade="AA")
        w.invoice(huawei, 120_000, issued=today - dt.timedelta(days=20))
        w.invoice(huawei, 50_000, issued=today - dt.timedelta(days=50))  # 20 days overdue
        w.order(huawei, 30_000)
        w.temporary_limit(huawei, 100_000, valid_from=today - dt.timedelta(days=5),
                          valid_to=today + dt.timedelta(days=25))
        huaxin = w.account(w.customer("苏州华信电子科技有限公司"), ind, owner=wu, team=team,
                           limit=200_000)
        huadong = w.account(w.customer("杭州华东精密机械有限公司"), ind, owner=wu, team=team,
                            limit=100_000, status=AccountStatus.ON_HOLD)
        huadong.hold_reason = "逾期超过90天"
        huadong.hold_since = uow.now() - dt.timedelta(days=3)
        other = w.account(w.customer("广州华南贸易有限公司"), con, owner=gao, team=con_team)
        uow.commit()
        return Seeded(huawei.id, huaxin.id, huadong.id, other.id)

