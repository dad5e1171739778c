"""A player for a page: built at once, or, in a preheated kernel, when the learner arrives."""

from __future__ import annotations

import logging
import threading
from html import escape

import ipywidgets as widgets

from casework.player.handover import (
    HANDOVER_FAILED,
    kernel_loop,
    request_url,
    waiting_for_learner,
)
from casework.player.keepers import JourneyKeeper
from casework.player.player import PLAIN_ERROR, Player
from casework.scenario import Scenario

log = logging.getLogger("casework.player")


def player_widget(
    scenario: Scenario, keeper: JourneyKeeper | None = None, *, write_reflections: bool = True
) -> widgets.Widget:
    """The player's widget for a page, also in a preheated kernel.

    In Voila's pool a page is run before any learner asks for it, and who the learner is
    (their address and resume code) arrives only when Voila hands the kernel over. Waiting
    for that inside the page's cell would hold the cell open until a learner comes, and a
    cell open longer than the server's cell timeout (``serve.CELL_TIMEOUT_SECONDS``) breaks
    the page the next learner gets. So the page shows a holding box at once, a thread waits
    for the request, and the player is built into the box on the kernel's event loop as soon
    as it comes (before the learner's browser has loaded the page's scripts).
    """
    loop = kernel_loop()
    if keeper is not None or not waiting_for_learner() or loop is None:
        return Player(scenario, keeper, write_reflections=write_reflections).widget
    box = widgets.VBox(
        [widgets.HTML('<p class="hm-small" role="status">Opening the case&hellip;</p>')],
        layout=widgets.Layout(width="100%"),
    )

    def show(message: str) -> None:
        box.children = [
            widgets.HTML(f'<div class="hm-error" role="alert"><p>{escape(message)}</p></div>')
        ]

    def build() -> None:
        try:
            box.children = [Player(scenario, write_reflections=write_reflections).widget]
        except Exception:
            log.exception("could not open the case %s for a learner", scenario.id)
            show(PLAIN_ERROR)

    def wait() -> None:
        try:
            request_url()
        except Exception:
            log.exception("a pooled page never learned its request")
            loop.call_soon_threadsafe(show, HANDOVER_FAILED)
        else:
            loop.call_soon_threadsafe(build)

    threading.Thread(target=wait, name="casework-wait-for-learner", daemon=True).start()
    return box
