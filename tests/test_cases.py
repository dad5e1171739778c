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


def test_every_citation_matches_the_course_reference_list() -> None:
    from casework.references import ALL_SOURCES as REFERENCES

    for path in CASES:
        for source in _load(path).case.sources:
            assert source.key in REFERENCES, f"{path.name}: add '{source.key}' to references.py"
            assert " ".join(source.citation.split()) == REFERENCES[source.key], (
                f"{path.name}: the citation for '{source.key}' differs from references.py"
            )


# --- the Clarke reunification tells the story the study tells -------------------------------

STUDY = "clarke"
BREACHES = [
    "write_and_wait",
    "go_along_quietly",
    "keep_it_to_tasks",
    "formal_request_only",
    "concede_quietly",
    "wait_for_samantha",
    "hand_over_to_susan",
    "set_call_limits",
    "visit_when_you_can",
    "insist_on_seeing_louis",
    "stand_on_procedure",
    "wait_for_next_visit",
    "apply_to_court",
]


def test_the_clarke_study_path_tells_the_story_of_the_study() -> None:
    """Ferguson et al. (2022): hostile at first, trust from month four, fear still high at
    month seven and again at the unannounced visit in month ten, trust far higher by the end."""
    from casework.testing import play_study_path

    played = play_study_path(STUDY)
    trust = lambda month: played.trajectory.value_at("trust", month)  # noqa: E731
    fear = lambda month: played.trajectory.value_at("fear", month)  # noqa: E731
    start = played.trajectory.start.values
    assert start["trust"] <= 20, "Samantha is hostile at first"
    assert trust(5) >= start["trust"] + 20 and trust(5) > trust(3) + 10, "trust rises by month 5"
    assert fear(7) >= 55, "her fear of the worker's power is still high around month 7"
    assert fear(10) > fear(9) + 5, "the unannounced visit frightens her again"
    assert trust(12) >= start["trust"] + 40, "trust ends the year far above where it began"
    assert played.ending == "held_and_stepped_down"


def test_a_path_of_breaches_ends_below_the_study_path_from_month_six() -> None:
    from casework.testing import play, play_study_path

    study = play_study_path(STUDY).trajectory
    breaches = play(STUDY, BREACHES)
    assert breaches.ending == "back_before_court"
    for month in range(6, 13):
        assert breaches.trajectory.value_at("trust", month) < study.value_at("trust", month)


def test_the_clarke_case_has_the_shape_the_course_needs() -> None:
    scenario = _load(ROOT / "cases" / "clarke.yaml")
    assert scenario.case.time_unit.value == "months" and scenario.time_span() == (0, 12)
    assert scenario.decision_points() >= 12 and len({e.kind for e in scenario.case.endings}) >= 3
    assert {"trust", "fear", "louis"} <= set(scenario.dimensions)
    assert any(d.kind.value == "capacity" for d in scenario.case.dimensions)


def test_the_keisha_case_has_the_shape_the_course_needs() -> None:
    scenario = _load(ROOT / "cases" / "keisha.yaml")
    assert scenario.case.time_unit.value == "weeks"
    assert scenario.decision_points() >= 8 and len(scenario.endings) >= 3
    kinds = {d.kind.value for d in scenario.case.dimensions}
    assert {"relational", "evidence", "capacity"} <= kinds
