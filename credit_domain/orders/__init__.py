"""Orders on credit: the credit check the ERP asks before confirming an order, and the order's
life afterwards (confirm, ship, invoice, cancel, release)."""
