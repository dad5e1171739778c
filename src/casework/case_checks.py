"""The third layer of validation: the case as a whole, once it fits the schema.

Every ``next`` exists, every scene is reachable and leads to an ending, time never runs
backwards, no cycles (unless declared), every effect is on a declared dimension and backed by
a cited source, routes test declared dimensions within range, and the study path walks from
the start to an ending with the model. Each problem names the author's own line.
Graph checks walk each scene and choice a bounded number of times (no enumeration of paths).
"""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

from casework.case_marks import mark_errors
from casework.scenario import (
    Case,
    Dimension,
    DimensionKind,
    Ending,
    Route,
    Scenario,
    Scene,
)
from casework.trust_model import Walker
from casework.yaml_lines import LineDict, Problem, line_for


class CaseChecker:
    def __init__(self, path: str, data: LineDict, case: Case) -> None:
        self.path = path
        self.data = data
        self.case = case
        self.problems: list[Problem] = []
        self.unit = "month" if case.time_unit == "months" else "week"

    def add(self, loc: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.path, line_for(self.data, loc), message))

    def when(self, time: float) -> str:
        return f"{self.unit} {time:g}"

    def run(self) -> list[Problem]:
        self.unique_ids()
        self.dimensions()
        node_ids = self.nodes()
        self.choices(node_ids)
        self.problems += mark_errors(self.path, self.data, self.case)
        self.graph(node_ids)
        self.study_path()
        return self.problems

    def _duplicates(self, items: Iterable[tuple[tuple[Any, ...], str]], what: str) -> None:
        seen: dict[str, tuple[Any, ...]] = {}
        for loc, ident in items:
            if ident in seen:
                first = line_for(self.data, seen[ident])
                self.add(
                    loc, f"{what} id '{ident}' is used twice (first on line {first}): rename one"
                )
            else:
                seen[ident] = loc

    def unique_ids(self) -> None:
        c = self.case
        self._duplicates(
            ((("sources", i, "key"), s.key) for i, s in enumerate(c.sources)), "source"
        )
        self._duplicates(((("phases", i, "id"), p.id) for i, p in enumerate(c.phases)), "phase")
        self._duplicates(
            ((("dimensions", i, "id"), d.id) for i, d in enumerate(c.dimensions)), "dimension"
        )
        nodes = [(("scenes", i, "id"), s.id) for i, s in enumerate(c.scenes)]
        nodes += [(("endings", i, "id"), e.id) for i, e in enumerate(c.endings)]
        self._duplicates(nodes, "scene or ending")
        for i, scene in enumerate(c.scenes):
            self._duplicates(
                ((("scenes", i, "choices", j, "id"), ch.id) for j, ch in enumerate(scene.choices)),
                f"in scene '{scene.id}', choice",
            )
        reflections = (
            [
                (("scenes", i, "reflection", "id"), s.reflection.id)
                for i, s in enumerate(c.scenes)
                if s.reflection
            ]
            + [
                (("endings", i, "reflection", "id"), e.reflection.id)
                for i, e in enumerate(c.endings)
                if e.reflection
            ]
            + [
                (("scenes", i, "first_answer", "id"), s.first_answer.id)
                for i, s in enumerate(c.scenes)
                if s.first_answer
            ]
        )
        self._duplicates(reflections, "reflection or first answer")

    def dimensions(self) -> None:
        capacity = [
            i for i, d in enumerate(self.case.dimensions) if d.kind == DimensionKind.capacity
        ]
        for i in capacity[1:]:
            self.add(
                ("dimensions", i, "kind"),
                "only one dimension may be of kind 'capacity' (the worker's own thinking space): "
                "make this one 'relational' or 'evidence'",
            )
        for i, d in enumerate(self.case.dimensions):
            if d.min >= d.max:
                self.add(
                    ("dimensions", i, "min"),
                    f"dimension '{d.id}': min ({d.min:g}) must be below max ({d.max:g})",
                )
            elif not d.min <= d.start <= d.max:
                self.add(
                    ("dimensions", i, "start"),
                    f"dimension '{d.id}': start {d.start:g} is outside its range "
                    f"{d.min:g}..{d.max:g}: choose a start inside the range",
                )

    def nodes(self) -> set[str]:
        c = self.case
        node_ids = {s.id for s in c.scenes} | {e.id for e in c.endings}
        phases = {p.id for p in c.phases}
        scene_ids = {s.id for s in c.scenes}
        if c.start not in scene_ids:
            hint = (
                "it is an ending; start at a scene"
                if c.start in node_ids
                else f"the scenes are: {_some(s.id for s in c.scenes)}"
            )
            self.add(("start",), f"start '{c.start}' is not a scene: {hint}")
        groups: tuple[tuple[str, Sequence[Scene | Ending]], ...] = (
            ("scenes", c.scenes),
            ("endings", c.endings),
        )
        for group, items in groups:
            for i, item in enumerate(items):
                if item.phase is not None and item.phase not in phases:
                    known = ", ".join(sorted(phases)) or "none declared"
                    self.add(
                        (group, i, "phase"),
                        f"phase '{item.phase}' is not declared under 'phases' (declared: {known})",
                    )
        return node_ids

    def choices(self, node_ids: set[str]) -> None:
        dims = self.case.dimensions
        dimension_ids = {d.id: d for d in dims}
        sources = {s.key for s in self.case.sources}
        for i, scene in enumerate(self.case.scenes):
            for j, choice in enumerate(scene.choices):
                here = ("scenes", i, "choices", j)
                name = f"choice '{choice.id}' in scene '{scene.id}'"
                if choice.next not in node_ids:
                    close = difflib.get_close_matches(choice.next, sorted(node_ids), n=1)
                    hint = (
                        f"did you mean '{close[0]}'?" if close else "add that scene or fix the id"
                    )
                    self.add(
                        (*here, "next"),
                        f"{name} goes to '{choice.next}', which does not exist: {hint}",
                    )
                for r, route in enumerate(choice.routes):
                    self._route((*here, "routes", r), name, route, node_ids, dimension_ids)
                for dimension_id, push in choice.effects.items():
                    if dimension_id not in dimension_ids:
                        self.add(
                            (*here, "effects", dimension_id),
                            f"{name} has an effect on '{dimension_id}', which is not a declared "
                            f"dimension (declared: {', '.join(dimension_ids)})",
                        )
                        continue
                    d = dimension_ids[dimension_id]
                    if abs(push) > d.max - d.min:
                        self.add(
                            (*here, "effects", dimension_id),
                            f"{name}: the effect {push:g} on '{dimension_id}' is larger than its "
                            f"whole range {d.min:g}..{d.max:g}: use a value between "
                            f"-{d.max - d.min:g} and {d.max - d.min:g}",
                        )
                if not choice.evidence:
                    self.add(
                        (*here, "id"),
                        f"{name} has no evidence: add 'evidence: [{{source: <key>, locator: "
                        "<section or month>}]' naming the research behind its effects",
                    )
                for k, entry in enumerate(choice.evidence):
                    if entry.source not in sources:
                        self.add(
                            (*here, "evidence", k, "source"),
                            f"{name} cites source '{entry.source}', which is not under 'sources' "
                            f"(keys: {', '.join(sorted(sources))})",
                        )

    def _route(
        self,
        loc: tuple[Any, ...],
        name: str,
        route: Route,
        node_ids: set[str],
        dimensions: dict[str, Dimension],
    ) -> None:
        if route.next not in node_ids:
            close = difflib.get_close_matches(route.next, sorted(node_ids), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "add that scene or fix the id"
            self.add(
                (*loc, "next"),
                f"{name} has a route to '{route.next}', which does not exist: {hint}",
            )
        for dimension_id, condition in route.when.items():
            d = dimensions.get(dimension_id)
            if d is None:
                self.add(
                    (*loc, "when", dimension_id),
                    f"{name} has a route that tests '{dimension_id}', which is not a declared "
                    f"dimension (declared: {', '.join(dimensions)})",
                )
                continue
            for bound in (condition.at_least, condition.below):
                if bound is not None and not d.min < bound <= d.max:
                    self.add(
                        (*loc, "when", dimension_id),
                        f"{name} has a route that tests '{dimension_id}' against {bound:g}, "
                        f"outside its range {d.min:g}..{d.max:g}: the test would always or "
                        "never hold",
                    )

    def graph(self, node_ids: set[str]) -> None:
        c = self.case
        index = {s.id: i for i, s in enumerate(c.scenes)}
        ending_index = {e.id: i for i, e in enumerate(c.endings)}
        times = {s.id: s.time for s in c.scenes} | {e.id: e.time for e in c.endings}
        edges: dict[str, list[str]] = {
            s.id: [n for ch in s.choices for n in ch.destinations() if n in node_ids]
            for s in c.scenes
        }
        # Dead ends and time running backwards: one look at each scene and choice.
        for i, scene in enumerate(c.scenes):
            if not scene.choices:
                self.add(
                    ("scenes", i, "id"),
                    f"scene '{scene.id}' has no choices and is not an ending: add choices, or "
                    "move it under 'endings' with a debrief",
                )
            for j, choice in enumerate(scene.choices):
                targets = [(("next",), choice.next)] + [
                    (("routes", r, "next"), route.next) for r, route in enumerate(choice.routes)
                ]
                for where, target in targets:
                    if target in times and times[target] < scene.time:
                        self.add(
                            ("scenes", i, "choices", j, *where),
                            f"choice '{choice.id}' in scene '{scene.id}' "
                            f"({self.when(scene.time)}) goes to '{target}' at "
                            f"{self.when(times[target])}: time cannot run backwards; change "
                            "one of the two times or the 'next'",
                        )
        # Reachability from the start: breadth-first, each scene once.
        reached: set[str] = set()
        if c.start in index:
            queue = deque([c.start])
            reached.add(c.start)
            while queue:
                for nxt in edges.get(queue.popleft(), []):
                    if nxt not in reached:
                        reached.add(nxt)
                        queue.append(nxt)
            for scene in c.scenes:
                if scene.id not in reached:
                    self.add(
                        ("scenes", index[scene.id], "id"),
                        f"scene '{scene.id}' cannot be reached from the start '{c.start}': "
                        "point a choice's 'next' at it, or remove it",
                    )
            for ending in c.endings:
                if ending.id not in reached:
                    self.add(
                        ("endings", ending_index[ending.id], "id"),
                        f"ending '{ending.id}' cannot be reached: point a choice's 'next' at it, "
                        "or remove it",
                    )
        # Every reachable scene must lead to some ending: backwards search from the endings.
        incoming: dict[str, list[str]] = {}
        for origin, destinations in edges.items():
            for destination in destinations:
                incoming.setdefault(destination, []).append(origin)
        can_end = set(ending_index)
        queue = deque(ending_index)
        while queue:
            for previous in incoming.get(queue.popleft(), []):
                if previous not in can_end:
                    can_end.add(previous)
                    queue.append(previous)
        for scene in c.scenes:
            if scene.id in reached and scene.choices and scene.id not in can_end:
                self.add(
                    ("scenes", index[scene.id], "id"),
                    f"no path from scene '{scene.id}' reaches an ending: give one of its "
                    "choices (or a later scene's) a 'next' that leads to an ending",
                )
        if not c.allow_cycles:
            for cycle in _cycles(edges):
                first = cycle[0]
                self.add(
                    ("scenes", index[first], "id"),
                    f"scenes {' -> '.join([*cycle, first])} form a cycle: a case moves forward "
                    "in time; change a 'next', or declare 'allow_cycles: true'",
                )

    def study_path(self) -> None:
        """Walk the study path with the model (routes depend on it), once all else is sound."""
        c = self.case
        if c.study_path is None or self.problems:
            return
        walker = Walker(Scenario(c))
        for k, choice_id in enumerate(c.study_path):
            loc = ("study_path", k)
            if walker.at_ending:
                self.add(
                    loc,
                    f"study_path goes on after reaching the ending '{walker.node}': remove "
                    f"'{choice_id}' and what follows",
                )
                return
            scene = walker.scenario.scenes[walker.node]
            if choice_id not in {ch.id for ch in scene.choices}:
                valid = ", ".join(ch.id for ch in scene.choices)
                self.add(
                    loc,
                    f"study_path step {k + 1} '{choice_id}' is not a choice in scene "
                    f"'{scene.id}' (its choices: {valid})",
                )
                return
            walker.step(choice_id)
        if not walker.at_ending:
            self.add(
                ("study_path",),
                f"study_path stops at scene '{walker.node}', which is not an ending: add the "
                "choices the worker made from there on",
            )


def _some(ids: Iterable[str], limit: int = 8) -> str:
    items = list(ids)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """One cycle per strongly connected group of scenes (Tarjan's algorithm, iterative)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in order:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                order[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = [t for t in edges.get(node, []) if t in edges]
            if i < len(targets):
                work.append((node, i + 1))
                target = targets[i]
                if target not in order:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], order[target])
                continue
            if low[node] == order[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in edges.get(node, []):
                    found.append(_cycle_in(group, edges))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def _cycle_in(group: list[str], edges: dict[str, list[str]]) -> list[str]:
    """Walk inside a strongly connected group until a scene repeats: that loop is a cycle."""
    members = set(group)
    node = min(group)
    path: list[str] = []
    position: dict[str, int] = {}
    while node not in position:
        position[node] = len(path)
        path.append(node)
        node = next(t for t in edges[node] if t in members)
    return path[position[node] :]


# --- entry points -----------------------------------------------------------------------
