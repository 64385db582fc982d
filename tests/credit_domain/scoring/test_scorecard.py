"""The scorecard: validation with located problems, points, missing-data treatment,
explanations that sum to the score, caps and the suggested limit."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit_domain.policy.store import PolicyInvalid, default_content, parse_policy
from credit_domain.scoring.engine import ScoreUnavailable, evaluate
from credit_domain.scoring.policy import Scorecard

TINY = """
dimensions:
  - name: pay
    weight: 60
    indicators:
      - name: paydex
        weight: 3
        bins: [{below: 50, points: 10}, {below: 80, points: 60}, {points: 100}]
        missing: {points: 40, note: no payments yet}
      - name: on_time_streak
        weight: 1
        formula: "value * 20.0"
        missing: exclude
  - name: bureau
    weight: 40
    indicators:
      - name: company_status
        weight: 1
        map: {active: 100, revoked: 0}
        default: 50
        missing: exclude
grades:
  - {grade: A, min_score: 80, limit_factor: 1.0}
  - {grade: B, min_score: 50, limit_factor: 0.5}
  - {grade: C, min_score: 0, limit_factor: 0}
caps:
  - {when: 'company_status == "revoked"', max_grade: C, reason: revoked}
suggested_limit:
  formula: avg_monthly_sales * 2.0 * grade_factor
  cap: registered_capital * 0.1
  round_to: 10000
"""


def card(text: str = TINY) -> Scorecard:
    model = parse_policy("scorecard", text)
    assert isinstance(model, Scorecard)
    return model


def total(result: object) -> Decimal:
    return sum((c.contribution for c in result.contributions), Decimal("0"))  # type: ignore[attr-defined]


def test_points_weights_and_contributions_sum_to_the_score() -> None:
    r = evaluate(card(), {"paydex": 85, "on_time_streak": 3, "company_status": "active"})
    by = {c.indicator: c for c in r.contributions}
    assert by["paydex"].points == 100 and by["paydex"].weight == Decimal("0.45")
    assert by["on_time_streak"].points == 60 and by["on_time_streak"].weight == Decimal("0.15")
    assert by["company_status"].points == 100 and by["company_status"].weight == Decimal("0.4")
    assert r.score == Decimal("94.00") == total(r)
    assert r.grade == "A"


def test_missing_points_are_explicit_and_excluded_indicators_are_reweighted() -> None:
    r = evaluate(card(), {"company_status": "active"})
    by = {c.indicator: c for c in r.contributions}
    assert by["paydex"].status == "missing" and by["paydex"].points == 40
    assert by["paydex"].note == "no payments yet"
    assert by["on_time_streak"].status == "excluded" and by["on_time_streak"].weight == 0
    assert by["paydex"].weight == Decimal("0.6")  # the whole dimension now
    assert r.score == Decimal("64.00") == total(r)  # 0.6·40 + 0.4·100


def test_a_dimension_without_data_drops_out() -> None:
    r = evaluate(card(), {"paydex": 60, "on_time_streak": 5})
    assert {c.indicator: c.weight for c in r.contributions}["company_status"] == 0
    assert r.score == Decimal("70.00") == total(r)  # 0.75·60 + 0.25·100


def test_nothing_to_score_on_is_an_error_not_a_zero() -> None:
    text = TINY.replace("missing: {points: 40, note: no payments yet}", "missing: exclude")
    with pytest.raises(ScoreUnavailable):
        evaluate(card(text), {})


def test_caps_lower_the_grade_only_when_their_data_is_known() -> None:
    r = evaluate(card(), {"paydex": 85, "on_time_streak": 5, "company_status": "revoked"})
    assert r.points_grade == "B" and r.grade == "C" and r.caps == ("revoked",)
    assert evaluate(card(), {"paydex": 85}).caps == ()


def test_suggested_limit_formula_cap_rounding_and_missing_inputs() -> None:
    values = {"paydex": 85, "on_time_streak": 5, "company_status": "active",
              "avg_monthly_sales": Decimal("123456.78")}
    r = evaluate(card(), values)
    assert r.suggested_limit == Decimal("240000.00")  # 246913.56 rounded down to 10,000
    assert "cap not applied" in r.limit_note
    capped = evaluate(card(), {**values, "registered_capital": 1_000_000.0})
    assert capped.suggested_limit == Decimal("100000.00") and capped.limit_note == "capped"
    none = evaluate(card(), {"paydex": 85})
    assert none.suggested_limit is None and "avg_monthly_sales" in none.limit_note


def test_the_default_scorecard_is_valid_and_sums() -> None:
    default = card(default_content("scorecard"))
    r = evaluate(default, {"paydex": 72, "overdue_ratio": 0.2, "max_days_past_due": 40,
                           "on_time_streak": 2, "utilisation": 0.9, "relationship_years": 2,
                           "avg_monthly_sales": Decimal("80000"), "payment_terms_days": 60,
                           "years_established": 4, "lawsuits_12m": 1, "enforcements": 0,
                           "dishonest_listings": 0, "equity_freezes": 0,
                           "abnormal_operations": 0, "company_status": "active",
                           "registered_capital": 2_000_000.0})
    assert r.score == total(r)
    assert sum(c.weight for c in r.contributions) == pytest.approx(1, abs=1e-3)
    assert [g.grade for g in default.grades] == ["AAA", "AA", "A", "BBB", "BB", "B", "CCC",
                                                 "C", "D"]


@pytest.mark.parametrize(("change", "where", "message"), [
    (("name: paydex", "name: paydexx"), "dimensions[0].indicators[0].name",
     "unknown indicator"),
    (("{below: 50, points: 10}, {below: 80", "{below: 90, points: 10}, {below: 80"),
     "dimensions[0].indicators[0]", "must increase"),
    (("        missing: {points: 40, note: no payments yet}\n", ""),
     "dimensions[0].indicators[0].missing", "Field required"),
    (('formula: "value * 20.0"', 'formula: "value * nope"'), "dimensions[0].indicators[1]",
     "unknown name"),
    (('formula: "value * 20.0"', 'formula: "value > 2.0"'), "dimensions[0].indicators[1]",
     "number of points"),
    (("max_grade: C", "max_grade: Z"), "", "not one of the grades"),
    (("{grade: C, min_score: 0", "{grade: C, min_score: 10"), "", "min_score 0"),
])
def test_invalid_scorecards_are_refused_with_located_problems(
        change: tuple[str, str], where: str, message: str) -> None:
    assert change[0] in TINY
    with pytest.raises(PolicyInvalid) as exc:
        parse_policy("scorecard", TINY.replace(*change))
    problem = exc.value.problems[0]
    assert message in problem.message
    assert problem.location.startswith(where)
    assert problem.line is not None


DEFAULT = card(default_content("scorecard"))
NUMBERS = [n for dim in DEFAULT.dimensions for n in (i.name for i in dim.indicators)
           if n != "company_status"]


@settings(max_examples=200, deadline=None)
@given(values=st.dictionaries(st.sampled_from(NUMBERS),
                              st.floats(min_value=-5, max_value=1e8, allow_nan=False)),
       status=st.sampled_from([None, "active", "revoked", "liquidating", "unknown"]))
def test_any_inputs_give_a_score_that_is_the_sum_of_its_contributions(
        values: dict[str, float], status: str | None) -> None:
    inputs: dict[str, object] = {**values, "company_status": status}
    r = evaluate(DEFAULT, inputs)
    assert r.score == total(r)
    assert Decimal(0) <= r.score <= Decimal(100)
    assert sum(c.weight for c in r.contributions) == pytest.approx(1, abs=2e-3)
    assert all(c.weight == 0 for c in r.contributions if c.status == "excluded")
    assert DEFAULT.grade_index(r.grade) >= DEFAULT.grade_index(r.points_grade)
