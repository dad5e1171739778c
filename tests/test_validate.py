"""The validator, as authors meet it: every malformed file gives ``path:line: message``.

Each fixture in ``tests/fixtures/bad/`` is the demonstration case with one mistake an
author could make; the table pins the exact line and the exact message, so a change in
wording is a deliberate change, reviewed here.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.validate import CaseFileError, check_bytes, check_file, load_scenario
from casework.yaml_lines import MAX_DEPTH, Problem

FIXTURES = Path(__file__).parent / "fixtures" / "bad"
DEMO = Path(__file__).parents[1] / "cases" / "demo.yaml"

EXPECTED: dict[str, list[tuple[int, str]]] = {
    "bad_id": [
        (
            119,
            "scene 'notes', choice 'show_her': 'Busy Week' is not a valid id for 'next': use lower-case letters, digits and underscores, starting with a letter (e.g. first_visit)",
        ),
        (
            130,
            "scene 'notes', choice 'refer_to_process': 'Busy Week' is not a valid id for 'next': use lower-case letters, digits and underscores, starting with a letter (e.g. first_visit)",
        ),
        (
            133,
            "scene 'Busy Week': 'Busy Week' is not a valid id for 'id': use lower-case letters, digits and underscores, starting with a letter (e.g. first_visit)",
        ),
    ],
    "bad_time_unit": [
        (21, "'time_unit' must be one of 'weeks' or 'months', not 'days'"),
    ],
    "cycle": [
        (
            133,
            "scenes busy_week -> notes -> busy_week form a cycle: a case moves forward in time; change a 'next', or declare 'allow_cycles: true'",
        ),
        (189, "ending 'guarded' cannot be reached: point a choice's 'next' at it, or remove it"),
    ],
    "dead_end": [
        (
            176,
            "scene 'stuck' has no choices and is not an ending: add choices, or move it under 'endings' with a debrief",
        ),
        (194, "ending 'guarded' cannot be reached: point a choice's 'next' at it, or remove it"),
    ],
    "duplicate_choice_id": [
        (
            155,
            "in scene 'busy_week', choice id 'keep_the_visit' is used twice (first on line 143): rename one",
        ),
    ],
    "duplicate_key": [
        (22, "'time_unit' is given twice in this mapping (first on line 21): keep one"),
    ],
    "duplicate_scene_id": [
        (133, "scene or ending id 'notes' is used twice (first on line 101): rename one"),
    ],
    "effect_too_large": [
        (
            79,
            "choice 'explain_and_listen' in scene 'first_visit': the effect 800 on 'trust' is larger than its whole range 0..100: use a value between -100 and 100",
        ),
    ],
    "effects_not_a_mapping": [
        (
            171,
            "scene 'busy_week', choice 'send_colleague': 'effects' must be a mapping of fields (key: value), not ['trust', 'wellbeing']",
        ),
    ],
    "empty": [
        (
            1,
            "the file is empty: a case file starts with 'schema_version: 2' and 'id: ...' (copy cases/demo.yaml to begin)",
        ),
    ],
    "empty_concepts": [
        (
            92,
            "scene 'first_visit', choice 'stick_to_the_form': list at least one practice concept under 'concepts'",
        ),
    ],
    "missing_field": [
        (101, "scene 'notes': add the required field 'narrative'"),
        (
            107,
            "scene 'notes': unknown field 'story': the fields here are: id, time, phase, title, setting, present, narrative, content_note, reflection, choices",
        ),
    ],
    "missing_schema_version": [
        (6, "add 'schema_version: 2' at the top of the file (the format version)"),
    ],
    "newer_schema_version": [
        (
            6,
            "schema_version 9 is newer than this version of casework understands (up to 2): update casework, or write the file in version 2",
        ),
    ],
    "no_evidence": [
        (
            86,
            "choice 'stick_to_the_form' in scene 'first_visit' has no evidence: add 'evidence: [{source: <key>, locator: <section or month>}]' naming the research behind its effects",
        ),
    ],
    "not_a_mapping": [
        (
            2,
            "the file must be a mapping of fields (schema_version: 2, id: ..., title: ...), but it is a list",
        ),
    ],
    "not_utf8": [
        (
            67,
            "byte 0xe9 is not UTF-8 text: save the file as UTF-8 (in most editors: File > Save with encoding > UTF-8)",
        ),
    ],
    "python_tag": [
        (
            8,
            "the tag !!python/object/apply:os.system is not plain data: remove it and write the value as text, a number, a list or a mapping",
        ),
    ],
    "start_is_ending": [
        (61, "start 'held' is not a scene: it is an ending; start at a scene"),
    ],
    "start_out_of_range": [
        (
            50,
            "dimension 'fear': start 170 is outside its range 0..100: choose a start inside the range",
        ),
    ],
    "study_path_incomplete": [
        (
            212,
            "study_path stops at scene 'busy_week', which is not an ending: add the choices the worker made from there on",
        ),
    ],
    "study_path_wrong_choice": [
        (
            212,
            "study_path step 2 'show_notes' is not a choice in scene 'notes' (its choices: show_her, refer_to_process)",
        ),
    ],
    "time_backwards": [
        (
            119,
            "choice 'show_her' in scene 'notes' (week 1) goes to 'busy_week' at week 0.5: time cannot run backwards; change one of the two times or the 'next'",
        ),
        (
            130,
            "choice 'refer_to_process' in scene 'notes' (week 1) goes to 'busy_week' at week 0.5: time cannot run backwards; change one of the two times or the 'next'",
        ),
    ],
    "time_not_a_number": [
        (134, "scene 'busy_week': 'time' must be a number, not 'the third week'"),
    ],
    "two_capacity_dimensions": [
        (
            59,
            "only one dimension may be of kind 'capacity' (the worker's own thinking space): make this one 'relational' or 'evidence'",
        ),
    ],
    "undeclared_dimension": [
        (
            116,
            "choice 'show_her' in scene 'notes' has an effect on 'mood', which is not a declared dimension (declared: trust, fear, wellbeing, capacity)",
        ),
    ],
    "unknown_field": [
        (163, "scene 'busy_week', choice 'postpone': unknown field 'nxt': did you mean 'next'?"),
    ],
    "unknown_next": [
        (
            151,
            "choice 'keep_the_visit' in scene 'busy_week' goes to 'helf', which does not exist: did you mean 'held'?",
        ),
        (177, "ending 'held' cannot be reached: point a choice's 'next' at it, or remove it"),
    ],
    "unknown_phase": [
        (135, "phase 'middle' is not declared under 'phases' (declared: building, opening)"),
    ],
    "unknown_source": [
        (
            84,
            "choice 'explain_and_listen' in scene 'first_visit' cites source 'masson', which is not under 'sources' (keys: ferguson, mason)",
        ),
    ],
    "unreachable_scene": [
        (
            176,
            "scene 'lost_scene' cannot be reached from the start 'first_visit': point a choice's 'next' at it, or remove it",
        ),
    ],
    "yaml_syntax": [
        (
            9,
            "YAML syntax: a quotation mark opened on this line is not closed on it (the reader only noticed on line 31): close the quote, or use > for text that runs over several lines",
        ),
    ],
    "route_backwards_in_time": [
        (
            133,
            "scenes busy_week -> notes -> busy_week form a cycle: a case moves forward in time; change a 'next', or declare 'allow_cycles: true'",
        ),
        (
            156,
            "choice 'keep_the_visit' in scene 'busy_week' (week 3) goes to 'notes' at week 1: time cannot run backwards; change one of the two times or the 'next'",
        ),
    ],
    "route_out_of_range": [
        (
            155,
            "choice 'keep_the_visit' in scene 'busy_week' has a route that tests 'trust' against 250, outside its range 0..100: the test would always or never hold",
        ),
    ],
    "route_tests_undeclared": [
        (
            155,
            "choice 'keep_the_visit' in scene 'busy_week' has a route that tests 'mood', which is not a declared dimension (declared: trust, fear, wellbeing, capacity)",
        ),
    ],
    "route_to_unknown": [
        (
            156,
            "choice 'keep_the_visit' in scene 'busy_week' has a route to 'guardd', which does not exist: did you mean 'guarded'?",
        ),
    ],
    "route_without_bounds": [
        (
            155,
            "scene 'busy_week', choice 'keep_the_visit': the condition on 'trust': give 'at_least', 'below' or both",
        ),
    ],
}


def test_there_are_at_least_twenty_fixtures_and_each_is_pinned() -> None:
    files = {p.stem for p in FIXTURES.glob("*.yaml")}
    assert len(files) >= 20
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_fixture_gives_exact_lines_and_messages(name: str) -> None:
    path = FIXTURES / f"{name}.yaml"
    scenario, problems = check_file(path)
    assert scenario is None
    assert [(p.line, p.message) for p in problems] == EXPECTED[name]
    assert all(str(p).startswith(f"{path}:{p.line}: ") for p in problems)


def test_the_demonstration_case_is_valid() -> None:
    scenario, problems = check_file(DEMO)
    assert problems == []
    assert scenario is not None and scenario.id == "demo"


def test_load_scenario_raises_with_every_problem() -> None:
    with pytest.raises(CaseFileError) as raised:
        load_scenario(FIXTURES / "time_backwards.yaml")
    assert len(raised.value.problems) == 2
    assert "time cannot run backwards" in str(raised.value)


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    _, problems = check_file(tmp_path / "nowhere.yaml")
    assert problems[0].line == 1 and "cannot read the file" in problems[0].message


def test_a_50_megabyte_file_is_refused_quickly_with_a_message() -> None:
    raw = b"# padding\n" * (5 * 1024 * 1024)
    _, problems = check_bytes("big.yaml", raw)
    assert problems == [
        Problem(
            "big.yaml",
            1,
            "the file is 50.0 MB; a case file may be at most 16 MB: split it into smaller cases",
        )
    ]


def test_deep_nesting_is_refused_with_its_line() -> None:
    raw = ("a: " + "[" * (MAX_DEPTH + 10) + "]" * (MAX_DEPTH + 10) + "\n").encode()
    _, problems = check_bytes("deep.yaml", raw)
    assert len(problems) == 1 and "nested more than 64 levels" in problems[0].message


def test_alias_bomb_is_refused_without_expanding_it() -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    _, problems = check_bytes("bomb.yaml", "\n".join(lines).encode())
    assert len(problems) == 1 and "aliases (*name) expand to more than" in problems[0].message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"just words\n", "it is a single value ('just words')"),
        (b"42\n", "it is a single value (42)"),
        (b"---\na: 1\n---\nb: 2\n", "a second document starts here"),
        (b"\x00\x01\x02\xff\xfe", "is not UTF-8 text"),
        (b"key: [unclosed\n", "YAML syntax"),
        (b"? [a, b]\n: value\n", "a key must be a plain word"),
        (b"schema_version: two\n", "schema_version must be a whole number"),
        (b"schema_version: 0\n", "schema_version 0 never existed"),
    ],
)
def test_odd_inputs_give_a_message(raw: bytes, expected: str) -> None:
    scenario, problems = check_bytes("odd.yaml", raw)
    assert scenario is None
    assert any(expected in p.message for p in problems), problems


def _big_case(scenes: int) -> str:
    """A valid case of ``scenes`` scenes in a ladder: each scene offers two ways on."""
    head = DEMO.read_text(encoding="utf-8").split("start: first_visit")[0]
    body = ["start: s0", "scenes:"]
    for i in range(scenes):
        following = [
            f"s{i + 1}" if i + 1 < scenes else "held",
            f"s{i + 2}" if i + 2 < scenes else "held",
        ]
        body.append(
            f"  - {{id: s{i}, time: {i // 50}, title: Scene {i}, setting: Somewhere., "
            f"narrative: Something happens., choices: ["
            f"{{id: a, label: Go on, consequence: On., concepts: [reliability], "
            f"effects: {{trust: 3}}, reliable: true, "
            f"evidence: [{{source: ferguson, locator: x}}], next: {following[0]}}}, "
            f"{{id: b, label: Skip, consequence: Skip., concepts: [reliability], "
            f"effects: {{trust: -3}}, evidence: [{{source: ferguson, locator: x}}], "
            f"next: {following[1]}}}]}}"
        )
    body.append("endings:")
    body.append(
        f"  - {{id: held, time: {scenes // 50 + 1}, title: End, kind: end, narrative: Ends., "
        "debrief: Done.}"
    )
    return head + "\n".join(body) + "\n"


def test_a_case_of_5000_scenes_is_checked_completely() -> None:
    """Correctness at size; the speed is measured in benchmarks/validate_speed.py."""
    text = _big_case(5000)
    scenario, problems = check_bytes("big.yaml", text.encode())
    assert problems == []
    assert scenario is not None and len(scenario.scenes) == 5000
    # And a single mistake deep inside is still found, on its own line.
    broken = text.replace("next: s4001}", "next: s4001x}", 1)
    _, problems = check_bytes("big.yaml", broken.encode())
    messages = [p.message for p in problems]
    assert any("goes to 's4001x', which does not exist" in m for m in messages)
    line = next(p.line for p in problems if "s4001x" in p.message)
    assert "s4001x" in broken.splitlines()[line - 1]


def _mutations() -> st.SearchStrategy[bytes]:
    demo = DEMO.read_bytes()
    lines = demo.splitlines(keepends=True)

    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        kind = draw(st.sampled_from(["drop", "swap", "dup", "bytes", "indent", "truncate"]))
        chosen = list(lines)
        i = draw(st.integers(0, len(chosen) - 1))
        if kind == "drop":
            del chosen[i]
        elif kind == "swap":
            j = draw(st.integers(0, len(chosen) - 1))
            chosen[i], chosen[j] = chosen[j], chosen[i]
        elif kind == "dup":
            chosen.insert(i, chosen[i])
        elif kind == "bytes":
            chosen[i] = draw(st.binary(min_size=1, max_size=20))
        elif kind == "indent":
            chosen[i] = b"   " + chosen[i]
        else:
            return demo[: draw(st.integers(0, len(demo)))]
        return b"".join(chosen)

    return mutate()


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_mutated_case_files_never_crash_the_validator(raw: bytes) -> None:
    scenario, problems = check_bytes("mutant.yaml", raw)
    assert (scenario is None) == bool(problems)
    for problem in problems:
        assert problem.line >= 1
        assert problem.message and "Traceback" not in problem.message


def test_random_bytes_never_crash_the_validator() -> None:
    chooser = random.Random(20261123)
    for _ in range(200):
        raw = bytes(chooser.randrange(256) for _ in range(chooser.randrange(1, 400)))
        _, problems = check_bytes("noise.yaml", raw)
        assert problems and all(p.line >= 1 for p in problems)


def _structural_mutations() -> st.SearchStrategy[bytes]:
    """Valid YAML with a wrong thing in a random place: what a hurried author writes."""
    import copy

    import yaml

    base = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    odd_values = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**12), 10**12),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=30),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    )

    def places(node: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        found = [path]
        if isinstance(node, dict):
            for key, value in node.items():
                found += places(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                found += places(value, (*path, index))
        return found

    spots = places(base)[1:]

    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        data = copy.deepcopy(base)
        for _ in range(draw(st.integers(1, 3))):
            path = draw(st.sampled_from(spots))
            parent: object = data
            try:
                for part in path[:-1]:
                    parent = parent[part]  # type: ignore[index]
                action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
                if action == "replace":
                    parent[path[-1]] = draw(odd_values)  # type: ignore[index]
                elif action == "delete":
                    del parent[path[-1]]  # type: ignore[attr-defined]
                elif isinstance(parent, list):
                    parent.append(copy.deepcopy(parent[path[-1]]))  # type: ignore[index]
            except (KeyError, IndexError, TypeError):
                continue
        return yaml.dump(
            data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False
        ).encode()

    return mutate()


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_structural_mutations())
def test_a_thousand_structurally_broken_cases_each_get_a_message(raw: bytes) -> None:
    scenario, problems = check_bytes("fuzzed.yaml", raw)
    assert (scenario is None) == bool(problems)
    for problem in problems:
        assert problem.line >= 1 and problem.message
        assert "Traceback" not in problem.message and "object at 0x" not in problem.message
