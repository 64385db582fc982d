import pytest

from credit_domain.errors import InvalidInput
from credit_domain.uscc import is_valid_uscc, make_uscc, validate_uscc

# The published example of GB 32100-2015 style codes: a real-world form with a valid check.
VALID = "91110000600037341L"


def test_accepts_valid_codes_in_any_form() -> None:
    assert validate_uscc(VALID) == VALID
    assert validate_uscc("9111 0000 6000 3734 1l") == VALID
    assert validate_uscc("９１１１００００６０００３７３４１Ｌ") == VALID  # full width


def test_reports_a_wrong_check_character() -> None:
    with pytest.raises(InvalidInput, match="check character"):
        validate_uscc(VALID[:-1] + "M")


def test_reports_a_wrong_length() -> None:
    with pytest.raises(InvalidInput, match="18 characters"):
        validate_uscc(VALID[:-2])


def test_reports_impossible_characters() -> None:
    with pytest.raises(InvalidInput, match="cannot have"):
        validate_uscc("9111000060003734IL")


def test_generated_codes_validate() -> None:
    code = make_uscc("91440300" + "123456789")
    assert is_valid_uscc(code)
