"""The ``casework`` command, each sub-command, in process and once as a real program."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from casework.schema_export import case_json_schema
from casework.testing import invoke
from fixtures.make_bad_cases import BAD_CASES

ROOT = Path(__file__).parents[1]
BAD = ROOT / "tests" / "fixtures" / "bad"
DEMO = ROOT / "cases" / "demo.yaml"


def test_validate_a_good_file_exits_0() -> None:
    result = invoke(["validate", str(DEMO)])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "1 case file(s) valid" in result.stderr


def test_validate_a_folder_prints_one_line_per_problem_and_exits_1() -> None:
    result = invoke(["validate", str(BAD)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    files = sorted(BAD.glob("*.yaml"))
    assert len(lines) >= len(files)
    for line in lines:
        path, number, message = line.split(":", 2)
        assert Path(path).parent == BAD and int(number) >= 1 and message.startswith(" ")
    assert {Path(line.split(":", 1)[0]) for line in lines} == set(files)
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_mixed_files_still_exits_1() -> None:
    result = invoke(["validate", str(DEMO), str(BAD / "cycle.yaml")])
    assert result.exit_code == 1


@pytest.mark.parametrize(
    "args",
    [["validate"], ["validate", "/no/such/place.yaml"], ["nonsense"], [], ["play", "demo"]],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = invoke(args)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr


def test_validate_an_empty_folder_says_so(tmp_path: Path) -> None:
    result = invoke(["validate", str(tmp_path)])
    assert result.exit_code == 1 and "no case files" in result.stderr


def test_schema_is_a_json_schema_that_accepts_the_demo_case(tmp_path: Path) -> None:
    import jsonschema
    import yaml

    result = invoke(["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(yaml.safe_load(DEMO.read_text()), schema)
    out = tmp_path / "schema.json"
    assert invoke(["schema", "--out", str(out)]).exit_code == 0
    assert json.loads(out.read_text()) == schema


def test_the_committed_schema_file_is_up_to_date() -> None:
    committed = json.loads((ROOT / "schema" / "case.schema.json").read_text())
    assert committed == case_json_schema(), "run: casework schema --out schema/case.schema.json"


def test_case_files_point_their_editor_at_the_schema() -> None:
    for path in sorted((ROOT / "cases").glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schema/case.schema.json", path


def test_play_json_has_the_documented_shape() -> None:
    result = invoke(["play", "demo", "--study-path", "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["case"] == "demo" and data["ending"] == "held"
    assert [s["choice"] for s in data["steps"]] == [
        "explain_and_listen",
        "show_her",
        "keep_the_visit",
    ]
    for step in data["steps"]:
        assert set(step) == {"time", "scene", "choice", "values"}
        assert set(step["values"]) == {"trust", "fear", "wellbeing", "capacity"}
    assert [s["time"] for s in data["steps"]] == [0, 1, 3]


def test_play_choices_by_path_and_by_id_agree() -> None:
    by_id = invoke(["play", "demo", "--choices", "stick_to_the_form,refer_to_process", "--json"])
    by_path = invoke(
        ["play", str(DEMO), "--choices", "stick_to_the_form,refer_to_process", "--json"]
    )
    assert by_id.exit_code == by_path.exit_code == 0
    assert json.loads(by_id.stdout) == json.loads(by_path.stdout)
    assert json.loads(by_id.stdout)["ending"] is None  # stopped before an ending


def test_play_an_invalid_choice_names_the_scene_and_the_valid_choices() -> None:
    result = invoke(["play", "demo", "--choices", "explain_and_listen,shout"])
    assert result.exit_code == 1
    assert "scene 'notes' has no choice 'shout'" in result.stderr
    assert "show_her, refer_to_process" in result.stderr


def test_play_random_reaches_an_ending_and_is_repeatable() -> None:
    endings = set()
    for seed in range(30):
        first = invoke(["play", "demo", "--random", str(seed), "--json"])
        again = invoke(["play", "demo", "--random", str(seed), "--json"])
        assert first.stdout == again.stdout
        endings.add(json.loads(first.stdout)["ending"])
    assert endings == {"held", "guarded", "withdrawn"}


def test_play_as_a_table_says_it_is_a_teaching_model() -> None:
    result = invoke(["play", "demo", "--study-path"])
    assert result.exit_code == 0
    assert "A teaching model, not a prediction" in result.stdout
    assert "ending: A relationship to build on (held)" in result.stdout


def test_play_an_unknown_case_is_a_usage_error_listing_the_cases() -> None:
    result = invoke(["play", "nobody", "--study-path"])
    assert result.exit_code == 2
    assert "no case 'nobody'" in result.stderr and "demo" in result.stderr


def test_play_a_broken_case_prints_its_problems() -> None:
    result = invoke(["play", str(BAD / "cycle.yaml"), "--random", "1"])
    assert result.exit_code == 1
    assert "form a cycle" in result.stderr


def test_map_writes_a_self_contained_plotly_page(tmp_path: Path) -> None:
    out = tmp_path / "maps" / "demo.html"
    result = invoke(["map", "demo", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert "Plotly.newPlot" in html
    assert re.search(r"<script[^>]+src=", html) is None, "the page must load no external script"
    assert "path taken in the study" in html and "A relationship to build on" in html


def test_list_shows_each_case_with_span_decisions_and_endings(tmp_path: Path) -> None:
    shutil.copy(DEMO, tmp_path / "demo.yaml")
    result = invoke(["list", "--cases", str(tmp_path)])
    assert result.exit_code == 0
    row = result.stdout.splitlines()[1].split()
    assert row[0] == "demo" and row[-3:] == ["0-4", "3", "3"]
    shutil.copy(BAD / "cycle.yaml", tmp_path / "zz_cycle.yaml")
    result = invoke(["list", "--cases", str(tmp_path)])
    assert result.exit_code == 1 and "has problems: run 'casework validate" in result.stdout


def test_the_installed_command_runs_as_a_program() -> None:
    executable = Path(sys.executable).parent / "casework"
    completed = subprocess.run(
        [str(executable), "validate", str(BAD / "not_utf8.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 1
    line = next(c for c in BAD_CASES if c.name == "not_utf8").expected[0][0]
    assert completed.stdout.startswith(f"{BAD / 'not_utf8.yaml'}:{line}: byte 0xe9 is not UTF-8")
    assert "Traceback" not in completed.stderr
