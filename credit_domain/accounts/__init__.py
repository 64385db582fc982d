"""Credit accounts (a customer in a business unit), limits, exposure and reservations."""
