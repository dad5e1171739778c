"""The case format: what an author writes in ``cases/<id>.yaml``.

A ``Scenario`` is immutable data. It says nothing about how a learner moves
through it (that is a :class:`casework.journey.Journey`) or what the
relationship looks like over time (that is derived by
:mod:`casework.trust_model`). Field descriptions become the JSON Schema that
authors' editors read, so they are written for authors.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

#: The case-file format this version of the engine writes and reads natively.
#: Older files are upgraded step by step on load (see :mod:`casework.upgrade`).
SCHEMA_VERSION = 3

Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", min_length=1, max_length=64),
]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)


class TimeUnit(StrEnum):
    weeks = "weeks"
    months = "months"


class DimensionKind(StrEnum):
    """How the trust model treats a dimension (see docs/model-card.md)."""

    relational = "relational"
    evidence = "evidence"
    capacity = "capacity"


class Source(_Frozen):
    key: Identifier = Field(description="Short key used by `evidence` entries, e.g. ferguson2022.")
    citation: Text = Field(description="Full reference: authors, year, title, where published.")
    url: str | None = Field(default=None, description="Where a reader can find it, if public.")


class Phase(_Frozen):
    id: Identifier
    label: Text = Field(description="How the phase is named to learners, e.g. 'Reunification'.")


class Dimension(_Frozen):
    id: Identifier
    label: Text = Field(description='What learners see on the chart, e.g. "Mother\'s trust".')
    meaning: Text = Field(description="One or two sentences: what a high and a low value mean.")
    kind: DimensionKind = Field(
        default=DimensionKind.relational,
        description=(
            "relational: slow to build, quick to lose, drifts back without contact, scaled by the "
            "worker's capacity. evidence: what is known (moves as written). capacity: the "
            "worker's own thinking space (at most one per case)."
        ),
    )
    better: Literal["higher", "lower"] = Field(
        default="higher",
        description="Which direction is better for the relationship (fear of the worker: lower).",
    )
    start: float = Field(description="Value at the start of the case.")
    min: float = Field(default=0.0, description="Lowest value.")
    max: float = Field(default=100.0, description="Highest value.")


class Evidence(_Frozen):
    source: Identifier = Field(description="A key from `sources`.")
    locator: Text = Field(
        description="Where in the source: a section, month, page or theme, e.g. 'Month 9'."
    )


class BasisKind(StrEnum):
    """Where a part of a case comes from: what the learner is told beside it."""

    study = "study"
    course = "course"


class Basis(_Frozen):
    """Whether a scene, choice or debrief part reports the study or is the course's own.

    Learners must always be able to tell what the research reports from what the course
    invented for teaching; the player shows this mark beside every scene and debrief part.
    """

    kind: BasisKind = Field(
        description="study: the source reports this (give source and locator). course: the "
        "course's own scenario, invented for teaching."
    )
    source: Identifier | None = Field(
        default=None, description="With kind study: a key from `sources`."
    )
    locator: Text | None = Field(
        default=None,
        description="With kind study: where in the source, e.g. 'Clarke family, month 9'.",
    )
    note: Text | None = Field(
        default=None,
        description="What the course added to or changed from the source, in a sentence "
        "(e.g. 'the study reports the visit; the words are the course's').",
    )


class Quote(_Frozen):
    """A quotation used in the text around it. Quotation marks mean a quotation and nothing
    else: every quoted span in case text must be one of these, with its source."""

    text: Text = Field(description="The quoted words, exactly as the source has them.")
    source: Identifier = Field(description="A key from `sources`.")
    locator: Text = Field(description="Where in the source the words are.")


class LawNote(_Frozen):
    """Law, statutory guidance or procedure that bears on a decision, in a few sentences.

    Shown with the consequence (not before the choice, where it would cue the answer) and in
    the debrief; each note cites the statute or guidance it rests on."""

    topic: Text = Field(description="A short heading, e.g. 'Section 47 enquiries'.")
    text: Text = Field(description="What the law or procedure says here, in plain words.")
    evidence: list[Evidence] = Field(
        min_length=1, description="The statute or guidance (a key from `sources` + a locator)."
    )


class FirstAnswer(_Frozen):
    """Before the options appear, the learner writes in a sentence what they would do."""

    id: Identifier = Field(description="Unique among the case's reflections and first answers.")
    prompt: Text = Field(description="The question, e.g. 'What would you do now, and why?'")


class OptionOrder(StrEnum):
    shuffled = "shuffled"
    as_written = "as_written"


class CaseKind(StrEnum):
    study_case = "study_case"
    illustrative_vignette = "illustrative_vignette"
    composite = "composite"


class CaseAccount(_Frozen):
    """What the case is, exactly, so learners know what kind of account they are playing."""

    kind: CaseKind = Field(
        description="study_case: a family followed in published research. "
        "illustrative_vignette: a short example a source gives to illustrate an idea. "
        "composite: put together by the course from what a source reports of many families."
    )
    description: Text = Field(description="One or two sentences for the case list.")


class Condition(_Frozen):
    """A test on one dimension's value, just after the choice is made."""

    at_least: float | None = Field(default=None, description="Holds when the value is >= this.")
    below: float | None = Field(default=None, description="Holds when the value is < this.")

    @model_validator(mode="after")
    def _one_bound(self) -> Condition:
        if self.at_least is None and self.below is None:
            raise ValueError("give 'at_least', 'below' or both")
        if self.at_least is not None and self.below is not None and self.at_least >= self.below:
            raise ValueError("'at_least' must be smaller than 'below'")
        return self

    def holds(self, value: float) -> bool:
        if self.at_least is not None and value < self.at_least:
            return False
        return not (self.below is not None and value >= self.below)


class Route(_Frozen):
    """Somewhere else to go when the relationship is in a given state after the choice."""

    when: dict[Identifier, Condition] = Field(
        min_length=1,
        description="Every condition must hold, e.g. {trust: {below: 30}}.",
    )
    next: Identifier = Field(description="The scene or ending to go to when they all hold.")


class Choice(_Frozen):
    id: Identifier
    label: Text = Field(description="The button text: what the worker does, in a few words.")
    consequence: Text = Field(description="What happens next, shown to the learner after choosing.")
    effects: dict[Identifier, float] = Field(
        default_factory=dict,
        description="Raw push on each dimension (about -20..20); the trust model shapes it.",
    )
    reliable: bool = Field(
        default=False,
        description="A reliable act (turning up as promised, doing what was said): these compound.",
    )
    contact: bool = Field(
        default=True,
        description="False when the choice leaves the family without meaningful contact until "
        "the next scene: relational dimensions then drift back toward their start.",
    )
    concepts: list[Text] = Field(
        min_length=1, description="Practice concepts it illustrates, e.g. reliability, containment."
    )
    evidence: list[Evidence] = Field(
        default_factory=list, description="The research behind the effects (source + locator)."
    )
    next: Identifier = Field(description="The id of the next scene or ending.")
    routes: list[Route] = Field(
        default_factory=list,
        description="Checked in order after the choice; the first whose conditions all hold "
        "decides where the case goes instead of `next`. Lets an ending reflect the whole path.",
    )
    basis: Basis | None = Field(
        default=None,
        description="Whether the consequence reports the study or is the course's own "
        "(the study path's choices at study scenes say study).",
    )
    quotes: list[Quote] = Field(
        default_factory=list, description="Quotations in the label or the consequence."
    )

    def destinations(self) -> list[str]:
        """Every scene or ending this choice can lead to."""
        return [route.next for route in self.routes] + [self.next]

    def destination(self, values: Mapping[str, float]) -> str:
        """Where the case goes, given the relationship just after the choice."""
        for route in self.routes:
            if all(
                condition.holds(values[dimension]) for dimension, condition in route.when.items()
            ):
                return route.next
        return self.next


class Reflection(_Frozen):
    id: Identifier
    prompt: Text = Field(description="The question the learner is invited to write about.")


class Scene(_Frozen):
    id: Identifier
    time: float = Field(ge=0, description="When it happens, in the case's time unit.")
    phase: Identifier | None = Field(default=None, description="A phase id, if phases are used.")
    title: Text = Field(description="A short heading for the scene.")
    setting: Text = Field(description="Where we are.")
    present: list[Text] = Field(default_factory=list, description="Who is there.")
    narrative: Text = Field(description="What is happening, in the course's own words.")
    content_note: str | None = Field(
        default=None, description="Shown before this scene when it holds distressing material."
    )
    reflection: Reflection | None = None
    basis: Basis | None = Field(
        default=None, description="Whether the scene reports the study or is the course's own."
    )
    first_answer: FirstAnswer | None = Field(
        default=None,
        description="Ask the learner what they would do, in their own words, before the "
        "options appear (use at two or three key decisions of a long case).",
    )
    option_order: OptionOrder = Field(
        default=OptionOrder.shuffled,
        description="shuffled (the default): each learner sees the options in their own "
        "order, so position gives nothing away. as_written: keep the file's order, where "
        "order means something (a time sequence).",
    )
    law_notes: list[LawNote] = Field(
        default_factory=list,
        description="Law or procedure that bears on this decision, shown with the consequence.",
    )
    quotes: list[Quote] = Field(
        default_factory=list, description="Quotations in the narrative or the prompts."
    )
    choices: list[Choice] = Field(default_factory=list)


class DebriefPart(_Frozen):
    """One claim or point of a debrief, marked as the study's or the course's own."""

    text: Text
    basis: Basis


class Ending(_Frozen):
    id: Identifier
    time: float = Field(ge=0)
    phase: Identifier | None = None
    title: Text
    kind: Text = Field(
        description="What sort of ending, in a few words (e.g. 'holding relationship')."
    )
    narrative: Text = Field(description="What happens at the end of this path.")
    basis: Basis | None = Field(
        default=None,
        description="Whether this ending happened in the study or is the course's own.",
    )
    debrief: Text | list[DebriefPart] = Field(
        description="What the learner can take from this path, with the research: a text, or "
        "(better) a list of parts, each marked as the study's or the course's own."
    )
    reflection: Reflection | None = None
    quotes: list[Quote] = Field(
        default_factory=list, description="Quotations in the narrative, debrief or prompt."
    )

    def debrief_parts(self) -> list[DebriefPart | str]:
        """The debrief as parts (an unmarked text is one part without a basis)."""
        return [self.debrief] if isinstance(self.debrief, str) else list(self.debrief)


class Case(_Frozen):
    """A whole case file."""

    schema_version: Literal[3] = Field(
        description="Format version of this file. Older files are upgraded on load."
    )
    id: Identifier = Field(description="Short id, used on the command line: `casework play <id>`.")
    version: Text = Field(description="The case's own version, e.g. '1.0'; saved in journeys.")
    title: Text
    summary: Text = Field(description="Two or three sentences for the case list.")
    content_note: Text = Field(description="What distressing material the case holds.")
    anonymisation: Text = Field(description="How the people in the case were anonymised.")
    account: CaseAccount | None = Field(
        default=None, description="What kind of account the case is (shown in the case list)."
    )
    quotes: list[Quote] = Field(
        default_factory=list,
        description="Quotations in the case's summary, content note or dimension texts.",
    )
    time_unit: TimeUnit
    sources: list[Source] = Field(min_length=1)
    phases: list[Phase] = Field(default_factory=list)
    dimensions: list[Dimension] = Field(min_length=1)
    start: Identifier = Field(description="The id of the first scene.")
    scenes: list[Scene] = Field(min_length=1)
    endings: list[Ending] = Field(min_length=1)
    study_path: list[Identifier] | None = Field(
        default=None,
        description="The choice ids the worker in the research took, from the start to an ending.",
    )
    allow_cycles: bool = Field(
        default=False, description="Declare true only if the case deliberately loops."
    )
    listed: bool = Field(
        default=True,
        description="Shown in the learners' list of cases. False for drafts and for the "
        "demonstration case, which authors still validate, play and map.",
    )


class Scenario:
    """A validated case with fast look-ups; what the rest of the engine works with."""

    def __init__(self, case: Case, path: str | None = None) -> None:
        self.case = case
        self.path = path
        self.scenes: dict[str, Scene] = {s.id: s for s in case.scenes}
        self.endings: dict[str, Ending] = {e.id: e for e in case.endings}
        self.dimensions: dict[str, Dimension] = {d.id: d for d in case.dimensions}
        self.sources: dict[str, Source] = {s.key: s for s in case.sources}
        self.phases: dict[str, Phase] = {p.id: p for p in case.phases}

    @property
    def id(self) -> str:
        return self.case.id

    @property
    def title(self) -> str:
        return self.case.title

    @property
    def start(self) -> Scene:
        return self.scenes[self.case.start]

    def node(self, node_id: str) -> Scene | Ending:
        """A scene or an ending by id."""
        if node_id in self.scenes:
            return self.scenes[node_id]
        return self.endings[node_id]

    def is_ending(self, node_id: str) -> bool:
        return node_id in self.endings

    def choice(self, scene_id: str, choice_id: str) -> Choice:
        """The choice in a scene, or a ``KeyError`` naming the valid ones."""
        scene = self.scenes[scene_id]
        for choice in scene.choices:
            if choice.id == choice_id:
                return choice
        valid = ", ".join(c.id for c in scene.choices)
        raise KeyError(
            f"scene '{scene_id}' has no choice '{choice_id}'; the choices there are: {valid}"
        )

    def decision_points(self) -> int:
        """Scenes where the learner chooses between at least two things."""
        return sum(1 for s in self.case.scenes if len(s.choices) >= 2)

    def time_span(self) -> tuple[float, float]:
        times = [s.time for s in self.case.scenes] + [e.time for e in self.case.endings]
        return min(times), max(times)
