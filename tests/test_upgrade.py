"""Older case files are upgraded step by step on load; one test per step."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.paths import study_path_steps
from casework.scenario import SCHEMA_VERSION
from casework.upgrade import UPGRADES, UpgradeError, upgrade, upgrade_1_to_2
from casework.validate import check_file
from casework.yaml_lines import read_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "upgrade"


def _data(name: str):
    path = FIXTURES / name
    return read_yaml(str(path), path.read_bytes())


def test_every_version_below_the_current_has_a_step() -> None:
    assert sorted(UPGRADES) == list(range(1, SCHEMA_VERSION))


def test_step_1_to_2_moves_endings_renames_impact_and_splits_evidence() -> None:
    data = upgrade_1_to_2(_data("version1.yaml"))
    assert data["schema_version"] == 2
    assert [s["id"] for s in data["scenes"]] == ["visit"]
    ending = data["endings"][0]
    assert ending["id"] == "done" and "ending" not in ending
    assert ending["kind"] == "The end"
    choice = data["scenes"][0]["choices"][0]
    assert "impact" not in choice and choice["effects"] == {"trust": 10}
    assert choice["evidence"] == [{"source": "ferguson", "locator": "Month 4"}]


def test_an_upgraded_file_loads_and_plays() -> None:
    scenario, problems = check_file(FIXTURES / "version1.yaml")
    # An upgraded file has no study/course marks yet: the validator asks for them, as warnings.
    assert problems and all(p.warning for p in problems)
    assert scenario is not None
    assert scenario.is_ending("done")
    assert study_path_steps(scenario) == [("visit", "listen")]


def test_errors_after_an_upgrade_still_name_the_authors_line() -> None:
    _, problems = check_file(FIXTURES / "version1_broken.yaml")
    assert [(p.line, p.message) for p in problems] == [
        (
            33,
            "choice 'listen' in scene 'visit' goes to 'dnoe', which does not exist: "
            "did you mean 'done'?",
        )
    ]


def test_the_current_version_passes_through_unchanged() -> None:
    data = _data("version1.yaml")
    data["schema_version"] = SCHEMA_VERSION
    upgraded, passed = upgrade(data)
    assert passed == [] and upgraded is data


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        (99, "newer than this version of casework understands"),
        (0, "never existed"),
        ("2", "must be a whole number"),
        (True, "must be a whole number"),
    ],
)
def test_impossible_versions_are_refused_with_a_reason(version: object, expected: str) -> None:
    data = _data("version1.yaml")
    data["schema_version"] = version
    with pytest.raises(UpgradeError, match=expected):
        upgrade(data)
