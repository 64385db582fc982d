"""Scoring use cases: score an account (store the result, update the account, audit, raise
``ScoreChanged``), recompute a business unit (nightly), read the latest score.

Scores are recomputed when their inputs change (and nightly: the monitoring scheduler's
``rescore`` job calls :func:`rescore_accounts` per business unit): the installer subscribes to
``PaymentReceived``, ``InvoiceOverdue`` and ``BureauSignalRaised`` and rescoring happens in
the same transaction as the change. A new :class:`CreditScore` row is stored when the
result (score, grade, suggested limit) or the scorecard version differs from the last one;
the same answer again stores nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit_domain.access import Actor, require_account
from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.audit.chain import canonical_json
from credit_domain.bootstrap import Domain, installer
from credit_domain.clock import local_date
from credit_domain.events import (
    BureauSignalRaised,
    InvoiceOverdue,
    PaymentReceived,
    ScoreChanged,
)
from credit_domain.policy.store import PolicyStore, default_content, parse_policy
from credit_domain.scoring.engine import ScoreResult, evaluate
from credit_domain.scoring.indicators import account_indicators
from credit_domain.scoring.models import CreditScore
from credit_domain.scoring.policy import Scorecard
from credit_domain.unit_of_work import ActorRef, UnitOfWork

log = logging.getLogger(__name__)
KIND = "scorecard"
TRIGGERS = (PaymentReceived, InvoiceOverdue, BureauSignalRaised)


@dataclass(frozen=True)
class CardVersion:
    card: Scorecard
    version: int  # 0: the shipped default
    sha256: str


def card_for(policies: PolicyStore, session: Session, business_unit_id: int) -> CardVersion:
    """The scorecard in force for a business unit, with its version, read through
    ``session``: inside a unit of work on SQLite, ``PolicyStore.get`` would open a second
    write transaction and wait on the first."""
    active = policies.active_version(session, business_unit_id, KIND)
    content = active.content if active is not None else default_content(KIND)
    digest = active.sha256 if active is not None else hashlib.sha256(
        content.encode("utf-8")).hexdigest()
    return CardVersion(_parse(digest, content), active.version if active else 0, digest)


@lru_cache(maxsize=64)
def _parse(digest: str, content: str) -> Scorecard:
    card = parse_policy(KIND, content)
    assert isinstance(card, Scorecard)
    return card


@dataclass(frozen=True)
class Scored:
    """One account's fresh result: what the scorecard says, and on what inputs."""

    account_id: int
    business_unit_id: int
    as_of: dt.date
    inputs: dict[str, Any]
    result: ScoreResult
    card: CardVersion


def compute(policies: PolicyStore, session: Session, account_ids: list[int] | None,
            on: dt.date, *, today: dt.date | None = None,
            business_unit_id: int | None = None) -> list[Scored]:
    """Score accounts as of ``on`` without storing anything (the backtest uses it too)."""
    stmt = select(CreditAccount.id, CreditAccount.business_unit_id)
    if account_ids is not None:
        stmt = stmt.where(CreditAccount.id.in_(account_ids))
    if business_unit_id is not None:
        stmt = stmt.where(CreditAccount.business_unit_id == business_unit_id)
    units = {int(aid): int(bu) for aid, bu in session.execute(stmt)}
    ids = sorted(units)
    values = account_indicators(session, on, ids, today=today)
    cards: dict[int, CardVersion] = {}
    out = []
    for aid in ids:
        bu = units[aid]
        if bu not in cards:
            cards[bu] = card_for(policies, session, bu)
        inputs = values.get(aid, {})
        out.append(Scored(aid, bu, on, inputs, evaluate(cards[bu].card, inputs), cards[bu]))
    return out


def score_account(uow: UnitOfWork, policies: PolicyStore, account_id: int, *,
                  trigger: str) -> CreditScore | None:
    """Rescore one account today; store and apply the result if it changed (see module
    docstring). Returns the new row, or None when the answer is the same as before."""
    account = uow.session.get(CreditAccount, account_id)
    if account is None:
        return None
    today = local_date(uow.now(), account.business_unit.timezone)
    scored = compute(policies, uow.session, [account_id], today, today=today)[0]
    return store(uow, account, scored, trigger)


def store(uow: UnitOfWork, account: CreditAccount, scored: Scored, trigger: str
          ) -> CreditScore | None:
    result, card = scored.result, scored.card
    last = latest_score(uow.session, account.id)
    limit = result.suggested_limit
    if (last is not None and Decimal(str(last.score)) == result.score
            and last.grade == result.grade and last.suggested_limit == limit
            and last.policy_sha256 == card.sha256):
        return None
    inputs = json.loads(canonical_json(scored.inputs) or "{}")
    row = CreditScore(
        business_unit_id=account.business_unit_id, account_id=account.id,
        computed_at=uow.now(), as_of=scored.as_of, score=float(result.score),
        grade=result.grade, suggested_limit=limit, policy_version=card.version,
        policy_sha256=card.sha256, inputs=inputs, explanation=result.to_json(),
        inputs_sha256=hashlib.sha256((canonical_json(inputs) or "").encode()).hexdigest(),
        trigger=trigger)
    uow.session.add(row)
    old_score, old_grade = account.score, account.grade
    new_score = float(result.score)
    if old_score != new_score or old_grade != result.grade:
        account.score, account.grade = new_score, result.grade
        account.updated_at = uow.now()
        uow.audit("score.changed", "credit_account", account.id,
                  business_unit_id=account.business_unit_id,
                  before={"score": old_score, "grade": old_grade},
                  after={"score": new_score, "grade": result.grade,
                         "suggested_limit": limit, "scorecard_version": card.version,
                         "caps": list(result.caps)},
                  reason=trigger)
        uow.publish(ScoreChanged(business_unit_id=account.business_unit_id,
                                 account_id=account.id, old_score=old_score,
                                 new_score=new_score, old_grade=old_grade,
                                 new_grade=result.grade))
    uow.session.flush()
    return row


@dataclass
class RecomputeResult:
    computed: int = 0
    changed: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)


def recompute_all(domain: Domain, *, business_unit_id: int | None = None,
                  trigger: str = "nightly", batch: int = 200) -> RecomputeResult:
    """Rescore every open account (optionally in one business unit), ``batch`` accounts per
    transaction; an account that fails is reported and the others go on."""
    result = RecomputeResult()
    with domain.read() as session:
        ids = open_account_ids(session, business_unit_id)
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        try:
            result.changed += _recompute_chunk(domain, chunk, trigger)
            result.computed += len(chunk)
        except Exception:
            log.exception("rescoring a batch failed; rescoring its accounts one by one")
            for aid in chunk:
                try:
                    result.changed += _recompute_chunk(domain, [aid], trigger)
                    result.computed += 1
                except Exception as exc:
                    log.exception("rescoring account %s failed", aid)
                    result.failures.append((aid, f"{type(exc).__name__}: {exc}"))
    return result


def _recompute_chunk(domain: Domain, ids: list[int], trigger: str) -> int:
    with domain.uow(ActorRef.system("scoring")) as uow:
        changed = rescore_accounts(uow, domain.policies, ids, trigger)
        uow.commit()
    return changed


def open_account_ids(session: Session, business_unit_id: int | None = None) -> list[int]:
    """Every account that is not closed (optionally in one business unit), by id."""
    stmt = select(CreditAccount.id).where(CreditAccount.status != AccountStatus.CLOSED)
    if business_unit_id is not None:
        stmt = stmt.where(CreditAccount.business_unit_id == business_unit_id)
    return list(session.scalars(stmt.order_by(CreditAccount.id)))


def rescore_accounts(uow: UnitOfWork, policies: PolicyStore, ids: list[int],
                     trigger: str) -> int:
    """Rescore these accounts today in the caller's unit of work (indicators by one SQL pass
    per business unit); returns how many results changed. The caller commits."""
    changed = 0
    by_bu: dict[int, list[CreditAccount]] = {}
    for acc in uow.session.scalars(select(CreditAccount).where(CreditAccount.id.in_(ids))):
        by_bu.setdefault(acc.business_unit_id, []).append(acc)
    for accounts in by_bu.values():
        today = local_date(uow.now(), accounts[0].business_unit.timezone)
        scored = {s.account_id: s for s in compute(
            policies, uow.session, [a.id for a in accounts], today, today=today)}
        for acc in accounts:
            changed += store(uow, acc, scored[acc.id], trigger) is not None
    return changed


def latest_score(session: Session, account_id: int) -> CreditScore | None:
    return session.scalars(
        select(CreditScore).where(CreditScore.account_id == account_id)
        .order_by(CreditScore.computed_at.desc(), CreditScore.id.desc()).limit(1)).first()


def show_score(domain: Domain, actor: Actor, account_id: int) -> CreditScore | None:
    """The latest stored score of an account the actor may see."""
    with domain.read() as session:
        require_account(session, actor, account_id)
        return latest_score(session, account_id)


@installer
def install_scoring(domain: Domain) -> None:
    """Rescore an account in the same transaction as a payment, an overdue invoice or a
    bureau signal."""

    def on_event(uow: UnitOfWork, event: Any) -> None:
        if isinstance(event, TRIGGERS):
            score_account(uow, domain.policies, event.account_id, trigger=event.name)

    domain.subscribers.append(on_event)
