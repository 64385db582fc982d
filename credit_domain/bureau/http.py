"""What the two providers' clients share: one httpx client, the response cache, the rate
limiter, and retries with exponential backoff for what may pass (timeouts, connection
errors, HTTP 429 and 5xx, the providers' own "too frequent" or "busy" codes).

A provider subclass says how to read its envelope (:meth:`JsonApi.interpret`) and how to
sign a request (:meth:`JsonApi.auth_headers`).
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from credit_domain.bureau.port import BureauUnavailable

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    OK = "ok"  # data (cache it)
    EMPTY = "empty"  # the provider has no records (cache it too)
    RETRY = "retry"  # temporary: try again after a pause
    FAIL = "fail"  # permanent: credentials, permission, balance, bad request


class ResponseCache(Protocol):
    def get(self, provider: str, endpoint: str, params: dict[str, Any]
            ) -> dict[str, Any] | None: ...

    def put(self, provider: str, endpoint: str, params: dict[str, Any],
            response: dict[str, Any]) -> None: ...


class RateLimiter(Protocol):
    def acquire(self) -> float: ...


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    body: dict[str, Any]
    cached: bool = False


class JsonApi:
    """A GET-only JSON API client with cache, rate limit and retries (see module docstring)."""

    provider = "bureau"

    def __init__(
        self,
        base_url: str,
        *,
        client: httpx.Client | None = None,
        cache: ResponseCache | None = None,
        limiter: RateLimiter | None = None,
        attempts: int = 4,
        backoff: float = 0.5,
        timeout: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.Client(timeout=timeout)
        self.cache = cache
        self.limiter = limiter
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.sleep = sleep
        self.calls = 0  # HTTP requests actually sent (tests and logs read it)

    # -- provider hooks ----------------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        return {}

    def auth_params(self) -> dict[str, str]:
        return {}

    def interpret(self, body: dict[str, Any]) -> tuple[Outcome, str]:
        """The outcome of a parsed response body and a reason for the log."""
        return Outcome.OK, "ok"

    def _where(self, endpoint: str) -> str:
        """The cache's name of an endpoint: with the server's address, so that answers of one
        server (the demo's fake bureau) are never taken for another's (the real provider)."""
        return f"{self.base_url}/{endpoint.lstrip('/')}"

    # -- calls -------------------------------------------------------------------------------
    def get(self, endpoint: str, params: dict[str, Any]) -> Answer:
        """GET ``endpoint`` with ``params``: from the cache when fresh, else from the provider
        with retries; raises :class:`BureauUnavailable` when every attempt failed."""
        if self.cache is not None:
            hit = self.cache.get(self.provider, self._where(endpoint), params)
            if hit is not None:
                outcome, _reason = self.interpret(hit)
                return Answer(outcome, hit, cached=True)
        reason, retry_after = "no attempt", None
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(self._delay(attempt, retry_after))
            if self.limiter is not None:
                self.limiter.acquire()
            outcome, body, reason, retry_after = self._send(endpoint, params)
            if outcome in (Outcome.OK, Outcome.EMPTY):
                if self.cache is not None:
                    self.cache.put(self.provider, self._where(endpoint), params, body)
                return Answer(outcome, body)
            log.warning("%s %s attempt %d failed: %s", self.provider, endpoint, attempt + 1,
                        reason)
            if outcome is Outcome.FAIL:
                raise BureauUnavailable(f"{self.provider}: {reason}", permanent=True)
        raise BureauUnavailable(f"{self.provider}: {reason} (after {self.attempts} attempts)")

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff (backoff, 2·backoff, 4·backoff, …), or longer when the
        provider asked for it with Retry-After."""
        base: float = self.backoff * (2 ** (attempt - 1))
        return max(base, retry_after) if retry_after is not None else base

    def _send(self, endpoint: str, params: dict[str, Any]
              ) -> tuple[Outcome, dict[str, Any], str, float | None]:
        """One request: (outcome, body, reason, seconds the provider asked us to wait)."""
        self.calls += 1
        try:
            response = self.client.get(self.base_url + endpoint,
                                       params={**self.auth_params(), **params},
                                       headers=self.auth_headers())
        except httpx.TimeoutException as exc:
            return Outcome.RETRY, {}, f"timeout ({type(exc).__name__})", None
        except httpx.TransportError as exc:
            return Outcome.RETRY, {}, f"connection failed ({type(exc).__name__})", None
        status = response.status_code
        if status == 429 or status >= 500:
            return Outcome.RETRY, {}, f"HTTP {status}", _seconds(
                response.headers.get("Retry-After"))
        if status >= 400:
            return Outcome.FAIL, {}, f"HTTP {status}", None
        try:
            body = response.json()
        except ValueError:
            return Outcome.RETRY, {}, "response is not JSON", None
        if not isinstance(body, dict):
            return Outcome.RETRY, {}, "response is not a JSON object", None
        outcome, reason = self.interpret(body)
        return outcome, body, reason, None

    def close(self) -> None:
        self.client.close()


def _seconds(header: str | None) -> int | None:
    """Retry-After in whole seconds, as HTTP defines it (the HTTP-date form is not used by
    these providers; anything else is ignored)."""
    value = (header or "").strip()
    return int(value) if value.isascii() and value.isdigit() else None
