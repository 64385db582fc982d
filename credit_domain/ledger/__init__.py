"""What the ERP knows: orders, deliveries not yet invoiced, invoices, payments, credit notes."""
