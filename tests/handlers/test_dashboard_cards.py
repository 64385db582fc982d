"""Chat cards of the dashboard: headline figures, drill buttons, ranked lists, both
languages; the links the chat layer passes end up on the card."""

import datetime as dt

import pytest

from bot.messages import Card
from credit_domain.access import Actor
from credit_domain.analytics.report import KpiReport
from credit_domain.analytics.services import KpiQuery, run_kpis
from credit_domain.bootstrap import Domain
from credit_domain.errors import InvalidInput
from handlers.dashboard import (
    DRILL_ACTION,
    aging_card,
    overdue_card,
    query_from_drill,
    summary_card,
    top_exposure_card,
)
from tests.analytics_book import TODAY, build_book


class Links:
    def page(self, scope: str, as_of: dt.date, months: int) -> str:
        return f"/page?{scope}&{as_of}&{months}"

    def aging_chart(self, scope: str, as_of: dt.date, months: int, locale: str) -> str:
        return f"/charts/aging.png?{scope}&{as_of}&{locale}"


def first_section_lines(card: Card) -> list[str]:
    text = card.sections[0].text
    assert text is not None
    return text.splitlines()


@pytest.fixture
def report(domain: Domain) -> KpiReport:
    build_book(domain)
    return run_kpis(domain, Actor.system(), KpiQuery("bu:IND"))


def test_summary_card_with_drill_buttons(report: KpiReport) -> None:
    card = summary_card(report, "zh_CN", Links())
    fields = {f.label: f.value for f in card.fields}
    assert card.title == "信用看板 · 工业品事业部"
    assert fields["信用占用"] == "¥318,000.00" and fields["回款有效指数(CEI)"] == "49.5%"
    assert fields["逾期金额"] == "¥55,000.00 (22.8%)"
    assert fields["DSO / 倒推法"] == "86.8 天 / 83.0 天"
    drills = [b for b in card.buttons if b.action_id == DRILL_ACTION]
    assert [b.label for b in drills] == ["华东区", "华南区"]
    assert drills[0].value == {"scope": "bu:IND,region:EAST", "as_of": "2026-03-02",
                               "months": "3"}
    assert query_from_drill(drills[0].value) == KpiQuery("bu:IND,region:EAST", TODAY, 3)
    assert card.image is not None and card.image.url is not None
    assert card.image.url.startswith("/charts/aging.png?bu:IND")
    assert any(b.url and b.url.startswith("/page?bu:IND") for b in card.buttons)
    assert fields["待审批申请"] == "0"
    assert "审批流程尚未安装" not in (card.footer or "")
    assert "逾期90天以上 ¥15,000.00" in card.as_text()
    english = summary_card(report, "en")
    assert english.title == "Credit dashboard · IND unit" and english.image is None


def test_ranked_lists(report: KpiReport) -> None:
    aging = aging_card(report, "en")
    lines = first_section_lines(aging)
    assert lines[0].startswith("1. 乙贸易有限公司: over 90 days ¥15,000.00")
    assert lines[1].startswith("2. 甲精密机械有限公司") and "82 days past due" in lines[1]
    assert [f.value for f in aging.fields] == ["¥186,000.00", "¥20,000.00", "¥0.00",
                                               "¥20,000.00", "¥15,000.00"]
    overdue = first_section_lines(overdue_card(report, "zh_CN"))
    assert overdue == ["1. 甲精密机械有限公司（王芳）：¥40,000.00，逾期 82 天",
                       "2. 乙贸易有限公司（王芳）：¥15,000.00，逾期 122 天"]
    top = first_section_lines(top_exposure_card(report, "en"))
    assert top[0] == "1. 丙电子科技有限公司: ¥220,000.00 of ¥200,000.00 (110.0%)"


def test_stale_drill_values_are_refused() -> None:
    with pytest.raises(InvalidInput):
        query_from_drill({"scope": "bu:IND", "as_of": "not a date"})
