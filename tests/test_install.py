"""A plain ``pip install .`` (not editable) serves the course: the package ships its data.

The project as committed (tracked and new files, nothing ignored) is copied out of the
repository, installed with its dependencies into a new virtual environment (pip's cache makes
this about half a minute), and ``casework serve`` is started from a folder that is not the
repository. The case page it serves must come from the installed copy and draw the player.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from casework.testing.servers import Server, ServerFailed, free_port, get, running
from conftest import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Page

ERROR_BANNER = "There was an error when executing cell"


@dataclass
class Installed:
    python: Path
    server: Server


def _project_copy(target: Path) -> Path:
    files = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    folder = tmp_path_factory.mktemp("install")
    project = _project_copy(folder / "project")
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(project)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    shutil.rmtree(project)  # the installed copy must not need the sources
    elsewhere = folder / "elsewhere"
    elsewhere.mkdir()
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CASEWORK_", "JUPYTER_PATH", "VIRTUAL_ENV", "PYTHONPATH"))
    }
    env |= {"JUPYTER_PLATFORM_DIRS": "1", "CASEWORK_DATA_DIR": str(folder / "data")}
    try:
        with running(
            [str(venv / "bin" / "casework"), "serve", "--port", str(port)],
            f"http://127.0.0.1:{port}",
            log=folder / "voila.log",
            env=env,
            cwd=elsewhere,
        ) as server:
            yield Installed(python, server)
    except ServerFailed as failure:
        pytest.fail(str(failure))


def test_the_installed_package_finds_its_course_outside_the_repository(
    installed: Installed,
) -> None:
    where = subprocess.run(
        [
            str(installed.python),
            "-c",
            "from casework import locations as l; "
            "print(l.checkout(), l.course_dir(), l.cases_dir(), l.jupyter_data_dir(), sep='\\n')",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    prefix = str(installed.python.parents[1])
    assert where[0] == "None"
    assert all(path.startswith(prefix) for path in where[1:]), where
    assert (Path(where[3]) / "voila" / "templates" / "holding-in-mind").is_dir()


def test_the_installed_command_serves_a_case_page(installed: Installed) -> None:
    status, html = get(f"{installed.server.url}/voila/render/cases/clarke.ipynb", timeout=120)
    assert status == 200
    assert ERROR_BANNER not in html and "Traceback" not in html, installed.server.log_tail()
    assert "application/vnd.jupyter.widget-view+json" in html
    # The course's own template (found without JUPYTER_PATH): no stylesheets from a CDN.
    assert "cdn.jsdelivr.net" not in html and "fontawesome" not in html


def test_the_installed_case_page_draws_the_player_in_a_browser(
    installed: Installed, page: Page
) -> None:
    page.goto(f"{installed.server.url}/voila/render/cases/clarke.ipynb", wait_until="commit")
    page.get_by_role("button", name="Begin the case").wait_for(timeout=120_000)
    assert page.locator(".hm-player").is_visible()
