"""The repository keeps its promises: two commands, one source of dependencies, thin notebooks."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[1]


def _requirement_map(requirements: list[str]) -> dict[str, str]:
    parsed = {}
    for requirement in requirements:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", requirement)
        assert match, requirement
        parsed[match.group(1).lower().replace("_", "-")] = match.group(2).replace(" ", "")
    return parsed


def test_environment_yml_agrees_with_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert extras["dev"] == ["casework[tests,browser,hub,benchmarks]"]
    everything = [r for name, rs in extras.items() if name != "dev" for r in rs]
    wanted = _requirement_map(project["dependencies"] + everything)
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    pins = _requirement_map([d for d in conda if not d.startswith(("python", "pip"))])
    assert pins == wanted
    python = next(d for d in conda if d.startswith("python"))
    assert python == "python=3.11" and project["requires-python"].startswith(">=3.11")
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert pip_section == ["-e ."]


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make start" in readme and "make test" in readme
    assert "http://127.0.0.1:8866/" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.MULTILINE)
    assert "apt-get install -y -qq chromium" in ci and 'CI:-}" = "true"' in ci
    assert "playwright install" not in ci


def test_make_targets_bootstrap_their_own_environment() -> None:
    makefile = (ROOT / "Makefile").read_text()
    for target in ("start", "test", "lab", "bench"):
        assert re.search(rf"^{target}: \$\(STAMP\)( lint)?$", makefile, re.MULTILINE), target
    assert "-m venv $(VENV)" in makefile and "pip install --quiet -e '.[dev]'" in makefile


def test_notebooks_are_committed_without_outputs_and_stay_thin() -> None:
    notebooks = sorted(ROOT.glob("course/**/*.ipynb")) + sorted(ROOT.glob("exercises/**/*.ipynb"))
    assert notebooks, "the course has notebooks"
    for path in notebooks:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if cell["cell_type"] != "code":
                continue
            assert cell.get("outputs", []) == [], f"{path}: outputs committed"
            assert cell.get("execution_count") is None, f"{path}: execution count committed"
            source = "".join(cell["source"])
            logic = [ln for ln in source.splitlines() if ln.strip() and not ln.startswith("#")]
            assert len(logic) <= 8, f"{path}: a cell of {len(logic)} lines belongs in casework"


def test_a_term_s_personal_data_in_exercises_is_never_committed() -> None:
    """Everything a term puts in exercises/ (students.csv, grades, feedback, moderation marks,
    reports, learners' work) is ignored; the configuration and the sources are not. (The whole
    term's own files are checked in tests/test_nbgrader_pipeline.py.)"""
    import shutil
    import subprocess

    import pytest

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and the repository's checkout")
    personal = [
        "exercises/students.csv",
        "exercises/grades.csv",
        "exercises/clarke-moodle.csv",
        "exercises/clarke-canvas.csv",
        "exercises/cohort-report.html",
        "exercises/gradebook.db",
        "exercises/feedback/ab1234/clarke-reflection/clarke-reflection.html",
        "exercises/submitted/ab1234/clarke-reflection/clarke.journey.json",
        "exercises/moderation/clarke-reflection.json",
        "exercises/moderation/clarke-reflection-second-marking.csv",
        "exercises/release/clarke-reflection/clarke-reflection.ipynb",
        "exercises/notes from the exam board.docx",
        "exercises/source/clarke-reflection/clarke.journey.json",
    ]
    kept = [
        "exercises/nbgrader_config.py",
        "exercises/source/clarke-reflection/clarke-reflection.ipynb",
        "exercises/source/keisha-reflection/keisha-reflection.ipynb",
    ]
    done = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        input="\n".join(personal + kept),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert sorted(done.stdout.splitlines()) == sorted(personal)
