"""Imports every feature module that registers an installer, policy kind or model.

One line per feature; keep them sorted.
"""

import credit_domain.db.models
import credit_domain.monitoring.wiring  # noqa: F401
