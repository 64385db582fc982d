"""Conversations: neutral commands and card actions in, domain service calls, neutral cards out.

Never imports a platform SDK; one handler serves every platform."""
