"""Imports every conversation module so it registers on the router. One line each, sorted."""

import handlers.customer
import handlers.help
import handlers.home
import handlers.language
import handlers.notifications  # noqa: F401
