"""Seminar rooms, without a browser: codes, paths rebuilt from events, withheld counts, the
CSV export and the cohort report, deletion, the learner's room panel in the player, the
tutor's view and ``casework room``."""

from __future__ import annotations

import base64
import contextlib
import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ipywidgets as widgets
import pytest
import sqlalchemy as sa

from casework.catalog import load_case
from casework.player import FileKeeper, Player
from casework.rooms import codes
from casework.rooms.export import counts_csv, read_counts
from casework.rooms.html import state_html
from casework.rooms.member import Joined, RoomMember, learner_id
from casework.rooms.store import Event, RoomError, RoomStore, room_events, rooms
from casework.rooms.tally import MIN_COUNT, RoomTally
from casework.scenario import Scenario
from casework.store import JourneyStore
from casework.testing import invoke
from casework.testing.rooms import SimulatedLearner
from casework.trust_model import study_path_steps

CASE = "project_x"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_case(CASE)


@pytest.fixture
def journeys(tmp_path: Path) -> Iterator[JourneyStore]:
    store = JourneyStore(f"sqlite:///{tmp_path / 'journeys.sqlite'}")
    yield store
    store.close()


@pytest.fixture
def room_store(journeys: JourneyStore) -> RoomStore:
    return RoomStore(journeys)


def _event(learner: str, decision: str, option: str, second: int) -> Event:
    return Event(learner, decision, option, datetime(2026, 1, 1, tzinfo=UTC) + timedelta(0, second))


# --- codes ----------------------------------------------------------------------------------


def test_codes_are_six_letters_without_look_alikes_and_typed_forgivingly() -> None:
    made = {codes.new_code() for _ in range(200)}
    assert all(len(c) == 6 and set(c) <= set(codes.ALPHABET) for c in made)
    assert len(made) > 190
    assert not set(codes.ALPHABET) & set("BILOQSUVZ0125")
    assert codes.normalise_code(" acd-efg ") == "ACDEFG"
    assert codes.normalise_code("0CD EFG") == "DCDEFG"  # a zero typed for the letter D
    assert codes.normalise_code("ACDEF") is None and codes.normalise_code("ACDEFGH") is None
    assert codes.normalise_code("ACDEFS") is None  # S is never in a code
    assert codes.skeleton("ACDEFG") == codes.skeleton("AGDFEC")
    assert codes.skeleton("MNWKXP") == codes.skeleton("NWMXKR")
    assert codes.skeleton("ACDEFG") != codes.skeleton("AHDEFG")
    assert codes.display_code("ACDEFG") == "ACD EFG"


def test_two_rooms_with_look_alike_codes_cannot_both_exist(
    room_store: RoomStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = iter(["ACDEFG", "AGDFEC", "HHHHHH"])
    monkeypatch.setattr("casework.rooms.store.new_code", lambda: next(drawn))
    first = room_store.open(CASE)
    second = room_store.open(CASE)
    assert (first.code, second.code) == ("ACDEFG", "HHHHHH")  # the look-alike was drawn again
    found = room_store.status("agd fec")  # a learner who read C as G still finds the room
    assert found is not None and found.code == "ACDEFG"


# --- paths from events -------------------------------------------------------------------------


def test_each_learners_current_path_is_rebuilt_from_their_events_in_time_order(
    scenario: Scenario,
) -> None:
    steps = study_path_steps(scenario)
    (s1, c1), (s2, c2), (s3, c3) = steps[:3]
    other = next(c.id for c in scenario.scenes[s2].choices if c.id != c2)
    tally = RoomTally(scenario)
    events = [
        _event("a", scenario.case.start, "", 0),
        _event("a", s1, c1, 1),
        _event("a", s2, c2, 2),
        _event("a", s3, c3, 3),
        _event("a", s2, "", 4),  # stepped back twice, to the second decision
        _event("a", s2, other, 5),  # and chose again there
        _event("b", s1, c1, 1),
        _event("b", s2, c2, 2),
        _event("b", s1, c1, 3),  # re-chose the first decision without a "back" (a lost post)
        _event("c", s1, c1, 1),
        _event("c", s1, "", 2),  # started again
        _event("d", s2, c2, 1),  # a choice at a scene d never reached: ignored
        _event("d", s1, "made_up", 2),  # not one of the case's choices: ignored
        _event("d", "<script>", "x", 3),  # nothing the case does not know gets through
    ]
    paths = tally.paths(reversed(events))  # given out of order: time decides
    assert paths == {
        "a": ((s1, c1), (s2, other)),
        "b": ((s1, c1),),
        "c": (),
        "d": (),
    }


def test_a_learner_who_joins_late_is_counted_with_their_path_so_far(
    journeys: JourneyStore, room_store: RoomStore, scenario: Scenario
) -> None:
    opened = room_store.open(CASE)
    late = SimulatedLearner(journeys, scenario, seed=1)
    for _scene, choice in study_path_steps(scenario)[:3]:
        late.choose(choice)
    assert late.join(opened.code) == Joined.joined
    state = RoomTally(scenario).state(room_store.events(opened.code))
    assert state.joined == 1
    assert state.paths == [tuple(study_path_steps(scenario)[:3])]
    # The same journey joining again (a reload) is the same learner, counted once.
    again = RoomMember(room_store, scenario)
    from casework.rooms.member import learner_secret

    assert again.join(opened.code, learner_secret(late.journey)).outcome == Joined.joined
    assert again.learner == late.member.learner
    again.sync(late.journey.path())
    assert RoomTally(scenario).state(room_store.events(opened.code)).joined == 1


def test_moves_tell_the_room_only_what_changed(room_store: RoomStore, scenario: Scenario) -> None:
    opened = room_store.open(CASE)
    member = RoomMember(room_store, scenario)
    assert member.join(opened.code, "someone").outcome == Joined.joined
    steps = study_path_steps(scenario)
    start = scenario.case.start
    assert member.pending(steps[:1]) == [(start, ""), steps[0]]  # joining: the whole path
    assert member.pending(steps[:2]) == [steps[1]]
    assert member.pending(steps[:2]) == []
    assert member.pending(steps[:1]) == [(steps[1][0], "")]  # stepped back
    assert member.pending([]) == [(steps[0][0], "")]  # started again
    assert learner_id("ACDEFG", "x") != learner_id("HHHHHH", "x")  # a new id in every room


# --- what the tutor sees: withheld below five ----------------------------------------------------


def _room_of(room_store: RoomStore, journeys: JourneyStore, scenario: Scenario, n: int):
    opened = room_store.open(CASE)
    learners = [SimulatedLearner(journeys, scenario, seed=i) for i in range(n)]
    for learner in learners:
        assert learner.join(opened.code) == Joined.joined
    return opened, learners


def test_counts_under_five_are_withheld_and_five_are_shown(
    journeys: JourneyStore, room_store: RoomStore, scenario: Scenario
) -> None:
    opened, learners = _room_of(room_store, journeys, scenario, MIN_COUNT)
    first = scenario.case.scenes[0]
    choice_ids = [c.id for c in first.choices]
    for learner in learners[:4]:
        learner.choose(choice_ids[0])
    tally = RoomTally(scenario)
    state = tally.state(room_store.events(opened.code))
    (decision, *_rest) = state.decisions
    assert decision.scene_id == first.id and decision.answered == 4 and not decision.shown
    page = state_html(scenario, state, None, frozenset())
    assert "data-hm-count" not in page and "(4 so far)" in page
    assert "fewer than 5" in page  # where they are: 4 at the next scene, 1 at the first
    learners[4].choose(choice_ids[1])
    state = tally.state(room_store.events(opened.code))
    decision = state.decisions[0]
    assert decision.shown and [o.count for o in decision.options][:2] == [4, 1]
    page = state_html(scenario, state, None, frozenset())
    # Bars in the case's own order, labelled with the options' text (escaped).
    labels = [c.label for c in first.choices]
    positions = [page.index(f'data-hm-option="{c}"') for c in choice_ids]
    assert positions == sorted(positions)
    assert all(f'data-hm-option="{c}" data-hm-count' in page for c in choice_ids)
    from html import escape

    assert all(escape(label) in page for label in labels)
    # The band is drawn only where at least five learners are behind it.
    from casework.rooms.band import bands

    spread = bands(tally, state.paths)
    assert all(point.learners >= MIN_COUNT for points in spread.values() for point in points)
    assert spread[scenario.case.dimensions[0].id]


def test_endings_under_five_are_withheld(
    journeys: JourneyStore, room_store: RoomStore, scenario: Scenario
) -> None:
    opened, learners = _room_of(room_store, journeys, scenario, 6)
    study = [c for _, c in study_path_steps(scenario)]
    for learner in learners:
        for choice in study:
            learner.choose(choice)
    ending = learners[0].position()
    state = RoomTally(scenario).state(room_store.events(opened.code))
    assert state.endings == {ending: 6}
    learners[0].back()
    state = RoomTally(scenario).state(room_store.events(opened.code))
    page = state_html(scenario, state, None, frozenset())
    assert f'data-hm-ending="{ending}">' in page and state.endings == {ending: 5}
    learners[1].restart()
    state = RoomTally(scenario).state(room_store.events(opened.code))
    page = state_html(scenario, state, None, frozenset())
    assert "fewer than 5" in page.split(f'data-hm-ending="{ending}">')[1].split("</li>")[0]


# --- export and the cohort report ----------------------------------------------------------------


def test_the_export_holds_counts_only_withheld_as_on_screen_and_the_cohort_report_reads_it(
    journeys: JourneyStore, room_store: RoomStore, scenario: Scenario, tmp_path: Path
) -> None:
    opened, learners = _room_of(room_store, journeys, scenario, 7)
    first = scenario.case.scenes[0]
    for number, learner in enumerate(learners):
        learner.choose(first.choices[number % 2].id)
        if number < 3:
            learner.choose()  # three answer the second decision: withheld
    second = scenario.case.scenes[1]
    state = RoomTally(scenario).state(room_store.events(opened.code))
    text = counts_csv(opened.code, scenario, state)
    rows = list(csv.DictReader(io.StringIO(text)))
    choice_rows = {(r["decision"], r["option"]): r for r in rows if r["kind"] == "choice"}
    assert choice_rows[(first.id, first.choices[0].id)]["count"] == "4"
    assert choice_rows[(first.id, first.choices[1].id)]["count"] == "3"
    assert all(
        r["count"] == "" and r["withheld"] == "yes"
        for (scene, _), r in choice_rows.items()
        if scene == second.id
    )
    assert next(r for r in rows if r["kind"] == "joined")["count"] == "7"
    assert "learner" not in rows[0]  # the file has no learner column at all

    # An edited file cannot put words of its own on the report, nor unwithhold a count.
    edited = text.replace(first.choices[0].label.split(",")[0], "<script>alert(1)</script>")
    edited = edited.replace(f"{second.id},{second.choices[0].id},", "x,y,", 0)
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "project_x-room-ACDEFG.room.csv").write_text(edited, encoding="utf-8")
    read = read_counts(folder / "project_x-room-ACDEFG.room.csv", {})
    assert read.joined == 7 and read.choices[first.id][1][first.choices[0].id] == 4
    assert all(v is None for v in read.choices[second.id][1].values())
    result = invoke(["cohort", str(folder), "--out", str(tmp_path / "report.html")])
    assert result.exit_code == 0, result.stderr
    report = (tmp_path / "report.html").read_text()
    assert "Seminar room" in report and "<script>alert" not in report
    assert "fewer than 5 answered" in report


# --- deletion ---------------------------------------------------------------------------------


def test_closing_deletes_the_rooms_rows_and_keeps_every_journey(
    journeys: JourneyStore, room_store: RoomStore, scenario: Scenario
) -> None:
    opened, learners = _room_of(room_store, journeys, scenario, 3)
    for learner in learners:
        learner.choose()
    before = journeys.counts()
    assert room_store.close(opened.code, opened.key) > 0
    assert room_store.signature(opened.code) == (0, 0)
    assert journeys.counts() == before  # journeys are the learners' own
    learners[0].choose()  # a kernel that has not noticed: its move is dropped
    assert room_store.signature(opened.code) == (0, 0)
    assert learners[0].read() is not None and not learners[0].member.joined
    with pytest.raises(RoomError):
        room_store.hold(opened.code, opened.key, scenario.case.start)


def test_a_room_past_its_time_closes_and_old_rooms_are_forgotten(
    journeys: JourneyStore, room_store: RoomStore, scenario: Scenario
) -> None:
    opened, learners = _room_of(room_store, journeys, scenario, 2)
    learners[0].choose()
    past = datetime.now(UTC) - timedelta(minutes=1)
    with journeys.engine.begin() as connection:
        connection.execute(rooms.update().where(rooms.c.code == opened.code).values(closes_at=past))
    info = room_store.status(opened.code)
    assert info is not None and not info.open
    assert room_store.signature(opened.code) == (0, 0)
    # A room open longer than the days room data is kept is closed by the next clean-up,
    # and what is left of a closed room goes that many days after it closed.
    other = room_store.open(CASE)
    learners[1].member.leave()
    learners[1].join(other.code)
    long_ago = datetime.now(UTC) - timedelta(days=room_store.keep_days, minutes=1)
    with journeys.engine.begin() as connection:
        connection.execute(
            rooms.update().where(rooms.c.code == other.code).values(opened_at=long_ago)
        )
        connection.execute(
            rooms.update().where(rooms.c.code == opened.code).values(closed_at=long_ago)
        )
    assert room_store.forget_old() >= 1
    with journeys.engine.connect() as connection:
        left = dict(connection.execute(sa.select(rooms.c.code, rooms.c.status)).all())
        events = connection.execute(sa.select(sa.func.count()).select_from(room_events))
        assert events.scalar_one() == 0
    assert left == {other.code: "closed"}


# --- the learner's room panel in the player ------------------------------------------------------


class Page:
    """A player with its output silenced, and what the learner sees of the room."""

    def __init__(self, player: Player) -> None:
        self.player = player

    def buttons(self) -> list[widgets.Button]:
        def walk(widget: widgets.Widget) -> list[widgets.Widget]:
            found = [widget]
            for child in getattr(widget, "children", ()):
                found += walk(child)
            return found

        return [w for w in walk(self.player.widget) if isinstance(w, widgets.Button)]

    def press(self, text: str) -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            next(b for b in self.buttons() if text in b.description).click()

    def choices(self) -> list[str]:
        return [b.description for b in self.buttons() if "hm-choice" in b._dom_classes]

    def room_text(self) -> str:
        return " ".join(
            w.value for w in self.player.room.widget.children if isinstance(w, widgets.HTML)
        )

    def join(self, code: str) -> None:
        box = next(w for w in self.player.room.widget.children if isinstance(w, widgets.Box))
        box.children[0].value = code
        self.press("Join the room")


@pytest.fixture
def page(
    room_store: RoomStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, scenario: Scenario
) -> Page:
    monkeypatch.setattr("casework.player.room.room_store", lambda: room_store)
    with contextlib.redirect_stdout(io.StringIO()):
        player = Player(scenario, FileKeeper(tmp_path / "project_x.journey.json"))
    return Page(player)


def _to_options(page: Page) -> None:
    for label in ("Begin the case", "Continue to the scene", "Show me the options"):
        if any(label in b.description for b in page.buttons()) and not page.choices():
            page.press(label)


def test_a_learner_joins_is_held_at_a_decision_released_and_never_sends_what_they_write(
    page: Page, room_store: RoomStore, scenario: Scenario, tmp_path: Path
) -> None:
    opened = room_store.open(CASE)
    page.join("NOT-A-ROOM")
    assert "six letters" in page.room_text().lower() or "6 letters" in page.room_text()
    page.join("HHHHHH" if opened.code != "HHHHHH" else "JJJJJJ")
    assert "No room has that code" in page.room_text()
    page.join(opened.code.lower())
    assert "You are in your tutor" in page.room_text()
    _to_options(page)
    (s1, c1), (s2, _c2) = study_path_steps(scenario)[:2]
    label = scenario.choice(s1, c1).label
    page.press(label)
    words = "My private words <b>never</b> leave"
    page.player.journey.reflect((scenario.scenes[s1].reflection or _Any()).id, words)
    page.player._save()
    # The tutor holds the room at the next decision: the learner reaches it and waits.
    room_store.hold(opened.code, opened.key, s2)
    page.player.room.poll_now()
    page.press("Continue to")
    _to_options(page)
    assert page.choices() == []
    assert "paused the room" in " ".join(
        w.value for w in page.player.story.children[-1].children if isinstance(w, widgets.HTML)
    )
    room_store.hold(opened.code, opened.key, None)
    page.player.room.poll_now()
    assert len(page.choices()) == len(scenario.scenes[s2].choices)
    events = room_store.events(opened.code)
    ids = set(scenario.scenes) | {c.id for s in scenario.case.scenes for c in s.choices}
    assert {e.decision for e in events} | {e.option for e in events} <= ids | {""}
    assert RoomTally(scenario).state(events).paths == [((s1, c1),)]
    with room_store.engine.connect() as connection:
        stored = connection.execute(sa.select(room_events)).all()
    assert words not in repr(stored) and "private" not in repr(stored)


class _Any:
    id = "a_reflection"


def test_those_past_a_held_decision_are_not_pulled_back_and_a_closed_room_loses_nothing(
    page: Page, room_store: RoomStore, scenario: Scenario, tmp_path: Path
) -> None:
    opened = room_store.open(CASE)
    page.join(opened.code)
    _to_options(page)
    (s1, c1), (s2, c2) = study_path_steps(scenario)[:2]
    page.press(scenario.choice(s1, c1).label)
    room_store.hold(opened.code, opened.key, s1)  # held behind the learner
    page.player.room.poll_now()
    page.press("Continue to")
    _to_options(page)
    assert len(page.choices()) == len(scenario.scenes[s2].choices)
    room_store.close(opened.code, opened.key)
    page.player.room.poll_now()
    assert "The room has closed" in page.room_text()
    page.press(scenario.choice(s2, c2).label)  # the learner plays on alone
    saved = (tmp_path / "project_x.journey.json").read_text()
    assert c1 in saved and c2 in saved
    assert room_store.signature(opened.code) == (0, 0)


# --- the tutor's view, and the command line ------------------------------------------------------


def test_the_tutor_view_counts_holds_reveals_exports_and_closes(
    journeys: JourneyStore, room_store: RoomStore, scenario: Scenario
) -> None:
    from casework.rooms.view import TutorView

    opened, learners = _room_of(room_store, journeys, scenario, 5)
    first = scenario.case.scenes[0]
    for learner in learners:
        learner.choose(first.choices[-1].id)
    with pytest.raises(RoomError):
        TutorView(room_store, opened.code, "not-the-key", None)
    view = TutorView(
        room_store, opened.code, opened.key, "http://127.0.0.1:8866/voila/render/tutor.ipynb"
    )
    assert f'data-hm-option="{first.choices[-1].id}" data-hm-count="5"' in view.body.value
    assert "room=" + opened.code in view.header.value
    view.decision.value = first.id
    view._hold()
    assert room_store.status(opened.code).held_at == first.id
    view._reveal()
    assert "In the study, the worker chose" in view.body.value
    view._export()
    data = view.download.value.split("base64,")[1].split('"')[0]
    assert "choice," + first.id in base64.b64decode(data).decode()
    again = TutorView(room_store, opened.code, opened.key, None)  # a reload loses nothing
    assert again.info.held_at == first.id and first.id in again.info.revealed
    view._close()
    view._close()
    assert view.closed and room_store.signature(opened.code) == (0, 0)


def test_casework_room_opens_lists_exports_and_closes_rooms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEWORK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CASEWORK_DATABASE_URL", raising=False)
    opened = invoke(["room", "open", CASE, "--hours", "2"])
    assert opened.exit_code == 0, opened.stderr
    code = opened.stdout.split("Room code: ")[1][:7].replace(" ", "")
    assert f"/voila/render/cases/{CASE}.ipynb?room={code}" in opened.stdout
    assert "/voila/render/tutor.ipynb?room=" + code + "&key=" in opened.stdout
    assert code in invoke(["room", "list"]).stdout.replace(" ", "")
    out = tmp_path / "counts.room.csv"
    assert invoke(["room", "export", code, "--out", str(out)]).exit_code == 0
    assert out.read_text().startswith("room,case,")
    assert invoke(["room", "close", code]).exit_code == 0
    assert invoke(["room", "export", code, "--out", str(out)]).exit_code == 1
    assert invoke(["room", "close", "no"]).exit_code == 1
    assert invoke(["room", "open", "no_such_case"]).exit_code == 1
