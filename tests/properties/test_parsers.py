"""Property-based tests of the parsers people feed by hand: amounts and USCCs."""

import unicodedata
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from credit_domain.errors import InvalidInput
from credit_domain.money import DEFAULT_MAX, parse_amount
from credit_domain.uscc import is_valid_uscc, make_uscc, validate_uscc

amounts = st.decimals(min_value=Decimal("0.01"), max_value=DEFAULT_MAX, places=2,
                      allow_nan=False, allow_infinity=False)
FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


@given(amounts)
def test_every_way_of_writing_an_amount_reads_back_the_same(value: Decimal) -> None:
    plain = f"{value:f}"
    grouped = f"{value:,.2f}"
    for text in (plain, grouped, f"¥{grouped}", f"￥{plain}", f"{plain}元",
                 plain.translate(FULL_WIDTH), f"RMB {grouped}"):
        assert parse_amount(text) == value, text


@given(st.integers(min_value=1, max_value=99_999_999))
def test_wan_multiples(n: int) -> None:
    assert parse_amount(f"{n}万") == Decimal(n) * 10_000
    assert parse_amount(f"{n}w") == Decimal(n) * 10_000


@given(st.text(max_size=40))
@example("1e5")
@example("NaN")
@example("inf")
@example("１２，３４５．６７８")
@example("−5")
def test_arbitrary_text_is_an_amount_or_a_clear_refusal(text: str) -> None:
    try:
        value = parse_amount(text)
    except InvalidInput as exc:
        assert exc.localized("en") and exc.localized("zh_CN")
    else:
        assert Decimal("0.01") <= value <= DEFAULT_MAX
        assert value == value.quantize(Decimal("0.01"))


ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
bodies = st.tuples(
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
).map("".join)


@given(bodies)
def test_generated_codes_are_valid_in_any_spelling(body: str) -> None:
    code = make_uscc(body)
    assert validate_uscc(code) == code
    assert validate_uscc(code.lower()) == code
    assert validate_uscc(unicodedata.normalize("NFKC", code)) == code


@given(bodies, st.integers(min_value=0, max_value=16), st.sampled_from(ALPHABET))
@settings(max_examples=300)
def test_any_single_character_typo_is_caught(body: str, position: int, char: str) -> None:
    code = make_uscc(body)
    typo = code[:position] + char + code[position + 1:]
    if typo != code:
        assert not is_valid_uscc(typo)


@given(st.text(max_size=30))
def test_arbitrary_text_never_crashes_uscc_validation(text: str) -> None:
    try:
        validate_uscc(text)
    except InvalidInput as exc:
        assert exc.localized("zh_CN")
