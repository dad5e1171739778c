"""The validator, as authors meet it: every malformed file gives ``path:line: message``.

Each fixture in ``tests/fixtures/bad/`` is the demonstration case with one mistake an
author could make, made by ``tests/fixtures/make_bad_cases.py`` from today's
``cases/demo.yaml``; its table pins, beside each mistake, the exact line and the exact
message, so a change in wording is a deliberate change, reviewed there.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.validate import CaseFileError, check_bytes, check_file, load_scenario
from casework.yaml_lines import MAX_DEPTH, Problem
from fixtures.make_bad_cases import BAD_CASES, CASES, AnchorError, build_all

FIXTURES = Path(__file__).parent / "fixtures" / "bad"
DEMO = Path(__file__).parents[1] / "cases" / "demo.yaml"

# The expected (line, message) pairs stand beside each mistake in the generator's table.
EXPECTED: dict[str, list[tuple[int, str]]] = {case.name: case.expected for case in BAD_CASES}


def test_there_are_at_least_twenty_fixtures_and_each_is_pinned() -> None:
    files = {p.stem for p in FIXTURES.glob("*.yaml")}
    assert len(files) >= 20
    assert files == set(EXPECTED)


def test_the_fixtures_are_what_the_generator_makes_from_todays_demo() -> None:
    made = build_all(DEMO.read_bytes())
    differ = sorted(
        name
        for name, raw in made.items()
        if not (FIXTURES / f"{name}.yaml").is_file()
        or (FIXTURES / f"{name}.yaml").read_bytes() != raw
    )
    assert not differ, (
        f"these fixtures are not what the generator makes from cases/demo.yaml: {differ}; "
        "run `python tests/fixtures/make_bad_cases.py` (and update the expected lines in its "
        "table if the validator's answers moved)"
    )


def test_the_generator_stops_at_a_snippet_the_demo_no_longer_has() -> None:
    changed = DEMO.read_bytes().replace(b"        next: held\n", b"        next: kept\n")
    with pytest.raises(AnchorError, match=r"'unknown_next'.*occurs 0 time\(s\).*update"):
        CASES["unknown_next"].build(changed)


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
    assert [p for p in problems if not p.warning] == []  # unmarked scenes only warn
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
    assert (scenario is None) == any(not p.warning for p in problems)
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
    assert (scenario is None) == any(not p.warning for p in problems)
    for problem in problems:
        assert problem.line >= 1 and problem.message
        assert "Traceback" not in problem.message and "object at 0x" not in problem.message


# --- format 3: marks, quotations, reliability and the author's lint ---------------------------


def _demo_with(old: str, new: str) -> bytes:
    text = DEMO.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    return text.replace(old, new).encode()


def _messages(raw: bytes) -> list[tuple[bool, str]]:
    _, problems = check_bytes("case.yaml", raw)
    return [(p.warning, p.message) for p in problems]


def test_false_reassurance_can_never_count_as_reliable() -> None:
    raw = _demo_with(
        "        concepts: [respectful communication, honesty]",
        "        concepts: [false reassurance, honesty]",
    )
    scenario, problems = check_bytes("case.yaml", raw)
    assert scenario is None
    assert any("illustrates false reassurance" in p.message and not p.warning for p in problems)


def test_a_study_mark_must_say_where_in_the_study() -> None:
    raw = _demo_with(
        "    present: [You, your manager]\n    basis: {kind: course}",
        "    present: [You, your manager]\n    basis: {kind: study, source: ferguson}",
    )
    assert any("needs the 'source' and the 'locator'" in m for w, m in _messages(raw) if not w)


def test_uncited_quotation_marks_are_a_warning_with_the_line() -> None:
    raw = _demo_with("worker wrote lies about her", 'worker "wrote lies" about her')
    scenario, problems = check_bytes("case.yaml", raw)
    assert scenario is not None, "a warning never makes a case invalid"
    (warning,) = [p for p in problems if p.warning]
    assert "quotation marks around 'wrote lies'" in warning.message
    assert "wrote lies" in raw.decode().splitlines()[warning.line - 1]
    assert str(warning).startswith(f"case.yaml:{warning.line}: warning: ")


def test_a_study_option_much_longer_than_the_others_is_a_warning() -> None:
    raw = _demo_with(
        "        label: Offer to go through your record with her at the next visit",
        "        label: Offer to go through your whole record with her, line by line, at the "
        "next visit, and to note her corrections and her own account beside it",
    )
    messages = [m for w, m in _messages(raw) if w]
    assert any("is much longer than the others here" in m for m in messages)
    assert any("is the longest label at 2 of 3 decisions" in m for m in messages)


def test_apostrophes_are_not_quotation_marks() -> None:
    from casework.case_marks import quoted_spans

    assert quoted_spans("the parents' view and Samantha's son; it's 'held' here") == ["held"]
    assert quoted_spans('“only half mine” and "vile"') == ["only half mine", "vile"]
