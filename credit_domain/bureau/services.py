"""Bureau use cases: refresh customers' company records, store snapshots, raise and route
signals; read the latest record for scoring and the customer view.

``refresh_bureau`` is what the nightly scheduler calls. Provider calls happen outside any
database transaction; each customer's snapshot and signals then commit in one unit of work.
One customer's failure never stops the others (a permanent provider failure — bad
credentials, no balance — stops the run early, since every later call would fail too).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit_domain.accounts.models import AccountStatus, CreditAccount
from credit_domain.bootstrap import Domain, installer
from credit_domain.bureau.models import BureauSignal, BureauSnapshot
from credit_domain.bureau.port import (
    BureauProvider,
    BureauUnavailable,
    CompanyNotFound,
    CompanyRef,
)
from credit_domain.bureau.report import BureauReport
from credit_domain.bureau.signals import KIND_TEXT, Signal, detect
from credit_domain.clock import local_date
from credit_domain.customers.links import customer_path
from credit_domain.customers.models import Customer
from credit_domain.errors import InvalidInput, NotFound
from credit_domain.events import BureauSignalRaised
from credit_domain.i18n import Text, text_factory
from credit_domain.unit_of_work import ActorRef, UnitOfWork

_ = text_factory("credit_domain")
log = logging.getLogger(__name__)
BUREAU_REFRESH_PORT = "bureau_refresh"  # the monitoring job looks it up
RISK_CHANNEL = "risk"  # the alert channel of each business unit's credit-risk team
TONES = {"info": "info", "warn": "warn", "danger": "danger"}


@dataclass
class RefreshResult:
    checked: int = 0
    changed: int = 0
    signals: int = 0
    failures: list[tuple[int, str, str]] = field(default_factory=list)  # id, name, reason
    stopped: str | None = None  # why the run stopped early, if it did

    @property
    def ok(self) -> bool:
        return not self.failures and self.stopped is None


def provider_of(domain: Domain) -> BureauProvider:
    provider = domain.ports.get("bureau")
    if provider is None:
        raise InvalidInput(_("No bureau provider is configured (CREDITBOT_BUREAU_PROVIDER)."))
    return provider  # type: ignore[no-any-return]


def refresh_bureau(
    domain: Domain, *, business_unit_id: int | None = None,
    customer_ids: Iterable[int] | None = None, provider: BureauProvider | None = None,
    workers: int = 1,
) -> RefreshResult:
    """Refresh every customer with an open credit account (optionally in one business unit, or
    only ``customer_ids``); returns what was checked, changed, signalled and what failed.
    ``workers`` > 1 asks the provider for that many customers at once (the provider's rate
    limit still applies); reports are stored one customer at a time, in order."""
    provider = provider or provider_of(domain)
    result = RefreshResult()
    with domain.read() as session:
        targets = _targets(session, business_unit_id, customer_ids)
    with ThreadPoolExecutor(max(1, workers), thread_name_prefix="bureau") as pool:
        fetched = pool.map(lambda t: _fetch(provider, t[1], t[2]), targets)
        for (customer_id, name, _uscc), report in zip(targets, fetched, strict=True):
            result.checked += 1
            if isinstance(report, Exception):
                stop = _failed(result, customer_id, name, report)
                if stop:
                    pool.shutdown(cancel_futures=True)
                    break
                continue
            try:
                changed, signals = record_report(domain, customer_id, report)
            except Exception as exc:
                log.exception("storing the bureau report of customer %s failed", customer_id)
                result.failures.append((customer_id, name, f"{type(exc).__name__}: {exc}"))
                continue
            result.changed += int(changed)
            result.signals += len(signals)
    if result.failures:
        log.warning("bureau refresh: %d of %d customers failed", len(result.failures),
                    result.checked)
    return result


def _fetch(provider: BureauProvider, name: str, uscc: str | None
           ) -> BureauReport | Exception:
    try:
        return provider.fetch(CompanyRef(name, uscc))
    except Exception as exc:  # reported by the caller, against this customer
        return exc


def _failed(result: RefreshResult, customer_id: int, name: str, exc: Exception) -> bool:
    """Record a failed fetch; True when the run must stop (a permanent failure)."""
    if isinstance(exc, CompanyNotFound):
        result.failures.append((customer_id, name, "not found at the bureau"))
        return False
    if isinstance(exc, BureauUnavailable):
        result.failures.append((customer_id, name, exc.reason))
        if exc.permanent:
            result.stopped = exc.reason
        return exc.permanent
    # a provider bug must not stop the nightly job
    log.error("bureau refresh of customer %s failed", customer_id, exc_info=exc)
    result.failures.append((customer_id, name, f"{type(exc).__name__}: {exc}"))
    return False


def _targets(session: Session, business_unit_id: int | None,
             customer_ids: Iterable[int] | None) -> list[tuple[int, str, str | None]]:
    accounts = select(CreditAccount.customer_id).where(
        CreditAccount.status != AccountStatus.CLOSED)
    if business_unit_id is not None:
        accounts = accounts.where(CreditAccount.business_unit_id == business_unit_id)
    stmt = (select(Customer.id, Customer.legal_name, Customer.uscc)
            .where(Customer.id.in_(accounts), Customer.merged_into_id.is_(None))
            .order_by(Customer.id))
    if customer_ids is not None:
        stmt = stmt.where(Customer.id.in_(list(customer_ids)))
    return [(r[0], r[1], r[2]) for r in session.execute(stmt)]


def record_report(domain: Domain, customer_id: int, report: BureauReport
                  ) -> tuple[bool, list[BureauSignal]]:
    """Store ``report`` in its own unit of work (see :func:`store_report`)."""
    with domain.uow(ActorRef.system("bureau")) as uow:
        changed, signals = store_report(uow, customer_id, report)
        uow.commit()
    return changed, signals


def store_report(uow: UnitOfWork, customer_id: int, report: BureauReport
                 ) -> tuple[bool, list[BureauSignal]]:
    """Store ``report`` as the customer's new snapshot if it differs from the last one, and
    raise its signals; returns (stored, new signals). The caller commits."""
    content = report.to_json()
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False)
                            .encode("utf-8")).hexdigest()
    last = latest_snapshot(uow.session, customer_id)
    if last is not None and last.sha256 == digest:
        return False, []
    snapshot = BureauSnapshot(customer_id=customer_id, provider=report.provider,
                              fetched_at=uow.now(), report=content, sha256=digest)
    uow.session.add(snapshot)
    uow.session.flush()
    previous = BureauReport.from_json(last.report) if last is not None else None
    today = local_date(uow.now(), "Asia/Shanghai")
    stored = [_store_signal(uow, customer_id, snapshot.id, s)
              for s in detect(previous, report, today)]
    raised = [s for s in stored if s is not None]
    _route(uow, customer_id, raised)
    return True, raised


def refresh_unit(ctx: Any, unit: Any) -> None:
    """The monitoring job's refresh of one business unit (``domain.ports["bureau_refresh"]``,
    called as ``(ctx, unit)`` for each unit): one ``ctx.step`` per customer, so each failure
    is recorded against its customer and a dry run shows the signals it would raise. The
    provider is called before the step's transaction opens; after a permanent failure (bad
    credentials, no balance) the remaining customers are not tried. A dry run asks the
    provider too (its answers are cached as in a real run) and stores nothing. Without a
    configured provider the job says so and does nothing."""
    provider: BureauProvider | None = ctx.domain.ports.get("bureau")
    if provider is None:
        note = ("bureau refresh is not available: no bureau provider is configured "
                "(CREDITBOT_BUREAU_PROVIDER); nothing was refreshed")
        if note not in ctx.report.notes:
            ctx.report.notes.append(note)
        return
    with ctx.domain.read() as session:
        targets = _targets(session, unit.id, None)
    for customer_id, name, uscc in targets:
        error: Exception | None = None
        try:
            report = provider.fetch(CompanyRef(name, uscc))
        except Exception as exc:  # recorded by the step below, against this customer
            error = exc
        with ctx.step(unit, name) as uow:
            if error is not None:
                raise error
            changed, signals = store_report(uow, customer_id, report)
            ctx.report.count(unit, "bureau snapshots", int(changed))
            ctx.report.count(unit, "bureau signals", len(signals))
        if isinstance(error, BureauUnavailable) and error.permanent:
            return


@installer
def install_bureau_refresh(domain: Domain) -> None:
    """Offer the per-unit refresh to the monitoring scheduler's ``bureau-refresh`` job."""
    domain.ports.setdefault(BUREAU_REFRESH_PORT, refresh_unit)


def _store_signal(uow: UnitOfWork, customer_id: int, snapshot_id: int, s: Signal
                  ) -> BureauSignal | None:
    exists = uow.session.scalar(select(BureauSignal.id).where(
        BureauSignal.customer_id == customer_id, BureauSignal.kind == s.kind,
        BureauSignal.ref == s.ref))
    if exists is not None:
        return None
    row = BureauSignal(customer_id=customer_id, snapshot_id=snapshot_id, kind=s.kind,
                       ref=s.ref[:200], severity=s.severity, summary=json.dumps(
                           s.summary.to_json(), ensure_ascii=False),
                       details=s.details, raised_at=uow.now())
    uow.session.add(row)
    uow.session.flush()
    return row


def _route(uow: UnitOfWork, customer_id: int, signals: list[BureauSignal]) -> None:
    """Each signal: a domain event, an audit event and a notification to the account owner
    and the risk channel, in every business unit that has an open account."""
    if not signals:
        return
    customer = uow.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(_("Customer {id} does not exist.", id=customer_id))
    accounts = uow.session.scalars(select(CreditAccount).where(
        CreditAccount.customer_id == customer_id,
        CreditAccount.status != AccountStatus.CLOSED)).all()
    for sig in signals:
        summary = signal_text(sig)
        for acc in accounts:
            bu = acc.business_unit_id
            uow.audit("bureau.signal", "credit_account", acc.id, business_unit_id=bu,
                      after={"signal": sig.kind, "ref": sig.ref, "details": sig.details})
            uow.publish(BureauSignalRaised(business_unit_id=bu, account_id=acc.id,
                                           customer_id=customer_id, signal=sig.kind,
                                           details={"signal_id": sig.id, **sig.details}))
            payload: dict[str, Any] = {
                "title": _("Bureau alert: {customer} — {what}", customer=customer.legal_name,
                           what=KIND_TEXT[sig.kind]).to_json(),
                "tone": TONES.get(sig.severity, "warn"),
                "lines": [summary.to_json()],
                "fields": [{"label": _("Customer").to_json(), "value": customer.legal_name}],
                "link": customer_path(customer_id),
                "signal": sig.kind, "signal_id": sig.id, "account_id": acc.id,
                "customer_id": customer_id,
            }
            uow.notify("bureau.signal", channel=RISK_CHANNEL, business_unit_id=bu,
                       dedupe_key=f"bureau.signal:{sig.id}:{bu}:channel", **payload)
            if acc.owner_id is not None:
                uow.notify("bureau.signal", person_id=acc.owner_id, business_unit_id=bu,
                           dedupe_key=f"bureau.signal:{sig.id}:{acc.id}:owner", **payload)


def signal_text(sig: BureauSignal) -> Text:
    """The stored signal's summary as a renderable Text."""
    return Text.from_json(json.loads(sig.summary))


def latest_snapshot(session: Session, customer_id: int,
                    as_of: dt.datetime | None = None) -> BureauSnapshot | None:
    """The customer's newest snapshot (taken at or before ``as_of`` when given)."""
    stmt = select(BureauSnapshot).where(BureauSnapshot.customer_id == customer_id)
    if as_of is not None:
        stmt = stmt.where(BureauSnapshot.fetched_at <= as_of)
    return session.scalars(stmt.order_by(BureauSnapshot.fetched_at.desc(),
                                         BureauSnapshot.id.desc()).limit(1)).first()


def latest_report(session: Session, customer_id: int,
                  as_of: dt.datetime | None = None) -> BureauReport | None:
    snap = latest_snapshot(session, customer_id, as_of)
    return BureauReport.from_json(snap.report) if snap is not None else None


def recent_signals(session: Session, customer_id: int, limit: int = 10) -> list[BureauSignal]:
    return list(session.scalars(
        select(BureauSignal).where(BureauSignal.customer_id == customer_id)
        .order_by(BureauSignal.raised_at.desc(), BureauSignal.id.desc()).limit(limit)))
