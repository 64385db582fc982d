"""Credit analytics: the figures of the credit book for any scope a viewer may see, as of any
date, computed by SQL aggregates.

- :mod:`.scope` — what a figure covers (business unit → region → team → salesperson →
  customer), as a short string (``bu:IND,region:EAST``), intersected with what the viewer
  may see (:func:`credit_domain.access.account_scope`).
- :mod:`.facts` — per-invoice and per-account balances as of a date (the SQL building block).
- :mod:`.measures` — the formulas (DSO, count-back DSO, best possible DSO, ADD, CEI, ratios).
- :mod:`.report` — :class:`~.report.KpiReport`, the one result every surface shows.
- :mod:`.services` — :func:`~.services.run_kpis` and :func:`~.services.customer_view`.
- :mod:`.tables` — the report as tables (web pages, XLSX export).
- :mod:`.extensions` — where other features add figures (pending applications) and customer
  panels (score reasons, bureau signals).
"""
