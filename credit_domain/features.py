"""Imports every feature module that registers an installer, policy kind or model.

One line per feature; keep them sorted.
"""

import credit_domain.bureau.models
import credit_domain.db.models
import credit_domain.scoring.policy
import credit_domain.scoring.services  # noqa: F401
