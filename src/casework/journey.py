"""A learner's journey through a case: the choices taken and the reflections written.

The journey is the only thing saved about a learner's play. The relationship curve is
derived from it by the trust model whenever it is needed, so a journey file is enough to
restore, replay, grade and aggregate. It also holds a random seed, drawn when the journey
starts, that fixes the order in which this learner sees each decision's options: two
learners see different orders, one learner the same order every time (reload, resume, step
back, the debrief), and each step records the order shown. Files are written atomically (a
temporary file in the same folder, then a rename), so an interrupted save never leaves half
a file, and a file that cannot be read is never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from casework.scenario import Choice, OptionOrder, Scenario, Scene
from casework.trust_model import trajectory

#: The journey-file format written by this version (1: no seed and no order shown; read and
#: upgraded on load, see ``Journey.from_dict``).
JOURNEY_FORMAT = 2
#: Formats this version reads.
READABLE_FORMATS = (1, 2)
#: What every journey file says it is, so a foreign JSON file is recognised as such.
JOURNEY_KIND = "casework-journey"
#: The longest reflection kept, in characters (about 15 pages); longer text is refused.
MAX_REFLECTION_CHARS = 50_000


class JourneyError(ValueError):
    """A journey file or step that cannot be used; the message says what to do."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_seed() -> int:
    """A fresh seed for the order of options: random, so no two learners share an order."""
    return secrets.randbelow(2**31)


def seed_for_old_journey(case_id: str, started: str) -> int:
    """A journey saved before seeds existed gets one derived from what it holds, so it shows
    the same order every time it is opened."""
    digest = hashlib.sha256(f"{case_id}|{started}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 2**31


def options_in_order(scene: Scene, seed: int) -> list[Choice]:
    """A decision's options in the order this learner sees them.

    Shuffled by the journey's seed and the scene's id (so each decision has its own order),
    unless the author keeps the file's order (``option_order: as_written``).
    """
    options = list(scene.choices)
    if scene.option_order == OptionOrder.as_written or len(options) < 2:
        return options
    random.Random(f"{seed}:{scene.id}").shuffle(options)
    return options


@dataclass(frozen=True)
class Step:
    scene: str
    choice: str
    at: str
    #: The choice ids in the order the learner saw them (None for steps saved before that).
    shown: tuple[str, ...] | None = None


@dataclass
class Journey:
    """The path a learner has taken through one case, and what they wrote on the way."""

    case_id: str
    case_version: str
    steps: list[Step] = field(default_factory=list)
    reflections: dict[str, str] = field(default_factory=dict)
    started: str = field(default_factory=_now)
    updated: str = field(default_factory=_now)
    #: Fixes the order of each decision's options for this learner (see ``options``).
    seed: int = field(default_factory=new_seed)
    #: Where the learner is: "intro" (not begun), "scene" (at a scene, or its ending), or
    #: "consequence" (reading what followed their last choice, perhaps writing its
    #: reflection). Coming back returns them to that very step.
    place: str = "intro"

    @classmethod
    def new(cls, scenario: Scenario) -> Journey:
        return cls(case_id=scenario.id, case_version=scenario.case.version)

    def options(self, scenario: Scenario, scene_id: str) -> list[Choice]:
        """The options of a scene in the order this learner sees them."""
        return options_in_order(scenario.scenes[scene_id], self.seed)

    # --- moving through the case --------------------------------------------------------

    def path(self) -> list[tuple[str, str]]:
        return [(s.scene, s.choice) for s in self.steps]

    def position(self, scenario: Scenario) -> str:
        """The id of the scene or ending the learner is at now."""
        return trajectory(scenario, self.path()).position

    def finished(self, scenario: Scenario) -> bool:
        return scenario.is_ending(self.position(scenario))

    def choose(self, scenario: Scenario, choice_id: str) -> Step:
        """Take a choice in the current scene; refuses a choice that is not there."""
        node = self.position(scenario)
        if scenario.is_ending(node):
            raise JourneyError(
                f"the journey has reached the ending '{node}': step back or restart to choose again"
            )
        try:
            scenario.choice(node, choice_id)
        except KeyError as error:
            raise JourneyError(error.args[0]) from None
        shown = tuple(c.id for c in self.options(scenario, node))
        step = Step(node, choice_id, _now(), shown)
        self.steps.append(step)
        self.updated = step.at
        self.place = "consequence"
        return step

    def begin(self) -> None:
        """The learner has read the introduction and begins the case."""
        self.place = "scene"
        self.updated = _now()

    def go_on(self) -> None:
        """The learner has read the consequence and goes on to what comes next."""
        self.place = "scene"
        self.updated = _now()

    def back(self) -> Step | None:
        """Undo the last choice (reflections are kept)."""
        if not self.steps:
            return None
        self.updated = _now()
        self.place = "scene"
        return self.steps.pop()

    def restart(self) -> None:
        """Go back to the start; reflections are kept so nothing written is lost."""
        self.steps.clear()
        self.place = "scene"
        self.updated = _now()

    def reflect(self, reflection_id: str, text: str) -> None:
        if len(text) > MAX_REFLECTION_CHARS:
            raise JourneyError(
                f"this reflection is {len(text):,} characters; the most that can be saved is "
                f"{MAX_REFLECTION_CHARS:,}: shorten it (nothing has been changed)"
            )
        self.reflections[reflection_id] = text
        self.updated = _now()

    def check_against(self, scenario: Scenario) -> None:
        """Raise :class:`JourneyError` if this journey does not fit the case (any more)."""
        if self.case_id != scenario.id:
            raise JourneyError(
                f"this journey is for the case '{self.case_id}', not '{scenario.id}'"
            )
        try:
            trajectory(scenario, self.path())
        except KeyError as error:
            raise JourneyError(
                f"{error.args[0]}: the case has changed since this journey was saved"
            ) from None

    # --- files --------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": JOURNEY_KIND,
            "format": JOURNEY_FORMAT,
            "case": {"id": self.case_id, "version": self.case_version},
            "started": self.started,
            "updated": self.updated,
            "seed": self.seed,
            "place": self.place,
            "steps": [_step_dict(s) for s in self.steps],
            "reflections": dict(self.reflections),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: Any, where: str = "the journey") -> Journey:
        if not isinstance(data, dict) or data.get("kind") != JOURNEY_KIND:
            raise JourneyError(f"{where} is not a Holding in Mind journey file")
        version = data.get("format")
        if version not in READABLE_FORMATS:
            raise JourneyError(
                f"{where} is in journey format {version!r}; this version of casework reads "
                f"formats {', '.join(map(str, READABLE_FORMATS))}: update casework"
            )
        try:
            case = data["case"]
            steps = [_step(s) for s in data["steps"]]
            reflections = data.get("reflections", {})
            if not isinstance(reflections, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in reflections.items()
            ):
                raise TypeError("reflections")
            started = str(data.get("started", _now()))
            seed = data.get("seed")
            if version == 1 or seed is None:  # format 1 had no seed: derive a stable one
                seed = seed_for_old_journey(str(case["id"]), started)
            if isinstance(seed, bool) or not isinstance(seed, int):
                raise TypeError("seed")
            return cls(
                case_id=str(case["id"]),
                case_version=str(case["version"]),
                steps=steps,
                reflections=dict(reflections),
                started=started,
                updated=str(data.get("updated", _now())),
                seed=seed,
                place=place_from(data.get("place"), bool(steps)),
            )
        except (KeyError, TypeError, ValueError):
            raise JourneyError(
                f"{where} is damaged: a part of it is missing or not as expected"
            ) from None

    def save(self, path: str | Path) -> None:
        """Write atomically: a reader never sees half a file, a crash never loses the old one."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(self.to_json())
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path) -> Journey:
        """Read a journey file; a damaged or foreign file raises and is left untouched."""
        where = f"the journey file {path}"
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise JourneyError(
                f"{where} is damaged (not UTF-8 text); it has been left as it is"
            ) from None
        except OSError as error:
            raise JourneyError(f"cannot read {where}: {error.strerror or error}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise JourneyError(
                f"{where} is damaged (line {error.lineno}: {error.msg}); it has been left as it is"
            ) from None
        return cls.from_dict(data, where)


def _step_dict(step: Step) -> dict[str, Any]:
    data: dict[str, Any] = {"scene": step.scene, "choice": step.choice, "at": step.at}
    if step.shown is not None:
        data["shown"] = list(step.shown)
    return data


def _step(data: Any) -> Step:
    shown = data.get("shown")
    if shown is not None and (
        not isinstance(shown, list) or not all(isinstance(c, str) for c in shown)
    ):
        raise TypeError("shown")
    return Step(
        str(data["scene"]),
        str(data["choice"]),
        str(data["at"]),
        tuple(shown) if shown is not None else None,
    )


#: Where a learner can be (see ``Journey.place``).
PLACES = ("intro", "scene", "consequence")


def place_from(saved: Any, has_steps: bool) -> str:
    """A saved place, or (for journeys saved before places were kept) the next scene."""
    if saved in PLACES and (saved != "consequence" or has_steps):
        return str(saved)
    return "scene" if has_steps else "intro"
