"""Credit applications (授信申请) and the approval workflow engine.

Services (each runs in the caller's unit of work; commit to keep the change):

- :func:`submit`, :func:`resubmit`, :func:`submit_draft`, :func:`withdraw`, :func:`suggest`
  (``submission``);
- :func:`approve`, :func:`reject`, :func:`return_for_info`, :func:`transfer`,
  :func:`comment`, :func:`decide_by_rule` (``decisions``);
- :func:`sla_status`, :func:`send_reminder`, :func:`escalate`, :func:`run_sla_checks`
  (``sla``);
- queries: :func:`timeline`, :func:`my_applications`, :func:`pending_for`,
  :func:`for_customer`, :func:`list_applications`, :func:`require_application`;
- :func:`plan_route` and friends (``routing``) for simulations.
"""

from credit_domain.applications.decisions import (
    approve,
    comment,
    decide_by_rule,
    reject,
    return_for_info,
    transfer,
    transfer_candidates,
)
from credit_domain.applications.errors import AlreadyDecided, NotYourTurn
from credit_domain.applications.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    ApprovalStep,
    StepAssignment,
    StepKind,
)
from credit_domain.applications.queries import (
    find_application,
    for_customer,
    list_applications,
    my_applications,
    pending_for,
    require_application,
    timeline,
)
from credit_domain.applications.routing import RoutingFailed
from credit_domain.applications.sla import (
    escalate,
    run_sla_checks,
    send_reminder,
    sla_status,
)
from credit_domain.applications.submission import (
    ApplicationRequest,
    resubmit,
    submit,
    submit_draft,
    suggest,
    withdraw,
)

__all__ = [
    "AlreadyDecided",
    "Application",
    "ApplicationKind",
    "ApplicationRequest",
    "ApplicationStatus",
    "ApprovalStep",
    "NotYourTurn",
    "RoutingFailed",
    "StepAssignment",
    "StepKind",
    "approve",
    "comment",
    "decide_by_rule",
    "escalate",
    "find_application",
    "for_customer",
    "list_applications",
    "my_applications",
    "pending_for",
    "reject",
    "require_application",
    "resubmit",
    "return_for_info",
    "run_sla_checks",
    "send_reminder",
    "sla_status",
    "submit",
    "submit_draft",
    "suggest",
    "timeline",
    "transfer",
    "transfer_candidates",
    "withdraw",
]
