"""Holding in Mind: the engine behind the course's branching case scenarios."""

from importlib.metadata import PackageNotFoundError, version

try:
    #: The installed version; pyproject.toml is the one place it is written.
    __version__ = version("casework")
except PackageNotFoundError:  # pragma: no cover - only when run from an uninstalled tree
    __version__ = "0+unknown"
