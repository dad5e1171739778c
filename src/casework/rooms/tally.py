"""What a room's events say: each learner's current path, and counts no one can be picked out of.

A learner's kernel adds (decision, option) moves as the learner plays: a choice taken, or
"back at this decision" (option empty) when they step back or start again, and on joining
"back at the start" followed by the path so far. Each learner's current path is rebuilt from
their moves in time order: a move at a decision already on the path cuts the path back to
just before it (the learner stepped back, or started again, and chose anew there); a choice
is kept only where it is one of the case's choices at the scene the path has reached. So a
move that names anything else (another case, a changed case, a forged row) changes nothing,
and nothing but the case's own ids ever reaches the tutor's page.

Every count shown is withheld while fewer than ``MIN_COUNT`` learners are behind it.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from casework.rooms.store import Event
from casework.scenario import Scenario, Scene
from casework.trust_model import Trajectory, study_path_steps, trajectory

#: The fewest learners behind any count that is shown: below it, the count is withheld so
#: that no single learner's choice can be picked out.
MIN_COUNT = 5

Path = tuple[tuple[str, str], ...]


def withheld(count: int) -> int | None:
    """A count as it may be shown: None (withheld) for 1 to MIN_COUNT - 1."""
    return None if 0 < count < MIN_COUNT else count


def decisions(scenario: Scenario) -> list[Scene]:
    """The case's decisions (scenes with more than one option), in the case's own order."""
    return [scene for scene in scenario.case.scenes if len(scene.choices) > 1]


@dataclass(frozen=True)
class OptionCount:
    choice_id: str
    label: str
    count: int
    in_study: bool


@dataclass(frozen=True)
class DecisionCount:
    """One decision: how many answered there, and (once enough have) how many took each
    option, in the case's order."""

    scene_id: str
    answered: int
    options: tuple[OptionCount, ...]

    @property
    def shown(self) -> bool:
        return self.answered >= MIN_COUNT


@dataclass(frozen=True)
class BandPoint:
    """The room's spread on one dimension at one time: the middle half and the median."""

    time: float
    learners: int
    low: float
    median: float
    high: float


@dataclass
class RoomState:
    """What the tutor's page shows about a room, worked out from its events."""

    joined: int = 0
    #: Where learners are (scene or ending id -> learners), in the case's order.
    positions: dict[str, int] = field(default_factory=dict)
    #: Decisions the room has reached, in the case's order.
    decisions: list[DecisionCount] = field(default_factory=list)
    #: Endings reached (ending id -> learners), in the case's order.
    endings: dict[str, int] = field(default_factory=dict)
    #: Each learner's current path.
    paths: list[Path] = field(default_factory=list)

    def key(self) -> tuple[object, ...]:
        """Equal for two states that show the same (so an unchanged view is not redrawn)."""
        return (self.joined, tuple(self.positions.items()), tuple(self.decisions), self.endings)


class RoomTally:
    """Rebuilds learners' paths for one case; remembers where each path leads."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._positions: dict[Path, str] = {(): scenario.case.start}
        self._trajectories: dict[Path, Trajectory] = {}

    def position(self, path: Path) -> str:
        """The scene or ending a (valid) path reaches."""
        found = self._positions.get(path)
        if found is None:
            found = self.trajectory(path).position
            self._positions[path] = found
        return found

    def trajectory(self, path: Path) -> Trajectory:
        found = self._trajectories.get(path)
        if found is None:
            found = trajectory(self.scenario, list(path))
            self._trajectories[path] = found
        return found

    def apply(self, path: Path, decision: str, option: str) -> Path:
        """One move on a path (see the module's docstring)."""
        at = self.position(path)
        if decision != at:
            scenes = [scene for scene, _ in path]
            if decision in scenes:  # back at an earlier decision: cut the path there
                path = path[: len(scenes) - 1 - scenes[::-1].index(decision)]
                at = self.position(path)
        if not option or decision != at or at not in self.scenario.scenes:
            return path
        if option not in {c.id for c in self.scenario.scenes[at].choices}:
            return path
        return (*path, (decision, option))

    def paths(self, events: Iterable[Event]) -> dict[str, Path]:
        """Each learner's current path, from their events (taken in time order)."""
        found: dict[str, Path] = {}
        for event in sorted(events, key=lambda e: (e.at, e.id)):
            found[event.learner] = self.apply(
                found.get(event.learner, ()), event.decision, event.option
            )
        return found

    def state(self, events: Iterable[Event]) -> RoomState:
        scenario = self.scenario
        paths = list(self.paths(events).values())
        where = Counter(self.position(path) for path in paths)
        order = [s.id for s in scenario.case.scenes] + [e.id for e in scenario.case.endings]
        study = set(study_path_steps(scenario)) if scenario.case.study_path else set()
        taken = Counter(step for path in paths for step in path)
        reached = {scene for path in paths for scene, _ in path} | set(where)
        counted = []
        for scene in decisions(scenario):
            if scene.id not in reached:
                continue
            options = tuple(
                OptionCount(c.id, c.label, taken[(scene.id, c.id)], (scene.id, c.id) in study)
                for c in scene.choices
            )
            counted.append(DecisionCount(scene.id, sum(o.count for o in options), options))
        return RoomState(
            joined=len(paths),
            positions={node: where[node] for node in order if where[node]},
            decisions=counted,
            endings={e.id: where[e.id] for e in scenario.case.endings if where[e.id]},
            paths=paths,
        )

    def band(self, paths: Sequence[Path], dimension: str) -> list[BandPoint]:
        """The room's spread on one dimension at each time some learner reached: only at
        times at least MIN_COUNT learners reached, so no single learner's curve shows."""
        curves = [self.trajectory(path) for path in paths]
        times = sorted({p.time for curve in curves for p in curve.points})
        band = []
        for time in times:
            values = [c.value_at(dimension, time) for c in curves if c.points[-1].time >= time]
            if len(values) < MIN_COUNT:
                continue
            low, median, high = statistics.quantiles(values, n=4, method="inclusive")
            band.append(BandPoint(time, len(values), low, median, high))
        return band
