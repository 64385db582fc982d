"""The WeCom callback crypto (WXBizMsgCrypt): signature, AES and the receive id (corp id),
done by wechatpy. Anything that fails a check becomes :class:`CallbackRejected`; the route
answers 403 and nothing changes."""

from __future__ import annotations

import binascii
import struct
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.exceptions import WeChatException


class CallbackRejected(Exception):
    """A callback that is not from WeCom for this corp (bad signature, wrong corp id,
    undecryptable or malformed payload)."""


_BROKEN = (WeChatException, ValueError, KeyError, TypeError, binascii.Error, struct.error,
           UnicodeDecodeError, ExpatError, IndexError)


class WeComCrypto:
    """Verify and decrypt callbacks for one corp; encrypt passive replies."""

    def __init__(self, token: str, encoding_aes_key: str, corp_id: str) -> None:
        self._crypto = WeChatCrypto(token, encoding_aes_key, corp_id)
        self.corp_id = corp_id

    def verify_url(self, signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """The plain ``echostr`` to answer URL verification with."""
        try:
            return str(self._crypto.check_signature(signature, timestamp, nonce, echostr))
        except _BROKEN as exc:
            raise CallbackRejected(type(exc).__name__) from exc

    def decrypt(self, body: bytes, signature: str, timestamp: str, nonce: str) -> dict[str, Any]:
        """The decrypted message as a dict of its XML elements."""
        try:
            plain = self._crypto.decrypt_message(body, signature, timestamp, nonce)
            message = xmltodict.parse(plain)["xml"]
        except _BROKEN as exc:
            raise CallbackRejected(type(exc).__name__) from exc
        if not isinstance(message, dict):
            raise CallbackRejected("not a message")
        return message

    def encrypt(self, xml: str, nonce: str, timestamp: str) -> str:
        """A passive reply, encrypted and signed as WeCom expects it."""
        return str(self._crypto.encrypt_message(xml, nonce, timestamp))
