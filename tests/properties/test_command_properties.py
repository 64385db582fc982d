"""Property-based tests of what people type to the bot: the one-line application parser and
the command router. Arbitrary text never crashes: it parses, or it gets a clear refusal in
both languages; a well-formed request reads back exactly what was meant."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import handlers.conversations  # noqa: F401  (registers every command)
from credit_domain.bootstrap import Domain
from credit_domain.errors import InvalidInput
from credit_domain.money import DEFAULT_MAX
from handlers.apply_parse import KINDS, LIMIT, MAX_REASON, TEMPORARY, Draft, parse_request
from handlers.router import router
from tests.handlers.apps import EN_CARDS, workflow_world
from tests.handlers.platform import TestPlatform

TODAY = dt.date(2026, 3, 2)
# Words people mix into requests, so generated text often reaches the parser's branches.
PIECES = ["20万", "+10万", "￥1.5亿", "200,000", "二十万", "60天", "30 days", "账期", "到",
          "至", "2027-01-31", "2027年1月31日", "1月31日", "月底", "年底", "从", "~", "理由：",
          "reason:", "SO-2026-0042", "https://x.test/a.pdf", "华为", "-5", "0", "，", ";",
          "1e9", "１２万", "万", "天"]
texts = st.one_of(
    st.text(max_size=80),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=10)
    .map(" ".join),
)


@settings(max_examples=400)
@given(texts, st.sampled_from(KINDS))
@example("华为 20万 30万", LIMIT)
@example("华为 10万 到 2020-01-01", TEMPORARY)
@example("华为 " + "长" * 3000, LIMIT)
@example("0天", LIMIT)
def test_any_request_text_parses_or_is_refused_clearly(text: str, kind: str) -> None:
    try:
        draft = parse_request(text, kind, TODAY)
    except InvalidInput as exc:
        assert exc.localized("en") and exc.localized("zh_CN")
        return
    assert draft.kind in KINDS
    if draft.amount is not None:
        assert Decimal("0.01") <= draft.amount <= DEFAULT_MAX
    if draft.term_days is not None:
        assert draft.term_days > 0
    if draft.valid_from and draft.valid_to:
        assert draft.valid_from <= draft.valid_to
    assert draft.reason is None or len(draft.reason) <= MAX_REASON
    # whatever was read survives the trip through a card button
    assert Draft.from_value(draft.to_value()) == draft


# Names and reasons of CJK characters that are no unit, date or keyword word.
PLAIN = st.text(alphabet="华东机电科技有限公司新项目备货客户扩产订单增加深圳北京上海", min_size=1,
                max_size=8)


@settings(max_examples=300)
@given(customer=PLAIN, wan=st.integers(min_value=1, max_value=99_999),
       days=st.integers(min_value=1, max_value=365), reason=PLAIN,
       term_first=st.booleans(), keyword=st.booleans())
def test_a_well_formed_request_reads_back_what_was_meant(
        customer: str, wan: int, days: int, reason: str, term_first: bool,
        keyword: bool) -> None:
    values = [f"{days}天", f"{wan}万"] if term_first else [f"{wan}万", f"{days}天"]
    said = f"理由：{reason}" if keyword else reason
    draft = parse_request(f"{customer} {' '.join(values)} {said}", LIMIT, TODAY)
    assert draft.query == customer
    assert draft.amount == Decimal(wan) * 10_000
    assert draft.term_days == days
    assert draft.reason == reason


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(
    texts,
    st.tuples(st.sampled_from(sorted({w for c in router.commands.values() for w in c.words})
                              or ["help"]), texts).map(" ".join)))
@example(text="/")
@example(text="apply")
@example(text="申请授信 华为")
def test_any_chat_text_gets_an_answer_never_a_crash(domain: Domain, text: str) -> None:
    """Routed through the whole pipeline as an enrolled salesperson: every message gets at
    least one answer, and never the apology for an internal error."""
    platform = _platform(domain)
    replies = platform.push(text, user="wangfang")
    assert replies
    for reply in replies:
        assert "something went wrong" not in reply.as_text().lower(), (text, reply.as_text())
    platform.push("cancel", user="wangfang")  # leave no dialogue open for the next example


_seeded: list[TestPlatform] = []


def _platform(domain: Domain) -> TestPlatform:
    """One seeded world per test database (hypothesis calls the test many times)."""
    if not _seeded or _seeded[0].domain is not domain:
        workflow_world(domain)
        _seeded[:] = [TestPlatform(domain, capabilities=EN_CARDS)]
    return _seeded[0]
