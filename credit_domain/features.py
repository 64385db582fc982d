"""Imports every feature module that registers an installer, policy kind or model.

One import per line (this file merges with git's union driver, see .gitattributes).
"""

import credit_domain.applications.figures  # noqa: F401
import credit_domain.applications.hooks  # noqa: F401
import credit_domain.applications.policy  # noqa: F401
import credit_domain.bureau.models  # noqa: F401
import credit_domain.bureau.services  # noqa: F401
import credit_domain.customer360.panels  # noqa: F401
import credit_domain.db.models  # noqa: F401
import credit_domain.monitoring.wiring  # noqa: F401
import credit_domain.orders.policy  # noqa: F401
import credit_domain.rules.engine  # noqa: F401
import credit_domain.scoring.policy  # noqa: F401
import credit_domain.scoring.services  # noqa: F401
