"""Server-side pages: Jinja2 templates in ``bot/web/templates``, localised with the same
catalogs as chat (``_`` in templates), static files served by creditbot itself."""

from __future__ import annotations

import pathlib
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from credit_domain.i18n import normalize_locale, translations

TEMPLATES = pathlib.Path(__file__).parent / "templates"
STATIC = pathlib.Path(__file__).parent / "static"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
)


def request_locale(request: Request) -> str:
    """``?lang=`` first, then the session's choice, then the browser's Accept-Language."""
    lang = request.query_params.get("lang")
    if lang:
        request.session["lang"] = normalize_locale(lang)
    chosen = request.session.get("lang") if "session" in request.scope else None
    return normalize_locale(chosen or request.headers.get("accept-language", "en")[:5])


def render(request: Request, template: str, status_code: int = 200, **context: Any
           ) -> HTMLResponse:
    locale = request_locale(request)
    trans = translations("bot", locale)
    env = _env.overlay()
    env.install_gettext_translations(trans, newstyle=True)  # type: ignore[attr-defined]
    html = env.get_template(template).render(request=request, locale=locale, **context)
    return HTMLResponse(html, status_code=status_code)
