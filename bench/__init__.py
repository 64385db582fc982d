"""creditbot's benchmarks: each measures creditbot and its floor (the same result by the
plainest means: one hand-written SQL statement, a bare conditional UPDATE, a no-op request)
side by side in one run, on SQLite and on PostgreSQL, and reports the ratio.

``make bench`` (or ``python -m bench``) prints the table and writes ``bench/results.md``.
"""
