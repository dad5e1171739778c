"""Where the learner writes: reflection boxes and the first answer before the options.

Both are saved as typed (the player debounces the save), kept only in the learner's journey,
and shown back as text. In an nbgrader assignment reflections are written in the graded
cells instead, and the first answer is a pause to think (nothing is saved: the journey file
is handed in with the assignment, and a first answer is for the learner alone).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import ipywidgets as widgets

from casework import views
from casework.scenario import FirstAnswer, Scene

#: Called with the new text whenever the learner types.
OnText = Callable[[dict[str, Any]], None]


def reflection_box(
    reflection_id: str, prompt: str, value: str, on_text: OnText, *, in_assignment: bool
) -> widgets.Widget:
    """A prompt to reflect, with a box saved as the learner types."""
    heading = widgets.HTML(
        f'<h4>Pause and reflect</h4><p id="hm-prompt-{escape(reflection_id)}">'
        f"{escape(' '.join(prompt.split()))}</p>"
    )
    if in_assignment:
        note = widgets.HTML(
            "<p>Write your answer in the matching reflection section of this assignment, "
            "below the player: that is where it is read and marked.</p>"
        )
        return widgets.VBox([heading, note])
    box = widgets.Textarea(
        value=value,
        description="Your reflection (saved as you type)",
        placeholder="Write as much or as little as you like. Only you can see this.",
        continuous_update=True,
        rows=6,
        layout=widgets.Layout(width="100%", flex_flow="column"),
        style={"description_width": "initial"},
    )
    box.add_class("hm-reflection")
    box.observe(on_text, names="value")
    return widgets.VBox([heading, box])


def first_answer_panel(
    scene_html: str,
    first: FirstAnswer,
    value: str,
    on_text: OnText,
    *,
    in_assignment: bool,
) -> tuple[list[widgets.Widget], widgets.Textarea | None]:
    """The scene, then the question of what the learner would do, before any option is shown.

    Listing options first cues the answer (DESIGN.md, "Think before the options"): here the
    learner recalls and commits to a course of action in their own words, then sees the
    options. Returns the widgets to show above the buttons, and the box (None in an
    assignment, where nothing is saved).
    """
    heading = widgets.HTML(
        '<div class="hm-first" role="group" aria-labelledby="hm-first-title">'
        '<h4 id="hm-first-title">Before you see the options</h4>'
        f"{views.paragraphs(first.prompt)}"
        + (
            "<p>Think it through, then show the options.</p>"
            if in_assignment
            else "<p>Write a sentence or two if you like (only you will see it; it is kept "
            "with your journey and shown beside what you choose), or skip it.</p>"
        )
        + "</div>"
    )
    if in_assignment:
        return [widgets.HTML(scene_html), heading], None
    box = widgets.Textarea(
        value=value,
        description="What I would do (saved as you type)",
        placeholder="In my own words...",
        continuous_update=True,
        rows=3,
        layout=widgets.Layout(width="100%", flex_flow="column"),
        style={"description_width": "initial"},
    )
    box.add_class("hm-first-answer-box")
    box.observe(on_text, names="value")
    return [widgets.HTML(scene_html), heading, box], box


def needs_first_answer(scene: Scene, written: dict[str, str], shown: set[str]) -> bool:
    """Ask first unless the learner already wrote an answer here or has seen the options."""
    first = scene.first_answer
    return first is not None and scene.id not in shown and not written.get(first.id, "").strip()
