"""The course's cases: valid, playable to an ending on any path, real dilemmas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casework.catalog import case_files
from casework.scenario import Choice, Scenario
from casework.testing import invoke
from casework.validate import check_file

ROOT = Path(__file__).parents[1]
CASES = case_files([ROOT / "cases"])


def _load(path: Path) -> Scenario:
    scenario, problems = check_file(path)
    assert scenario is not None, "\n".join(map(str, problems))
    return scenario


def test_every_case_in_the_folder_validates() -> None:
    result = invoke(["validate", str(ROOT / "cases")])
    assert result.exit_code == 0, result.stdout


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_200_random_paths_each_reach_an_ending(path: Path) -> None:
    scenario = _load(path)
    endings = set()
    for seed in range(200):
        result = invoke(["play", str(path), "--random", str(seed), "--json"])
        assert result.exit_code == 0, result.stderr
        ending = json.loads(result.stdout)["ending"]
        assert ending in scenario.endings, f"seed {seed} stopped before an ending"
        endings.add(ending)
    assert len(endings) >= 2, "random play should meet more than one ending"


def _good(choice: Choice, scenario: Scenario, dimension: str) -> float:
    push = choice.effects.get(dimension, 0.0)
    return push if scenario.dimensions[dimension].better == "higher" else -push


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_no_choice_is_simply_best_on_every_dimension(path: Path) -> None:
    """Real dilemmas: no choice dominates the others, and none is good on every dimension."""
    scenario = _load(path)
    dims = list(scenario.dimensions)
    for scene in scenario.case.scenes:
        if len(scene.choices) < 2:
            continue
        for choice in scene.choices:
            scores = [_good(choice, scenario, d) for d in dims]
            assert not all(s > 0 for s in scores), (
                f"{scenario.id}: '{choice.id}' in '{scene.id}' is good on every dimension"
            )
            others = [c for c in scene.choices if c is not choice]
            dominates = all(
                all(s >= _good(o, scenario, d) for s, d in zip(scores, dims, strict=True))
                and any(s > _good(o, scenario, d) for s, d in zip(scores, dims, strict=True))
                for o in others
            )
            assert not dominates, f"{scenario.id}: '{choice.id}' in '{scene.id}' beats every other"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_case_is_complete_for_learners(path: Path) -> None:
    scenario = _load(path)
    case = scenario.case
    assert case.content_note and case.anonymisation and case.sources
    assert case.study_path, "every course case says what the worker in the research did"
    assert len(scenario.endings) >= 2
    for scene in case.scenes:
        for choice in scene.choices:
            assert choice.concepts and choice.evidence
            assert all(e.source in scenario.sources for e in choice.evidence)
