"""The player's stages, and the guard every learner action runs under."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

log = logging.getLogger("casework.player")

F = TypeVar("F", bound=Callable[..., Any])

PLAIN_ERROR = (
    "Something went wrong on our side. Your journey so far is saved. Try the button again; "
    "if it keeps happening, reload the page or tell your tutor."
)


class Stage(StrEnum):
    """Where the learner is on the page: what ``_render`` draws."""

    #: The case's introduction and content note, before the first scene.
    intro = "intro"
    #: A scene with its choices (or the content note before it).
    scene = "scene"
    #: What followed the choice just made, with its reflection box.
    consequence = "consequence"
    #: An ending and its debrief.
    ending = "ending"


def guarded(method: F) -> F:
    """Every learner action: on any failure, a plain message; the details go to the log."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception:
            log.exception("player error in %s (case %s)", method.__name__, self.scenario.id)
            self._error(PLAIN_ERROR)
            return None

    return wrapper  # type: ignore[return-value]
