"""A first answer in the learner's own words, before the options appear (DESIGN.md, "Think
before the options"): asked where a case asks it, saved as typed, shown beside the choice and in
the debrief and the download, kept as text, private, and never saved inside an assignment."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
from pathlib import Path

import ipywidgets as widgets
import pytest

from casework.catalog import load_case
from casework.player import FileKeeper, Player
from casework.scenario import Scenario

HOSTILE = '<img src=x onerror="alert(1)"> I would <b>ring</b> her & say "sorry"'


def _all(widget: widgets.Widget, kind: type) -> list:
    found = [widget] if isinstance(widget, kind) else []
    for child in getattr(widget, "children", ()):
        found += _all(child, kind)
    return found


class Learner:
    def __init__(self, player: Player) -> None:
        self.player = player

    def buttons(self) -> list[str]:
        return [b.description for b in _all(self.player.story, widgets.Button)]

    def press(self, text: str) -> None:
        (button,) = [
            b for b in _all(self.player.widget, widgets.Button) if b.description.startswith(text)
        ]
        with contextlib.redirect_stdout(io.StringIO()):
            button.click()

    def boxes(self) -> list[widgets.Textarea]:
        return _all(self.player.story, widgets.Textarea)

    def html(self) -> str:
        return " ".join(h.value for h in _all(self.player.story, widgets.HTML))


@pytest.fixture
def demo() -> Scenario:
    return load_case("demo")


def _to_busy_week(player: Player) -> Learner:
    learner = Learner(player)
    learner.press("Begin the case")
    learner.press("Explain why you are here")
    learner.press("Continue")
    learner.press("Offer to go through")
    learner.press("Continue")
    return learner


def test_the_question_comes_before_the_options_and_the_answer_is_saved_as_typed(
    demo: Scenario, tmp_path: Path
) -> None:
    path = tmp_path / "demo.journey.json"
    with contextlib.redirect_stdout(io.StringIO()):
        learner = _to_busy_week(Player(demo, FileKeeper(path)))
    assert "Before you see the options" in learner.html()
    assert "What would you do about Thursday" in learner.html()
    assert learner.buttons() == ["Show me the options"], "no option is shown before the answer"
    (box,) = learner.boxes()
    box.value = "Keep the visit and talk to my manager about the new cases."
    saved = json.loads(path.read_text())
    assert saved["reflections"]["thursday_first"].startswith("Keep the visit")
    learner.press("Show me the options")
    assert "Before the options, you wrote" in learner.html()
    assert len([b for b in learner.buttons() if b != "Show me the options"]) == 3


def test_the_answer_stands_beside_the_choice_the_debrief_and_the_download(
    demo: Scenario, tmp_path: Path
) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        learner = _to_busy_week(Player(demo, FileKeeper(tmp_path / "j.json")))
    learner.boxes()[0].value = HOSTILE
    learner.press("Show me the options")
    learner.press("Keep the visit")
    consequence = learner.html()
    assert "Before the options, you wrote" in consequence
    assert "&lt;img src=x onerror=" in consequence and "<img src=x" not in consequence
    learner.press("See how the case ends")
    debrief = learner.html()
    assert "Your first thoughts beside your choices" in debrief
    assert "Only you can see what you wrote." in debrief
    assert "&lt;b&gt;ring&lt;/b&gt;" in debrief and "<b>ring</b>" not in debrief
    study = demo.choice("busy_week", "keep_the_visit").label
    assert debrief.count(study) >= 2, "their choice and the study's, beside their words"
    link = re.search(r'href="data:text/markdown;base64,([^"]+)"', debrief)
    assert link is not None
    notes = base64.b64decode(link.group(1)).decode()
    assert "Before the options (Week 3): What would you do about Thursday" in notes
    assert "&lt;img src=x" in notes and "<img" not in notes


def test_a_learner_may_skip_the_question(demo: Scenario, tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    with contextlib.redirect_stdout(io.StringIO()):
        learner = _to_busy_week(Player(demo, FileKeeper(path)))
    learner.press("Show me the options")
    learner.press("Postpone the visit")
    assert "Before the options, you wrote" not in learner.html()
    assert "thursday_first" not in json.loads(path.read_text())["reflections"]


def test_coming_back_after_answering_goes_straight_to_the_options(
    demo: Scenario, tmp_path: Path
) -> None:
    path = tmp_path / "j.json"
    with contextlib.redirect_stdout(io.StringIO()):
        learner = _to_busy_week(Player(demo, FileKeeper(path)))
    learner.boxes()[0].value = "Ring her first."
    with contextlib.redirect_stdout(io.StringIO()):
        back = Learner(Player(demo, FileKeeper(path)))
    assert "Show me the options" not in back.buttons()
    assert "Ring her first." in back.html()


def test_inside_an_assignment_the_question_is_a_pause_and_nothing_is_saved(
    demo: Scenario, tmp_path: Path
) -> None:
    """The journey file is handed in with an assignment; a first answer is the learner's own."""
    path = tmp_path / "j.json"
    with contextlib.redirect_stdout(io.StringIO()):
        learner = _to_busy_week(Player(demo, FileKeeper(path), write_reflections=False))
    assert "Before you see the options" in learner.html()
    assert learner.boxes() == [] and learner.buttons() == ["Show me the options"]
    learner.press("Show me the options")
    learner.press("Keep the visit")
    assert "thursday_first" not in json.loads(path.read_text())["reflections"]
