"""Group robots (自定义机器人) for alert channels: the webhook URL, signed with timestamp and
HMAC-SHA256 when a secret is set (DingTalk: ``sign = urlencode(base64(hmac_sha256(secret,
timestamp + "\\n" + secret)))``, timestamp in milliseconds, valid for one hour)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote_plus, urlencode


def sign(secret: str, timestamp_ms: int) -> str:
    """The ``sign`` query parameter (already URL-encoded)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def signed_url(webhook: str, secret: str | None, timestamp_ms: int) -> str:
    """``webhook`` with ``timestamp`` and ``sign`` appended when a secret is set."""
    if not secret:
        return webhook
    joiner = "&" if "?" in webhook else "?"
    stamp = urlencode({"timestamp": timestamp_ms})
    return f"{webhook}{joiner}{stamp}&sign={sign(secret, timestamp_ms)}"
