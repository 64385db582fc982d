"""What every API route shares: the calling integration, its language, and errors that say
which field and why (422 with field paths), in the caller's language (``Accept-Language``).

Error body: ``{"error": code, "message": text, "detail": [{"loc", "field", "msg"}]}``.
Status: 422 invalid input (every problem located), 404 not found, 403 forbidden (scope or
business unit), 409 conflict or refused credit.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Annotated, Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, ValidationError

from bot.bootstrap import Runtime
from credit_domain.apikeys.services import ApiClient
from credit_domain.errors import Conflict, CreditRefused, DomainError, Forbidden, NotFound
from credit_domain.i18n import normalize_locale
from credit_domain.ledger.problems import (
    FieldProblem,
    RecordRejected,
    message_for,
    problems_from,
)
from credit_domain.unit_of_work import ActorRef

STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, CreditRefused: 409}


def locale_of(request: Request) -> str:
    return normalize_locale(request.headers.get("accept-language", "en")[:5])


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


def api_actor(client: ApiClient) -> ActorRef:
    """How an integration appears in the audit trail."""
    return ActorRef.system(f"api:{client.name}")


def problems_response(request: Request, problems: Sequence[FieldProblem]) -> JSONResponse:
    locale = locale_of(request)
    detail = [p.to_json(locale) for p in problems]
    message = "; ".join(f"{d['field']}: {d['msg']}" for d in detail)
    return JSONResponse({"error": "invalid_input", "message": message, "detail": detail}, 422)


def error_response(request: Request, exc: DomainError) -> JSONResponse:
    if isinstance(exc, RecordRejected):
        return problems_response(request, exc.problems)
    status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 422)
    return JSONResponse({"error": exc.code, "message": exc.localized(locale_of(request)),
                         "detail": []}, status)


class LocalizedRoute(APIRoute):
    """Turns validation and domain errors into the error body above."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handle(request)
            except RequestValidationError as exc:
                return problems_response(request, [
                    FieldProblem(tuple(e["loc"]), message_for(e)) for e in exc.errors()])
            except DomainError as exc:
                return error_response(request, exc)
            except ValidationError as exc:  # a model built inside the route (query values)
                return problems_response(request, problems_from(exc, ("query",)))

        return route


class ErrorBody(BaseModel):
    error: str
    message: str
    detail: list[dict[str, Any]] = Field(default_factory=list)


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": what} for code, what in (
        (401, "missing, unknown or revoked API key"),
        (403, "the key lacks the scope or the business unit"),
        (404, "unknown customer, order or business unit"),
        (409, "conflict with the state (e.g. refused while on credit hold)"),
        (422, "a field was refused: `detail` says which and why"))}
BusinessUnitCode = Annotated[str, Field(min_length=1, max_length=32,
                                        description="business unit code, e.g. IND")]
