"""DingTalk's event-callback crypto, done by dingtalk-sdk (the one thing it is used for):
signature over token, timestamp, nonce and ciphertext; AES with the owner key (the app's
AppKey, ``DINGTALK_CLIENT_ID``) appended to the plaintext and checked."""

from __future__ import annotations

import binascii
import json
import struct
from typing import Any

from dingtalk.core.exceptions import DingTalkException
from dingtalk.crypto import DingTalkCrypto as _SdkCrypto


class CallbackRejected(Exception):
    """Not a DingTalk callback for this app (bad signature, wrong owner key, malformed)."""


_BROKEN = (DingTalkException, ValueError, KeyError, TypeError, binascii.Error, struct.error,
           UnicodeDecodeError, IndexError, AssertionError)


class DingTalkCrypto:
    def __init__(self, token: str, aes_key: str, owner_key: str) -> None:
        self._crypto = _SdkCrypto(token, aes_key, owner_key)

    def decrypt(self, body: bytes, signature: str, timestamp: str, nonce: str) -> dict[str, Any]:
        """The decrypted event (JSON object)."""
        try:
            plain = self._crypto.decrypt_message(body, signature, timestamp, nonce)
            event = json.loads(plain)
        except _BROKEN as exc:
            raise CallbackRejected(type(exc).__name__) from exc
        if not isinstance(event, dict):
            raise CallbackRejected("not an object")
        return event

    def success(self, timestamp: str, nonce: str) -> dict[str, str]:
        """The answer DingTalk requires: the word ``success``, encrypted and signed."""
        return {str(k): str(v) for k, v in
                self._crypto.encrypt_message("success", nonce, timestamp).items()}
