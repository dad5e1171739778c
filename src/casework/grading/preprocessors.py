"""nbgrader preprocessors the course's configuration uses (``exercises/nbgrader_config.py``).

They live in the package, where they are tested, so the configuration file only says which
step uses which (nbgrader reads classes from a config file as readily as from a module).
"""

from __future__ import annotations

import collections
from typing import Any

from nbgrader.converters import Autograde, GenerateSolution
from nbgrader.preprocessors import ClearMarkScheme, Execute, GetGrades
from nbgrader.validator import Validator
from traitlets import List


class ExecuteWithoutWidgetState(Execute):  # type: ignore[misc]
    """nbgrader's Execute, with ``store_widget_state = False`` made safe.

    nbclient 0.11 skips collecting widget state when it is off, but its stand-in for the Output
    widget still writes into that state, so any notebook whose Output widget receives output
    (the player's chart does) stops with a KeyError and the submission is not graded. Here the
    Output widget writes into a scratch store, and nothing is written into the notebook.
    """

    def reset_execution_trackers(self) -> None:
        super().reset_execution_trackers()
        self.widget_state: dict[str, dict[str, Any]] = collections.defaultdict(dict)

    def set_widgets_metadata(self) -> None:
        if self.store_widget_state:
            super().set_widgets_metadata()


def _without_widget_state(preprocessors: list[Any]) -> list[Any]:
    return [ExecuteWithoutWidgetState if p is Execute else p for p in preprocessors]


def autograde_preprocessors() -> list[Any]:
    """nbgrader's autograde steps, with the widget-safe Execute."""
    return _without_widget_state(Autograde.class_traits()["autograde_preprocessors"].default())


def generate_solution_preprocessors() -> list[Any]:
    """nbgrader's steps for a solution notebook, with the widget-safe Execute."""
    return _without_widget_state(GenerateSolution.class_traits()["preprocessors"].default())


def validator_preprocessors() -> list[Any]:
    """nbgrader's validation steps, with the widget-safe Execute."""
    return _without_widget_state(Validator.class_traits()["preprocessors"].default())


class ClearMarkSchemeFromFeedback(ClearMarkScheme):  # type: ignore[misc]
    """nbgrader's ClearMarkScheme, declaring the one setting the feedback page passes to every
    step (without it, each run warns that ``display_data_priority`` is not recognised).

    Autograde puts the graders' mark scheme back into the task cell (so graders see it in
    formgrader); feedback is made from that notebook, so the mark scheme is stripped again
    before learners see their feedback.
    """

    display_data_priority = List(GetGrades.class_traits()["display_data_priority"].default()).tag(
        config=True
    )
