"""The approval policy is validated data: every problem located by line, the brief's
example expressible and shipped, a bad file never replacing the policy in force."""

from decimal import Decimal

import pytest

from credit_domain.applications.policy import ApprovalPolicy
from credit_domain.applications.routing import RouteFacts, choose_steps
from credit_domain.bootstrap import Domain
from credit_domain.policy.store import PolicyInvalid, default_content, parse_policy
from tests.credit_domain.applications.builders import build_org, install_policy

SNAPSHOT = {"limit": "100000.00", "temporary": "0.00", "exposure": "50000.00",
            "available": "50000.00", "overdue": "0.00", "utilisation": 0.5, "score": 80.0,
            "grade": "A", "on_hold": False}


def test_a_snapshot_utilisation_reads_the_same_stored_as_text_or_as_an_older_number() -> None:
    """Snapshots store the utilisation as exact text; those taken before stored a number."""
    text = RouteFacts("initial", Decimal("1"), {**SNAPSHOT, "utilisation": "0.9250"}).context()
    old = RouteFacts("initial", Decimal("1"), {**SNAPSHOT, "utilisation": 0.925}).context()
    none = RouteFacts("initial", Decimal("1"), {**SNAPSHOT, "utilisation": None}).context()
    assert text["utilisation"] == old["utilisation"] == Decimal("0.925")
    assert none["utilisation"] == 0


def default() -> ApprovalPolicy:
    policy = parse_policy("approval", default_content("approval"))
    assert isinstance(policy, ApprovalPolicy)
    return policy


def route_of(amount: str, kind: str = "initial", **snap: object) -> tuple[str, list[str]]:
    facts = RouteFacts(kind, Decimal(amount), {**SNAPSHOT, "limit": "0.00", **snap})
    route, chosen, _notes = choose_steps(default(), facts.context())
    return route.name, [spec.role.value for spec, _rule in chosen]


def test_the_brief_example_is_the_default() -> None:
    assert route_of("49999.99") == ("small", ["sales_manager"])
    assert route_of("50000") == ("middle", ["sales_manager", "finance_manager"])
    assert route_of("200000") == ("middle", ["sales_manager", "finance_manager"])
    assert route_of("200000.01") == ("large", ["sales_manager", "finance_manager",
                                               "risk_director"])
    for grade in ("C", "CCC", "D"):
        assert route_of("10000", grade=grade) == ("small", ["sales_manager", "risk_director"])
    assert route_of("300000", grade="C")[1].count("risk_director") == 1
    assert route_of("5000", kind="order_release") == ("order_release",
                                                      ["sales_manager", "finance_manager"])


def test_unrated_customers_route_without_errors() -> None:
    assert route_of("10000", score=None, grade=None)[0] == "small"


def problems(text: str) -> set[tuple[str, int | None]]:
    with pytest.raises(PolicyInvalid) as err:
        parse_policy("approval", text)
    return {(p.location, p.line) for p in err.value.problems}


def test_every_problem_is_located() -> None:
    text = """defaults:
  sla_hours: 0
routes:
  - name: typo
    when: amout < 50000
    steps: [sales_manager]
  - name: bad-type
    when: grade > 5
    steps:
      - role: sales_boss
      - role: auditor
  - name: empty
    steps: []
always:
  - role: risk_director
    escalate_to: risk_director
  - role: finance_manager
    sla_hours: 4
    remind_after_hours: 5
colour: blue
"""
    assert problems(text) == {
        ("defaults.sla_hours", 2),
        ("routes[0].when", 5),
        ("routes[1].when", 8),
        ("routes[1].steps[0].role", 10),
        ("routes[1].steps[1].role", 11),
        ("routes[2].steps", 13),
        ("always[0]", 15),
        ("always[1]", 17),
        ("colour", 20),
    }


def test_the_default_route_must_exist_and_come_last() -> None:
    missing = """routes:
  - name: small
    when: amount < 50000
    steps: [sales_manager]
"""
    assert problems(missing) == {("routes", 2)}
    early = """routes:
  - name: all
    steps: [sales_manager]
  - name: big
    when: amount > 1
    steps: [risk_director]
"""
    with pytest.raises(PolicyInvalid) as err:
        parse_policy("approval", early)
    assert "never chosen: big" in str(err.value.problems[0])


def test_a_route_no_application_matches_is_fine_and_roles_are_distinct() -> None:
    fine = """routes:
  - name: never
    when: amount < 0
    steps: [sales_manager]
  - name: rest
    steps: [finance_manager]
"""
    assert parse_policy("approval", fine)
    twice = """routes:
  - name: rest
    steps: [finance_manager, finance_manager]
"""
    assert problems(twice) == {("routes[0].steps", 3)}


def test_a_bad_policy_never_replaces_the_one_in_force(domain: Domain) -> None:
    org = build_org(domain)
    install_policy(org, "routes:\n  - name: all\n    steps: [finance_manager]\n")
    with pytest.raises(PolicyInvalid):
        install_policy(org, "routes: []\n")
    policy = domain.policies.get(org.bu_id, "approval")
    assert [r.name for r in policy.routes] == ["all"]
