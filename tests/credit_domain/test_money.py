from decimal import Decimal

import pytest

from credit_domain.errors import InvalidInput
from credit_domain.money import format_amount, parse_amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("200000", "200000.00"),
        ("200,000", "200000.00"),
        ("200，000", "200000.00"),
        ("￥20万", "200000.00"),
        ("¥200,000.50", "200000.50"),
        ("20万", "200000.00"),
        ("20 万元", "200000.00"),
        ("1.5亿", "150000000.00"),
        ("200k", "200000.00"),
        ("200K", "200000.00"),
        ("2.5w", "25000.00"),
        ("1.2m", "1200000.00"),
        ("２０万", "200000.00"),
        ("二十万", "200000.00"),
        ("二十万五千", "205000.00"),
        ("一点五亿", "150000000.00"),
        ("壹拾万元整", "100000.00"),
        ("RMB 50000", "50000.00"),
        ("50000元", "50000.00"),
        ("1.555万", "15550.00"),
        ("0.01", "0.01"),
    ],
)
def test_parses_amounts_as_people_type_them(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "Please give an amount"),
        ("-20万", "must be positive"),
        ("负二十万", "must be positive"),
        ("0", "greater than zero"),
        ("0万", "greater than zero"),
        ("20,00", "grouped in threes"),
        ("1,2345", "grouped in threes"),
        ("12.345", "two decimal places"),
        ("20000亿", "implausibly large"),
        ("abc", "can't read"),
        ("20万 30万", "can't read"),
        ("万", "can't read"),
    ],
)
def test_refuses_bad_amounts_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_amount(text)
    assert reason in str(err.value)


def test_errors_are_localized_in_chinese() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_amount("-5")
    assert "金额必须为正数" in err.value.localized("zh_CN")


def test_formats_for_each_language() -> None:
    assert format_amount(Decimal("200000"), "en") == "¥200,000.00"
    assert format_amount(Decimal("200000"), "zh_CN") == "¥20万"
    assert format_amount(Decimal("150000000"), "zh_CN") == "¥1.5亿"
    assert format_amount(Decimal("12345.67"), "zh_CN") == "¥12,345.67"


def test_texts_survive_json_and_render_money_per_language() -> None:
    from credit_domain.i18n import Text

    t = Text("The amount must be positive: {text}", params={"text": Decimal("200000")})
    back = Text.from_json(t.to_json())
    assert back == t
    assert back.render("en").endswith("¥200,000.00")
    assert back.render("zh_CN") == "金额必须为正数：¥20万"
