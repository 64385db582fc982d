"""wechatpy's WeCom client, with the access token kept in the database for every process, the
API base URL configurable (``WECOM_API_URL``, for proxies and the test fake), timeouts, and one
bounded retry when WeCom rejects the token (errcode 40001/40014/42001).

Creditbot calls WeCom through :meth:`WeComClient.call`, i.e. wechatpy's generic ``get`` /
``post`` (``message/send``, ``message/update_template_card``, ``appchat/send``,
``department/list``, ``user/list``): wechatpy has no template-card helpers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from wechatpy.enterprise import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.observability import redact_query
from bot.platform_support.tokens import TokenStore

TOKEN_ERRORS = frozenset({40001, 40014, 42001})
# -1 system busy; 45009 / 45033 / 45047 frequency and concurrency limits
TEMPORARY_ERRORS = frozenset({-1, 45009, 45033, 45047})


class WeComApiError(Exception):
    """WeCom refused a call (``errcode``), or could not be reached (``errcode`` None)."""

    def __init__(self, errcode: int | None, errmsg: str, *, status: int | None = None) -> None:
        what = (f"error {errcode}" if errcode is not None
                else f"HTTP {status}" if status is not None else "unreachable")
        super().__init__(f"WeCom {what}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.status = status

    @property
    def temporary(self) -> bool:
        if self.errcode is None:
            return self.status is None or self.status >= 500 or self.status == 429
        return self.errcode in TEMPORARY_ERRORS


class WeComClient(WeChatClient):  # type: ignore[misc]
    """One WeCom app (corp id + agent id + secret)."""

    def __init__(self, *, corp_id: str, agent_id: int, secret: str, api_url: str,
                 tokens: TokenStore, timeout: float = 10.0) -> None:
        super().__init__(corp_id, secret, timeout=timeout, auto_retry=False)
        self.API_BASE_URL = api_url.rstrip("/") + "/"
        self.agent_id = agent_id
        self._tokens = tokens
        self.token_key = f"wecom:{corp_id}:{agent_id}"

    def _fetch(self) -> tuple[str, int]:
        try:
            res = self._http.get(self.API_BASE_URL + "gettoken", timeout=self.timeout,
                                 params={"corpid": self.corp_id, "corpsecret": self.secret})
            res.raise_for_status()
            data = res.json()
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else None
            raise WeComApiError(None, redact_query(str(exc)), status=status) from exc
        except (requests.RequestException, ValueError) as exc:
            raise WeComApiError(None, redact_query(f"gettoken: {exc}")) from exc
        errcode = int(data.get("errcode", 0))
        if errcode != 0 or not data.get("access_token"):
            raise WeComApiError(errcode, str(data.get("errmsg", "no access_token")))
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    def fetch_access_token(self) -> dict[str, Any]:
        """wechatpy's hook: fetch a token and store it for every process."""
        token, expires_in = self._fetch()
        self._tokens.save(self.token_key, token, expires_in)
        return {"access_token": token, "expires_in": expires_in}

    @property
    def access_token(self) -> str:
        return self._tokens.get(self.token_key, self._fetch)

    def call(self, method: str, endpoint: str, *, params: Mapping[str, Any] | None = None,
             data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``GET``/``POST`` ``endpoint`` with the shared token; a rejected token is replaced
        once."""
        token = self.access_token
        try:
            return self._once(method, endpoint, token, params, data)
        except WeComApiError as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
        token = self._tokens.replace(self.token_key, token, self._fetch)
        return self._once(method, endpoint, token, params, data)

    def _once(self, method: str, endpoint: str, token: str,
              params: Mapping[str, Any] | None, data: Mapping[str, Any] | None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"params": {**(params or {}), "access_token": token}}
        if data is not None:
            kwargs["data"] = dict(data)
        try:
            result = self.post(endpoint, **kwargs) if method == "post" else self.get(
                endpoint, **kwargs)
        except WeChatClientException as exc:
            status = exc.response.status_code if exc.response is not None else None
            code = None if exc.errcode is None else int(exc.errcode)
            raise WeComApiError(code, str(exc.errmsg or f"{endpoint} failed"),
                                status=status) from exc
        except requests.RequestException as exc:
            raise WeComApiError(None, redact_query(f"{endpoint}: {exc}")) from exc
        if not isinstance(result, dict):
            raise WeComApiError(None, f"{endpoint}: not JSON")
        return result
