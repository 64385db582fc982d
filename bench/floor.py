"""The floors: the same results by the plainest means, hand-written SQL over the same tables.

Dates are bound as ISO strings on SQLite (where they are stored as text) and as dates on
PostgreSQL; money sums come back as integer cents on SQLite and NUMERIC on PostgreSQL: the
floor only has to produce the figures, not format them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, text

from credit_domain.analytics.facts import months_before

OPEN_ORDERS = "('reserved', 'released', 'confirmed')"


def _d(conn: Connection, day: dt.date) -> Any:
    return day.isoformat() if conn.dialect.name == "sqlite" else day


def _bucket_params(conn: Connection, as_of: dt.date) -> dict[str, Any]:
    days = {"d": 0, "d1": 1, "d30": 30, "d31": 31, "d60": 60, "d61": 61, "d90": 90, "d91": 91}
    return {k: _d(conn, as_of - dt.timedelta(days=n)) for k, n in days.items()}


SCAN_SQL = f"""
SELECT a.id,
       a.credit_limit + COALESCE(t.v, 0) AS effective_limit,
       COALESCE(r.open, 0) + COALESCE(d.v, 0) + COALESCE(o.v, 0) AS exposure,
       COALESCE(r.overdue, 0) AS overdue, r.oldest_due,
       COALESCE(r.cur, 0) AS cur, COALESCE(r.b1, 0) AS b1, COALESCE(r.b2, 0) AS b2,
       COALESCE(r.b3, 0) AS b3, COALESCE(r.b4, 0) AS b4
FROM credit_accounts a
LEFT JOIN (
    SELECT account_id, SUM(open_amount) AS open,
           SUM(CASE WHEN due_date < :d THEN open_amount ELSE 0 END) AS overdue,
           MIN(CASE WHEN due_date < :d THEN due_date END) AS oldest_due,
           SUM(CASE WHEN due_date >= :d THEN open_amount ELSE 0 END) AS cur,
           SUM(CASE WHEN due_date <= :d1 AND due_date >= :d30 THEN open_amount ELSE 0 END) AS b1,
           SUM(CASE WHEN due_date <= :d31 AND due_date >= :d60 THEN open_amount ELSE 0 END) AS b2,
           SUM(CASE WHEN due_date <= :d61 AND due_date >= :d90 THEN open_amount ELSE 0 END) AS b3,
           SUM(CASE WHEN due_date <= :d91 THEN open_amount ELSE 0 END) AS b4
    FROM invoices WHERE open_amount > 0 GROUP BY account_id) r ON r.account_id = a.id
LEFT JOIN (
    SELECT account_id, SUM(amount) AS v FROM temporary_limits
    WHERE status = 'active' AND valid_from <= :d AND valid_to >= :d GROUP BY account_id
) t ON t.account_id = a.id
LEFT JOIN (SELECT account_id, SUM(amount) AS v FROM deliveries WHERE invoiced_at IS NULL
           GROUP BY account_id) d ON d.account_id = a.id
LEFT JOIN (SELECT account_id, SUM(open_amount) AS v FROM orders
           WHERE status IN {OPEN_ORDERS} GROUP BY account_id) o ON o.account_id = a.id
WHERE a.business_unit_id = :bu AND a.status <> 'closed'
"""


def scan(conn: Connection, bu: int, today: dt.date) -> int:
    """Overdue, utilisation and aging of every open account: one statement, streamed."""
    n = 0
    result = conn.execution_options(yield_per=2000).execute(
        text(SCAN_SQL), {"bu": bu, **_bucket_params(conn, today)})
    for _row in result:
        n += 1
    return n


def _facts_sql(team: bool) -> str:
    scope = "AND account_id IN (SELECT id FROM credit_accounts WHERE team_id = :team)" \
        if team else ""
    iscope = scope.replace("account_id", "i.account_id", 1)
    return f"""
SELECT a.id, a.region_id, a.team_id, a.owner_id, a.customer_id, a.grade, a.status,
       a.credit_limit + COALESCE(t.v, 0) AS lim,
       COALESCE(r.open, 0) AS receivables, COALESCE(r.cur, 0) AS cur,
       COALESCE(r.b1, 0) AS b1, COALESCE(r.b2, 0) AS b2, COALESCE(r.b3, 0) AS b3,
       COALESCE(r.b4, 0) AS b4, r.oldest_due,
       COALESCE(d.v, 0) AS deliveries, COALESCE(o.v, 0) AS orders,
       COALESCE(r.open, 0) + COALESCE(d.v, 0) + COALESCE(o.v, 0) AS exposure,
       COALESCE(bg.v, 0) AS begin_ar, COALESCE(sl.v, 0) AS sales
FROM credit_accounts a
LEFT JOIN (
    SELECT account_id, SUM(open_amount) AS open,
           SUM(CASE WHEN due_date >= :d THEN open_amount ELSE 0 END) AS cur,
           SUM(CASE WHEN due_date <= :d1 AND due_date >= :d30 THEN open_amount ELSE 0 END) AS b1,
           SUM(CASE WHEN due_date <= :d31 AND due_date >= :d60 THEN open_amount ELSE 0 END) AS b2,
           SUM(CASE WHEN due_date <= :d61 AND due_date >= :d90 THEN open_amount ELSE 0 END) AS b3,
           SUM(CASE WHEN due_date <= :d91 THEN open_amount ELSE 0 END) AS b4,
           MIN(CASE WHEN due_date < :d THEN due_date END) AS oldest_due
    FROM invoices WHERE open_amount > 0 {scope} GROUP BY account_id) r ON r.account_id = a.id
LEFT JOIN (
    SELECT i.account_id, SUM(i.amount - COALESCE(al.v, 0)) AS v
    FROM invoices i
    LEFT JOIN (SELECT invoice_id, SUM(amount) AS v FROM allocations WHERE applied_on <= :s
               GROUP BY invoice_id) al ON al.invoice_id = i.id
    WHERE i.issue_date <= :s AND i.amount - COALESCE(al.v, 0) > 0 {iscope}
    GROUP BY i.account_id) bg ON bg.account_id = a.id
LEFT JOIN (SELECT account_id, SUM(amount) AS v FROM invoices
           WHERE issue_date > :s AND issue_date <= :d {scope} GROUP BY account_id
) sl ON sl.account_id = a.id
LEFT JOIN (
    SELECT account_id, SUM(amount) AS v FROM temporary_limits
    WHERE status = 'active' AND valid_from <= :d AND valid_to >= :d {scope} GROUP BY account_id
) t ON t.account_id = a.id
LEFT JOIN (SELECT account_id, SUM(amount) AS v FROM deliveries
           WHERE invoiced_at IS NULL AND shipped_on <= :d {scope} GROUP BY account_id
) d ON d.account_id = a.id
LEFT JOIN (SELECT account_id, SUM(open_amount) AS v FROM orders
           WHERE status IN {OPEN_ORDERS} AND ordered_on <= :d {scope} GROUP BY account_id
) o ON o.account_id = a.id
WHERE a.business_unit_id = :bu {"AND a.team_id = :team" if team else ""}
"""


TOTALS = """COUNT(*) AS accounts, SUM(lim) AS lim, SUM(exposure) AS exposure,
       SUM(lim - exposure) AS available, SUM(receivables) AS receivables, SUM(cur) AS cur,
       SUM(b1) AS b1, SUM(b2) AS b2, SUM(b3) AS b3, SUM(b4) AS b4,
       SUM(deliveries) AS deliveries, SUM(orders) AS orders, SUM(begin_ar) AS begin_ar,
       SUM(sales) AS sales,
       SUM(CASE WHEN receivables > cur THEN 1 ELSE 0 END) AS overdue_accounts,
       SUM(CASE WHEN status = 'on_hold' THEN 1 ELSE 0 END) AS on_hold"""
BAND = """CASE WHEN lim <= 0 THEN 'no_limit' WHEN exposure * 100 < lim * 50 THEN 'lt50'
            WHEN exposure * 100 < lim * 80 THEN '50to80'
            WHEN exposure * 100 <= lim * 100 THEN '80to100' ELSE 'over100' END"""
TOP = """SELECT f.*, c.legal_name, p.name AS owner_name, tm.name AS team_name
FROM floor_facts f JOIN customers c ON c.id = f.customer_id
LEFT JOIN people p ON p.id = f.owner_id LEFT JOIN teams tm ON tm.id = f.team_id"""


def kpis(conn: Connection, bu: int, as_of: dt.date, start: dt.date,
         team: int | None = None) -> dict[str, Any]:
    """The dashboard's figures (see ``credit_domain.analytics``) by hand: the per-account
    facts once into a temporary table, then one small aggregate per figure."""
    params = {"bu": bu, "s": _d(conn, start), **_bucket_params(conn, as_of)}
    if team is not None:
        params["team"] = team
    conn.exec_driver_sql("DROP TABLE IF EXISTS floor_facts")
    conn.execute(text("CREATE TEMPORARY TABLE floor_facts AS " + _facts_sql(team is not None)),
                 params)
    out: dict[str, Any] = {}
    out["totals"] = conn.execute(text(f"SELECT {TOTALS} FROM floor_facts")).one()
    out["bands"] = conn.execute(text(
        f"SELECT {BAND} AS band, COUNT(*), SUM(exposure), SUM(lim) FROM floor_facts "
        f"GROUP BY {BAND}")).all()
    out["grades"] = conn.execute(text(
        "SELECT grade, COUNT(*), SUM(exposure), SUM(receivables - cur) FROM floor_facts "
        "GROUP BY grade")).all()
    groups = [("regions", "region_id"), ("teams", "team_id")] if team is None \
        else [("people", "owner_id")]
    for table, column in groups:
        out[table] = conn.execute(text(
            f"SELECT g.id, g.name, {TOTALS} FROM floor_facts f "
            f"LEFT JOIN {table} g ON g.id = f.{column} GROUP BY g.id, g.name")).all()
    tops = {"top_exposure": ("exposure > 0", "exposure DESC", 20),
            "overdue": ("receivables > cur", "receivables - cur DESC", 20),
            "oldest": ("receivables > cur", "b4 DESC, b3 DESC, b2 DESC, b1 DESC", 20),
            "on_hold": ("status = 'on_hold'", "exposure DESC", 200)}
    for name, (where, order, limit) in tops.items():
        out[name] = conn.execute(text(
            f"{TOP} WHERE {where} ORDER BY {order}, c.legal_name LIMIT {limit}")).all()
    scope = "AND account_id IN (SELECT id FROM floor_facts)"
    bounds = [months_before(as_of, k) for k in range(25)]
    month = "CASE " + " ".join(
        f"WHEN issue_date > :m{k} THEN {k}" for k in range(1, 25)) + " END"
    out["months"] = conn.execute(text(
        f"SELECT {month} AS m, SUM(amount) FROM invoices WHERE issue_date <= :d "
        f"AND issue_date > :m24 {scope} GROUP BY {month}"),
        {"d": _d(conn, as_of), **{f"m{k}": _d(conn, b) for k, b in enumerate(bounds)}}).all()
    out["pending"] = conn.execute(text(
        "SELECT COUNT(*) FROM applications WHERE status IN ('pending', 'returned') "
        f"{scope}")).scalar()
    conn.exec_driver_sql("DROP TABLE floor_facts")
    return out


def reset_available(conn: Connection, hot: dict[int, int]) -> None:
    """The floor's accounts: ``bench_available`` holds every account's available limit as
    one number (cents), the hot accounts' from ``hot``."""
    conn.exec_driver_sql("DROP TABLE IF EXISTS bench_available")
    conn.exec_driver_sql("CREATE TABLE bench_available (id INTEGER PRIMARY KEY, "
                         "available BIGINT NOT NULL)")
    conn.exec_driver_sql(
        "INSERT INTO bench_available (id, available) SELECT id, 100000000 FROM credit_accounts")
    for aid, cents in hot.items():
        conn.execute(text("UPDATE bench_available SET available = :c WHERE id = :i"),
                     {"c": cents, "i": aid})


def reserve(conn: Connection, account_id: int, cents: int) -> bool:
    """The bare conditional update: reserve ``cents`` if that much is available."""
    result = conn.execute(text(
        "UPDATE bench_available SET available = available - :c "
        "WHERE id = :i AND available >= :c"), {"c": cents, "i": account_id})
    return result.rowcount == 1
