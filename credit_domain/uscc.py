"""Unified Social Credit Code (统一社会信用代码, GB 32100-2015) validation with a reason."""

from __future__ import annotations

import unicodedata

from stdnum.cn import uscc as _uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory

_ = text_factory("credit_domain")


def normalize_uscc(value: str) -> str:
    """Upper-case, full-width folded, separators removed."""
    return _uscc.compact(unicodedata.normalize("NFKC", value or "")).upper()


def validate_uscc(value: str) -> str:
    """Return the compact code, or raise :class:`InvalidInput` saying what is wrong."""
    code = normalize_uscc(value)
    try:
        return str(_uscc.validate(code))
    except InvalidLength:
        raise InvalidInput(
            _("A USCC has 18 characters; {code} has {n}.", code=code, n=len(code))
        ) from None
    except InvalidChecksum:
        raise InvalidInput(
            _("USCC {code}: the check character is wrong (a typo?).", code=code)
        ) from None
    except (InvalidFormat, InvalidComponent):
        raise InvalidInput(
            _("USCC {code} has characters a USCC cannot have (the first eight are digits; "
              "I, O, S, V and Z never appear).", code=code)
        ) from None


def is_valid_uscc(value: str) -> bool:
    try:
        validate_uscc(value)
    except InvalidInput:
        return False
    return True


def make_uscc(body17: str) -> str:
    """Append the GB 32100-2015 check character to a 17-character body (demo data, tests)."""
    return body17 + _uscc.calc_check_digit(body17)
