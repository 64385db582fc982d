"""A step that may fail without failing its unit of work (an automatic action, a hook)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from credit_domain.errors import DomainError
from credit_domain.unit_of_work import UnitOfWork


@contextmanager
def undoable(uow: UnitOfWork) -> Iterator[None]:
    """Run the block in a savepoint. On a :class:`DomainError` its database changes and the
    events, audit events and messages it queued are undone (on PostgreSQL, the row locks it
    took are released with it), and the error is re-raised for the caller to record; the rest
    of the unit of work goes on."""
    marks = len(uow.events), len(uow.audits), len(uow.messages)
    locks = uow.locks_taken()
    savepoint = uow.session.begin_nested()
    try:
        yield
    except DomainError:
        savepoint.rollback()
        del uow.events[marks[0]:], uow.audits[marks[1]:], uow.messages[marks[2]:]
        uow.forget_locks_since(locks)
        raise
    savepoint.commit()
