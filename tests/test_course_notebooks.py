"""Every course notebook runs headless, and every page is served by a real Voila server."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import Server, get

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "course").glob("*.ipynb"))
ERROR_BANNER = "There was an error when executing cell"


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    """A copy of the course folder to run notebooks in, so no journey lands in the repository."""
    work = tmp_path / "course"
    shutil.copytree(ROOT / "course", work)
    return work


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_the_notebook_runs_without_error_or_warning(path: Path, course_copy: Path) -> None:
    """Run in a copy of the folder, so no journey file lands in the repository."""
    work = course_copy
    notebook = nbformat.read(work / path.name, as_version=4)
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    ).execute()
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", output
            assert output.get("name") != "stderr", f"{path.name} wrote to stderr: {output}"
    assert not list(work.glob("*.journey.json")), "running a notebook must not create a journey"


def test_the_first_cell_says_what_it_covers_and_how_long() -> None:
    for path in NOTEBOOKS:
        if path.name == "index.ipynb":
            continue
        first = nbformat.read(path, as_version=4).cells[0]
        assert first.cell_type == "markdown" and first.source.startswith("# "), path.name
        assert "minute" in first.source.lower(), f"{path.name}: say how long it takes"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_voila_serves_the_page_with_widgets_and_no_traceback(
    path: Path, course_server: Server
) -> None:
    status, html = get(f"{course_server.url}/voila/render/{path.name}", timeout=120)
    assert status == 200
    assert ERROR_BANNER not in html and "Traceback" not in html
    code = "".join(
        c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"
    )
    if any(call in code for call in ("play_case", "concept_check", "model_sandbox")):
        assert "application/vnd.jupyter.widget-view+json" in html
    assert "from casework" not in html, "sources must be stripped from learner pages"


def test_every_course_case_has_its_own_app_page() -> None:
    from casework.catalog import list_cases

    for listing in list_cases():
        if listing.scenario is None or listing.scenario.id == "demo":
            continue
        page = ROOT / "course" / "cases" / f"{listing.scenario.id}.ipynb"
        assert page.exists(), f"add course/cases/{listing.scenario.id}.ipynb"
        code = "".join(c.source for c in nbformat.read(page, as_version=4).cells)
        assert f'play_case("{listing.scenario.id}")' in code
