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
from casework.player.keepers import JourneyKeeper, default_keeper
from casework.player.player import Player
from casework.player.stage import PLAIN_ERROR
from casework.scenario import Scenario

log = logging.getLogger("casework.player")


def player_widget(
    scenario: Scenario, keeper: JourneyKeeper | None = None, *, write_reflections: bool = True
) -> widgets.Widget:
    """The player's widget for a page, also in a preheated kernel.

    In Voila's pool a page is run before any learner asks for it, and who the learner is
    (their address, their resume code) arrives only when Voila hands the kernel over. So the
    whole player is built at once, for a new learner, with the journey held in memory
    (``WaitingKeeper``); a thread waits for the request, and on the kernel's event loop the
    player then only does what depends on it (``Player.arrive``): a new learner's session in
    the store and their code, or a returning learner's journey swapped in. Waiting inside the
    page's cell instead would hold the cell open until a learner comes, and a cell open
    longer than the server's cell timeout (``serve.CELL_TIMEOUT_SECONDS``) breaks the page.
    """
    loop = kernel_loop()
    if keeper is not None or not waiting_for_learner() or loop is None:
        return Player(scenario, keeper, write_reflections=write_reflections).widget
    player = Player(scenario, write_reflections=write_reflections, waiting=True)
    box = widgets.VBox([player.widget], layout=widgets.Layout(width="100%"))

    def show(message: str) -> None:
        box.children = [
            widgets.HTML(f'<div class="hm-error" role="alert"><p>{escape(message)}</p></div>')
        ]

    def arrive() -> None:
        try:
            player.arrive(default_keeper(scenario.id))
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
            loop.call_soon_threadsafe(arrive)

    threading.Thread(target=wait, name="casework-wait-for-learner", daemon=True).start()
    return box
