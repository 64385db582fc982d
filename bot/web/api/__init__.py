"""The ERP/CRM API under ``/api/v1``: order credit checks and the order lifecycle, pushes of
customers, deliveries, invoices, payments and credit notes, and credit status reads.
Authenticated by API keys (scopes, business units); OpenAPI docs at ``/docs``."""
