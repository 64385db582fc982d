import pytest
from sqlalchemy import select

from credit_domain.apikeys.models import ApiKey
from credit_domain.apikeys.services import authenticate, create_key, revoke_key
from credit_domain.bootstrap import Domain
from credit_domain.errors import Forbidden, InvalidInput
from tests.factories import World


def setup(domain: Domain) -> tuple[int, int, str]:
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        ind, con = w.business_unit("IND"), w.business_unit("CON", "消费品")
        _key, token = create_key(uow, "SAP", business_unit_codes=["IND"],
                                scopes=["orders:check"])
        uow.commit()
    return ind.id, con.id, token


def test_keys_are_stored_hashed_and_scoped(domain: Domain) -> None:
    ind, con, token = setup(domain)
    with domain.read() as s:
        row = s.scalars(select(ApiKey)).one()
        assert token not in (row.key_hash, row.prefix) and len(row.key_hash) == 64
        client = authenticate(s, token)
    assert client.name == "SAP" and client.business_unit_ids == {ind}
    client.require_scope("orders:check")
    client.require_business_unit(ind)
    with pytest.raises(Forbidden):
        client.require_scope("erp:write")
    with pytest.raises(Forbidden):
        client.require_business_unit(con)


@pytest.mark.parametrize("bad", ["", "cb_x", "cb_nope_secret", "Bearer x"])
def test_wrong_tokens_are_refused_alike(domain: Domain, bad: str) -> None:
    setup(domain)
    with domain.read() as s, pytest.raises(Forbidden, match="Invalid or revoked"):
        authenticate(s, bad)


def test_a_tampered_secret_is_refused(domain: Domain) -> None:
    _, _, token = setup(domain)
    with domain.read() as s, pytest.raises(Forbidden):
        authenticate(s, token[:-1] + ("A" if token[-1] != "A" else "B"))


def test_revoked_keys_stop_working(domain: Domain) -> None:
    _, _, token = setup(domain)
    prefix = token.split("_")[1]
    with domain.uow() as uow:
        revoke_key(uow, prefix)
        uow.commit()
    with domain.read() as s, pytest.raises(Forbidden):
        authenticate(s, token)


def test_bad_scopes_and_units_are_refused(domain: Domain) -> None:
    setup(domain)
    with domain.uow() as uow, pytest.raises(InvalidInput, match="scopes"):
        create_key(uow, "x", business_unit_codes=["IND"], scopes=["root"])
    with domain.uow() as uow, pytest.raises(InvalidInput, match="NOPE"):
        create_key(uow, "x", business_unit_codes=["NOPE"], scopes=["erp:read"])


def test_an_all_digit_prefix_is_found_as_a_prefix(domain: Domain) -> None:
    """A hex prefix such as 12345678 must not be read as the row id 12345678."""
    setup(domain)
    with domain.uow() as uow:
        key = uow.session.scalars(select(ApiKey)).one()
        key.prefix = "00000001"
        uow.commit()
    with domain.uow() as uow:
        revoked = revoke_key(uow, "00000001")
        uow.commit()
    assert revoked.prefix == "00000001" and revoked.revoked_at is not None
