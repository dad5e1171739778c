"""Where a learner's journey is kept between visits, and what the learner is told about it.

Two keepers: a journey file beside the notebook (notebooks and nbgrader assignments) and the
journey store under a resume code (hosted Voila pages, where every learner's kernel runs in
the same folder, so a file there would be shared). The store itself (``casework.store``)
only keeps data; the sentences a learner reads about their saved work live here.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from casework.journey import Journey, JourneyError
from casework.lite import BrowserKeeper, in_browser
from casework.player.handover import in_voila, remembered_token, request_url, resume_token
from casework.scenario import Scenario
from casework.store import JourneyStore, StoreError, normalise_token, shared_store

log = logging.getLogger("casework.player")


class JourneyKeeper(Protocol):
    """Somewhere a learner's journey lives between visits: every member the player uses."""

    #: How the journey is kept, in words for the learner.
    description: str
    #: The learner's resume code on hosted pages; None where no code is needed (a file).
    token: str | None

    def load(self, scenario: Scenario) -> tuple[Journey, str | None]:
        """The journey to continue, and a message for the learner if something was wrong."""
        ...

    def save(self, journey: Journey) -> None: ...

    def resume(self, code: str) -> JourneyKeeper | None:
        """A keeper for the journey saved under a code the learner typed; None where codes
        mean nothing here (a file) or the text is not a code at all."""
        ...


class FileKeeper:
    """A journey file beside the notebook: what notebooks and nbgrader assignments use."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.description = f"saved in {self.path.name}"
        self.token: str | None = None

    def load(self, scenario: Scenario) -> tuple[Journey, str | None]:
        if not self.path.exists():
            return Journey.new(scenario), None
        try:
            journey = Journey.load(self.path)
            journey.check_against(scenario)
            return journey, None
        except JourneyError as error:
            kept = self._set_aside()
            log.warning("journey file %s set aside as %s: %s", self.path, kept, error)
            return Journey.new(scenario), (
                f"Your saved journey could not be read, so it has been kept aside as "
                f"{kept.name} (nothing in it is lost) and you are starting the case again. "
                "Your tutor can help you recover it."
            )

    def _set_aside(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        kept = self.path.with_name(f"{self.path.stem}.damaged-{stamp}{self.path.suffix}")
        self.path.rename(kept)
        return kept

    def save(self, journey: Journey) -> None:
        journey.save(self.path)

    def resume(self, code: str) -> JourneyKeeper | None:
        return None


class StoreKeeper:
    """A player's journey kept in the store, under a learner's resume token."""

    def __init__(
        self,
        store: JourneyStore,
        token: str | None = None,
        *,
        reopen_latest: bool = False,
        remembered: bool = False,
    ) -> None:
        self.store = store
        self.token = normalise_token(token) if token else None
        #: The code came from this browser's memory, not from the learner: a code no longer
        #: kept is then explained as the end of the time journeys are kept.
        self.remembered = remembered
        #: Set only where the store is this learner's alone (see ``JourneyStore.reopen_latest``).
        self.reopen_latest = reopen_latest
        self.description = "saved on the course's server; use your resume code to come back"

    def load(self, scenario: Scenario) -> tuple[Journey, str | None]:
        message = None
        if not self.token and self.reopen_latest:
            self.token = self.store.reopen_latest(scenario.id)
        if self.token:
            try:
                journey = self.store.load(self.token, scenario)
            except JourneyError:
                journey = None
                message = (
                    "Your saved journey could not be used with this version of the case, so it "
                    "has been kept aside and you are starting again with a new resume code."
                )
            if journey is not None:
                return journey, None
            if message is None and self.store.status(self.token) == "set_aside":
                message = (
                    "The journey saved under that code was kept aside because it could not be "
                    "used, so you are starting again with a new resume code."
                )
            if message is None and self.remembered:
                message = (
                    "The journey this computer remembered is no longer kept (journeys are kept "
                    f"for {self.store.keep_days} days after they were last used), so you are "
                    "starting afresh with a new code."
                    if self.store.keep_days
                    else "The journey this computer remembered was not found, so you are "
                    "starting afresh with a new code."
                )
            if message is None:
                message = (
                    "That resume code was not found for this case, so you are starting afresh "
                    "with a new code."
                )
        self.token, journey = self.store.start(scenario)
        return journey, message

    def save(self, journey: Journey) -> None:
        if self.token is None:
            raise StoreError("There is no session to save to.")
        self.store.save(self.token, journey)

    def resume(self, code: str) -> JourneyKeeper | None:
        if not normalise_token(code):
            return None
        return StoreKeeper(self.store, code)


class WaitingKeeper:
    """A preheated page's keeper until its learner arrives: a new journey held in memory.

    A pooled kernel builds the whole player before anyone asks for the page, so that a new
    learner waits for nothing the server could have done earlier; who the learner is (a code
    in the address, in this browser's cookie, or their own store on JupyterHub) is only known
    at the hand-over, when ``Player.arrive`` swaps in the real keeper. Nothing is written
    before then: the learner's page has not even loaded.
    """

    def __init__(self) -> None:
        self.description = "kept in this page until the learner arrives"
        self.token: str | None = None

    def load(self, scenario: Scenario) -> tuple[Journey, str | None]:
        return Journey.new(scenario), None

    def save(self, journey: Journey) -> None:
        """Nothing to write yet: the journey is in the player, and the hand-over follows."""

    def resume(self, code: str) -> JourneyKeeper | None:
        return None


def default_keeper(case_id: str, folder: str | Path | None = None) -> JourneyKeeper:
    """A file beside the notebook; on hosted Voila pages, the journey store, by resume code.

    Never a file in the served folder on hosted pages: every learner's kernel runs there.
    """
    if in_voila():
        # A code in the address comes first (a personal link), then the one this browser keeps.
        given = resume_token(request_url())
        kept = None if given else remembered_token()
        return StoreKeeper(
            shared_store(),
            given or kept,
            reopen_latest=os.environ.get("CASEWORK_STORE_PER_LEARNER") == "1",
            remembered=kept is not None,
        )
    place = Path(folder or Path.cwd())
    keeper = FileKeeper(place / f"{case_id}.journey.json")
    if in_browser():
        # The static site: the file is in the browser's own storage (casework.lite).
        return BrowserKeeper(keeper, place)
    return keeper
