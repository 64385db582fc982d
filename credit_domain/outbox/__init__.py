"""The outbox: messages written in the same transaction as the change that causes them, and
delivered afterwards by a dispatcher with retries."""
