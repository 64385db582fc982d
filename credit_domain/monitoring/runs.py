"""Job runs: the cluster-wide claim of a scheduled tick and the record of its outcome.

Every scheduler process fires the same ticks (cron triggers give every process the same fire
times); each tries to insert (job, scheduled fire time) and only the insert that wins runs the
job. The others see the row and skip. Manual runs are recorded the same way.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from credit_domain.bootstrap import Domain
from credit_domain.monitoring.models import JobRun, JobRunStatus
from credit_domain.unit_of_work import ActorRef


def runner_name() -> str:
    """This process, as job runs and outbox leases record it."""
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def claim_run(domain: Domain, job: str, scheduled_for: dt.datetime, *, trigger: str,
              missed: int = 0, runner: str | None = None) -> int | None:
    """Insert the run of ``job`` for ``scheduled_for``; its id, or None when another process
    (or an earlier run) already claimed that tick."""
    with domain.uow(ActorRef.system("scheduler")) as uow:
        dialect = uow.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(JobRun).values(
            job=job, scheduled_for=scheduled_for, trigger=trigger, missed=missed,
            runner=runner or runner_name(), started_at=uow.now(),
            status=JobRunStatus.RUNNING.value,
        ).on_conflict_do_nothing(index_elements=["job", "scheduled_for"])
        run_id = uow.session.execute(stmt.returning(JobRun.id)).scalar()
        uow.commit()
    return run_id


def finish_run(domain: Domain, run_id: int, status: str, summary: dict[str, Any] | None,
               error: str | None = None) -> None:
    with domain.uow(ActorRef.system("scheduler")) as uow:
        uow.session.execute(update(JobRun).where(JobRun.id == run_id).values(
            status=status, summary=summary, error=error, finished_at=uow.now()))
        uow.commit()


def is_claimed(session: Session, job: str, scheduled_for: dt.datetime) -> bool:
    return session.scalar(select(JobRun.id).where(
        JobRun.job == job, JobRun.scheduled_for == scheduled_for)) is not None


def last_scheduled(session: Session, job: str) -> dt.datetime | None:
    """The latest tick of ``job`` that any process claimed (manual runs excluded)."""
    return session.scalar(select(func.max(JobRun.scheduled_for)).where(
        JobRun.job == job, JobRun.trigger != "manual"))


def last_runs(session: Session) -> dict[str, JobRun]:
    """The most recent run of every job that ever ran."""
    latest = (select(JobRun.job, func.max(JobRun.started_at).label("at"))
              .group_by(JobRun.job).subquery())
    rows = session.scalars(select(JobRun).join(
        latest, (latest.c.job == JobRun.job) & (latest.c.at == JobRun.started_at)))
    return {r.job: r for r in rows}
