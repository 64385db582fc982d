"""DingTalk's OpenAPI with httpx: the v1.0 API (``x-acs-dingtalk-access-token`` header) and
the older ``oapi`` address-book API (``access_token`` query), one app access token for both,
kept in the database for every process and replaced once when DingTalk rejects it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from bot.platform_support.tokens import TokenStore

OAPI_TOKEN_ERRORS = frozenset({40001, 40014, 42001, 88})
OAPI_TEMPORARY = frozenset({-1, 90018, 90002})  # busy, frequency limits


class DingTalkApiError(Exception):
    """DingTalk refused a call or could not be reached (``status`` None)."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None
                 ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code

    @property
    def temporary(self) -> bool:
        if self.status is None:
            return self.code is None or self.code in {str(c) for c in OAPI_TEMPORARY}
        return self.status >= 500 or self.status == 429 or "Throttling" in (self.code or "")


class DingTalkApi:
    """One DingTalk app (client id = AppKey, client secret = AppSecret)."""

    def __init__(self, *, client_id: str, client_secret: str, api_url: str, oapi_url: str,
                 tokens: TokenStore, timeout: float = 10.0) -> None:
        self.client_id = client_id
        self._secret = client_secret
        self.api_url = api_url.rstrip("/")
        self.oapi_url = oapi_url.rstrip("/")
        self._tokens = tokens
        self._http = httpx.Client(timeout=timeout)
        self.token_key = f"dingtalk:{client_id}"

    def close(self) -> None:
        self._http.close()

    def _fetch(self) -> tuple[str, int]:
        if not self.client_id or not self._secret:
            raise DingTalkApiError("DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET are not set",
                                   status=400)
        data = self._send("POST", f"{self.api_url}/v1.0/oauth2/accessToken",
                          json={"appKey": self.client_id, "appSecret": self._secret})
        if not data.get("accessToken"):
            raise DingTalkApiError("no accessToken in the answer")
        return str(data["accessToken"]), int(data.get("expireIn", 7200))

    @property
    def access_token(self) -> str:
        return self._tokens.get(self.token_key, self._fetch)

    def openapi(self, method: str, path: str, json: Mapping[str, Any] | None = None
                ) -> dict[str, Any]:
        """A v1.0 call (``path`` like ``/v1.0/card/instances``)."""
        token = self.access_token
        try:
            return self._send(method, self.api_url + path, json=json,
                              headers={"x-acs-dingtalk-access-token": token})
        except DingTalkApiError as exc:
            if exc.status != 401 and exc.code != "InvalidAuthentication":
                raise
        token = self._tokens.replace(self.token_key, token, self._fetch)
        return self._send(method, self.api_url + path, json=json,
                          headers={"x-acs-dingtalk-access-token": token})

    def oapi(self, path: str, json: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """An ``oapi.dingtalk.com`` call (``errcode`` in the body)."""
        token = self.access_token
        data = self._oapi_once(path, token, json)
        if int(data.get("errcode", 0)) in OAPI_TOKEN_ERRORS:
            token = self._tokens.replace(self.token_key, token, self._fetch)
            data = self._oapi_once(path, token, json)
        errcode = int(data.get("errcode", 0))
        if errcode != 0:
            raise DingTalkApiError(f"{path}: {errcode} {data.get('errmsg')}", code=str(errcode))
        return data

    def _oapi_once(self, path: str, token: str, json: Mapping[str, Any] | None
                   ) -> dict[str, Any]:
        return self._send("POST", f"{self.oapi_url}{path}", json=json or {},
                          params={"access_token": token})

    def post_url(self, url: str, json: Mapping[str, Any]) -> dict[str, Any]:
        """POST to a full URL (a robot webhook or a session webhook)."""
        return self._send("POST", url, json=json)

    def _send(self, method: str, url: str, *, json: Mapping[str, Any] | None = None,
              headers: Mapping[str, str] | None = None,
              params: Mapping[str, str] | None = None) -> dict[str, Any]:
        try:
            res = self._http.request(method, url, json=json, headers=headers, params=params)
        except (httpx.HTTPError, httpx.InvalidURL, TypeError, ValueError) as exc:
            # also a URL that is none (a session webhook of the wrong type or form)
            raise DingTalkApiError(f"{method} {str(url).split('?')[0]}: {exc}") from exc
        try:
            data = res.json() if res.content else {}
        except ValueError:
            data = {}
        if res.status_code >= 400:
            raise DingTalkApiError(
                f"{method} {url.split('?')[0]}: HTTP {res.status_code} {data.get('message', '')}",
                status=res.status_code, code=data.get("code"))
        return data if isinstance(data, dict) else {"result": data}
