"""No option gives itself away by its position: each learner sees each decision's options in
an order of their own, and the same order every time they come back to it.

Pinned here on the engine (the journey's seed), the player (the buttons it draws, also after
coming back and stepping back), the store and the journey file (the order shown is kept, so the
cohort report can ask whether learners favoured a position), and old journeys (which load).
The same in a real browser: tests/test_browser.py.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import ipywidgets as widgets
import pytest

from casework.catalog import load_case
from casework.journey import Journey, options_in_order
from casework.player import FileKeeper, Player, StoreKeeper
from casework.scenario import OptionOrder, Scenario
from casework.store import JourneyStore


@pytest.fixture
def demo() -> Scenario:
    return load_case("demo")


@pytest.fixture
def clarke() -> Scenario:
    return load_case("clarke")


def _buttons(player: Player) -> list[str]:
    def walk(widget: widgets.Widget) -> list[widgets.Button]:
        found = [widget] if isinstance(widget, widgets.Button) else []
        for child in getattr(widget, "children", ()):
            found += walk(child)
        return found

    return [b.description for b in walk(player.story) if "hm-choice" in b._dom_classes]


def _press(player: Player, text: str) -> None:
    def walk(widget: widgets.Widget) -> list[widgets.Button]:
        found = [widget] if isinstance(widget, widgets.Button) else []
        for child in getattr(widget, "children", ()):
            found += walk(child)
        return found

    (button,) = [b for b in walk(player.widget) if b.description.startswith(text)]
    with contextlib.redirect_stdout(io.StringIO()):
        button.click()


def test_two_learners_see_a_decision_in_different_orders_and_each_keeps_theirs(
    clarke: Scenario,
) -> None:
    scene = max(clarke.case.scenes, key=lambda s: len(s.choices))
    orders = {tuple(c.id for c in options_in_order(scene, seed)) for seed in range(40)}
    assert len(orders) > 1, "different learners see different orders"
    for seed in range(10):
        first = [c.id for c in options_in_order(scene, seed)]
        assert first == [c.id for c in options_in_order(scene, seed)]
        assert sorted(first) == sorted(c.id for c in scene.choices)


def test_each_position_is_equally_likely_to_hold_the_study_path(clarke: Scenario) -> None:
    """Over many learners the study path's option sits first about as often as last."""
    from casework.paths import study_path_steps

    scene_id, chosen = study_path_steps(clarke)[0]
    scene = clarke.scenes[scene_id]
    positions = [
        [c.id for c in options_in_order(scene, seed)].index(chosen) for seed in range(3000)
    ]
    share = {p: positions.count(p) / len(positions) for p in range(len(scene.choices))}
    assert all(abs(s - 1 / len(scene.choices)) < 0.04 for s in share.values()), share


def test_an_author_can_keep_the_written_order(demo: Scenario) -> None:
    kept = demo.scenes["busy_week"].model_copy(update={"option_order": OptionOrder.as_written})
    for seed in range(20):
        assert [c.id for c in options_in_order(kept, seed)] == [c.id for c in kept.choices]


def test_the_journey_records_the_order_shown_and_keeps_it_in_its_file(
    demo: Scenario, tmp_path: Path
) -> None:
    journey = Journey.new(demo)
    step = journey.choose(demo, "explain_and_listen")
    assert step.shown == tuple(c.id for c in journey.options(demo, "first_visit"))
    path = tmp_path / "j.json"
    journey.save(path)
    saved = json.loads(path.read_text())
    assert saved["seed"] == journey.seed and saved["steps"][0]["shown"] == list(step.shown)
    assert Journey.load(path) == journey


def test_a_journey_saved_before_orders_existed_still_loads_and_keeps_one_order(
    demo: Scenario, tmp_path: Path
) -> None:
    """Journey format 1 had no seed and no order shown: it loads, upgraded, and opens with the
    same order every time (a seed derived from what it holds)."""
    old = {
        "kind": "casework-journey",
        "format": 1,
        "case": {"id": "demo", "version": "1.0"},
        "started": "2026-10-01T09:00:00+00:00",
        "updated": "2026-10-01T09:05:00+00:00",
        "steps": [
            {"scene": "first_visit", "choice": "explain_and_listen", "at": "2026-10-01T09:01"}
        ],
        "reflections": {"first_feelings": "nervous"},
    }
    path = tmp_path / "old.journey.json"
    path.write_text(json.dumps(old))
    first, again = Journey.load(path), Journey.load(path)
    assert first.seed == again.seed and first.steps[0].shown is None
    assert first.reflections == {"first_feelings": "nervous"} and first.path() == [
        ("first_visit", "explain_and_listen")
    ]
    first.save(path)
    assert json.loads(path.read_text())["format"] == 2


def test_the_player_draws_the_learners_order_and_the_same_after_coming_back(
    demo: Scenario, tmp_path: Path
) -> None:
    path = tmp_path / "demo.journey.json"
    with contextlib.redirect_stdout(io.StringIO()):
        player = Player(demo, FileKeeper(path))
    _press(player, "Begin the case")
    shown = _buttons(player)
    assert shown == [c.label for c in player.journey.options(demo, "first_visit")]
    _press(player, shown[0])
    _press(player, "Continue")
    second = _buttons(player)
    # Coming back (a new player on the same journey file) and stepping back: the same orders.
    with contextlib.redirect_stdout(io.StringIO()):
        back = Player(demo, FileKeeper(path))
    assert _buttons(back) == second
    _press(back, "Step back one choice")
    assert _buttons(back) == shown


def test_the_store_keeps_each_learners_seed_and_the_orders_shown(
    demo: Scenario, tmp_path: Path
) -> None:
    store = JourneyStore(f"sqlite:///{tmp_path / 'journeys.sqlite'}")
    try:
        keeper = StoreKeeper(store)
        journey, _ = keeper.load(demo)
        journey.choose(demo, "explain_and_listen")
        keeper.save(journey)
        assert keeper.token is not None
        loaded = store.load(keeper.token, demo)
        assert loaded is not None and loaded.seed == journey.seed
        assert loaded.steps[0].shown == journey.steps[0].shown
        other, _ = StoreKeeper(store).load(demo)
        seeds = {journey.seed, other.seed}
        assert len(seeds) == 2, "two learners, two seeds"
    finally:
        store.close()
