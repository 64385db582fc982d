"""Create, authenticate and revoke API keys."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit_domain.access import refuse
from credit_domain.apikeys.models import ApiKey
from credit_domain.errors import Forbidden, InvalidInput, NotFound
from credit_domain.i18n import text_factory
from credit_domain.orgs.models import BusinessUnit
from credit_domain.unit_of_work import ActorRef, UnitOfWork

_ = text_factory("credit_domain")
log = logging.getLogger("creditbot.access")

SCOPES = {
    "orders:check": "ask for order credit checks and move orders through their lifecycle",
    "erp:write": "push customers, invoices, payments and credit notes",
    "erp:read": "read customers, exposure and credit status",
    "analytics:read": "read KPIs and dashboards' figures",
}


@dataclass(frozen=True)
class ApiClient:
    """An authenticated integration: what it may do, and in which business units."""

    key_id: int
    name: str
    scopes: frozenset[str]
    business_unit_ids: frozenset[int]
    rate_limit_per_minute: int

    @property
    def ref(self) -> ActorRef:
        return ActorRef.system(f"api:{self.name}")

    def require_scope(self, scope: str) -> None:
        if scope not in self.scopes:
            raise refuse(self.ref, f"use_scope:{scope}", f"api_key:{self.key_id}",
                         _("This API key lacks the scope {scope}.", scope=scope))

    def require_business_unit(self, business_unit_id: int) -> None:
        if business_unit_id not in self.business_unit_ids:
            raise refuse(self.ref, "use_business_unit", f"business_unit:{business_unit_id}",
                         _("This API key is not valid for that business unit."),
                         business_unit_id=business_unit_id)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_key(
    uow: UnitOfWork, name: str, *, business_unit_codes: list[str], scopes: list[str],
    rate_limit_per_minute: int = 600,
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the token, which is shown once and never stored."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidInput(_("Unknown or missing scopes {scopes}; known: {known}",
                             scopes=", ".join(unknown) or "-", known=", ".join(sorted(SCOPES))))
    units = uow.session.scalars(
        select(BusinessUnit).where(BusinessUnit.code.in_(business_unit_codes))).all()
    if not business_unit_codes or len(units) != len(set(business_unit_codes)):
        found = {u.code for u in units}
        raise InvalidInput(_("Unknown business units: {codes}", codes=", ".join(
            sorted(set(business_unit_codes) - found)) or "-"))
    prefix = secrets.token_hex(4)
    token = f"cb_{prefix}_{secrets.token_urlsafe(24)}"
    key = ApiKey(
        name=name, prefix=prefix, key_hash=_digest(token), scopes=sorted(set(scopes)),
        business_unit_ids=sorted(u.id for u in units),
        rate_limit_per_minute=rate_limit_per_minute, created_by=uow.actor.label,
        created_at=uow.now(),
    )
    uow.session.add(key)
    uow.session.flush()
    uow.audit("apikey.created", "api_key", key.id, business_unit_id=None,
              after={"name": name, "prefix": prefix, "scopes": key.scopes,
                     "business_units": sorted(business_unit_codes)})
    return key, token


def revoke_key(uow: UnitOfWork, key_id_or_prefix: str) -> ApiKey:
    key = _find(uow.session, key_id_or_prefix)
    if key.revoked_at is None:
        key.revoked_at = uow.now()
        uow.audit("apikey.revoked", "api_key", key.id, business_unit_id=None,
                  before={"revoked": False}, after={"revoked": True})
    return key


def _find(session: Session, key_id_or_prefix: str) -> ApiKey:
    """By prefix first (a hex prefix may be all digits), then by id."""
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == key_id_or_prefix)).first()
    if key is None and key_id_or_prefix.isdigit():
        key = session.get(ApiKey, int(key_id_or_prefix))
    if key is None:
        raise NotFound(_("No API key {key}.", key=key_id_or_prefix))
    return key


def _refused(why: str) -> Forbidden:
    """The one answer for every bad token; the log says why (never the token itself)."""
    log.warning("API key refused: %s", why, extra={"event": "access.denied",
                                                   "action": "authenticate", "target": why})
    return Forbidden(_("Invalid or revoked API key."))


def authenticate(session: Session, token: str) -> ApiClient:
    """The client a token belongs to; Forbidden for unknown, malformed or revoked tokens
    (one message for all, so a caller learns nothing about which keys exist)."""
    parts = (token or "").split("_")
    if len(parts) < 3 or parts[0] != "cb":
        raise _refused("malformed or missing")
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == parts[1])).first()
    if key is None:
        raise _refused(f"unknown prefix {parts[1][:12]!r}")
    if key.revoked_at is not None:
        raise _refused(f"revoked key {key.id} ({key.name})")
    if not hmac.compare_digest(key.key_hash, _digest(token)):
        raise _refused(f"wrong secret for key {key.id} ({key.name})")
    return ApiClient(key.id, key.name, frozenset(key.scopes),
                     frozenset(int(i) for i in key.business_unit_ids), key.rate_limit_per_minute)


def touch_key(uow: UnitOfWork, key_id: int) -> None:
    """Note that a key was used now (shown by ``creditbot apikey list``)."""
    key = uow.session.get(ApiKey, key_id)
    if key is not None:
        key.last_used_at = uow.now()


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))
