"""Where other features plug figures into analytics, without analytics importing them.

Two extension points, both held in ``domain.ports`` (registered by a feature's installer):

``FIGURES`` (``domain.ports["analytics.figures"]``, a dict name → :class:`FigureSource`)
    Headline figures computed for the report's scope and date, e.g. the approval workflow
    registers ``"pending_applications"``::

        @installer
        def install(domain: Domain) -> None:
            figures(domain)["pending_applications"] = pending_application_figures

    where ``pending_application_figures(session, ctx)`` returns ``ExtraFigure`` s such as the
    number of pending applications, their average and oldest age in days, counting only
    applications whose credit account matches ``ctx.accounts`` (a WHERE clause on
    ``CreditAccount`` that already holds the viewer's visibility). Until a source named
    ``pending_applications`` is registered the report lists it in ``unavailable``.

``CUSTOMER_PANELS`` (``domain.ports["analytics.customer_panels"]``, name → :class:`PanelSource`)
    Extra panels of the customer page (the 360° view): score and grade reasons, bureau
    signals. Each returns a :class:`CustomerPanel` or None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from credit_domain.analytics.report import ExtraFigure
from credit_domain.i18n import Text

FIGURES = "analytics.figures"
CUSTOMER_PANELS = "analytics.customer_panels"
PENDING_APPLICATIONS = "pending_applications"
# Panels the customer page reserves a place for, in this order, until they are registered.
RESERVED_PANELS = ("score", "bureau")


@dataclass(frozen=True)
class FigureContext:
    """What a figure source may filter on: the accounts in scope (WHERE clause on
    ``CreditAccount``), the date and the period ``(period_start, as_of]``."""

    accounts: ColumnElement[bool]
    as_of: dt.date
    period_start: dt.date
    current: bool
    day_end: dt.datetime


class FigureSource(Protocol):
    def __call__(self, session: Session, ctx: FigureContext) -> Sequence[ExtraFigure]: ...


@dataclass(frozen=True)
class CustomerPanel:
    """A titled list of label/value lines (each a Text, rendered in the reader's language,
    or a plain string), shown on the customer page; ``links`` are (label, path of the web
    UI) pairs, e.g. an open application's page."""

    title: Text
    lines: tuple[tuple[Text | str, Text | str], ...] = ()
    note: Text | None = None
    links: tuple[tuple[Text | str, str], ...] = ()


class PanelSource(Protocol):
    def __call__(self, session: Session, account_id: int, as_of: dt.date
                 ) -> CustomerPanel | None: ...


def figures(domain: Any) -> dict[str, FigureSource]:
    """The figure sources registered on ``domain`` (a ``credit_domain.bootstrap.Domain``)."""
    sources: dict[str, FigureSource] = domain.ports.setdefault(FIGURES, {})
    return sources


def customer_panels(domain: Any) -> dict[str, PanelSource]:
    panels: dict[str, PanelSource] = domain.ports.setdefault(CUSTOMER_PANELS, {})
    return panels
