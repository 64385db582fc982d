"""API keys for integrations (ERP, CRM, BI): stored hashed, scoped, revocable."""
