"""Hypothesis strategies for generated cases, journeys and model states.

Shared by the property tests (``from strategies import ...``; pytest puts this folder on
``sys.path``). Everything here builds ``casework.scenario`` objects directly in Python, so
a generated case goes through the same pydantic model as a case file, and every case it
generates also passes the project's own validator (``test_generated_cases_are_valid``).

Shape of a generated case:

* 1-4 dimensions of mixed kinds (relational / evidence / capacity, at most one capacity),
  each with a random ``better`` direction, a range of width 30..200 somewhere in -100..300
  and a start anywhere in the range (the bounds included);
* 2-15 scenes in order, with non-decreasing times in months or weeks; every choice goes
  forward (to a later scene or to an ending), so the graph has no cycles; one choice of
  each scene (at a random position) goes to the next scene, so every scene is reachable;
  endings that no choice reaches are dropped;
* 1-3 choices per scene, each with random effects in -30..30 on a random subset of the
  dimensions and random ``reliable`` / ``contact`` flags; its concept and its 1-2
  evidence entries (citing declared sources) cycle through fixed lists, which keeps
  generation fast (the model never reads them);
* with ``routes=True``, some choices also get 1-2 routes: conditions (``at_least`` and/or
  ``below``, inside the range) on 1-2 dimensions, each route to a later scene or ending.
  Routing depends on the relationship, so a test that edits a case and replays the same
  path should generate cases without routes (the default).

``journeys(scenario)`` walks with the model's own ``Walker``, so it follows routes exactly
as the course does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from casework.scenario import SCHEMA_VERSION, Case, Choice, Dimension, DimensionKind, Scenario
from casework.trust_model import ModelWeights, Walker

Step = tuple[str, str]

SOURCES = {
    "ferguson": "Ferguson et al. (2022) Social work as a holding relationship.",
    "mason": "Mason (2012) Social work the 'art of relationship'.",
    "ruch": "Ruch, PSDP Knowledge Briefing: Practising relationship-based social work.",
    "basw": "BASW England (2022) 80:20 campaign webinar.",
}
CONCEPTS = [
    "reliability",
    "containment",
    "good authority",
    "transparency",
    "defensive practice",
    "respectful communication",
]

#: A push on one dimension, as an author would write it: mostly whole numbers, some not.
pushes = st.one_of(
    st.integers(-30, 30).map(float),
    st.floats(-30, 30, allow_nan=False, allow_infinity=False, allow_subnormal=False),
)
#: A push of at least some size (for properties about "a push of m").
magnitudes = st.one_of(
    st.integers(1, 30).map(float),
    st.floats(0.5, 30, allow_nan=False, allow_infinity=False),
)


@st.composite
def dimensions(
    draw: st.DrawFn,
    *,
    capacity: bool | None = None,
    min_relational: int = 0,
) -> list[Dimension]:
    """1-4 dimensions; ``capacity`` True/False forces one/none, None lets it vary."""
    count = draw(st.integers(max(1, min_relational + (capacity is True)), 4))
    kinds = [
        draw(st.sampled_from([DimensionKind.relational, DimensionKind.evidence]))
        for _ in range(count)
    ]
    for i in range(min_relational):
        kinds[i] = DimensionKind.relational
    has_capacity = draw(st.booleans()) if capacity is None else capacity
    if has_capacity:
        free = list(range(min_relational, count))
        if free:
            kinds[draw(st.sampled_from(free))] = DimensionKind.capacity
    kinds = draw(st.permutations(kinds))
    result = []
    for i, kind in enumerate(kinds):
        low = float(draw(st.integers(-100, 100)))
        span = float(draw(st.integers(30, 200)))
        start = low + float(draw(st.integers(0, int(span))))
        result.append(
            Dimension(
                id=f"d{i}",
                label=f"Dimension {i}",
                meaning=f"A generated {kind.value} dimension.",
                kind=kind,
                better=draw(st.sampled_from(["higher", "lower"])),
                start=start,
                min=low,
                max=low + span,
            )
        )
    return result


_unit_times = st.one_of(st.integers(0, 6).map(float), st.floats(0, 6, allow_nan=False))
_maybe_push = st.one_of(st.none(), pushes)


@st.composite
def cases(
    draw: st.DrawFn,
    *,
    capacity: bool | None = None,
    min_relational: int = 0,
    min_scenes: int = 2,
    max_scenes: int = 15,
    routes: bool = False,
) -> Case:
    """A random valid case (see the module docstring for its shape)."""
    dims = draw(dimensions(capacity=capacity, min_relational=min_relational))
    dim_ids = [d.id for d in dims]
    source_keys = draw(
        st.lists(st.sampled_from(sorted(SOURCES)), min_size=1, max_size=4, unique=True)
    )
    time_unit = draw(st.sampled_from(["months", "weeks"]))

    n_scenes = draw(st.integers(min_scenes, max_scenes))
    time = float(draw(st.integers(0, 3)))
    times = []
    for _ in range(n_scenes):
        times.append(time)
        time += draw(_unit_times)
    n_endings = draw(st.integers(1, 3))
    ending_ids = [f"e{k}" for k in range(n_endings)]

    # Cosmetic fields (concepts, evidence) cycle through their lists: cheap to build and
    # still varied; everything the model reads (targets, effects, flags) is drawn.
    scenes: list[dict[str, Any]] = []
    reached_endings: set[str] = set()
    for i in range(n_scenes):
        later = [f"s{j}" for j in range(i + 1, n_scenes)] + ending_ids
        n_choices = draw(st.integers(1, 3))
        forward = 0 if i == n_scenes - 1 else draw(st.integers(0, n_choices - 1))
        choices = []
        for j in range(n_choices):
            if i < n_scenes - 1 and j == forward:
                target = f"s{i + 1}"
            else:
                target = later[draw(st.integers(0, len(later) - 1))]
            if target in ending_ids:
                reached_endings.add(target)
            effects = {}
            for dim_id in dim_ids:
                push = draw(_maybe_push)
                if push is not None:
                    effects[dim_id] = push
            k = i + j
            choice_routes = []
            for _ in range(draw(st.integers(0, 2)) if routes else 0):
                route_target = later[draw(st.integers(0, len(later) - 1))]
                if route_target in ending_ids:
                    reached_endings.add(route_target)
                tested = draw(st.lists(st.sampled_from(dims), min_size=1, max_size=2, unique=True))
                choice_routes.append(
                    {"when": {d.id: draw(conditions(d)) for d in tested}, "next": route_target}
                )
            choices.append(
                {
                    "id": f"c{j}",
                    "label": f"Choice {j} in scene {i}",
                    "consequence": "Something follows.",
                    "effects": effects,
                    "reliable": draw(st.booleans()),
                    "contact": draw(st.booleans()),
                    "concepts": [CONCEPTS[k % len(CONCEPTS)]],
                    "evidence": [
                        {
                            "source": source_keys[(k + e) % len(source_keys)],
                            "locator": f"Section {k + e}",
                        }
                        for e in range(1 + k % 2)
                    ],
                    "next": target,
                    "routes": choice_routes,
                }
            )
        scenes.append(
            {
                "id": f"s{i}",
                "time": times[i],
                "title": f"Scene {i}",
                "setting": "Somewhere.",
                "narrative": "Something happens.",
                "choices": choices,
            }
        )
    end_time = times[-1] + float(draw(st.integers(0, 3)))
    endings = [
        {
            "id": e,
            "time": end_time,
            "title": f"Ending {e}",
            "kind": "generated",
            "narrative": "It ends.",
            "debrief": "Think about it.",
        }
        for e in ending_ids
        if e in reached_endings
    ]
    return Case.model_validate(
        {
            "schema_version": SCHEMA_VERSION,
            "id": "generated",
            "version": "1.0",
            "title": "A generated case",
            "summary": "Generated for property tests.",
            "content_note": "None.",
            "anonymisation": "Invented.",
            "time_unit": time_unit,
            "sources": [{"key": k, "citation": SOURCES[k]} for k in source_keys],
            "dimensions": [d.model_dump(mode="json") for d in dims],
            "start": "s0",
            "scenes": scenes,
            "endings": endings,
        }
    )


@st.composite
def conditions(draw: st.DrawFn, dimension: Dimension) -> dict[str, float]:
    """A route condition with bounds inside (min, max], as the validator requires."""
    span = dimension.max - dimension.min
    cuts = sorted(draw(st.lists(st.integers(1, 20), min_size=1, max_size=2, unique=True)))
    bounds = [dimension.min + span * c / 20 for c in cuts]
    if len(bounds) == 2:
        return {"at_least": bounds[0], "below": bounds[1]}
    return {draw(st.sampled_from(["at_least", "below"])): bounds[0]}


def scenarios(**kwargs: Any) -> st.SearchStrategy[Scenario]:
    """A random valid case wrapped as a ``Scenario`` (keyword arguments go to ``cases``)."""
    return cases(**kwargs).map(Scenario)


@st.composite
def journeys(draw: st.DrawFn, scenario: Scenario) -> list[Step]:
    """A random walk from the start, a drawn choice at each scene, until an ending.

    Walks with the model's ``Walker`` (default weights), so routes are followed.
    """
    steps: list[Step] = []
    walker = Walker(scenario)
    while not walker.at_ending:
        scene = scenario.scenes[walker.node]
        choice = scene.choices[draw(st.integers(0, len(scene.choices) - 1))]
        steps.append((scene.id, choice.id))
        walker.step(choice.id, scene.id)
    return steps


@st.composite
def scenario_and_journey(draw: st.DrawFn, **kwargs: Any) -> tuple[Scenario, list[Step]]:
    scenario = draw(scenarios(**kwargs))
    return scenario, draw(journeys(scenario))


@st.composite
def states(draw: st.DrawFn, scenario: Scenario) -> dict[str, float]:
    """Values for every dimension of a scenario, anywhere in its range (bounds included)."""
    values = {}
    for d in scenario.case.dimensions:
        share = draw(st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0, 1)))
        values[d.id] = min(d.max, d.min + share * (d.max - d.min))
    return values


def make_choice(
    effects: dict[str, float], *, reliable: bool = False, contact: bool = True
) -> Choice:
    """A stand-alone choice for ``apply_choice`` (its ``next`` is never followed)."""
    return Choice(
        id="act",
        label="An act",
        consequence="It happens.",
        effects=effects,
        reliable=reliable,
        contact=contact,
        concepts=["generated"],
        next="end",
    )


def sandbox_weights() -> st.SearchStrategy[ModelWeights]:
    """Weights a learner or educator might set: every constant in a sensible range.

    The ranges contain the course sandbox's slider ranges (casework.course.SANDBOX_WEIGHTS)
    and go beyond them, since ``with_weights`` can be called from code too.
    """
    unit = st.floats(0, 1, allow_nan=False)
    return st.builds(
        ModelWeights,
        build_rate=st.floats(0.05, 3),
        loss_rate=st.floats(0.05, 5),
        reliability_step=unit,
        reliability_cap=st.floats(1, 4),
        drift_months=st.floats(0, 24),
        capacity_floor=unit,
        saturation_start=unit,
    )


def edit_case(case: Case, edit: Callable[[dict[str, Any]], None]) -> Scenario:
    """A new scenario from a copy of ``case`` changed by ``edit`` (on its plain-data form).

    The copy is validated again, so an edit cannot produce an object the format forbids.
    """
    data = case.model_dump(mode="json")
    edit(data)
    return Scenario(Case.model_validate(data))


def choice_data(data: dict[str, Any], scene_id: str, choice_id: str) -> dict[str, Any]:
    """The plain-data form of one choice inside ``case.model_dump()`` output."""
    scene = next(s for s in data["scenes"] if s["id"] == scene_id)
    return next(c for c in scene["choices"] if c["id"] == choice_id)


def goodness(value: float, dimension: Dimension) -> float:
    """A value measured in the 'better' direction (higher is always better)."""
    return value if dimension.better == "higher" else -value


def good_sign(dimension: Dimension) -> float:
    """The sign of a push in the dimension's good direction."""
    return 1.0 if dimension.better == "higher" else -1.0


def good_bound(dimension: Dimension) -> float:
    return dimension.max if dimension.better == "higher" else dimension.min


def bad_bound(dimension: Dimension) -> float:
    return dimension.min if dimension.better == "higher" else dimension.max


def relational(scenario: Scenario) -> list[Dimension]:
    return [d for d in scenario.case.dimensions if d.kind == DimensionKind.relational]


def capacity_dimension(scenario: Scenario) -> Dimension | None:
    return next((d for d in scenario.case.dimensions if d.kind == DimensionKind.capacity), None)
