"""Imports every conversation module so it registers on the router. One line each, sorted."""

import handlers.customer  # noqa: F401
import handlers.help  # noqa: F401
import handlers.home  # noqa: F401
import handlers.language  # noqa: F401
import handlers.notifications  # noqa: F401
