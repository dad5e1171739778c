"""Helpers for tests: the package's own, the course's, and nbgrader's hidden tests.

In the spirit of click's ``CliRunner``: small, public and stable, so a hidden test in an
assignment can say ``play("clarke", journey.path())`` without knowing the engine's insides.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from casework.catalog import load_case
from casework.journey import Journey
from casework.scenario import Scenario
from casework.trust_model import DEFAULT_WEIGHTS, ModelWeights, Trajectory, trajectory


@dataclass(frozen=True)
class Played:
    """What playing a case along some choices gives."""

    scenario: Scenario
    journey: Journey
    trajectory: Trajectory

    @property
    def ending(self) -> str | None:
        return self.trajectory.ending

    def values_at(self, time: float) -> dict[str, float]:
        return {d: self.trajectory.value_at(d, time) for d in self.trajectory.dimensions}


def _scenario(case: str | Path | Scenario) -> Scenario:
    return case if isinstance(case, Scenario) else load_case(case)


def play(
    case: str | Path | Scenario,
    choices: Sequence[str],
    weights: ModelWeights = DEFAULT_WEIGHTS,
) -> Played:
    """Play a case along choice ids from its start; ``JourneyError`` names a wrong choice."""
    scenario = _scenario(case)
    journey = Journey.new(scenario)
    for choice_id in choices:
        journey.choose(scenario, choice_id)
    return Played(scenario, journey, trajectory(scenario, journey.path(), weights))


def play_study_path(case: str | Path | Scenario, weights: ModelWeights = DEFAULT_WEIGHTS) -> Played:
    scenario = _scenario(case)
    if scenario.case.study_path is None:
        raise ValueError(f"case '{scenario.id}' declares no study_path")
    return play(scenario, scenario.case.study_path, weights)


def replay(case: str | Path | Scenario, journey_file: str | Path) -> Played:
    """Re-derive the trajectory of a saved journey file (for autograded and hidden tests)."""
    scenario = _scenario(case)
    journey = Journey.load(journey_file)
    journey.check_against(scenario)
    return Played(scenario, journey, trajectory(scenario, journey.path()))


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str


def invoke(args: Sequence[str]) -> Result:
    """Run the ``casework`` command in this process and capture what it prints."""
    from casework.cli import main

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
    import random
    import time

    from casework.store import JourneyStore, StoreError
    from casework.trust_model import Walker

    scenario = load_case(case)
    store = JourneyStore(url)
    chooser = random.Random(seed)
    finished: dict[str, dict[str, object]] = {}
    saves = errors = 0
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            token, journey = store.start(scenario)
            walker = Walker(scenario)
            while not walker.at_ending and time.monotonic() < deadline:
                choice = chooser.choice(scenario.scenes[walker.node].choices).id
                walker.step(choice)
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


class NbgraderFailed(RuntimeError):
    """An nbgrader command exited with an error; the message holds its whole log."""


def nbgrader_environment(scratch: Path) -> dict[str, str]:
    """The environment nbgrader commands run in: this environment first on PATH (nbgrader
    runs ``alembic`` by name when it opens a gradebook, as it finds it once the environment
    is activated), and Jupyter's runtime and IPython files under ``scratch``."""
    import os
    import sys

    bin_dir = Path(sys.executable).parent
    return dict(
        os.environ,
        PATH=os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]),
        JUPYTER_PLATFORM_DIRS="1",
        JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
        IPYTHONDIR=str(scratch / "ipython"),
        PYTHONWARNINGS="ignore",
    )


def run_nbgrader(scratch: Path, cwd: Path, *args: str, timeout: float = 600) -> str:
    """Run one real ``nbgrader`` command from this environment; return its log."""
    import subprocess
    import sys

    done = subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), *args],
        cwd=cwd,
        env=nbgrader_environment(scratch),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    log = done.stdout + done.stderr
    if done.returncode != 0:
        raise NbgraderFailed(f"nbgrader {' '.join(args)} failed ({done.returncode}):\n{log}")
    return log
