"""Policies are validated on load with located problems, versioned with who installed them,
and a bad document never replaces the one in force."""

import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel

from credit_domain.bootstrap import Domain
from credit_domain.money import money
from credit_domain.policy.expr import Expression, ExpressionError
from credit_domain.policy.store import PolicyInvalid, PolicyStore, parse_policy, register_kind
from credit_domain.unit_of_work import ActorRef
from tests.factories import World


class Band(BaseModel):
    name: str
    when: Expression
    approvers: list[str]


class ToyPolicy(BaseModel):
    threshold: int
    bands: list[Band]


DEFAULT = Path(__file__).parent / "toy_default.yaml"
register_kind("toy", ToyPolicy, DEFAULT)

GOOD = """threshold: 5
bands:
  - name: small
    when: amount < 50000
    approvers: [sales_manager]
"""
BAD = """threshold: lots
bands:
  - name: small
    when: amount <<< 5
    approvers: [sales_manager]
"""


def test_problems_are_reported_with_their_lines() -> None:
    with pytest.raises(PolicyInvalid) as err:
        parse_policy("toy", BAD)
    lines = {(p.location, p.line) for p in err.value.problems}
    assert ("threshold", 1) in lines
    assert ("bands[0].when", 4) in lines


def test_install_versions_and_keeps_the_old_one_on_error(domain: Domain, tmp_path: Path) -> None:
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        bu = w.business_unit()
        admin = w.person("陈静")
        uow.commit()
    store = domain.policies
    assert store.get(bu.id, "toy").threshold == 1  # the shipped default
    with domain.uow(ActorRef.person(admin.id, "陈静")) as uow:
        v = store.install(uow, bu.id, "toy", GOOD, source="test")
        uow.commit()
    assert v.version == 1 and v.created_by == f"person:{admin.id} 陈静"
    assert store.get(bu.id, "toy").threshold == 5
    with pytest.raises(PolicyInvalid), domain.uow() as uow:
        store.install(uow, bu.id, "toy", BAD)
        uow.commit()
    assert store.get(bu.id, "toy").threshold == 5
    # another process (a second store on the same database) sees the new version
    other = PolicyStore(domain.session_factory, refresh_seconds=0)
    assert other.get(bu.id, "toy").bands[0].when.test({"amount": 100}) is True


def test_directory_sync_installs_changes_and_refuses_bad_files(domain: Domain,
                                                               tmp_path: Path) -> None:
    with domain.uow() as uow:
        bu = World(uow.session, uow.now()).business_unit("IND")
        uow.commit()
    (tmp_path / "IND").mkdir()
    store = PolicyStore(domain.session_factory, directory=tmp_path, refresh_seconds=0)
    (tmp_path / "IND" / "toy.yaml").write_text(GOOD)
    assert "installed as version 1" in store.sync_directory(domain.uow)[0]
    assert store.sync_directory(domain.uow) == []  # unchanged file: nothing to do
    (tmp_path / "IND" / "toy.yaml").write_text(BAD)
    report = store.sync_directory(domain.uow)
    assert "refused" in report[0] and "line 4" in report[0]
    assert store.sync_directory(domain.uow) == []  # reported once
    assert store.get(bu.id, "toy").threshold == 5


def test_expressions_are_safe_and_checked() -> None:
    e = Expression('amount >= 200000 && grade in ["C", "D"]')
    assert e.test({"amount": 250000, "grade": "C"}) is True
    assert e.names == {"amount", "grade"}
    with pytest.raises(ExpressionError, match="unknown name"):
        e.check_names({"amount"})
    with pytest.raises(ExpressionError, match="unknown function"):
        Expression("__import__('os').system('true')")
    with pytest.raises(ExpressionError, match="unknown function"):
        Expression("open('/etc/passwd')")
    assert Expression('name.startsWith("华") && size(tags) > 0').test(
        {"name": "华为", "tags": ["a"]})
    with pytest.raises(ExpressionError, match="not a condition"):
        Expression("amount + 1").test({"amount": 1})


def test_numbers_leave_an_expression_as_decimals_never_floats() -> None:
    """CEL has only doubles: money goes in as one and a fractional result comes back as a
    Decimal of the 15 significant digits a double holds, which the caller rounds (money to
    the cent, half up) — so the double's representation error never moves a cent."""
    amount = Expression("amount * 0.9").evaluate({"amount": Decimal("100000.10")})
    assert isinstance(amount, Decimal) and money(amount) == Decimal("90000.09")
    assert Expression("a + b").evaluate({"a": Decimal("0.10"), "b": Decimal("0.20")}) == \
        Decimal("0.3")  # the double is 0.30000000000000004
    raised = Expression("credit_limit * 1.15").evaluate({"credit_limit": Decimal("2749003.30")})
    assert money(raised) == Decimal("3161353.80")  # 3,161,353.795 (the double: …794999…)
    assert Expression("n * 2").evaluate({"n": 3}) == 6 and Expression("x > 1.5").test(
        {"x": Decimal("1.51")})


def test_a_string_in_a_condition_stays_a_string() -> None:
    """Conditions are turned into Python functions: text that looks like code is data."""
    sneaky = "a') or __import__('os').system('false') or ('"
    e = Expression(f'name == "{sneaky}"')
    assert e.test({"name": sneaky}) is True and e.test({"name": "a"}) is False
    with pytest.raises(ExpressionError, match="cannot evaluate"):
        Expression("amount / 0 > 1").test({"amount": 5})


def test_conditions_evaluated_at_once_in_threads_each_see_their_own_values() -> None:
    """Web requests, the scheduler and the rules engine evaluate policies in threads; no
    evaluation may see another's variables."""
    over = Expression("amount > 1000.0 && grade == 'A'")
    scaled = Expression("amount * 2.0")
    wrong: list[str] = []

    def work(seed: int) -> None:
        for n in range(400):
            amount = Decimal(seed * 1000 + n)
            grade = "A" if n % 2 else "B"
            if over.test({"amount": amount, "grade": grade}) != (amount > 1000 and n % 2 == 1):
                wrong.append(f"test {seed}/{n}")
            if scaled.evaluate({"amount": amount}) != amount * 2:
                wrong.append(f"evaluate {seed}/{n}")

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(6)]
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # hand the interpreter over as often as it can
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(previous)
    assert wrong == []
