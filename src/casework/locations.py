"""Where the course's files are: one place, for a source checkout and an installed package alike.

In a checkout (``make start``, ``pip install -e .``) everything is read from the repository:
``cases/``, ``course/`` and the Voila template in ``share/jupyter/``. A plain ``pip install .``
ships the same folders with the package as data files (``pyproject.toml``,
``[tool.setuptools.data-files]``): the cases and the course under
``<prefix>/share/holding-in-mind/``, the template under ``<prefix>/share/jupyter/``, where
Jupyter looks for templates of installed packages without being told. Environment variables
override each folder for hosts and tests.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

#: The folder name of the course's shared data inside an installation prefix.
SHARE_NAME = "holding-in-mind"


@cache
def checkout() -> Path | None:
    """The source checkout this package runs from, or None for an installed package."""
    root = Path(__file__).resolve().parents[2]
    project = root / "pyproject.toml"
    if project.is_file() and (root / "cases").is_dir() and (root / "src" / "casework").is_dir():
        return root
    return None


@cache
def installed_share() -> Path:
    """``<prefix>/share`` of the installation that holds this package's data files.

    Found from the distribution's own file list (it covers ``--user`` and ``--prefix``
    installs alike); ``sys.prefix/share`` when the list cannot be read.
    """
    try:
        distribution = metadata.distribution("casework")
    except metadata.PackageNotFoundError:
        return Path(sys.prefix) / "share"
    for entry in distribution.files or []:
        if SHARE_NAME in entry.parts and "share" in entry.parts:
            located = Path(str(distribution.locate_file(entry))).resolve()
            for parent in located.parents:
                if parent.name == "share":
                    return parent
    return Path(sys.prefix) / "share"


def course_root() -> Path:
    """The folder holding ``cases/`` and ``course/``: the checkout, or the installed share."""
    return checkout() or installed_share() / SHARE_NAME


def cases_dir() -> Path:
    """The course's case files: ``$CASEWORK_CASES``, or ``cases/`` of the course."""
    configured = os.environ.get("CASEWORK_CASES")
    return Path(configured) if configured else course_root() / "cases"


def course_dir() -> Path:
    """The learner-facing notebooks Voila serves: ``$CASEWORK_COURSE``, or ``course/``."""
    configured = os.environ.get("CASEWORK_COURSE")
    return Path(configured) if configured else course_root() / "course"


def exercises_dir() -> Path:
    """The nbgrader course (``exercises/``: its configuration and assignment sources)."""
    return course_root() / "exercises"


def concept_checks_file() -> Path:
    """The course's short concept checks (``course/concept_checks.yaml``)."""
    return course_dir() / "concept_checks.yaml"


def jupyter_data_dir() -> Path:
    """The Jupyter data folder holding the course's Voila template (for JUPYTER_PATH)."""
    root = checkout()
    return root / "share" / "jupyter" if root else installed_share() / "jupyter"


def data_dir() -> Path:
    """Where the default journey store lives: ``$CASEWORK_DATA_DIR`` or the user's data folder."""
    configured = os.environ.get("CASEWORK_DATA_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / SHARE_NAME
