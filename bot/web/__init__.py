"""The one ASGI application: health, and every feature's routes."""
