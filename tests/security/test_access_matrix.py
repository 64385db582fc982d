"""The access matrix: every person-facing domain action × every role × where the person sits
relative to the customer (their own team, a teammate's customer, another team of the same
business unit, another business unit), plus someone enrolled with no role at all.

The expected answer of every cell is written down once, in :data:`TABLE`, from DESIGN.md
("an approver must hold the step's role in the application's business unit; a requester never
approves their own application; a salesperson sees only their own customers, a manager their
team's, and no one sees another business unit's data unless granted") and, where DESIGN.md is
silent, from what a credit manager expects (each such choice is commented in the table). It is
not derived from the code under test.

Every cell runs against a real database (SQLite, and PostgreSQL when configured). An allowed
cell must succeed. A refused cell must raise :class:`Forbidden` with a message in both
languages, leave every table exactly as it was, and leave a WARNING on ``creditbot.access``
naming the actor, the action and its target. The one filtering action (customer search)
refuses by not listing.

Matrix size: 24 actions × 26 actor positions (8 roles × 3 positions, a salesperson's
teammate, and a person with no role) = 624 cells per database.

People, API keys, policies and the audit chain have no person-facing action: they are managed
only with the ``creditbot`` CLI on the host, which acts as the system (see SECURITY.md,
"Operators"). :func:`test_no_person_facing_admin_commands` holds that line for the chat router.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from credit_domain.access import Actor, load_actor
from credit_domain.accounts.holds import place_hold, place_hold_as, release_hold_as
from credit_domain.accounts.snapshot import credit_snapshot
from credit_domain.analytics.customer import customer_view as customer_figures
from credit_domain.analytics.services import KpiQuery, run_kpis
from credit_domain.applications import ApplicationRequest, approve, submit
from credit_domain.applications.decisions import comment, reject, return_for_info, transfer
from credit_domain.applications.errors import AlreadyDecided, NotYourTurn
from credit_domain.applications.queries import require_application
from credit_domain.applications.submission import resubmit, submit_draft, suggest, withdraw
from credit_domain.bootstrap import Domain
from credit_domain.customer360.services import customer_view
from credit_domain.customers.services import find_accounts
from credit_domain.errors import DomainError, Forbidden
from credit_domain.importing.service import import_file
from credit_domain.ledger.services.merge import merge_customers
from credit_domain.orgs.models import Role
from credit_domain.scoring.services import show_score
from tests.factories import World
from tests.security.state import fingerprint

# -- where the actor sits relative to the customer's account -----------------------------------
OWN = "own team"  # the account's team (the salesperson owns it; the manager leads the team;
#                   the director leads its region; unit-wide roles are attached to that team)
MATE = "teammate"  # a salesperson of the same team who does not own the account
OTHER = "other team"  # same business unit, another team in another region
FOREIGN = "other BU"  # the same role, held only in another business unit
NOWHERE = "no role"  # enrolled, no role anywhere

S, M, D = Role.SALESPERSON, Role.SALES_MANAGER, Role.REGION_DIRECTOR
F, R, G, A, U = (Role.FINANCE_MANAGER, Role.RISK_DIRECTOR, Role.GENERAL_MANAGER,
                 Role.CREDIT_ADMIN, Role.AUDITOR)
POSITIONS: list[tuple[Role | None, str]] = (
    [(role, pos) for role in Role for pos in (OWN, OTHER, FOREIGN)]
    + [(S, MATE), (None, NOWHERE)])
UNIT = {OWN, OTHER}  # anywhere in the account's business unit

# What a person in each role sees: DESIGN.md's rule, written out.
SEES: dict[Role, set[str]] = {S: {OWN}, M: {OWN}, D: {OWN}, F: UNIT, R: UNIT, G: UNIT, A: UNIT,
                              U: UNIT}
# Those who change credit: everyone who sees it except auditors, who only read (DESIGN.md is
# silent; an auditor who could file or withdraw applications would audit their own work).
CHANGES = {role: where for role, where in SEES.items() if role != U}

# action → {role: positions where it is allowed}; every other cell is refused.
TABLE: dict[str, dict[Role, set[str]]] = {
    # reading one customer's credit: exactly what the person sees
    "see_credit": SEES,
    "see_customer_360": SEES,
    "see_score": SEES,
    "see_customer_figures": SEES,
    "search_customers": SEES,  # refusal = not listed
    # KPIs of the business unit: anyone with a role there (narrowed to what they see)
    "read_unit_kpis": {**{role: UNIT for role in Role}, S: UNIT | {MATE}},
    # holds: finance, risk, the general manager and credit admins of the unit (holds.py docs;
    # a salesperson never lifts their own customer's hold)
    "place_hold": {F: UNIT, R: UNIT, G: UNIT, A: UNIT},
    "release_hold": {F: UNIT, R: UNIT, G: UNIT, A: UNIT},
    # applications: anyone who sees the account and may change credit submits one
    "submit_application": CHANGES,
    "submit_draft": CHANGES,
    # only the requester (the owning salesperson here) withdraws or resubmits
    "withdraw_application": {S: {OWN}},
    # a suggestion (no requester yet) is dismissed by the owner it was sent to, or a credit
    # admin; its notice offers the owner a Withdraw button
    "withdraw_draft": {S: {OWN}, A: UNIT},
    "resubmit_application": {S: {OWN}},
    # step 1 of a large increase is the sales manager of the requester's team
    "approve": {M: {OWN}},
    "reject": {M: {OWN}},
    "return_for_info": {M: {OWN}},
    "transfer": {M: {OWN}},
    # step 2 is every finance manager of the unit (or-sign)
    "approve_finance_step": {F: UNIT},
    # a decided application: no one decides or withdraws it any more (see ANSWERS for who is
    # told that it was decided, by whom and when: only those who may see it)
    "approve_decided": {},
    "withdraw_decided": {},
    # an application is seen by whoever sees its account, its requester and approvers
    "see_application": SEES,
    # a question on an application changes no credit: auditors may ask too
    "comment": SEES,
    # imports write the ledger: credit admins and finance managers of the unit
    "import_invoices": {A: UNIT, F: UNIT},
    # merging customers rewrites accounts: credit admins of every unit concerned
    "merge_customers": {A: UNIT},
    # exports (xlsx) are filtered by the same scope as search; not a separate cell
}
# Cells refused not for want of a right but because of where the application stands: an
# approver of a later step is told it is not their turn yet; one who already decided is told
# so. Both change nothing, and both are answers about state, not refusals of access.
LATER_STEPS = {F: UNIT, R: UNIT}  # finance and risk wait behind the sales manager
ANSWERS: dict[str, dict[Role, tuple[set[str], type[Exception]]]] = {
    **{action: {role: (where, NotYourTurn) for role, where in LATER_STEPS.items()}
       for action in ("approve", "reject", "return_for_info", "transfer")},
    "approve_finance_step": {M: ({OWN}, AlreadyDecided), R: (UNIT, NotYourTurn)},
    # who decided and when is told to those who see the application (the requester is told
    # they cannot decide their own); everyone else is refused, learning nothing
    "approve_decided": {role: (where, AlreadyDecided) for role, where in SEES.items()
                        if role != S},
    "withdraw_decided": {S: ({OWN}, AlreadyDecided)},
}
ROW_COUNT = len(TABLE) * len(POSITIONS)


def allowed(action: str, role: Role | None, pos: str) -> bool:
    return role is not None and pos in TABLE[action].get(role, set())


def answer(action: str, role: Role | None, pos: str) -> type[Exception]:
    """The error a refused cell must raise."""
    where, error = ANSWERS.get(action, {}).get(role, (set(), Forbidden)) if role else (
        set(), Forbidden)
    return error if pos in where else Forbidden


# -- the world ---------------------------------------------------------------------------------
@dataclass
class World2:
    domain: Domain
    people: dict[tuple[Role | None, str], int]
    ids: dict[str, int] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)
    tmp: Path = Path(".")

    def actor(self, role: Role | None, pos: str) -> Actor:
        with self.domain.read() as s:
            return load_actor(s, self.people[(role, pos)])

    def as_(self, role: Role | None, pos: str, service: Callable[..., Any], *args: Any,
            commit: bool = True, **kw: Any) -> Any:
        actor = self.actor(role, pos)
        with self.domain.uow(actor) as uow:
            result = service(uow, actor, *args, **kw)
            if commit:
                uow.commit()
            return result


def build(domain: Domain, tmp: Path) -> World2:
    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        ind, con = w.business_unit("IND"), w.business_unit("CON", "消费品事业部")
        east, south, west = w.region(ind, "EAST"), w.region(ind, "SOUTH", "华南"), w.region(
            con, "WEST", "西部")
        e1, s1, c1 = w.team(ind, "E1", east), w.team(ind, "S1", south), w.team(con, "C1", west)
        where = {OWN: (ind, e1, east), MATE: (ind, e1, east), OTHER: (ind, s1, south),
                 FOREIGN: (con, c1, west)}
        people: dict[tuple[Role | None, str], Any] = {}
        for role, pos in POSITIONS:
            name = f"{role or 'nobody'}-{pos}"
            if role is None:
                people[(role, pos)] = w.person(name, login=name.replace(" ", "_"))
                continue
            bu, team, region = where[pos]
            scope = region if role == D else team
            people[(role, pos)] = w.person(name, (bu, role, scope),
                                           login=name.replace(" ", "_"))
        x = w.customer("华东精密机械有限公司", aliases=("华东精密",))
        acc = w.account(x, ind, owner=people[(S, OWN)], team=e1, limit=100_000,
                        external_id="X1")
        y = w.customer("华东精密机械（旧户）")
        w.account(y, ind, owner=people[(S, OTHER)], team=s1, limit=20_000)
        uow.session.flush()
        y.uscc = None
        uow.commit()
        world = World2(domain, {k: p.id for k, p in people.items()}, tmp=tmp)
        world.ids.update(account=acc.id, customer=x.id, duplicate=y.id, ind=ind.id)
    return world


def large_request(world: World2) -> ApplicationRequest:
    return ApplicationRequest(account_id=world.ids["account"], kind="increase",
                              amount=Decimal("300000"), reason="旺季备货，订单增加")


def pending_application(world: World2) -> None:
    """An application by the owning salesperson, waiting for the sales manager (step 1)."""
    app = world.as_(S, OWN, lambda uow, actor: submit(uow, world.domain.policies, actor,
                                                     large_request(world)))
    world.ids["app"], world.numbers["app"] = app.id, app.number


def at_finance_step(world: World2) -> None:
    pending_application(world)
    world.as_(M, OWN, approve, world.ids["app"], comment="同意")


def returned_application(world: World2) -> None:
    pending_application(world)
    world.as_(M, OWN, return_for_info, world.ids["app"], "请补充近三月报表")


def rejected_application(world: World2) -> None:
    pending_application(world)
    world.as_(M, OWN, reject, world.ids["app"], "担保不足")


def draft_application(world: World2) -> None:
    with world.domain.uow() as uow:
        app = suggest(uow, account_id=world.ids["account"], kind="increase",
                      amount=Decimal("150000"), reason="回款良好，建议提额",
                      rule_name="good-payer", policies=world.domain.policies)
        uow.commit()
        world.ids["app"], world.numbers["app"] = app.id, app.number


def on_hold(world: World2) -> None:
    with world.domain.uow() as uow:
        place_hold(uow, world.ids["account"], "逾期 45 天", Actor.system("test"))
        uow.commit()


# -- how each action is attempted ------------------------------------------------------------
Attempt = Callable[[World2, Actor], Any]


def in_uow(service: Callable[..., Any], *args: Any, policies: bool = False,
           **kwargs: Any) -> Attempt:
    """Run ``service(uow, [policies,] actor, *args)`` (an argument may be a function of the
    world) and roll back, so every cell starts from the same state (an allowed cell proves it
    succeeds; it need not stay done)."""
    def attempt(world: World2, actor: Actor) -> Any:
        values = [a(world) if callable(a) else a for a in args]
        with world.domain.uow(actor) as uow:
            if policies:
                return service(uow, world.domain.policies, actor, *values, **kwargs)
            return service(uow, actor, *values, **kwargs)
    return attempt


def read(fn: Callable[[World2, Actor, Any], Any]) -> Attempt:
    def attempt(world: World2, actor: Actor) -> Any:
        with world.domain.read() as session:
            return fn(world, actor, session)
    return attempt


def account(w: World2) -> int:
    return w.ids["account"]


def app(w: World2) -> int:
    return w.ids["app"]


_invoice_seq = iter(range(1, 10_000))


def import_one_invoice(world: World2, actor: Actor) -> Any:
    path = world.tmp / "invoices.csv"
    path.write_text("发票号,客户编号,金额,开票日期,到期日\n"
                    f"INV-{next(_invoice_seq)},X1,1000,2026-01-02,2026-02-01\n", encoding="utf-8")
    report = import_file(world.domain, "invoices", path, business_unit="IND", actor=actor)
    assert report.imported and report.created == 1, report
    return report


def searched(world: World2, actor: Actor, session: Any) -> bool:
    return any(m.account_id == world.ids["account"]
               for m in find_accounts(session, actor, "华东精密"))


@dataclass(frozen=True)
class Action:
    attempt: Attempt
    prepare: Callable[[World2], None] | None = None
    target: Callable[[World2], str] = lambda w: f"credit_account:{w.ids['account']}"
    logged_as: str = ""  # the action name in the refusal log; "" = the key itself
    filters: bool = False  # refuses by leaving the account out (no error, nothing logged)


def on_app(w: World2) -> str:
    return f"application:{w.numbers['app']}"


ACTIONS: dict[str, Action] = {
    "see_credit": Action(read(lambda w, a, s: credit_snapshot(s, a, account(w), w.domain.clock
                                                                .now())), logged_as="see"),
    "see_customer_360": Action(lambda w, a: customer_view(w.domain, a, w.ids["customer"]),
                               target=lambda w: f"customer:{w.ids['customer']}",
                               logged_as="see_customer"),
    "see_score": Action(lambda w, a: show_score(w.domain, a, account(w)), logged_as="see"),
    "see_customer_figures": Action(lambda w, a: customer_figures(w.domain, a, account(w)),
                                   logged_as="see"),
    "search_customers": Action(read(searched), filters=True),
    "read_unit_kpis": Action(lambda w, a: run_kpis(w.domain, a, KpiQuery(scope="bu:IND")),
                             target=lambda w: "", logged_as="read_analytics"),
    "place_hold": Action(in_uow(place_hold_as, account, "客户涉诉，先冻结")),
    "release_hold": Action(in_uow(release_hold_as, account, "已回款"), prepare=on_hold),
    "submit_application": Action(in_uow(submit, large_request, policies=True)),
    "submit_draft": Action(in_uow(submit_draft, app, policies=True), prepare=draft_application,
                           target=lambda w: ""),
    "withdraw_application": Action(in_uow(withdraw, app), prepare=pending_application,
                                   target=on_app),
    "resubmit_application": Action(in_uow(resubmit, app, reason="已补充报表",
                                          policies=True),
                                   prepare=returned_application, target=on_app),
    "approve": Action(in_uow(approve, app, comment="同意"), prepare=pending_application,
                      target=on_app),
    "reject": Action(in_uow(reject, app, "风险过高"), prepare=pending_application,
                     target=on_app),
    "return_for_info": Action(in_uow(return_for_info, app, "请补充担保"),
                              prepare=pending_application, target=on_app),
    "transfer": Action(in_uow(transfer, app, lambda w: w.people[(M, OTHER)]),
                       prepare=pending_application, target=on_app),
    "approve_finance_step": Action(in_uow(approve, app), prepare=at_finance_step,
                                   target=on_app, logged_as="approve"),
    "approve_decided": Action(in_uow(approve, app), prepare=rejected_application,
                              target=on_app, logged_as="approve"),
    "withdraw_draft": Action(in_uow(withdraw, app), prepare=draft_application,
                             target=on_app, logged_as="withdraw_application"),
    "withdraw_decided": Action(in_uow(withdraw, app), prepare=rejected_application,
                               target=on_app, logged_as="withdraw_application"),
    "see_application": Action(read(lambda w, a, s: require_application(s, a, app(w))),
                              prepare=pending_application, target=on_app, logged_as="see"),
    "comment": Action(in_uow(comment, app, "请问回款计划？"), prepare=pending_application,
                      target=on_app),
    "import_invoices": Action(import_one_invoice, target=lambda w: f"business_unit:{w.ids['ind']}"),
    "merge_customers": Action(in_uow(merge_customers, lambda w: w.ids["duplicate"],
                                     lambda w: w.ids["customer"], "同一客户重复建档"),
                              target=lambda w: f"customer:{w.ids['duplicate']}"),
}
assert set(ACTIONS) == set(TABLE)


# -- checking a cell ---------------------------------------------------------------------------
CJK = re.compile(r"[\u4e00-\u9fff]")


def check_cell(world: World2, name: str, spec: Action, role: Role | None, pos: str,
               caplog: pytest.LogCaptureFixture) -> str | None:
    """None when the cell behaves as the table says, else what went wrong."""
    actor = world.actor(role, pos)
    expected = allowed(name, role, pos)
    if spec.filters:
        listed = spec.attempt(world, actor)
        return None if listed == expected else f"listed={listed}"
    before = fingerprint(world.domain) if not expected else None
    caplog.clear()
    try:
        spec.attempt(world, actor)
    except DomainError as exc:
        if expected or not isinstance(exc, wanted := answer(name, role, pos)):
            return f"{type(exc).__name__}: {exc}"
        zh, en = exc.localized("zh_CN"), exc.localized("en")
        if not (CJK.search(zh) and zh != en):
            return f"refusal not localised: {zh!r} / {en!r}"
        if fingerprint(world.domain) != before:
            return "refused but changed the database"
        if wanted is not Forbidden:
            return None
        label = f"person:{actor.person_id} "
        target = spec.target(world)
        logged = [r for r in caplog.records
                  if r.name == "creditbot.access" and r.levelno == logging.WARNING
                  and getattr(r, "actor", "").startswith(label)
                  and getattr(r, "action", None) == (spec.logged_as or name)
                  and (not target or getattr(r, "target", None) == target)]
        return None if logged else "refused without an access.denied log record: " + repr(
            [(getattr(r, "actor", ""), getattr(r, "action", ""), getattr(r, "target", ""))
             for r in caplog.records])
    except Exception as exc:  # a wrong kind of answer is a finding
        return f"{type(exc).__name__}: {exc}"
    return None if expected else "allowed"


@pytest.mark.parametrize("name", list(TABLE))
def test_access_matrix(any_domain: Domain, tmp_path: Path, name: str,
                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="creditbot.access")
    world = build(any_domain, tmp_path)
    spec = ACTIONS[name]
    if spec.prepare:
        spec.prepare(world)
    wrong = {f"{role or '-'} / {pos}": problem for role, pos in POSITIONS
             if (problem := check_cell(world, name, spec, role, pos, caplog))}
    expected = sum(allowed(name, role, pos) for role, pos in POSITIONS)
    assert not wrong, f"{name}: {len(wrong)} of {len(POSITIONS)} cells wrong " \
                      f"({expected} should be allowed): {wrong}"


ADMIN_WORDS = ("policy", "policies", "people", "person", "apikey", "api-key", "api_key", "keys",
               "audit", "role", "grant")


def route_paths(routes: list[Any], prefix: str = "") -> list[str]:
    """Every path the web app serves (included routers are walked)."""
    found: list[str] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            found += route_paths(list(inner.routes), prefix + getattr(context, "prefix", ""))
        else:
            found.append(prefix + getattr(route, "path", ""))
    return found


def test_no_person_facing_admin_commands(make_runtime: Any) -> None:
    """People, API keys, policies and the audit chain are managed only from the host's CLI:
    no chat command and no web route reaches them."""
    import handlers.conversations  # noqa: F401  (registers every conversation)
    from bot.web.app import create_app
    from handlers.router import router

    names = {w.lower() for spec in router.commands.values() for w in spec.words}
    assert "apply" in names, "the router lists its commands"
    assert not names & set(ADMIN_WORDS)
    paths = route_paths(create_app(make_runtime(emulator=True)).routes)
    assert "/api/v1/orders/check" in paths
    assert [p for p in paths if any(w in p.lower().split("/") for w in ADMIN_WORDS)] == []


def test_matrix_size_is_what_the_docstring_says() -> None:
    assert f"{len(TABLE)} actions × {len(POSITIONS)} actor positions" in (__doc__ or "")
    assert f"= {ROW_COUNT} cells" in (__doc__ or "")


def test_a_refusal_on_the_command_line_is_said_once(sqlite_url: str, domain: Domain) -> None:
    """The CLI prints the refusal in the operator's language and exits 1; the log line that
    records it elsewhere is not repeated on the terminal."""
    import os
    import subprocess
    import sys

    with domain.uow() as uow:
        w = World(uow.session, uow.now())
        bu = w.business_unit("IND")
        seller = w.person("王芳", (bu, S, None), login="wangfang")
        w.account(w.customer("华东精密机械有限公司"), bu, owner=seller)
        uow.commit()
    env = {**os.environ, "DATABASE_URL": sqlite_url, "LANG": "zh_CN.UTF-8", "COLUMNS": "200"}
    env.pop("CREDITBOT_LOG_LEVEL", None)
    done = subprocess.run([sys.executable, "-m", "bot", "accounts", "place-hold", "华东精密",
                           "--reason", "测试", "--as", "wangfang"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip() == ("此操作需要本事业部的 finance_manager / risk_director / "
                                   "credit_admin / general_manager 角色。"), done.stderr
