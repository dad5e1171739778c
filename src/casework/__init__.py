"""Holding in Mind: the engine behind the course's branching case scenarios."""

__version__ = "0.1.0"
