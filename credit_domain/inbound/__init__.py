"""Inbound idempotency: platform events and card actions already processed."""
