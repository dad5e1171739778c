"""Simulated learners in a seminar room, for the tests and ``benchmarks/room_load.py``.

A simulated learner does what a learner's page does, without a browser: their journey is kept
in the journey store under a resume code (``StoreKeeper``, as on hosted pages), and after each
save their path goes to the room through ``RoomMember`` (``pending`` then ``post``), exactly as
the player's room panel (``casework.player.room``) sends it. Only the widgets are missing.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from casework.journey import Journey
from casework.player.keepers import StoreKeeper
from casework.rooms.member import Joined, RoomMember, learner_secret
from casework.rooms.store import RoomInfo, RoomStore
from casework.scenario import Choice, Scenario
from casework.store import JourneyStore

__all__ = ["SimulatedLearner", "Timings", "crowd_learner"]


@dataclass
class Timings:
    """Seconds each step took: saving the journey, telling the room, reading the room."""

    saves: list[float] = field(default_factory=list)
    posts: list[float] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)


class SimulatedLearner:
    """One learner, their journey in ``journeys`` and their moves in the room ``code``."""

    def __init__(self, journeys: JourneyStore, scenario: Scenario, seed: int = 0) -> None:
        self.scenario = scenario
        self.keeper = StoreKeeper(journeys)
        self.journey: Journey = self.keeper.load(scenario)[0]
        self.journey.begin()
        self.keeper.save(self.journey)
        self.member = RoomMember(RoomStore(journeys), scenario)
        self.random = random.Random(seed)
        self.timings = Timings()

    def join(self, code: str) -> Joined:
        outcome = self.member.join(code, learner_secret(self.journey)).outcome
        if outcome == Joined.joined:
            self._tell()
        return outcome

    def _save_and_tell(self) -> None:
        started = time.perf_counter()
        self.keeper.save(self.journey)
        saved = time.perf_counter()
        self._tell()
        self.timings.saves.append(saved - started)
        self.timings.posts.append(time.perf_counter() - saved)

    def _tell(self) -> None:
        self.member.post(self.member.pending(self.journey.path()))

    def position(self) -> str:
        return self.journey.position(self.scenario)

    def options(self) -> list[Choice]:
        return self.journey.options(self.scenario, self.position())

    def choose(self, choice_id: str | None = None) -> str:
        """Choose (a given option, or one at random) where the learner is; the choice id."""
        picked = choice_id or self.random.choice(self.options()).id
        self.journey.choose(self.scenario, picked)
        self.journey.go_on()
        self._save_and_tell()
        return picked

    def back(self) -> None:
        self.journey.back()
        self._save_and_tell()

    def restart(self) -> None:
        self.journey.restart()
        self._save_and_tell()

    def finished(self) -> bool:
        return self.scenario.is_ending(self.position())

    def read(self) -> RoomInfo | None:
        """Read the room's status, as the page does every couple of seconds."""
        started = time.perf_counter()
        info = self.member.refresh()
        self.timings.reads.append(time.perf_counter() - started)
        return info

    def held_here(self) -> bool:
        info = self.member.info
        return info is not None and info.open and info.held_at == self.position()


def crowd_learner(
    url: str,
    code: str,
    case: str,
    seed: int,
    stop: Any,
    results: Any,
    depth: int = 3,
    every: tuple[float, float] = (2.0, 5.0),
    poll: float = 2.0,
) -> None:
    """One learner of a simulated seminar, in a process of its own (``benchmarks/room_load.py``).

    Joins the room, then until ``stop`` (a multiprocessing Event) is set: makes a choice every
    ``every`` seconds (random, at most ``depth`` decisions in, then starts again) and reads
    the room's status every ``poll`` seconds, as the player does. Puts its timings on
    ``results`` (a multiprocessing Queue) as a dict of lists, in seconds.
    """
    from casework.catalog import load_case

    scenario = load_case(case)
    journeys = JourneyStore(url)
    learner = SimulatedLearner(journeys, scenario, seed)
    errors = 0
    try:
        learner.join(code)
        rng = random.Random(seed)
        next_choice = time.monotonic() + rng.uniform(*every)
        next_poll = time.monotonic() + rng.uniform(0, poll)
        while not stop.is_set():
            now = time.monotonic()
            try:
                if now >= next_choice:
                    if learner.finished() or len(learner.journey.steps) >= depth:
                        learner.restart()
                    else:
                        learner.choose()
                    next_choice = now + rng.uniform(*every)
                if now >= next_poll:
                    learner.read()
                    next_poll = now + poll
            except Exception:
                errors += 1
            stop.wait(max(0.01, min(next_choice, next_poll) - time.monotonic()))
    finally:
        results.put(
            {
                "saves": learner.timings.saves,
                "posts": learner.timings.posts,
                "reads": learner.timings.reads,
                "errors": [float(errors)],
            }
        )
        journeys.close()
