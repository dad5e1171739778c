"""A seminar room on a real Voila server (``casework serve``), in Debian's Chromium.

The tutor opens a room from the tutor's page, 30 simulated learners join it (through the
same code the player's room panel uses: ``casework.testing.rooms``) and choose, and the
projected view's counts are compared with what they chose: withheld while fewer than five
have answered, exact once five have, in the case's order. A learner in the browser joins by
the room's link, is held at a decision the tutor pauses and goes on when the tutor lets the
room go; another types a wrong code and plays on alone. Closing the room stops the counting,
deletes the room's rows and loses no learner's journey.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from casework.catalog import load_case
from casework.rooms.html import decision_title
from casework.rooms.store import RoomStore
from casework.rooms.tally import MIN_COUNT
from casework.store import JourneyStore, normalise_token
from casework.testing.rooms import SimulatedLearner
from casework.testing.servers import Server
from casework.trust_model import study_path_steps

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CASE = "project_x"
SCENARIO = load_case(CASE)
STUDY = study_path_steps(SCENARIO)
#: Seconds a page may take to follow the room (it reads the room every two seconds).
FOLLOWS = 30_000


@dataclass
class Room:
    server: Server
    context: BrowserContext
    tutor: Page
    code: str
    key: str
    journeys: JourneyStore
    learners: list[SimulatedLearner] = field(default_factory=list)
    #: The learner in the browser who was held and let go (for the last test).
    learner: Page | None = None

    @property
    def rooms(self) -> RoomStore:
        return RoomStore(self.journeys)


def _wait_for_view(tutor: Page, script: str, arg: object = None) -> None:
    tutor.wait_for_function(script, arg=arg, timeout=FOLLOWS)


def _answered(tutor: Page, scene: str, count: int) -> None:
    _wait_for_view(
        tutor,
        '([scene, n]) => { const d = document.querySelector(`[data-hm-decision="${scene}"]`);'
        " return !!d && d.getAttribute('data-hm-answered') === String(n); }",
        [scene, count],
    )


def _counts_on_view(tutor: Page, scene: str) -> dict[str, int]:
    found: dict[str, int] = tutor.evaluate(
        "(scene) => Object.fromEntries(Array.from(document.querySelectorAll("
        '`[data-hm-decision="${scene}"] [data-hm-option]`)).map(li => '
        "[li.getAttribute('data-hm-option'), Number(li.getAttribute('data-hm-count'))]))",
        scene,
    )
    return found


@pytest.fixture(scope="module")
def room(browser: Browser, course_server: Server) -> Iterator[Room]:
    """The tutor opens a room for the case from the tutor's page, with its button."""
    assert course_server.data is not None
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tutor = context.new_page()
    tutor.set_default_timeout(90_000)
    tutor.goto(f"{course_server.url}/voila/render/tutor.ipynb", wait_until="commit")
    tutor.get_by_label("Case").select_option(label=SCENARIO.title)
    tutor.get_by_role("button", name="Open a room").click()
    code = tutor.locator("[data-hm-room-code]").get_attribute("data-hm-room-code")
    assert code
    tutor.wait_for_url("**/tutor.ipynb?room=*&key=*")  # a reload comes back to the view
    key = tutor.url.split("key=")[1]
    journeys = JourneyStore(f"sqlite:///{course_server.data / 'journeys.sqlite'}")
    try:
        yield Room(course_server, context, tutor, code, key, journeys)
    finally:
        context.close()
        journeys.close()


def test_thirty_learners_are_counted_on_the_tutors_view_and_fewer_than_five_withheld(
    room: Room,
) -> None:
    tutor = room.tutor
    (s1, _), (s2, _) = STUDY[:2]
    first = SCENARIO.scenes[s1]
    # Three answer the first decision: the view says how many, and withholds what they chose.
    for seed in range(3):
        learner = SimulatedLearner(room.journeys, SCENARIO, seed)
        learner.join(room.code)
        learner.choose(first.choices[seed % len(first.choices)].id)
        room.learners.append(learner)
    _answered(tutor, s1, 3)
    assert _counts_on_view(tutor, s1) == {}
    assert f"at least {MIN_COUNT} learners have answered here (3 so far)" in tutor.inner_text(
        f'[data-hm-decision="{s1}"]'
    )
    # Twenty-seven more: some go on to the second decision, six play the study path through.
    for seed in range(3, 30):
        learner = SimulatedLearner(room.journeys, SCENARIO, seed)
        learner.join(room.code)
        if seed < 9:
            for _scene, choice in STUDY:
                learner.choose(choice)
        else:
            learner.choose(first.choices[seed % len(first.choices)].id)
            if seed < 14:
                learner.choose()
        room.learners.append(learner)
    chose = Counter(
        (scene, choice) for learner in room.learners for scene, choice in learner.journey.path()
    )
    _answered(tutor, s1, 30)
    _wait_for_view(tutor, "() => document.querySelector('[data-hm-joined-count=\"30\"]')")
    assert _counts_on_view(tutor, s1) == {c.id: chose[(s1, c.id)] for c in first.choices}
    # In the case's own order, not the order any learner saw, each bar labelled with its option.
    shown = tutor.locator(f'[data-hm-decision="{s1}"] [data-hm-option]')
    assert [shown.nth(i).get_attribute("data-hm-option") for i in range(shown.count())] == [
        c.id for c in first.choices
    ]
    assert first.choices[0].label in tutor.inner_text(f'[data-hm-decision="{s1}"]')
    second = sum(n for (scene, _), n in chose.items() if scene == s2)
    assert second == 11
    _answered(tutor, s2, second)
    assert _counts_on_view(tutor, s2) == {
        c.id: chose[(s2, c.id)] for c in SCENARIO.scenes[s2].choices
    }
    ending = room.learners[3].position()
    assert SCENARIO.is_ending(ending)
    assert tutor.inner_text(f'[data-hm-ending="{ending}"]').endswith(": 6")
    # A decision only the six study-path learners reached is counted (six is enough).
    (late_scene, late_choice) = STUDY[-1]
    assert _counts_on_view(tutor, late_scene)[late_choice] == 6
    # The tutor reloads the view: nothing is lost.
    tutor.reload(wait_until="commit")
    _answered(tutor, s1, 30)
    assert _counts_on_view(tutor, s1) == {c.id: chose[(s1, c.id)] for c in first.choices}


def _press(page: Page, name: str) -> None:
    """Press a button as a keyboard user does (focus, Enter): a learner's page that is still
    laying itself out (its first chart comes a moment after its buttons, focus moves to what
    comes next) cannot move it away from a pointer."""
    button = page.get_by_role("button", name=name).filter(visible=True).first
    button.wait_for(state="visible")
    button.focus()
    page.keyboard.press("Enter")


def _past_note(page: Page) -> None:
    """On to the scene's options (or the notice that the room is paused there), past its
    content note and its first-answer question where it has them."""
    choices = page.locator(".hm-choice").filter(visible=True).first
    note = page.get_by_role("button", name="Continue to the scene").filter(visible=True)
    first = page.get_by_role("button", name="Show me the options").filter(visible=True)
    paused = page.get_by_text("Your tutor has paused the room here")
    for _ in range(6):
        choices.or_(note).or_(first).or_(paused).first.wait_for(state="visible")
        if note.count():
            _press(page, "Continue to the scene")
        elif first.count():
            _press(page, "Show me the options")
        else:
            return
        page.wait_for_timeout(200)


def test_a_hold_stops_learners_at_the_decision_and_a_release_lets_them_go_on(
    room: Room, browser: Browser
) -> None:
    tutor, server = room.tutor, room.server
    (s1, c1), (s2, c2) = STUDY[:2]
    learner = room.context.new_page()
    learner.set_default_timeout(90_000)
    learner.goto(
        f"{server.url}/voila/render/cases/{CASE}.ipynb?room={room.code}", wait_until="commit"
    )
    learner.get_by_text("You are in your tutor").wait_for()
    _press(learner, "Begin the case")
    _past_note(learner)
    _press(learner, SCENARIO.choice(s1, c1).label)
    learner.get_by_text("You chose:").wait_for()
    # The tutor pauses the room at the second decision, from the projected view.
    tutor.get_by_label("Decision").select_option(label=decision_title(SCENARIO, s2))
    tutor.get_by_role("button", name="Pause the room at this decision").click()
    tutor.get_by_text("The room is paused at").first.wait_for()
    _press(learner, "Continue to")
    _past_note(learner)
    learner.get_by_text("Your tutor has paused the room here").wait_for(timeout=FOLLOWS)
    assert learner.locator(".hm-choice").count() == 0
    # The tutor shows what the worker in the study did there, then lets the room go on.
    tutor.get_by_role("button", name="Show what the worker in the study did here").click()
    tutor.get_by_text("In the study, the worker chose").first.wait_for()
    tutor.get_by_role("button", name="Let the room go on").click()
    learner.locator(".hm-choice").first.wait_for(timeout=FOLLOWS)
    assert learner.locator(".hm-choice").count() == len(SCENARIO.scenes[s2].choices)
    _press(learner, SCENARIO.choice(s2, c2).label)
    learner.get_by_text("You chose:").wait_for()
    _answered(tutor, s2, 12)
    # Another learner types a code no room has: a plain message, and the case plays on.
    # (A browser of their own: the same browser would bring back the first learner's journey.)
    alone = browser.new_context(viewport={"width": 1280, "height": 900})
    other = alone.new_page()
    other.set_default_timeout(90_000)
    try:
        other.goto(f"{server.url}/voila/render/cases/{CASE}.ipynb", wait_until="commit")
        box = other.get_by_label("In a seminar? Room code:")
        box.fill("HHH HHH" if room.code != "HHHHHH" else "JJJ JJJ")
        _press(other, "Join the room")
        other.get_by_text("No room has that code").wait_for(timeout=FOLLOWS)
        _press(other, "Begin the case")
        other.locator(".hm-choice").or_(
            other.get_by_role("button", name="Continue to the scene")
        ).first.wait_for()
    finally:
        alone.close()
    room.learner = learner


def test_a_closed_room_stops_counting_and_loses_no_learners_journey(room: Room) -> None:
    tutor = room.tutor
    learner = room.learner
    assert learner is not None, "the test before this one opens the learner's page"
    journeys_before = room.journeys.counts()
    tutor.get_by_role("button", name="Close the room").click()
    tutor.get_by_role("button", name="Press again to close").click()
    tutor.locator("[data-hm-room-closed]").wait_for()
    learner.get_by_text("The room has closed").wait_for(timeout=FOLLOWS)
    assert "room=" not in learner.url  # a reload no longer tries the closed room
    # The learner plays on; a simulated learner's kernel that has not noticed is not counted.
    _press(learner, "Continue to")
    _past_note(learner)
    learner.locator(".hm-choice").first.focus()
    learner.keyboard.press("Enter")
    learner.get_by_text("You chose:").wait_for()
    room.learners[0].choose()
    assert room.rooms.signature(room.code) == (0, 0)
    code = normalise_token(learner.locator(".hm-resume code").inner_text())
    journey = room.journeys.load(code, SCENARIO)
    assert journey is not None and len(journey.steps) == 3
    after = room.journeys.counts()
    assert after["sessions"] >= journeys_before["sessions"]
    for simulated in room.learners:
        kept = room.journeys.load(simulated.keeper.token or "", SCENARIO)
        assert kept is not None and kept.path() == simulated.journey.path()
