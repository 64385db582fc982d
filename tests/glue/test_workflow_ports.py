"""The workflow's ports as the rules engine uses them: a suggested limit is a draft for the
owner (a temporary one runs 30 days from today), suggested once while it is open; a grade
application does not exist, and a policy asking for one is refused when it is loaded."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from credit_domain.applications import Application
from credit_domain.bootstrap import Domain
from credit_domain.errors import InvalidInput
from credit_domain.policy.store import PolicyInvalid, parse_policy
from credit_domain.workflow_hooks import OPEN_APPLICATION
from tests.integration_world import TODAY, make_shop


def open_app(domain: Domain, account_id: int, kind: str, amount: str | None) -> str:
    with domain.uow() as uow:
        number = domain.ports[OPEN_APPLICATION](
            uow, account_id=account_id, kind=kind,
            amount=Decimal(amount) if amount else None, grade=None,
            reason="旺季备货", requester_id=None, source="rule:peak-season")
        uow.commit()
    return str(number)


def test_a_suggested_temporary_limit_is_a_draft_for_thirty_days(domain: Domain) -> None:
    shop = make_shop(domain)
    first = open_app(domain, shop.account_id, "temporary", "50000")
    assert open_app(domain, shop.account_id, "temporary", "60000") == first  # still open
    with domain.read() as s:
        app = s.scalars(select(Application)).one()
    assert (app.kind, app.status, app.requested_amount) == ("temporary", "draft",
                                                            Decimal("50000.00"))
    assert (app.valid_from, app.valid_to) == (TODAY, TODAY + dt.timedelta(days=29))
    assert app.origin == "rule:peak-season" and app.requester_id is None
    lower = open_app(domain, shop.account_id, "decrease", "80000")
    with domain.read() as s:
        decrease = s.scalars(select(Application).where(Application.number == lower)).one()
    assert (decrease.kind, decrease.requested_amount) == ("increase", Decimal("80000.00"))


def test_there_is_no_grade_application(domain: Domain) -> None:
    shop = make_shop(domain)
    with pytest.raises(InvalidInput, match="scorecard"):
        open_app(domain, shop.account_id, "grade", None)
    for action in ("open_application: {kind: grade, notch: 1, reason: x}",
                   "set_grade: {notch: 1, via: application, reason: x}"):
        with pytest.raises(PolicyInvalid) as err:
            parse_policy("rules", f"""
rules:
  - name: upgrade
    when: payment_received
    then:
      - {action}
""")
        assert "the grade comes from the scorecard" in err.value.problems[0].message
