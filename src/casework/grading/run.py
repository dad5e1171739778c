"""Running nbgrader's own commands from this environment (the educator's tools and the tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


class NbgraderFailed(RuntimeError):
    """An nbgrader command exited with an error; the message holds its whole log."""


def nbgrader_environment(scratch: Path) -> dict[str, str]:
    """The environment nbgrader commands run in: this environment first on PATH (nbgrader
    runs ``alembic`` by name when it opens a gradebook, as it finds it once the environment
    is activated), and Jupyter's runtime and IPython files under ``scratch``."""
    bin_dir = Path(sys.executable).parent
    return dict(
        os.environ,
        PATH=os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]),
        JUPYTER_PLATFORM_DIRS="1",
        JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
        IPYTHONDIR=str(scratch / "ipython"),
        PYTHONWARNINGS="ignore",
    )


def run_nbgrader(
    scratch: Path,
    cwd: Path,
    *args: str,
    timeout: float = 600,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run one real ``nbgrader`` command from this environment; return its log. ``env`` adds
    to or replaces variables (a learner's own ``HOME``, say)."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), *args],
        cwd=cwd,
        env={**nbgrader_environment(scratch), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    log = done.stdout + done.stderr
    if done.returncode != 0:
        raise NbgraderFailed(f"nbgrader {' '.join(args)} failed ({done.returncode}):\n{log}")
    return log
