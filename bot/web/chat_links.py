"""The web addresses chat cards carry (``handlers.router.WebLinks``): one-time sign-in links
to a page and signed chart images, absolute on ``CREDITBOT_PUBLIC_URL`` (platforms such as
Slack fetch images and open links from outside, so a relative path would not do)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.bootstrap import Runtime, runtime_hook
from bot.delivery import conversations, public_url
from bot.web.auth import login_link
from bot.web.chart_links import WebDashboardLinks


@dataclass(frozen=True)
class RuntimeWebLinks:
    """:class:`~handlers.router.WebLinks` of one running server."""

    runtime: Runtime
    base_url: str

    def sign_in(self, person_id: int, next_path: str) -> str:
        return self.base_url.rstrip("/") + login_link(self.runtime, person_id, next_path)

    def aging_chart(self, person_id: int, scope: str, as_of: dt.date, months: int,
                    locale: str) -> str:
        links = WebDashboardLinks(self.runtime, person_id, self.base_url)
        return links.aging_chart(scope, as_of, months, locale)


@runtime_hook
def install_chat_links(runtime: Runtime) -> None:
    """Give the conversations the web links of this server."""
    conversations(runtime).web = RuntimeWebLinks(runtime, public_url(runtime))
