"""Imports every mapped model module, so the metadata (and Alembic) sees them all.

One import per line (this file merges with git's union driver, see .gitattributes).
"""

import credit_domain.accounts.models  # noqa: F401
import credit_domain.apikeys.models  # noqa: F401
import credit_domain.applications.models  # noqa: F401
import credit_domain.audit.models  # noqa: F401
import credit_domain.bureau.models  # noqa: F401
import credit_domain.conversations.models  # noqa: F401
import credit_domain.customers.models  # noqa: F401
import credit_domain.inbound.models  # noqa: F401
import credit_domain.ledger.models  # noqa: F401
import credit_domain.monitoring.models  # noqa: F401
import credit_domain.orgs.models  # noqa: F401
import credit_domain.outbox.models  # noqa: F401
import credit_domain.platforms.models  # noqa: F401
import credit_domain.policy.models  # noqa: F401
import credit_domain.rules.models  # noqa: F401
import credit_domain.scoring.models  # noqa: F401
from credit_domain.db.base import Base

__all__ = ["Base"]
