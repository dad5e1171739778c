"""The course's two graded reflections: what each asks, its points, and the rubric they share.

The nbgrader source notebooks (``exercises/source/``) are generated from these texts by
``casework.grading.notebooks``, not edited by hand, so that both assignments keep the same
shape, every nbgrader cell has the right metadata and a stable id, and the rubric in each
notebook is the one in ``docs/rubric.md`` word for word. Edit this file (or the rubric), then,
in the repository::

    .venv/bin/casework build-assignments

``tests/test_nbgrader_pipeline.py`` fails if a committed notebook differs from what the builder
makes. The notebooks are written without outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Re-exported: the rubric's sections and text, where the assignments have always offered them.
from casework.grading.rubric import SECTIONS as SECTIONS
from casework.grading.rubric import rubric_file as rubric_file
from casework.grading.rubric import rubric_markdown as rubric_markdown
from casework.locations import checkout

#: What nbgrader puts in place of the concept answer and of each reflection when it releases an
#: assignment (``ClearSolutions`` in exercises/nbgrader_config.py): a sentence to complete, and
#: the placeholder a section keeps until the learner writes (``checks`` looks for it).
CODE_STUB = 'answer = ""  # type your one-word answer between the quotes'
TEXT_STUB = (
    "*Write your answer here: double-click this cell to edit it, and press Shift+Enter "
    "when you have finished.*"
)

#: The points for each graded part (the rubric in docs/rubric.md says the same in words).
JOURNEY_POINTS = 2
CONCEPT_POINTS = 2
SECTION_POINTS = 4
LEVEL_POINTS = 4


@dataclass(frozen=True)
class Assignment:
    """What differs between the assignments; everything else is shared."""

    id: str
    case: str
    title: str
    introduction: str
    content_note: str
    concept_question: str
    concept_solution: str
    concept_accepted: tuple[str, ...]
    #: Section id -> what to write about in this case (markdown).
    section_prompts: dict[str, str]
    mark_scheme: str

    @property
    def journey_file(self) -> str:
        return f"{self.case}.journey.json"

    @property
    def notebook(self) -> str:
        return f"{self.id}.ipynb"


def _repository() -> Path:
    root = checkout()
    if root is None:
        raise FileNotFoundError(
            "the assignments are built in the course's repository (docs/rubric.md, exercises/); "
            "this casework is an installed copy"
        )
    return root


def exercises_dir() -> Path:
    """The nbgrader course root in the repository (``exercises/``)."""
    return _repository() / "exercises"


# --- the two assignments ------------------------------------------------------------------

CLARKE = Assignment(
    id="clarke-reflection",
    case="clarke",
    title="A year with the Clarkes",
    introduction=(
        "You are Miriam, the social worker for Samantha and Oliver Clarke, whose baby Louis was "
        "taken into foster care at birth. Over twelve months you decide how to assess both "
        "parents, what to say in court, how to visit once Louis is home and how to begin an "
        "ending. Some scenes are reported in the study and some are the course's own; the case "
        "marks which is which. Then you write about the choices you made."
    ),
    content_note=(
        "a newborn baby removed from his parents and his months in foster care, an older child "
        "in care, a parent's past drug "
        "and alcohol use, domestic abuse (mentioned, not described), a mother's own abuse in "
        "childhood and her time in care, and money worries. Some paths end with the case back "
        "in the family court. Nothing is described in graphic detail."
    ),
    concept_question=(
        "In the study, Samantha at first would not let the workers into her house, and Miriam "
        "later said she had disliked her intensely. Miriam kept going back, when she said she "
        "would and with the same attitude each time, and the researchers, drawing on Clare "
        "Winnicott, put this quality at the centre of the holding relationship that grew "
        "between them. What is it called?"
    ),
    concept_solution="reliability",
    concept_accepted=("reliability", "reliable", "reliably"),
    section_prompts={
        "decision": (
            "Choose one decision that mattered to you. Good places to look: whether to go along "
            "with the 'disguised compliance' label (month 2), whether to bring Oliver into the "
            "assessment (month 4), what to say in court (month 5), how to answer Samantha after "
            "the unannounced visit (month 10), or how to raise the ending (month 12). If the "
            "player asked you, before the options, what you would do, compare your first answer "
            "with your choice. If it asked you when a social worker should stand publicly with a "
            "family against another professional's view, answer it here."
        ),
        "feelings": (
            "What did you feel towards Samantha and Oliver at the start, and later? Did any "
            "feeling make you hurry, stay away, reassure too soon or dig in? If the player "
            "asked you what happens in you when a parent is hostile, answer it here."
        ),
        "analysis": (
            "Use the ideas the case showed you (for example good authority, containment, "
            "holding, ethical practice) and the law and values that apply, to explain your "
            "choices. Compare your path with Miriam's on the debrief chart. If the player "
            "asked you what you would need to see before believing a change was genuine, "
            "answer it here."
        ),
        "perspectives": (
            "How might Samantha, Oliver and, in time, Louis describe the year, including his six "
            "months in foster care and his move home? Where did your power show: in the "
            "record, in court, at the door? Which of your assumptions did "
            "the case test? If the player asked you how to hold care and control in the same "
            "relationship, answer it here."
        ),
        "learning": (
            "What will you do in your own practice because of this case, and what would tell "
            "you, in the moment, that you needed to? If the player asked you how you would "
            "prepare a parent for the end of a holding relationship, answer it here."
        ),
    },
    mark_scheme="""\
Score each section 1 to 4 against the rubric first, then choose the overall level. Mark the
thinking, not the path: a journey that ended badly, honestly examined, can reach 4 on every
section. Do not reward length, jargon or agreement with Miriam.

**1. The decision and the dilemma.** Strong answers pick a real fork: the 'disguised compliance'
label in month 2 (loyalty to colleagues and the assessment timetable against fairness to a
parent who may be learning); bringing Oliver in at month 4 (a father who wished he had been
asked sooner, against the court timetable and concerns that centred on Samantha's history); the
court in month 5 (standing with the parents against the court social worker, which the study
calls ethical holding, against neutrality and the court's need for evidence); the reply after
the family support worker's unannounced visit in month 10 (keeping a plan that lets workers see
Louis's daily care, against Samantha's fear, and calm honesty against false reassurance); the
ending in month 12 (other families' need for the worker's time against a careful ending). A 4 is
frank about what could not be known when choosing, such as whether the progress would last after
Louis came home.

**2. Feelings and use of self.** Look for honesty about dislike, irritation, fear of getting it
wrong, a wish to rescue, or relief when a visit was short. Miriam admitted disliking Samantha at
first and feeling that everyone was against her before her manager backed her in supervision.
A 4 uses the feelings to understand the relationship (for instance being hated and still
relied on, the idea of a reliable hate object) and names the support the learner would need.

**3. Analysis with knowledge and values.** Relevant ideas: the holding relationship and its
parts (reliability, critical and ethical practice, immersion in ordinary family life, good
authority combining care and control) from Ferguson et al. (2022); containment and containing
the container (Ruch); 'disguised compliance' as a contested label; parents' accounts of what
helps (Mason, 2012). Law and values: the Children Act 1989 (the child's welfare paramount;
accommodation by agreement under section 20 against a care order under section 31; the court
decides on care and on return home; section 17 help for a child in need), the Public Law Outline
timetable and the roles in court (the local authority, the parents' lawyers, the children's
guardian from Cafcass, the judge), the limits of sharing records, the BASW Code of Ethics.
Credit a learner who notices what the study does not say, such as which order Louis was on at
home. A 4 questions an idea or the course's teaching model (what the chart cannot show) or
explains why the learner's path differs from the study's.

**4. Perspectives, power and assumptions.** Samantha's own abuse and time in care; her older
child still in care; her fear that Louis is 'only half mine'; Oliver as a father to be involved,
who wished it had been sooner; Louis's own experience of six months with a foster carer and a
move home; money worries and the benefits letter; who writes the record, and whether the family
saw it. The study does not give the family's ethnicity: do not credit assumptions stated as
facts, but do credit a learner who notices the gap and asks what difference it might make. A 4
challenges an assumption with evidence (for example that compliance means safety, or that
hostility means danger).

**5. Learning and action.** Credit specific actions tied to the case and cues noticed in the
moment: an urge to leave early, a parent saying everything is fine, silence in a conference, a
door that stays half shut. Generic promises to communicate better score 1 or 2.

**Overall level.** One judgement of the whole piece, on Kember's levels (not an average of the
sections): 1 habitual action (describing what happened, not yet reflecting); 2 understanding
(ideas explained but not connected to the learner's own choices); 3 reflection (ideas connected
to their choices, with insights of their own); 4 critical reflection (a changed view of the
situation or of themselves, which they can account for and which changes what they conclude).
Level 4 is uncommon; most good work sits at 3.

**Autograded checks.** You may override an autograded score in formgrader, and say why in the
comment on the overall level (check cells take no comment): for instance a defensible synonym
for the concept answer (such as 'consistency'), or a journey file lost through a technical fault
the learner reported before the deadline. The learner's feedback says the mark was changed.""",
)

KEISHA = Assignment(
    id="keisha-reflection",
    case="keisha",
    title="The feelings that come home with you",
    introduction=(
        "You are Keisha, a social worker visiting Karen and Amy and their two young children, "
        "where there are worries about neglect. A visit that seemed to go well leaves you, "
        "hours later, drained and low, and you decide what to make of it. Then Callum's school "
        "rings with a worry about a boy of four, and later you take the seat of your "
        "supervisor, Mark. Then you write about the choices you made."
    ),
    content_note=(
        "concerns about the neglect of two children aged three and five; a school's report of a "
        "four-year-old's sexualised behaviour, the child protection enquiry that follows, and "
        "the possibility, never confirmed, that he has been abused; the racism and homophobia a "
        "family may have met; and a worker's tiredness, low mood and heavy workload. Nothing is "
        "described in graphic detail."
    ),
    concept_question=(
        "After a visit that seemed to go smoothly, Keisha is hit, hours later, by a heavy "
        "tiredness and a sense that nothing she does will help: feelings she did not have when "
        "she knocked on the door. Which psychoanalytic process does the knowledge briefing use "
        "to explain where those feelings came from?"
    ),
    concept_solution="projection",
    concept_accepted=("projection", "projections", "projected"),
    section_prompts={
        "decision": (
            "Choose one decision that mattered to you. Good places to look: what to do with the "
            "tiredness after the visit (week 1), whether the plan was made with Karen and Amy or "
            "for them, what you did when Callum's school rang (week 4), what you did as Mark "
            "when Keisha's answers grew short, how you approached Callum, or what you did in "
            "the week your head was too full."
        ),
        "feelings": (
            "What did you feel during and after the visits, and as Mark in supervision? Did any "
            "feeling make you hurry, avoid, push or hold back? If the player asked you about a "
            "time you came away with feelings you did not bring, answer it here."
        ),
        "analysis": (
            "Use the ideas the case showed you (for example containment, parallel process, "
            "splitting, authoritative practice) and the law and guidance that apply, "
            "to explain your choices. Compare your path with the path in the briefing on the "
            "debrief chart. If the player asked you, as Mark, whether you have ever done to "
            "someone what seemed to have been done to them, answer it here."
        ),
        "perspectives": (
            "How might Karen, Amy and their children describe your visits? How might "
            "experiences of racism or homophobia, or of earlier social workers, shape what they "
            "expect from you, and how might your own culture shape which feelings you notice? "
            "If the player asked you about this, answer it here."
        ),
        "learning": (
            "What will you do in your own practice because of this case, and what would tell "
            "you, in the room, that you were leaning too far towards feelings or too far towards "
            "tasks? If the player asked you this, answer it here."
        ),
    },
    mark_scheme="""\
Score each section 1 to 4 against the rubric first, then choose the overall level. Mark the
thinking, not the path: a journey that ended badly, honestly examined, can reach 4 on every
section. Do not reward length, jargon or agreement with the briefing.

**1. The decision and the dilemma.** Strong answers pick a real fork: what to do with the
tiredness after the routine visit (wonder where it came from, offload it to a colleague, or push
on with a firm plan); a plan made with Karen and Amy or for them; when Callum's school rang,
whether to take it to a manager for a decision on threshold, see him at once, or ask his teacher
to find out more; as Mark, whether to press
Keisha for answers or name what was happening; how to approach Callum; postponing a visit in a
full week. The duties in tension: the children's needs (late and hungry at school, missed health
checks) against the parents' exhaustion and trust; the manager's wait for a plan against time to
think. A 4 is frank about what could not be known, such as whether the feelings were Karen and
Amy's at all.

**2. Feelings and use of self.** Look for the satisfaction after the visit and the later
despondency; the push felt as Mark; being 'full up'. A 4 treats the feelings as information to
be checked with the family, not as proof, and names the support the learner would need.

**3. Analysis with knowledge and values.** Relevant ideas, from Ruch's briefing: projection,
splitting, containment and a head too full, parallel process, conflict by proxy, authoritative
against authoritarian practice, containing the container; reflection in action (Schön). Law and
guidance: the Children Act 1989 (section 17, children in need; section 47, enquiries where there
is reasonable cause to suspect significant harm, and the child's wishes and feelings); Working
Together to Safeguard Children 2023 (a manager's decision on threshold, a strategy discussion with
police and health, who speaks with a young child, where and how, without leading questions and
recorded in his own words; child protection conferences and parents' part in them); the child's
right to be heard. A 4 tests the ideas, for example treating projection as a hunch rather than a
fact, or noticing the risk of reading every feeling as the family's.

**4. Perspectives, power and assumptions.** Karen was born in Britain with African-Caribbean
heritage; Amy is White British; they are a couple who may have met racism and homophobia, from
neighbours and from services. Keisha was born in Nigeria. Credit attention to structural racism
and homophobia as the family may have met them, including from services; to Keisha's own
position, carrying a local authority's power into a Black British family's home; and to whose
behaviour gets read as hostile (reading Karen's short answers as aggression and Amy's quiet as
distress follows the angry Black woman stereotype). Credit curiosity and humility: asking
rather than assuming, and noticing how the worker's own culture shapes what she expects people
to show. The children's and Callum's points of view count here. Do not credit stereotypes, even
sympathetic ones. A 4 challenges an assumption with evidence.

**5. Learning and action.** Credit specific actions tied to the case and cues noticed in the
moment: a drop in energy in the room, a rush to write a plan, short answers in supervision, a
child changing the subject. Reflection must lead to action: an answer that is all feelings and
no plan, or all plan and no feelings, cannot score 4. Generic promises score 1 or 2.

**Overall level.** One judgement of the whole piece, on Kember's levels (not an average of the
sections): 1 habitual action (describing what happened, not yet reflecting); 2 understanding
(ideas explained but not connected to the learner's own choices); 3 reflection (ideas connected
to their choices, with insights of their own); 4 critical reflection (a changed view of the
situation or of themselves, which they can account for and which changes what they conclude).
Level 4 is uncommon; most good work sits at 3.

**Autograded checks.** You may override an autograded score in formgrader, and say why in the
comment on the overall level (check cells take no comment): for instance a defensible answer to
the concept question such as 'transference' argued in a section, or a journey file lost through a
technical fault the learner reported before the deadline. The learner's feedback says the mark
was changed.""",
)

ASSIGNMENTS = (CLARKE, KEISHA)


def find_assignment(name: str) -> Assignment | None:
    """The course's assignment called ``name`` (``clarke-reflection``), or None."""
    return next((a for a in ASSIGNMENTS if a.id == name), None)
