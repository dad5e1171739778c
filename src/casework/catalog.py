"""Finding cases: by path, or by id in the course's ``cases/`` folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from casework.locations import cases_dir
from casework.scenario import Scenario
from casework.validate import CaseFileError, check_file, load_scenario
from casework.yaml_lines import Problem

CASE_SUFFIXES = (".yaml", ".yml")


def case_files(paths: list[Path]) -> list[Path]:
    """Case files named directly, or found (recursively, sorted) inside folders."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.suffix in CASE_SUFFIXES and p.is_file())
            )
        else:
            found.append(path)
    return found


def find_case(reference: str | Path) -> Path:
    """The file for a case id or path; ``FileNotFoundError`` saying which ids exist."""
    path = Path(reference)
    if path.is_file():
        return path
    folder = cases_dir()
    for suffix in CASE_SUFFIXES:
        candidate = folder / f"{reference}{suffix}"
        if candidate.is_file():
            return candidate
    known = ", ".join(sorted(p.stem for p in case_files([folder]))) if folder.is_dir() else ""
    raise FileNotFoundError(
        f"no case '{reference}': give a path to a case file, or one of the case ids in "
        f"{folder}: {known or 'none found'}"
    )


def load_case(reference: str | Path) -> Scenario:
    """A validated scenario by id or path (``CaseFileError`` or ``FileNotFoundError``)."""
    return load_scenario(find_case(reference))


@dataclass(frozen=True)
class Listing:
    path: Path
    scenario: Scenario | None
    problems: tuple[Problem, ...]


def list_cases(folder: Path | None = None) -> list[Listing]:
    """Every case file in the folder, valid or not, in file-name order."""
    listings = []
    for path in case_files([folder or cases_dir()]):
        scenario, problems = check_file(path)
        listings.append(Listing(path, scenario, tuple(problems)))
    return listings


__all__ = [
    "CaseFileError",
    "Listing",
    "case_files",
    "cases_dir",
    "find_case",
    "list_cases",
    "load_case",
]
