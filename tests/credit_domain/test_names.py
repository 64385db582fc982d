import pytest

from credit_domain.names import normalize_name


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("华为技术有限公司", "华为技术"),
        ("华为技术（有限公司）", "华为技术"),
        ("苏州恒达精密机械股份有限公司", "苏州恒达精密机械"),
        ("ACME Co., Ltd.", "acme"),
        ("ＡＣＭＥ　Ｌｔｄ", "acme"),
        ("博世（中国）投资有限公司", "博世投资"),
    ],
)
def test_normalized_names_match(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


def test_suffix_alone_is_kept() -> None:
    assert normalize_name("有限公司") == "有限公司"
