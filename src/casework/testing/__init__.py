"""Helpers for tests: the package's own, the course's, and nbgrader's hidden tests.

In the spirit of click's ``CliRunner``: small, public and stable, so a hidden test in an
assignment can say ``play("clarke", journey.path())`` without knowing the engine's insides.
``casework.testing.servers`` starts and stops real servers for the tests and the benchmarks;
``casework.testing.pages`` drives a case page in Chromium for the benchmarks.
Nothing in the package's own code imports this: it sits above everything else.
"""

from __future__ import annotations

import contextlib
import io
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from casework.catalog import load_case
from casework.cli import main
from casework.paths import Played, play, play_study_path, random_path, replay
from casework.store import JourneyStore, StoreError

__all__ = [
    "Played",
    "Result",
    "invoke",
    "play",
    "play_study_path",
    "replay",
    "simulate_learner",
]


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str


def invoke(args: Sequence[str]) -> Result:
    """Run the ``casework`` command in this process and capture what it prints."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return Result(code, out.getvalue(), err.getvalue())


def simulate_learner(url: str, seed: int, seconds: float, case: str = "demo") -> dict[str, object]:
    """One simulated hosted learner writing to the journey store for ``seconds``.

    Starts sessions, takes random choices, writes reflections of random length, and saves
    after every action, as the player does. Returns what it believes it saved, so a test
    can check the store lost and mixed up nothing.
    """
    scenario = load_case(case)
    store = JourneyStore(url)
    chooser = random.Random(seed)
    finished: dict[str, dict[str, object]] = {}
    saves = errors = 0
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            token, journey = store.start(scenario)
            for choice in random_path(scenario, chooser.randrange(2**32)):
                if time.monotonic() >= deadline:
                    break
                journey.choose(scenario, choice)
                reflection = f"{seed}:{len(journey.steps)}:" + "x" * chooser.randrange(2000)
                journey.reflect("first_feelings", reflection)
                try:
                    store.save(token, journey)
                    saves += 1
                except StoreError:
                    errors += 1
            finished[token] = {"path": journey.path(), "reflections": dict(journey.reflections)}
    finally:
        store.close()
    return {"seed": seed, "saves": saves, "errors": errors, "finished": finished}
