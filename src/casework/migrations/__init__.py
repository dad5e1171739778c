"""Alembic migrations for the journey store (``casework.store``)."""
