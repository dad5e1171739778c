"""Paths through a case: playing along choices, the study path, replaying a journey, walking
to an ending by a rule, and the paths not taken (ghost curves).

Every path is followed by ``trust_model.Walker`` (so a choice's ``routes`` are followed the
same way everywhere); this module is what the command line, the course pages, the player,
the cohort report and the test helper call to walk one. It sits above the engine's data
(``scenario``, ``trust_model``, ``journey``) and below everything that shows or serves a case.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from casework.catalog import load_case
from casework.journey import Journey, options_in_order
from casework.scenario import Choice, Scenario, Scene
from casework.trust_model import (
    DEFAULT_WEIGHTS,
    ModelWeights,
    Trajectory,
    Walker,
    study_path_steps,
    trajectory,
    walk,
)

__all__ = ["study_path_steps", "walk"]  # walked with the model; re-exported for callers

#: A rule for walking a case: which choice to take in a scene.
Pick = Callable[[Scene], Choice]


@dataclass(frozen=True)
class Played:
    """What playing a case along some choices gives."""

    scenario: Scenario
    journey: Journey
    trajectory: Trajectory

    @property
    def ending(self) -> str | None:
        return self.trajectory.ending

    def values_at(self, time: float) -> dict[str, float]:
        return {d: self.trajectory.value_at(d, time) for d in self.trajectory.dimensions}


def scenario_of(case: str | Path | Scenario) -> Scenario:
    """A scenario, by id, path, or as it is."""
    return case if isinstance(case, Scenario) else load_case(case)


def play(
    case: str | Path | Scenario,
    choices: Sequence[str],
    weights: ModelWeights = DEFAULT_WEIGHTS,
) -> Played:
    """Play a case along choice ids from its start; ``JourneyError`` names a wrong choice."""
    scenario = scenario_of(case)
    journey = Journey.new(scenario)
    for choice_id in choices:
        journey.choose(scenario, choice_id)
    return Played(scenario, journey, trajectory(scenario, journey.path(), weights))


def play_study_path(case: str | Path | Scenario, weights: ModelWeights = DEFAULT_WEIGHTS) -> Played:
    """The path the worker in the study took (``ValueError`` if the case declares none)."""
    scenario = scenario_of(case)
    if scenario.case.study_path is None:
        raise ValueError(f"case '{scenario.id}' declares no study_path")
    return play(scenario, scenario.case.study_path, weights)


def replay(case: str | Path | Scenario, journey_file: str | Path) -> Played:
    """Re-derive the trajectory of a saved journey file (for autograded and hidden tests)."""
    scenario = scenario_of(case)
    journey = Journey.load(journey_file)
    journey.check_against(scenario)
    return Played(scenario, journey, trajectory(scenario, journey.path()))


def study_matches(scenario: Scenario, steps: Sequence[tuple[str, str]]) -> tuple[int, int]:
    """(same, met): of the learner's decisions taken in scenes the study path passes through,
    how many chose what the worker in the study chose there."""
    study = dict(study_path_steps(scenario)) if scenario.case.study_path else {}
    met = [(scene, choice) for scene, choice in steps if scene in study]
    return sum(1 for scene, choice in met if study[scene] == choice), len(met)


def walk_to_end(scenario: Scenario, pick: Pick, walker: Walker | None = None) -> Walker:
    """Follow ``pick`` from where ``walker`` stands (the start if none) until an ending.

    The one loop that walks a case by a rule: random play, the contrasting path of the
    course's sandbox, simulated learners and ghost curves all use it. A case that declares
    ``allow_cycles`` could loop for ever under some rules; the walk stops after every scene
    has been visited four times over, where the path simply stops short of an ending.
    """
    walker = walker or Walker(scenario)
    for _ in range(len(scenario.scenes) * 4 + 1):
        if walker.at_ending:
            break
        walker.step(pick(scenario.scenes[walker.node]).id)
    return walker


def choices_taken(walker: Walker) -> list[str]:
    """The choice ids a walker has taken, in order."""
    return [point.choice for point in walker.points if point.choice is not None]


def random_path(scenario: Scenario, seed: int) -> list[str]:
    """A random valid path from the start to an ending, the same for the same seed."""
    chooser = random.Random(seed)
    return choices_taken(walk_to_end(scenario, lambda scene: chooser.choice(scene.choices)))


def contrasting_path(scenario: Scenario) -> list[str]:
    """A path that differs from the study's wherever it can: the last choice in each scene."""
    return choices_taken(walk_to_end(scenario, lambda scene: scene.choices[-1]))


def alternatives(
    scenario: Scenario,
    steps: Sequence[tuple[str, str]],
    at: int,
    weights: ModelWeights = DEFAULT_WEIGHTS,
) -> dict[str, Trajectory]:
    """Ghost curves: how the path would have gone with each other choice at step ``at``.

    The path up to ``at`` is kept and the other choice is taken there. From then on,
    wherever the alternative rejoins a scene the learner went through, the learner's own
    choice is replayed; elsewhere the scene's first choice is taken (a deterministic
    stand-in for "carried on as before"). Keyed by the alternative choice id.
    """
    scene_id, taken = steps[at]
    own = dict(steps)
    result: dict[str, Trajectory] = {}

    def carry_on(scene: Scene) -> Choice:
        return scenario.choice(scene.id, own.get(scene.id, scene.choices[0].id))

    for choice in scenario.scenes[scene_id].choices:
        if choice.id == taken:
            continue
        walker = Walker(scenario, weights)
        for earlier_scene, earlier_choice in steps[:at]:
            walker.step(earlier_choice, earlier_scene)
        walker.step(choice.id, scene_id)
        result[choice.id] = walk_to_end(scenario, carry_on, walker).trajectory()
    return result


# --- surface strategies: can the study path be found without reading? -------------------------

#: How a learner who does not read might choose, given the options in the order shown.
STRATEGIES: dict[str, Callable[[list[Choice], random.Random], Choice]] = {
    "always the first shown": lambda shown, _rng: shown[0],
    "always the last shown": lambda shown, _rng: shown[-1],
    "always the longest label": lambda shown, _rng: max(shown, key=lambda c: len(c.label)),
    "always the shortest label": lambda shown, _rng: min(shown, key=lambda c: len(c.label)),
    "at random": lambda shown, rng: rng.choice(shown),
}


@dataclass(frozen=True)
class StrategyResult:
    """How often learners following one strategy chose as the worker in the study did."""

    strategy: str
    learners: int
    same: int
    met: int

    @property
    def rate(self) -> float:
        return self.same / self.met if self.met else 0.0


def strategy_results(scenario: Scenario, learners: int = 200) -> list[StrategyResult]:
    """Simulated learners, each with their own journey seed (so their own option order), who
    always take the first, last, longest or shortest option shown, or choose at random.

    A branching case teaches only if it cannot be played without reading (DESIGN.md, "No
    surface cue"): no strategy should match the study path much more often than chance.
    """
    results = []
    for name, rule in STRATEGIES.items():
        same = met = 0
        for learner in range(learners):
            rng = random.Random(f"{name}:{learner}")
            seed = rng.randrange(2**31)

            def pick(
                scene: Scene,
                seed: int = seed,
                rng: random.Random = rng,
                rule: Callable[[list[Choice], random.Random], Choice] = rule,
            ) -> Choice:
                return rule(options_in_order(scene, seed), rng)

            walker = walk_to_end(scenario, pick)
            steps = [(p.scene, p.choice) for p in walker.points if p.choice is not None]
            decided = [s for s in steps if len(scenario.scenes[s[0]].choices) > 1]
            got, total = study_matches(scenario, decided)
            same, met = same + got, met + total
        results.append(StrategyResult(name, learners, same, met))
    return results
