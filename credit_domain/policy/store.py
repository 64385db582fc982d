"""Policies: one YAML document per business unit and kind, validated on load, versioned in the
database with who installed it, and hot-reloaded.

- A feature registers its kind with :func:`register_kind` (a pydantic model and the shipped
  default file).
- :meth:`PolicyStore.install` validates and stores a new version; a document that fails
  validation raises :class:`PolicyInvalid` listing every problem with its line, and the
  version in force stays in force.
- :meth:`PolicyStore.get` returns the active version, cached per process and refreshed when
  another process (or the policy directory) installs a newer one.
- :meth:`PolicyStore.sync_directory` installs changed files from ``CREDITBOT_POLICY_DIR``
  (``<dir>/<BU code>/<kind>.yaml``).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import pathlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from credit_domain.errors import InvalidInput
from credit_domain.i18n import text_factory
from credit_domain.orgs.models import BusinessUnit
from credit_domain.policy.models import PolicyVersion
from credit_domain.unit_of_work import UnitOfWork

_ = text_factory("credit_domain")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class PolicyKind(Generic[M]):
    name: str
    model: type[M]
    default: Traversable
    description: str = ""


_KINDS: dict[str, PolicyKind[Any]] = {}


def register_kind(
    name: str, model: type[M], default: Traversable | str, description: str = ""
) -> PolicyKind[M]:
    """Register a policy kind; ``default`` is a resource path inside ``credit_domain``
    (e.g. ``"policy/defaults/approval.yaml"``) or a Traversable."""
    resource = (
        importlib.resources.files("credit_domain").joinpath(default)
        if isinstance(default, str) else default
    )
    kind = PolicyKind(name, model, resource, description)
    _KINDS[name] = kind
    return kind


def kinds() -> dict[str, PolicyKind[Any]]:
    return dict(_KINDS)


def get_kind(name: str) -> PolicyKind[Any]:
    try:
        return _KINDS[name]
    except KeyError:
        raise InvalidInput(
            _("Unknown policy kind {kind}; known: {known}", kind=name,
              known=", ".join(sorted(_KINDS)))
        ) from None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy document, and where."""

    location: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.location}: {self.message}" if self.location else where + self.message


class PolicyInvalid(InvalidInput):
    """The document does not validate; nothing was changed."""

    def __init__(self, kind: str, problems: list[Problem]) -> None:
        self.problems = problems
        listing = "\n".join(f"- {p}" for p in problems)
        super().__init__(_("The {kind} policy is not valid; the policy in force stays:\n{problems}",
                           kind=kind, problems=listing))


def parse_policy(kind: str, content: str, context: dict[str, Any] | None = None) -> BaseModel:
    """Validate ``content`` as a policy of ``kind``; raise :class:`PolicyInvalid` with every
    problem located by line."""
    k = get_kind(kind)
    try:
        data = yaml.safe_load(content)
        node = yaml.compose(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise PolicyInvalid(kind, [Problem("", line, f"not valid YAML: {exc}")]) from None
    if not isinstance(data, dict):
        raise PolicyInvalid(kind, [Problem("", 1, "a policy is a mapping of keys to values")])
    try:
        model: BaseModel = k.model.model_validate(data, context=context or {})
        return model
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            problems.append(Problem(_format_loc(loc), _line_of(node, loc), err["msg"]))
        raise PolicyInvalid(kind, problems) from None


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(node: Any, loc: tuple[Any, ...]) -> int | None:
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(
                node.value):
            nxt = node.value[part]
        else:
            nxt = None
        if nxt is None:
            break
        node, line = nxt, nxt.start_mark.line + 1
    return line


@dataclass
class _Cached:
    version_id: int
    version: int  # the version number (0: the shipped default)
    model: BaseModel
    checked_at: float


@dataclass
class PolicyStore:
    """Active policies per business unit (see module docstring)."""

    session_factory: sessionmaker[Session]
    directory: pathlib.Path | None = None
    refresh_seconds: float = 5.0
    listeners: list[Callable[[int, str, PolicyVersion], None]] = field(default_factory=list)
    _cache: dict[tuple[int, str], _Cached] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _refused: dict[str, str] = field(default_factory=dict, init=False)

    def get(self, business_unit_id: int, kind: str, session: Session | None = None) -> Any:
        """The policy of ``kind`` in force for the business unit (the shipped default until
        someone installs another). Inside a unit of work pass its ``session``: the version
        check then needs no second connection."""
        return self.in_force(business_unit_id, kind, session)[0]

    def in_force(self, business_unit_id: int, kind: str, session: Session | None = None
                 ) -> tuple[Any, int]:
        """The policy of ``kind`` in force and its version number (0: the shipped default),
        one and the same: what a decision records is what it was made with."""
        key = (business_unit_id, kind)
        cached = self._cache.get(key)
        now = time.monotonic()
        if cached and now - cached.checked_at < self.refresh_seconds:
            return cached.model, cached.version
        if session is not None:
            found = self._load(session, key, cached, now)
        else:
            with self.session_factory() as own:
                found = self._load(own, key, cached, now)
        return found.model, found.version

    def _load(self, session: Session, key: tuple[int, str], cached: _Cached | None,
              now: float) -> _Cached:
        business_unit_id, kind = key
        active = self._active(session, business_unit_id, kind)
        if cached and (active.id if active else 0) == cached.version_id:
            cached.checked_at = now
            return cached
        if active is None:
            found = _Cached(0, 0, parse_policy(kind, get_kind(kind).default.read_text("utf-8")),
                            now)
        else:
            found = _Cached(active.id, active.version, parse_policy(kind, active.content), now)
        with self._lock:
            self._cache[key] = found
        return found

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()

    @staticmethod
    def _active(session: Session, business_unit_id: int, kind: str) -> PolicyVersion | None:
        return session.scalars(
            select(PolicyVersion)
            .where(PolicyVersion.business_unit_id == business_unit_id,
                   PolicyVersion.kind == kind, PolicyVersion.active.is_(True))
            .order_by(PolicyVersion.version.desc())
            .limit(1)
        ).first()

    def active_version(self, session: Session, business_unit_id: int, kind: str
                       ) -> PolicyVersion | None:
        return self._active(session, business_unit_id, kind)

    def install(
        self, uow: UnitOfWork, business_unit_id: int, kind: str, content: str, *,
        source: str | None = None,
    ) -> PolicyVersion:
        """Validate and store a new version, making it the one in force. Installing the same
        content as the active version changes nothing and returns it."""
        parse_policy(kind, content)
        digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
        session = uow.session
        active = self._active(session, business_unit_id, kind)
        if active is not None and active.sha256 == digest:
            return active
        latest = session.scalar(
            select(PolicyVersion.version)
            .where(PolicyVersion.business_unit_id == business_unit_id, PolicyVersion.kind == kind)
            .order_by(PolicyVersion.version.desc()).limit(1)
        ) or 0
        session.execute(
            update(PolicyVersion)
            .where(PolicyVersion.business_unit_id == business_unit_id,
                   PolicyVersion.kind == kind, PolicyVersion.active.is_(True))
            .values(active=False)
        )
        row = PolicyVersion(
            business_unit_id=business_unit_id, kind=kind, version=latest + 1, content=content,
            sha256=digest, source=source, created_by=uow.actor.label, created_at=uow.now(),
            active=True,
        )
        session.add(row)
        session.flush()
        uow.audit(
            "policy.changed", "policy", f"{kind}:{business_unit_id}",
            business_unit_id=business_unit_id,
            before={"version": active.version, "sha256": active.sha256} if active else None,
            after={"version": row.version, "sha256": digest, "source": source},
        )
        uow.after_commit(self.invalidate)
        for listener in self.listeners:
            listener(business_unit_id, kind, row)
        return row

    def sync_directory(self, uow_factory: Callable[[], UnitOfWork]) -> list[str]:
        """Install every changed ``<dir>/<BU code>/<kind>.yaml``; return one line per file
        installed or refused (a refused file leaves the policy in force unchanged)."""
        if self.directory is None or not self.directory.is_dir():
            return []
        report: list[str] = []
        with self.session_factory() as session:
            units = {bu.code: bu.id for bu in session.scalars(select(BusinessUnit))}
        for bu_dir in sorted(p for p in self.directory.iterdir() if p.is_dir()):
            if bu_dir.name not in units:
                continue
            for path in sorted(bu_dir.glob("*.yaml")):
                kind = path.stem
                if kind not in _KINDS:
                    continue
                content = path.read_text("utf-8")
                digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
                with self.session_factory() as session:
                    active = self._active(session, units[bu_dir.name], kind)
                    if active is not None and active.sha256 == digest:
                        continue
                if self._refused.get(str(path)) == digest:
                    continue  # already reported; wait for the file to change
                try:
                    with uow_factory() as uow:
                        v = self.install(uow, units[bu_dir.name], kind, content, source=str(path))
                        uow.commit()
                    report.append(f"{path}: installed as version {v.version}")
                except PolicyInvalid as exc:
                    self._refused[str(path)] = digest
                    report.append(f"{path}: refused; the policy in force stays\n" +
                                  "\n".join(f"  - {p}" for p in exc.problems))
        return report


def default_content(kind: str) -> str:
    return get_kind(kind).default.read_text("utf-8")
