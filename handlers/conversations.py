"""Imports every conversation module so it registers on the router. One line each, sorted."""

import handlers.analytics
import handlers.application_notices
import handlers.applications
import handlers.apply
import handlers.customer
import handlers.customer_view
import handlers.decide
import handlers.help
import handlers.holidays
import handlers.home
import handlers.language
import handlers.notifications  # noqa: F401
