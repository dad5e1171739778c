"""The trust model: a teaching model of a relationship over time, never a prediction.

It turns a path through a case (the choices taken) into values per dimension at each
time point. It is deliberately not a running sum of points: the same raw push moves
the relationship differently depending on what came before, in the ways the research
describes. Every constant below has a one-line rationale and a source; the plain-words
account for learners and educators is ``docs/model-card.md``.

Sources (keys used in comments):
  ferguson  Ferguson et al. (2022) Social work as a holding relationship.
  mason     Mason (2012) Social work the 'art of relationship'.
  ruch      Ruch, PSDP Knowledge Briefing: Practising relationship-based social work.
  basw      BASW England (2022) 80:20 campaign webinar.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from casework.scenario import Choice, Dimension, DimensionKind, Scenario

#: The note that goes with every curve the course shows.
TEACHING_MODEL_NOTE = (
    "A teaching model, not a prediction: these curves show how the course's model reads "
    "the choices, not what would happen to any real family."
)


@dataclass(frozen=True)
class ModelWeights:
    """The constants of the model. Learners may change them in the course's sandbox."""

    #: Good-direction pushes on relational dimensions count for less than their face value:
    #: trust is built slowly, over repeated contact (ferguson: "Reliability and regular contact").
    build_rate: float = 0.6
    #: Bad-direction pushes count for more: one breach undoes several acts of care; a parent's
    #: fear that the worker will write "something totally different" (ferguson: Clarke, the
    #: parents' interview in month 8).
    loss_rate: float = 1.5
    #: Each further consecutive reliable act adds this much to the multiplier; the holding
    #: relationship is the same reliable acts repeated over time (ferguson: "holding").
    reliability_step: float = 0.25
    #: ...up to this cap, so reliability alone cannot carry a relationship (mason: reliability
    #: is one of four elements parents named, not the only one).
    reliability_cap: float = 2.0
    #: Time constant, in months, of the drift back toward the start when there is no
    #: meaningful contact (ferguson: trust sustained by regular, punctual contact).
    drift_months: float = 2.0
    #: What a relational act achieves when the worker has no thinking space left: the
    #: worker must be contained to contain (ruch: "containing the container"; ferguson:
    #: supervision and the organisation as a holding environment).
    capacity_floor: float = 0.4
    #: Above this share of the range, good-direction moves slow down as the value nears
    #: its bound: the last steps toward full trust are the hardest (model choice, no source).
    saturation_start: float = 0.5


DEFAULT_WEIGHTS = ModelWeights()

#: Weeks per month, for converting the drift time constant (365.25 / 12 / 7).
WEEKS_PER_MONTH = 4.348


@dataclass(frozen=True)
class Point:
    """The relationship at one time point, just after a choice (or at the start)."""

    time: float
    scene: str
    choice: str | None
    label: str
    values: dict[str, float]


@dataclass(frozen=True)
class Trajectory:
    """Values per dimension over time, derived from a case and a path; never stored."""

    case_id: str
    start: Point
    steps: tuple[Point, ...]
    ending: str | None
    dimensions: tuple[str, ...] = field(default=())
    #: The scene or ending the path has reached.
    position: str = ""
    #: The relationship at the ending's time, once an ending is reached (after any drift
    #: since the last choice, if that choice left the family without contact).
    end: Point | None = None

    @property
    def points(self) -> tuple[Point, ...]:
        """Start, each choice, and the ending when reached: what a chart draws."""
        return (self.start, *self.steps, *((self.end,) if self.end else ()))

    def series(self, dimension: str) -> list[tuple[float, float]]:
        """(time, value) pairs for one dimension, start included."""
        return [(p.time, p.values[dimension]) for p in self.points]

    def value_at(self, dimension: str, time: float) -> float:
        """The value in force at a time: the last point at or before it."""
        value = self.start.values[dimension]
        for point in self.points:
            if point.time <= time:
                value = point.values[dimension]
            else:
                break
        return value

    @property
    def final(self) -> dict[str, float]:
        return dict(self.points[-1].values)


def _clamp(value: float, dimension: Dimension) -> float:
    return min(dimension.max, max(dimension.min, value))


def _is_good(push: float, dimension: Dimension) -> bool:
    return push > 0 if dimension.better == "higher" else push < 0


def capacity_factor(scenario: Scenario, values: dict[str, float], weights: ModelWeights) -> float:
    """How much of a relational act lands, given the worker's thinking space (0..1 → floor..1)."""
    for dimension in scenario.case.dimensions:
        if dimension.kind == DimensionKind.capacity:
            span = dimension.max - dimension.min
            share = (values[dimension.id] - dimension.min) / span if span else 1.0
            if dimension.better == "lower":  # e.g. "caseload pressure": high means less room
                share = 1 - share
            return weights.capacity_floor + (1 - weights.capacity_floor) * share
    return 1.0


def _headroom(value: float, dimension: Dimension, weights: ModelWeights) -> float:
    """1 until the value passes ``saturation_start`` of the range, then falls to 0 at the bound."""
    span = dimension.max - dimension.min
    if span <= 0:
        return 0.0
    toward = dimension.max - value if dimension.better == "higher" else value - dimension.min
    share_left = toward / span
    limit = 1 - weights.saturation_start
    return 1.0 if share_left >= limit else max(0.0, share_left / limit)


def _drift(
    value: float, dimension: Dimension, elapsed_months: float, weights: ModelWeights
) -> float:
    if elapsed_months <= 0:
        return value
    if weights.drift_months <= 0:  # no memory at all: every gap returns to the start
        return dimension.start
    keep = math.exp(-elapsed_months / weights.drift_months)
    return dimension.start + (value - dimension.start) * keep


def apply_choice(
    scenario: Scenario,
    values: dict[str, float],
    choice: Choice,
    streak: int,
    weights: ModelWeights = DEFAULT_WEIGHTS,
) -> tuple[dict[str, float], int]:
    """One choice's effect on the relationship; returns new values and the reliability streak."""
    new_streak = streak + 1 if choice.reliable and choice.contact else 0
    reliability = min(
        weights.reliability_cap, 1 + weights.reliability_step * max(0, new_streak - 1)
    )
    capacity = capacity_factor(scenario, values, weights)
    updated = dict(values)
    for dimension_id, push in choice.effects.items():
        dimension = scenario.dimensions[dimension_id]
        value = values[dimension_id]
        if dimension.kind == DimensionKind.relational:
            if _is_good(push, dimension):
                delta = (
                    push
                    * weights.build_rate
                    * reliability
                    * capacity
                    * _headroom(value, dimension, weights)
                )
            else:
                delta = push * weights.loss_rate
        else:
            delta = push
        updated[dimension_id] = _clamp(value + delta, dimension)
    return updated, new_streak


class Walker:
    """One step at a time through a case, carrying the relationship along.

    The single place where a path is followed: the trajectory, journeys, random play,
    ghost curves and the validator's study-path check all walk with it, so a choice's
    ``routes`` (which depend on the relationship) are followed the same way everywhere.
    Routing always uses the model's default weights, so where a journey leads never
    depends on the sandbox's settings; the weights given only shape the values shown.
    """

    def __init__(self, scenario: Scenario, weights: ModelWeights = DEFAULT_WEIGHTS) -> None:
        self.scenario = scenario
        self.weights = weights
        self.values = {d.id: _clamp(d.start, d) for d in scenario.case.dimensions}
        self.routing = dict(self.values)
        self.node = scenario.case.start
        start_scene = scenario.start
        self.start = Point(start_scene.time, start_scene.id, None, "Start", dict(self.values))
        self.points: list[Point] = []
        self._streak = 0
        self._routing_streak = 0
        self._previous_time = start_scene.time
        self._previous_contact = True
        self._months_per_unit = 1.0 if scenario.case.time_unit == "months" else 1 / WEEKS_PER_MONTH

    @property
    def at_ending(self) -> bool:
        return self.scenario.is_ending(self.node)

    def step(self, choice_id: str, scene_id: str | None = None) -> Point:
        """Take a choice in the current scene (``KeyError`` naming the valid ones if absent)."""
        if scene_id is not None and scene_id != self.node:
            raise KeyError(
                f"the path reaches scene '{self.node}' but the next step is in '{scene_id}'"
            )
        if self.at_ending:
            raise KeyError(f"'{self.node}' is an ending; the path cannot go on from it")
        scene = self.scenario.scenes[self.node]
        choice = self.scenario.choice(self.node, choice_id)
        elapsed = (scene.time - self._previous_time) * self._months_per_unit
        self.values, self._streak = self._advance(
            self.values, self._streak, choice, elapsed, self.weights
        )
        if self.weights == DEFAULT_WEIGHTS:
            self.routing, self._routing_streak = dict(self.values), self._streak
        else:
            self.routing, self._routing_streak = self._advance(
                self.routing, self._routing_streak, choice, elapsed, DEFAULT_WEIGHTS
            )
        point = Point(scene.time, scene.id, choice.id, choice.label, dict(self.values))
        self.points.append(point)
        self._previous_time, self._previous_contact = scene.time, choice.contact
        self.node = choice.destination(self.routing)
        return point

    def _advance(
        self,
        values: dict[str, float],
        streak: int,
        choice: Choice,
        elapsed_months: float,
        weights: ModelWeights,
    ) -> tuple[dict[str, float], int]:
        """Drift over a gap without contact, then the choice's effect."""
        if not self._previous_contact:
            values = dict(values)
            for dimension in self.scenario.case.dimensions:
                if dimension.kind == DimensionKind.relational:
                    values[dimension.id] = _drift(
                        values[dimension.id], dimension, elapsed_months, weights
                    )
        return apply_choice(self.scenario, values, choice, streak, weights)

    def _end_point(self) -> Point | None:
        if not self.at_ending:
            return None
        ending = self.scenario.endings[self.node]
        values = dict(self.values)
        if not self._previous_contact:
            elapsed = (ending.time - self._previous_time) * self._months_per_unit
            for dimension in self.scenario.case.dimensions:
                if dimension.kind == DimensionKind.relational:
                    values[dimension.id] = _drift(
                        values[dimension.id], dimension, elapsed, self.weights
                    )
        return Point(ending.time, ending.id, None, f"Ending: {ending.title}", values)

    def trajectory(self) -> Trajectory:
        return Trajectory(
            case_id=self.scenario.id,
            start=self.start,
            steps=tuple(self.points),
            ending=self.node if self.at_ending else None,
            dimensions=tuple(d.id for d in self.scenario.case.dimensions),
            position=self.node,
            end=self._end_point(),
        )


def trajectory(
    scenario: Scenario,
    steps: Sequence[tuple[str, str]],
    weights: ModelWeights = DEFAULT_WEIGHTS,
) -> Trajectory:
    """The relationship along a path of (scene id, choice id) pairs.

    The path must be walkable from the case's start (``KeyError`` otherwise, naming the
    valid choices). The same path always gives the same trajectory.
    """
    walker = Walker(scenario, weights)
    for scene_id, choice_id in steps:
        walker.step(choice_id, scene_id)
    return walker.trajectory()


def walk(scenario: Scenario, choice_ids: Iterable[str]) -> list[tuple[str, str]]:
    """Choice ids followed from the start, as (scene id, choice id) pairs."""
    walker = Walker(scenario)
    steps = []
    for choice_id in choice_ids:
        scene = walker.node
        walker.step(choice_id)
        steps.append((scene, choice_id))
    return steps


def study_path_steps(scenario: Scenario) -> list[tuple[str, str]]:
    """The study path as (scene id, choice id) pairs; assumes it was validated."""
    return walk(scenario, scenario.case.study_path or [])


def with_weights(**changes: float) -> ModelWeights:
    """Default weights with some changed (for the course's sandbox)."""
    return replace(DEFAULT_WEIGHTS, **changes)
