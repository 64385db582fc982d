"""Persistence: declarative base, column types, engine factory and Alembic migrations."""
