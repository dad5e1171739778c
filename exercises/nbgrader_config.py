# nbgrader configuration for the Holding in Mind course.
#
# Run every nbgrader command from this folder (the course root). Each setting says why it is
# here; docs/educator-guide.md walks through a term with every command.
from nbgrader.preprocessors import GetGrades

from casework.grading.assignments import CODE_STUB, TEXT_STUB
from casework.grading.feedback import LearnerFeedback
from casework.grading.formgrade import RubricForMarkers, formgrader_template
from casework.grading.late import CourseLatePenalty
from casework.grading.preprocessors import (
    ClearMarkSchemeFromFeedback,
    autograde_preprocessors,
    generate_solution_preprocessors,
    learner_work_as_text,
)

c = get_config()  # noqa: F821 (nbgrader provides get_config when it reads this file)

# The course id names the course in the exchange and in the gradebook.
c.CourseDirectory.course_id = "holding-in-mind"

# The gradebook. By default nbgrader keeps it in SQLite, in gradebook.db beside this file.
# It holds the solutions, hidden tests and mark schemes: never release, share or commit it.
# To keep it in PostgreSQL instead (several graders, or a hub), see the educator guide:
# c.CourseDirectory.db_url = "postgresql+psycopg2://nbgrader@db.example.ac.uk/holding_in_mind"

# Where released assignments and submissions are exchanged. nbgrader's default is
# /srv/nbgrader/exchange; on JupyterHub it must be a folder every user can reach.
# c.Exchange.root = "/srv/nbgrader/exchange"

# --- What learners get ------------------------------------------------------------------

# The concept check is a one-word value cell. nbgrader replaces the answer with this line,
# so learners see a plain sentence to complete rather than "raise NotImplementedError()".
c.ClearSolutions.code_stub = {"python": CODE_STUB}
# Each reflection cell starts with this text; a cell left as it is scores 0 automatically (and
# the notebook's last cell, Check my work, names it as still empty).
c.ClearSolutions.text_stub = TEXT_STUB

# --- Autograding ----------------------------------------------------------------------------

# The learner's journey is saved beside the notebook as they play. Autograde copies every
# file that also exists in source/ over the submission; if an educator ever plays the
# source notebook, a journey file would appear there and overwrite every learner's.
c.Autograde.exclude_overwriting = {
    "clarke-reflection": ["clarke.journey.json"],
    "keisha-reflection": ["keisha.journey.json"],
}

# Autograde re-runs each notebook in a fresh kernel: no widget clicks are replayed, and the
# player only redraws from the saved journey. Widget state would add the player's charts to
# every autograded notebook and feedback file for nothing, so it is not stored. nbclient's
# stand-in for the Output widget fails when widget state is off, so autograde and
# generate_solution run the course's widget-safe Execute
# (casework.grading.preprocessors.ExecuteWithoutWidgetState says why), and only it is told not
# to store widget state. `nbgrader validate` (and the Validate button) keeps nbgrader's own
# Execute with widget state on: it writes no notebook, and nbgrader gives no setting for the
# validator's steps (a `Validator.preprocessors` line is ignored, with a warning).
c.ExecuteWithoutWidgetState.store_widget_state = False

#
# What learners write is text, never markup, on every page that shows it: formgrader shows the
# autograded notebook inside the marker's logged-in session, and nbgrader's own templates show
# markdown with any HTML in it live (sanitize_html, below, does not reach them). The last
# steps of autograde make every markdown and raw cell the learner wrote show as text (every
# character they typed, no element, link, request or maths) and keep code cells' outputs to
# text and images (the learner's code runs in the kernel that makes them). They run after the
# scores are saved, and only on the autograded copy: submitted/ stays as the learner sent it.
# casework.grading.preprocessors says how; tests/test_grading_security.py tries 30 attacks in
# learner text and 7 in outputs, in formgrader and on the feedback page, in Chromium.
c.Autograde.autograde_preprocessors = [*autograde_preprocessors(), *learner_work_as_text()]
c.GenerateSolution.preprocessors = generate_solution_preprocessors()
# The slowest cell (drawing the player from a saved journey) took under 1.5 s here, and under
# 3 s on a heavily loaded two-core machine. nbgrader's default limit of 30 s per cell is
# doubled to leave room on a busy shared server; a cell past the limit scores 0.
c.Execute.timeout = 60

# --- Late submissions ---------------------------------------------------------------------

# Deadlines are set per assignment (`nbgrader db assignment add NAME --duedate=...`). The
# penalty below is an example of a common UK policy: 5% of the 28 points (1.4 points) for each
# day or part of a day late, and 0 after five days. Set your institution's. nbgrader applies it
# at autograde, before the hand marks, and caps it at the score at that moment, so
# `casework feedback generate` and `casework grades export` apply it again to the final marks
# (casework.grading.late says why). An extension for one learner is kept in the gradebook
# (nbgrader's Gradebook.grant_extension; it has no command) and lateness allows for it.
c.AssignLatePenalties.plugin_class = CourseLatePenalty
c.CourseLatePenalty.points_per_day = 1.4
c.CourseLatePenalty.zero_after_days = 5
c.CourseLatePenalty.grace_minutes = 0

# --- Feedback -----------------------------------------------------------------------------

# The page learners get is the course's own (casework.grading.feedback): their reflections, the
# level given for each criterion with the rubric's descriptor and the step to the next level,
# the marker's comments, the automatic checks in words and their path as a record; no code,
# no traceback and no hidden test. Autograde puts the graders' mark scheme back into the task
# cell (so graders see it in formgrader), so it is stripped again here; learner work is made
# to show as text again first (a notebook autograded before that step existed is made safe
# too; one already safe is left as it is).
c.GenerateFeedback.exporter_class = LearnerFeedback
c.GenerateFeedback.preprocessors = [
    GetGrades,
    *learner_work_as_text(),
    ClearMarkSchemeFromFeedback,
]

# --- Formgrader ---------------------------------------------------------------------------

# Formgrader draws each submission with an HTMLExporter made from this configuration: the same
# learner-text steps run there, so a submission autograded before they existed is safe to open
# as well. The course's template (casework.grading.formgrade) puts each criterion's levels and
# descriptors beside the cell being marked: choosing a level enters it as the score.
c.HTMLExporter.preprocessors = [*learner_work_as_text(), RubricForMarkers]
for setting, value in formgrader_template().items():
    setattr(c.HTMLExporter, setting, value)

# nbconvert's own templates (code cells' outputs) sanitise HTML only when asked: no script,
# event attribute or request from an output, on the feedback page and in formgrader.
c.HTMLExporter.sanitize_html = True
