"""Slack's outbound side for the notifier: a direct message to a person (``chat.postMessage``
to their user id), a post to a configured channel (``SLACK_CHANNELS``), and ``chat.update``
for a card updated in place. Blocking (slack_sdk's WebClient); the dispatcher runs it in a
worker thread."""

from __future__ import annotations

import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery import Target
from bot.messages import Capabilities, Reply
from bot.slack import cards
from credit_domain.orgs.models import PlatformIdentity
from credit_domain.outbox.port import DeliveryFailed

DEFAULT_API_URL = "https://slack.com/api/"
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
# Errors that another attempt will not fix.
PERMANENT = frozenset({
    "channel_not_found", "user_not_found", "not_in_channel", "is_archived", "invalid_auth",
    "account_inactive", "token_revoked", "no_permission", "missing_scope", "invalid_blocks",
    "msg_too_long", "cannot_dm_bot", "user_disabled", "message_not_found", "cant_update_message",
    "not_authed", "invalid_arguments", "restricted_action",
})


def api_url(configured: str | None) -> str:
    """The Web API base URL (``SLACK_API_URL``, for tests and proxies), with its slash."""
    url = configured or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


class SlackOutlet:
    platform = "slack"
    capabilities = Capabilities(update_in_place=True, buttons_call_back=True, forms=True,
                                images=True, markdown=True, default_locale="en")

    def __init__(self, token: str, base_url: str | None, channels: dict[str, str]) -> None:
        self.client = WebClient(token=token, base_url=api_url(base_url), timeout=15)
        self.channels = channels

    def person_conversation(self, identity: PlatformIdentity) -> str | None:
        return identity.external_id

    def channel_conversation(self, channel: str) -> str | None:
        if channel in self.channels:
            return self.channels[channel]
        return channel if CHANNEL_ID.match(channel) else None

    def post(self, target: Target, reply: Reply) -> str:
        message = cards.reply_message(reply, target.locale)
        data = self._call("chat.postMessage", channel=target.conversation_id, **message)
        return f"{data.get('channel')}/{data.get('ts')}"

    def update(self, target: Target, message_id: str, reply: Reply) -> None:
        channel, _, ts = message_id.partition("/")
        self._call("chat.update", channel=channel, ts=ts,
                   **cards.reply_message(reply, target.locale))

    def _call(self, method: str, **kwargs: object) -> dict[str, object]:
        try:
            response = self.client.api_call(method, json=dict(kwargs))
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            if exc.response.status_code == 429 or error == "ratelimited":
                retry = exc.response.headers.get("Retry-After") or "30"
                raise DeliveryFailed(f"Slack {method}: rate limited",
                                     retry_after=float(retry)) from exc
            raise DeliveryFailed(f"Slack {method}: {error}",
                                 permanent=error in PERMANENT) from exc
        except (OSError, TimeoutError) as exc:
            raise DeliveryFailed(f"Slack {method}: {exc}") from exc
        return dict(response.data) if isinstance(response.data, dict) else {}
