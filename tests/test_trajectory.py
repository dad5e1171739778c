"""Following a path: routes that depend on the relationship, and the point at the ending."""

from __future__ import annotations

import pytest

from casework.catalog import load_case
from casework.paths import walk
from casework.testing import play
from casework.trust_model import with_weights


@pytest.fixture(scope="module")
def demo():
    return load_case("demo")


def test_a_route_sends_a_low_trust_path_to_another_ending(demo) -> None:
    assert play(demo, ["explain_and_listen", "show_her", "keep_the_visit"]).ending == "held"
    low = play(demo, ["stick_to_the_form", "refer_to_process", "keep_the_visit"])
    assert low.trajectory.steps[-1].values["trust"] < 25
    assert low.ending == "guarded"


def test_routing_never_depends_on_the_sandbox_weights(demo) -> None:
    """Where a journey leads is a fact; changed weights only change the curve shown."""
    path = ["stick_to_the_form", "refer_to_process", "keep_the_visit"]
    generous = with_weights(build_rate=3.0, loss_rate=0.2)
    changed = play(demo, path, generous)
    assert changed.trajectory.steps[-1].values["trust"] >= 25  # would route to 'held'...
    assert changed.ending == "guarded"  # ...but routing uses the default weights


def test_walk_follows_routes_to_the_right_scenes(demo) -> None:
    steps = walk(demo, ["stick_to_the_form", "refer_to_process", "keep_the_visit"])
    assert [scene for scene, _ in steps] == ["first_visit", "notes", "busy_week"]


def test_the_chart_reaches_the_ending_time(demo) -> None:
    played = play(demo, ["explain_and_listen", "show_her", "keep_the_visit"])
    end = played.trajectory.end
    assert end is not None and end.time == demo.endings["held"].time
    assert end.values == played.trajectory.steps[-1].values  # contact kept: no drift
    assert played.trajectory.points[-1] is end


def test_no_contact_before_an_ending_drifts_toward_the_start(demo) -> None:
    played = play(demo, ["explain_and_listen", "refer_to_process", "postpone"])
    last, end = played.trajectory.steps[-1], played.trajectory.end
    assert end is not None
    for dimension in ("trust", "fear"):
        start = demo.dimensions[dimension].start
        assert abs(end.values[dimension] - start) < abs(last.values[dimension] - start)
    assert end.values["wellbeing"] == last.values["wellbeing"]  # evidence does not drift


def test_an_unfinished_path_has_no_end_point(demo) -> None:
    played = play(demo, ["explain_and_listen"])
    assert played.ending is None and played.trajectory.end is None
    assert played.trajectory.position == "notes"
