"""The web UI's customer page, as domain messages link to it (the ``link`` of an outbox
payload) and as the web server routes it: one definition, so links and routes agree.

``/customers/<customer id>`` is the 360° view of a customer; ``?bu=<code>`` picks the business
unit when the reader may see the customer in several (otherwise the first they may see).
"""

from __future__ import annotations

from urllib.parse import urlencode

CUSTOMER_ROUTE = "/customers/{customer_id}"


def customer_path(customer_id: int, business_unit: str | None = None, **query: object) -> str:
    """The customer page's path (with the business unit and any other query parameters
    that are not None)."""
    params = {k: v for k, v in {"bu": business_unit, **query}.items() if v is not None}
    path = CUSTOMER_ROUTE.format(customer_id=customer_id)
    return f"{path}?{urlencode(params)}" if params else path
