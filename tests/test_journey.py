"""Journeys: the learner's path and reflections, saved atomically, loaded with care."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from casework.catalog import load_case
from casework.journey import MAX_REFLECTION_CHARS, Journey, JourneyError
from casework.trust_model import trajectory


@pytest.fixture
def demo():
    return load_case("demo")


def test_a_journey_round_trips_through_its_file(demo, tmp_path: Path) -> None:
    journey = Journey.new(demo)
    journey.choose(demo, "explain_and_listen")
    journey.reflect("first_feelings", "I felt nervous <b>and</b> unsure — “quoted”\nsecond line")
    journey.choose(demo, "show_her")
    path = tmp_path / "demo.journey.json"
    journey.save(path)
    loaded = Journey.load(path)
    assert loaded == journey
    assert loaded.to_dict()["case"] == {"id": "demo", "version": "1.0"}
    assert loaded.to_dict()["format"] == 2


def test_the_trajectory_is_derived_not_stored(demo, tmp_path: Path) -> None:
    journey = Journey.new(demo)
    for choice in ["explain_and_listen", "show_her", "keep_the_visit"]:
        journey.choose(demo, choice)
    path = tmp_path / "j.json"
    journey.save(path)
    stored = json.loads(path.read_text())
    assert "values" not in json.dumps(stored) and "trajectory" not in stored
    again = trajectory(demo, Journey.load(path).path())
    assert again == trajectory(demo, journey.path())
    assert again.ending == "held"


def test_saving_is_atomic_and_leaves_no_temporary_files(demo, tmp_path: Path) -> None:
    journey = Journey.new(demo)
    path = tmp_path / "j.json"
    journey.save(path)
    journey.choose(demo, "stick_to_the_form")
    journey.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["j.json"]
    assert Journey.load(path).steps[0].choice == "stick_to_the_form"


def test_a_failed_save_keeps_the_previous_file(demo, tmp_path: Path, monkeypatch) -> None:
    journey = Journey.new(demo)
    path = tmp_path / "j.json"
    journey.save(path)
    before = path.read_bytes()
    journey.choose(demo, "explain_and_listen")

    def fail(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        journey.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["j.json"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"kind": "casework-journey", "format": 1, "steps": [', "is damaged (line 1"),
        (b"\xff\xfe\x00garbage", "is damaged (not UTF-8 text)"),
        (b'{"notebook": true}', "is not a Holding in Mind journey file"),
        (b"[1, 2, 3]", "is not a Holding in Mind journey file"),
        (b'{"kind": "casework-journey", "format": 99}', "journey format 99"),
        (b'{"kind": "casework-journey", "format": 1, "case": {}}', "is damaged: a part of it"),
        (
            b'{"kind": "casework-journey", "format": 1, "case": {"id": "demo", "version": "1"},'
            b' "steps": [], "reflections": {"a": 5}}',
            "is damaged: a part of it",
        ),
    ],
)
def test_damaged_or_foreign_files_give_a_clear_error_and_are_left_alone(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "j.json"
    path.write_bytes(content)
    with pytest.raises(JourneyError, match=re.escape(expected)):
        Journey.load(path)
    assert path.read_bytes() == content


def test_choosing_something_not_in_the_scene_names_the_valid_choices(demo) -> None:
    journey = Journey.new(demo)
    with pytest.raises(JourneyError, match="the choices there are: explain_and_listen, stick"):
        journey.choose(demo, "run_away")
    assert journey.steps == []


def test_no_choice_after_an_ending(demo) -> None:
    journey = Journey.new(demo)
    for choice in ["explain_and_listen", "show_her", "postpone"]:
        journey.choose(demo, choice)
    assert journey.finished(demo) and journey.position(demo) == "withdrawn"
    with pytest.raises(JourneyError, match="reached the ending 'withdrawn'"):
        journey.choose(demo, "show_her")


def test_back_and_restart_keep_reflections(demo) -> None:
    journey = Journey.new(demo)
    journey.choose(demo, "explain_and_listen")
    journey.reflect("first_feelings", "kept")
    journey.choose(demo, "show_her")
    assert journey.back() is not None
    assert journey.position(demo) == "notes"
    journey.restart()
    assert journey.position(demo) == "first_visit" and journey.back() is None
    assert journey.reflections == {"first_feelings": "kept"}


def test_an_over_long_reflection_is_refused_and_nothing_is_lost(demo) -> None:
    journey = Journey.new(demo)
    journey.reflect("first_feelings", "what I wrote before")
    with pytest.raises(JourneyError, match="shorten it"):
        journey.reflect("first_feelings", "x" * (MAX_REFLECTION_CHARS + 1))
    assert journey.reflections["first_feelings"] == "what I wrote before"


def test_a_journey_for_another_case_or_an_edited_case_is_detected(demo) -> None:
    journey = Journey.new(demo)
    journey.choose(demo, "explain_and_listen")
    journey.check_against(demo)
    other = Journey(case_id="clarke", case_version="1.0")
    with pytest.raises(JourneyError, match="is for the case 'clarke', not 'demo'"):
        other.check_against(demo)
    journey.steps[0] = type(journey.steps[0])("first_visit", "vanished", "2026-01-01")
    with pytest.raises(JourneyError, match=r"has no choice 'vanished'.*the case has changed"):
        journey.check_against(demo)
