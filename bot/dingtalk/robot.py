"""DingTalk's robot signature, ``Base64(HmacSHA256(secret, timestamp + "\\n" + secret))`` with
the timestamp in milliseconds, valid for one hour. Group robots (自定义机器人, the alert
channels) are called with it in the webhook URL when a secret is set; DingTalk signs the
requests of an app robot in HTTP mode with it in the headers, the app secret as the secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote_plus, urlencode


def signature(secret: str, timestamp_ms: int) -> str:
    """The Base64 signature (as in the ``sign`` header of a robot HTTP request)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def sign(secret: str, timestamp_ms: int) -> str:
    """The ``sign`` query parameter of a webhook URL (already URL-encoded)."""
    return quote_plus(signature(secret, timestamp_ms))


def signed_url(webhook: str, secret: str | None, timestamp_ms: int) -> str:
    """``webhook`` with ``timestamp`` and ``sign`` appended when a secret is set."""
    if not secret:
        return webhook
    joiner = "&" if "?" in webhook else "?"
    stamp = urlencode({"timestamp": timestamp_ms})
    return f"{webhook}{joiner}{stamp}&sign={sign(secret, timestamp_ms)}"
