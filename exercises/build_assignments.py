"""Build the nbgrader source notebooks of the Holding in Mind course.

The notebooks in ``source/`` are generated, not edited by hand, so that both assignments keep
the same shape, every nbgrader cell has the right metadata and a stable id, and the rubric in
each notebook is the one in ``docs/rubric.md`` word for word. Edit this file (or the rubric),
then run it from the repository root::

    .venv/bin/python exercises/build_assignments.py

``tests/test_nbgrader_pipeline.py`` fails if a committed notebook differs from what this script
builds. The notebooks are written without outputs.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
RUBRIC = HERE.parent / "docs" / "rubric.md"

#: The points for each graded part (the rubric in docs/rubric.md says the same in words).
JOURNEY_POINTS = 2
CONCEPT_POINTS = 2
SECTION_POINTS = 4
LEVEL_POINTS = 4

#: The five sections of the rubric: (id, heading).
SECTIONS = (
    ("decision", "The decision and the dilemma"),
    ("feelings", "Feelings and use of self"),
    ("analysis", "Analysis with knowledge and values"),
    ("perspectives", "Perspectives, power and assumptions"),
    ("learning", "Learning and action"),
)


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


def rubric_markdown() -> str:
    """The learner-facing rubric: the part of docs/rubric.md between its two markers."""
    text = RUBRIC.read_text(encoding="utf-8")
    found = re.search(r"<!-- rubric:start -->\n(.*?)\n<!-- rubric:end -->", text, re.S)
    if found is None:
        raise SystemExit(f"{RUBRIC}: the rubric markers <!-- rubric:start/end --> are missing")
    return found.group(1).strip()


# --- the two assignments ------------------------------------------------------------------

CLARKE = Assignment(
    id="clarke-reflection",
    case="clarke",
    title="A year with the Clarkes",
    introduction=(
        "You are Miriam, the social worker for Samantha and Oliver Clarke, whose baby Louis was "
        "taken into foster care at birth. Over twelve months you decide how to assess the "
        "parents, what to say in court, how to visit once Louis is home and how to begin an "
        "ending. Then you write about the choices you made."
    ),
    content_note=(
        "a newborn baby removed from his parents, an older child in care, a parent's past drug "
        "and alcohol use, domestic abuse (mentioned, not described), a mother's own abuse in "
        "childhood and her time in care, and money worries. Some paths end with the case back "
        "in the family court. Nothing is described in graphic detail."
    ),
    concept_question=(
        "In the first months Samantha shouts at Miriam through a closed door. Miriam keeps "
        "coming back when she said she would, in the same manner, visit after visit, and the "
        "researchers put this quality at the centre of the holding relationship that grew "
        "between them. What is it called?"
    ),
    concept_solution="reliability",
    concept_accepted=("reliability", "reliable", "reliably"),
    section_prompts={
        "decision": (
            "Choose one decision that mattered to you. Good places to look: whether to go along "
            "with the 'disguised compliance' label (month 2), what to say in court (month 5), "
            "how to handle the unannounced visit (month 10), or how to raise the ending (month "
            "12). If the player asked you when a social worker should stand publicly with a "
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
            "How might Samantha, Oliver and, in time, Louis describe the year? Where did your "
            "power show: in the record, in court, at the door? Which of your assumptions did "
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
parent who may be learning); the court in month 5 (standing with the parents against the court
social worker, which the study calls ethical holding, against neutrality and the court's need
for evidence); the unannounced visit in month 10 (seeing Louis's daily care against Samantha's
fear); the ending in month 12 (other families' need for the worker's time against a careful
ending). A 4 is frank about what could not be known when choosing, such as whether the progress
would last after Louis came home.

**2. Feelings and use of self.** Look for honesty about dislike, irritation, fear of getting it
wrong, a wish to rescue, or relief when a visit was short. Miriam admitted disliking Samantha at
first and feeling that everyone was against her before her manager backed her in supervision.
A 4 uses the feelings to understand the relationship (for instance being hated and still
relied on, the idea of a reliable hate object) and names the support the learner would need.

**3. Analysis with knowledge and values.** Relevant ideas: the holding relationship and its
parts (reliability, critical and ethical practice, immersion in ordinary family life, good
authority combining care and control) from Ferguson et al. (2022); containment and containing
the container (Ruch); 'disguised compliance' as a contested label; parents' accounts of what
helps (Mason, 2012). Law and values: the Children Act 1989 (the child's welfare paramount; the
court decides on care and on return home), the Public Law Outline timetable, the BASW Code of
Ethics. A 4 questions an idea or the course's teaching model (what the chart cannot show) or
explains why the learner's path differs from the study's.

**4. Perspectives, power and assumptions.** Samantha's own abuse and time in care; her older
child still in care; her fear that Louis is 'only half mine'; Oliver as a father to be
involved; money worries and the benefits letter; who writes the record, and whether the family
saw it. The study does not give the family's ethnicity: do not credit assumptions stated as
facts, but do credit a learner who notices the gap and asks what difference it might make. A 4
challenges an assumption with evidence (for example that compliance means safety, or that
hostility means danger).

**5. Learning and action.** Credit specific actions tied to the case and cues noticed in the
moment: an urge to leave early, a parent saying everything is fine, silence in a conference, a
door that stays half shut. Generic promises to communicate better score 1 or 2.

**Overall level.** 1 describing; 2 understanding (ideas explained but not connected to the
learner's own choices); 3 reflection (ideas connected to their choices, with insights of their
own); 4 critical reflection (a changed view of the situation or of themselves, and why). Level 4
is uncommon; most good work sits at 3.

**Autograded checks.** You may override an autograded score in formgrader, with a comment saying
why: for instance a defensible synonym for the concept answer (such as 'consistency'), or a
journey file lost through a technical fault the learner reported before the deadline.""",
)

KEISHA = Assignment(
    id="keisha-reflection",
    case="keisha",
    title="The feelings that come home with you",
    introduction=(
        "You are Keisha, a social worker visiting Karen and Amy and their two young children, "
        "where there are worries about neglect. A visit that seemed to go well leaves you, "
        "hours later, drained and low, and you decide what to make of it. Later you take the "
        "seat of your supervisor, Mark. Then you write about the choices you made."
    ),
    content_note=(
        "concerns about the neglect of two children aged three and five; a teacher's worry "
        "about a four-year-old's sexualised behaviour, and the possibility, never confirmed, "
        "that he has been abused; the racism and homophobia a family may have met; and a "
        "worker's tiredness, low mood and heavy workload. Nothing is described in graphic "
        "detail."
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
            "for them, what you did as Mark when Keisha's answers grew short, how you "
            "approached Callum, or what you did in the week your head was too full."
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
on with a firm plan); a plan made with Karen and Amy or for them; as Mark, whether to press
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
guidance: the Children Act 1989 (children in need, and enquiries where there is reasonable cause
to suspect significant harm), Working Together to Safeguard Children on neglect, the child's
right to be heard. A 4 tests the ideas, for example treating projection as a hunch rather than a
fact, or noticing the risk of reading every feeling as the family's.

**4. Perspectives, power and assumptions.** Karen was born in Britain with African-Caribbean
heritage; Amy is White British; they are a couple who may have met racism and homophobia, from
neighbours and from services. Keisha was born in Nigeria. Credit curiosity and humility: asking
rather than assuming, and noticing how the worker's own culture shapes what she expects people
to show. The children's and Callum's points of view count here. Do not credit stereotypes, even
sympathetic ones. A 4 challenges an assumption with evidence.

**5. Learning and action.** Credit specific actions tied to the case and cues noticed in the
moment: a drop in energy in the room, a rush to write a plan, short answers in supervision, a
child changing the subject. Reflection must lead to action: an answer that is all feelings and
no plan, or all plan and no feelings, cannot score 4. Generic promises score 1 or 2.

**Overall level.** 1 describing; 2 understanding (ideas explained but not connected to the
learner's own choices); 3 reflection (ideas connected to their choices, with insights of their
own); 4 critical reflection (a changed view of the situation or of themselves, and why). Level 4
is uncommon; most good work sits at 3.

**Autograded checks.** You may override an autograded score in formgrader, with a comment saying
why: for instance a defensible answer to the concept question such as 'transference' argued in a
section, or a journey file lost through a technical fault the learner reported before the
deadline.""",
)

ASSIGNMENTS = (CLARKE, KEISHA)


# --- cells ----------------------------------------------------------------------------------


def _nbgrader(
    grade_id: str,
    *,
    grade: bool = False,
    solution: bool = False,
    locked: bool = False,
    task: bool = False,
    points: float | None = None,
) -> dict[str, object]:
    meta: dict[str, object] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": task,
    }
    if points is not None:
        meta["points"] = points
    return meta


def _markdown(cell_id: str, text: str, **nbgrader: object) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text.strip(), id=cell_id)
    cell.metadata["nbgrader"] = _nbgrader(cell_id, **nbgrader)  # type: ignore[arg-type]
    return cell


def _code(cell_id: str, source: str, **nbgrader: object) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source.strip(), id=cell_id)
    cell.metadata["nbgrader"] = _nbgrader(cell_id, **nbgrader)  # type: ignore[arg-type]
    return cell


def _readonly(cell_id: str, text: str) -> nbformat.NotebookNode:
    return _markdown(cell_id, text, locked=True)


def notebook(assignment: Assignment) -> nbformat.NotebookNode:
    """The source notebook for one assignment, with solutions, hidden tests and mark scheme."""
    a = assignment
    prefix = a.case
    accepted = ", ".join(f'"{word}"' for word in a.concept_accepted)
    cells = [
        _readonly(
            f"{prefix}-introduction",
            f"""
# Assignment: {a.title}

{a.introduction} There is no code to write.

**What you will do**

1. Play the case in the player below, from the start to one of its endings (about 40 minutes).
2. Answer one concept question in a single word.
3. Read the rubric, then write five short reflective sections (about 150 to 250 words each).
4. Save the notebook and submit it.

**Content note.** This case involves {a.content_note} Stop whenever you need to, and talk to
your tutor, practice educator or supervisor about anything that stays with you.

**How your work is kept.** Each choice is saved the moment you make it, in the file
`{a.journey_file}` in this folder. If you close the notebook and come back, run the player cell
again and you carry on from where you stopped. Keep that file where it is: it is submitted with
the notebook, and the first check below reads it.
""",
        ),
        _readonly(
            f"{prefix}-how-to-play",
            """
## 1. Play the case

Click in the cell below and press **Shift+Enter** to start the player (or choose **Run > Run
All Cells**). Read each scene, choose what you would do, and see what follows and why. The chart
shows how the course's teaching model reads your choices: it is a teaching model, not a
prediction.

Now and then the player asks you to pause and reflect. In this assignment you do not write in
the player: note the question, and answer it in the matching section further down, so that
each reflection is written once, in the place where it is read and marked. Each section below
says which of the player's questions belongs to it.
""",
        ),
        _code(
            f"{prefix}-play",
            f"""
from casework.course import play_case

play_case("{a.case}", "{a.journey_file}", write_reflections=False)
""",
            locked=True,
        ),
        _readonly(
            f"{prefix}-journey-check-introduction",
            f"""
### Check: did your journey reach an ending? ({JOURNEY_POINTS} points)

When the player shows an ending, run the cell below. It reads your saved journey and says which
ending you reached; if it shows a red message instead, the last line says what to do. This
check is marked automatically, from the saved journey, when your work is collected.
""",
        ),
        _code(
            f"{prefix}-journey-ended",
            f"""
# Reads your saved journey: there is nothing to change here.
from pathlib import Path

from casework.testing import replay

assert Path("{a.journey_file}").exists(), "No journey saved yet: play the case above first."
played = replay("{a.case}", "{a.journey_file}")
assert played.ending is not None, "Not finished yet: carry on in the player until the case ends."
print("Your journey reached an ending:", played.scenario.endings[played.ending].title)
""",
            grade=True,
            locked=True,
            points=JOURNEY_POINTS,
        ),
        _readonly(
            f"{prefix}-concept-question",
            f"""
## 2. A concept question ({CONCEPT_POINTS} points)

{a.concept_question}

Answer in **one word**: type it between the quotation marks in the cell below and press
**Shift+Enter**. The cell after it only checks that you gave one word; whether it is the word
we were looking for is checked when your work is marked.
""",
        ),
        _code(
            f"{prefix}-concept-answer",
            f"""
### BEGIN SOLUTION
answer = "{a.concept_solution}"
### END SOLUTION
""",
            solution=True,
        ),
        _code(
            f"{prefix}-concept-check",
            f"""
# Checks that you gave one word: there is nothing to change here.
assert isinstance(answer, str) and len(answer.split()) == 1, "Type one word between the quotes."
### BEGIN HIDDEN TESTS
assert answer.strip(" .!'\\"").lower() in {{{accepted}}}
### END HIDDEN TESTS
""",
            grade=True,
            locked=True,
            points=CONCEPT_POINTS,
        ),
        _readonly(
            f"{prefix}-rubric",
            "## 3. Before you write: how your reflection is marked\n\n" + rubric_markdown(),
        ),
        _markdown(
            f"{prefix}-overall-level",
            f"""
### Your reflection as a whole ({LEVEL_POINTS} points)

There is nothing to write in this cell. When your tutor has read your five sections, they give
the whole piece one overall level of reflection, as the last part of the rubric describes.

#### BEGIN MARK SCHEME (for graders: learners never see this part)

{a.mark_scheme}

#### END MARK SCHEME
""",
            task=True,
            locked=True,
            points=LEVEL_POINTS,
        ),
    ]
    for number, (section, heading) in enumerate(SECTIONS, start=1):
        cells.append(
            _readonly(
                f"{prefix}-{section}-prompt",
                f"### Section {number}: {heading} ({SECTION_POINTS} points)\n\n"
                + a.section_prompts[section],
            )
        )
        cells.append(
            _markdown(
                f"{prefix}-{section}",
                "The learner writes this section here. The released notebook shows the "
                "placeholder set in nbgrader_config.py; what to look for is in the mark scheme "
                "above.",
                grade=True,
                solution=True,
                points=SECTION_POINTS,
            )
        )
    cells.append(
        _readonly(
            f"{prefix}-before-you-submit",
            f"""
## 4. Before you submit

- The journey check says your journey reached an ending.
- The concept answer cell holds your word, between the quotation marks.
- Each of the five sections holds your own writing in place of the italic placeholder.
- `{a.journey_file}` is still in this folder.

Save the notebook (**Ctrl+S**, or **Cmd+S** on a Mac), then submit it as your tutor has
explained, usually from the **Assignments** tab. Your tutor and the other markers on the
course read your reflection; other learners do not.
""",
        )
    )
    book = nbformat.v4.new_notebook(cells=cells)
    book.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    book.metadata["language_info"] = {"name": "python"}
    return book


def build(root: Path = HERE) -> list[Path]:
    """Write every source notebook under ``root/source``; returns the paths written."""
    written = []
    for assignment in ASSIGNMENTS:
        folder = root / "source" / assignment.id
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / assignment.notebook
        nbformat.validate(book := notebook(assignment))
        path.write_text(nbformat.writes(book) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(f"wrote {path}")
