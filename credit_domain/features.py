"""Imports every feature module that registers an installer, policy kind or model.

One line per feature; keep them sorted.
"""

import credit_domain.applications.figures
import credit_domain.applications.policy
import credit_domain.db.models  # noqa: F401
