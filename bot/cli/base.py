"""Shared pieces of the command line: the root Typer app, runtime access, error display."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.bootstrap import Runtime, build_runtime
from credit_domain.errors import DomainError
from credit_domain.i18n import normalize_locale, text_factory

app = typer.Typer(
    name="creditbot",
    help="creditbot: customer credit management (客户授信管理) in Slack, WeCom and DingTalk.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console()
err_console = Console(stderr=True)
_ = text_factory("bot")
F = TypeVar("F", bound=Callable[..., Any])


def _not_a_refusal(record: logging.LogRecord) -> bool:
    return getattr(record, "event", None) != "access.denied"


@app.callback()
def cli_logging() -> None:
    """Log like the server does, with every configured secret masked, to stderr; at WARNING
    unless CREDITBOT_LOG_LEVEL asks for more. A refused action is the command's own error
    message (``domain_errors``), so its ``access.denied`` line is not repeated here. Left alone
    when logging is already set up (``serve`` sets its own; a test runner has its handlers)."""
    import os

    from bot.observability import configure_logging
    from bot.settings import get_settings

    if logging.getLogger().handlers:
        return
    try:
        settings = get_settings()
        secrets, level = settings.secret_values(), settings.log_level
    except Exception:  # bad settings are reported by the command that needs them
        secrets, level = [], "WARNING"
    configure_logging("text", level if "CREDITBOT_LOG_LEVEL" in os.environ else "WARNING",
                      secrets)
    logging.getLogger().handlers[0].addFilter(_not_a_refusal)


def cli_locale() -> str:
    """The operator's language, from LANG/LC_ALL (``zh_CN.UTF-8`` → Chinese)."""
    import os

    return normalize_locale((os.environ.get("LC_ALL") or os.environ.get("LANG") or "en")[:5])


@contextmanager
def runtime() -> Iterator[Runtime]:
    rt = build_runtime()
    try:
        yield rt
    except DBAPIError as exc:
        if not _no_schema(exc):
            raise
        where = make_url(rt.settings.database_url).render_as_string(hide_password=True)
        message = _("The database {where} has no creditbot tables yet: run `creditbot db "
                    "upgrade` first (or set DATABASE_URL to the right database).", where=where)
        err_console.print(f"[red]{message.render(cli_locale())}[/red]", highlight=False)
        sys.exit(1)
    finally:
        rt.close()


def _no_schema(exc: DBAPIError) -> bool:
    """A missing table: SQLite's "no such table", PostgreSQL's undefined table (42P01)."""
    return ("no such table" in str(exc.orig)
            or getattr(exc.orig, "sqlstate", None) == "42P01")


def domain_errors(fn: F) -> F:
    """Print a DomainError as a clear, localized message and exit 1 (no traceback)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DomainError as exc:
            err_console.print(f"[red]{exc.localized(cli_locale())}[/red]", highlight=False)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]
