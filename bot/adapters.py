"""Imports every adapter module that registers a runtime hook or web routes.

One import per line (this file merges with git's union driver, see .gitattributes).
"""

import bot.bureau  # noqa: F401
