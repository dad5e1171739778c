"""The ``casework`` command: for case authors, educators, tests and checks.

Exit codes: 0 success; 1 the input has problems (each printed as ``path:line: message``,
or a message naming what to change); 2 a usage error (argparse's own convention).
No input, however malformed, ends in a Python traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from casework import __version__
from casework.catalog import case_files, find_case, list_cases
from casework.grading.commands import add_parsers as add_grading_parsers
from casework.grading.commands import run as run_grading
from casework.journey import JourneyError
from casework.paths import play, random_path, strategy_results
from casework.scenario import Scenario
from casework.schema_export import case_json_schema
from casework.trust_model import TEACHING_MODEL_NOTE
from casework.validate import CaseFileError, check_file, load_scenario


class _UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="casework",
        description="Holding in Mind: check, play and map the course's case files.",
    )
    parser.add_argument("--version", action="version", version=f"casework {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate", help="check case files; one line per problem as path:line: message"
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", help="case files or folders")

    schema = commands.add_parser("schema", help="print the JSON Schema of the case format")
    schema.add_argument("--out", metavar="FILE", help="write it to FILE instead of printing it")

    play = commands.add_parser("play", help="play a case along given choices and show the curve")
    play.add_argument("case", metavar="CASE", help="a case id in cases/ or a path to a case file")
    how = play.add_mutually_exclusive_group(required=True)
    how.add_argument("--choices", metavar="ID,ID,...", help="choice ids, in order, from the start")
    how.add_argument("--study-path", action="store_true", help="the path taken in the study")
    how.add_argument("--random", type=int, metavar="SEED", help="a random valid path to an ending")
    play.add_argument("--json", action="store_true", help="print one JSON object")

    map_ = commands.add_parser("map", help="draw the case as a graph (HTML, plotly)")
    map_.add_argument("case", metavar="CASE")
    map_.add_argument("--out", required=True, metavar="FILE.html")

    serve = commands.add_parser(
        "serve", help="serve the course with Voila on 127.0.0.1 (what 'make start' runs)"
    )
    serve.add_argument("--port", type=int, default=8866, help="port on 127.0.0.1 (default: 8866)")
    serve.add_argument("--open", action="store_true", help="open a browser tab")
    serve.add_argument(
        "--pool",
        type=int,
        default=0,
        metavar="N",
        help="keep N kernels ready for each case page, each replaced a second after a learner "
        "takes it: the first page opens in about 1.2 s instead of 2 s on two cores, for about "
        "70 MB per idle kernel (default 0: no pool; see docs/speed.md)",
    )

    audit = commands.add_parser(
        "audit",
        help="can the study path be found without reading? simulated learners who always take "
        "the first, last, longest or shortest option, against learners who choose at random",
    )
    audit.add_argument("case", metavar="CASE")
    audit.add_argument("--learners", type=int, default=200, metavar="N", help="per strategy")
    audit.add_argument("--json", action="store_true", help="print one JSON object")

    listing = commands.add_parser("list", help="list the cases with their time span and size")
    listing.add_argument("--cases", metavar="FOLDER", help="another folder of cases")

    cohort = commands.add_parser(
        "cohort", help="report the paths a group took, from their saved journeys (HTML, plotly)"
    )
    cohort.add_argument(
        "submitted", metavar="SUBMITTED_DIR", help="nbgrader's submitted/ folder, or any folder"
    )
    cohort.add_argument("--out", required=True, metavar="FILE.html")
    cohort.add_argument(
        "--withhold-below",
        type=int,
        default=5,
        metavar="N",
        help="withhold counts below N (default 5)",
    )

    locked = commands.add_parser(
        "locked-cells",
        help="list the locked cells learners changed in their submissions (nbgrader); "
        "exit 1 if there are any",
    )
    locked.add_argument("assignment", metavar="ASSIGNMENT", help="e.g. clarke-reflection")
    locked.add_argument(
        "--course", default=".", metavar="FOLDER", help="the nbgrader course root (default: here)"
    )

    from casework.rooms.commands import add_parser as add_room_parser

    add_room_parser(commands)
    add_grading_parsers(commands)

    build = commands.add_parser(
        "build-assignments",
        help="write the nbgrader source notebooks (exercises/source/) from the course's "
        "assignment texts and docs/rubric.md (for course authors, in the repository)",
    )
    build.add_argument(
        "--course", metavar="FOLDER", help="the nbgrader course root (default: exercises/)"
    )
    return parser


def _load(reference: str) -> Scenario:
    try:
        path = find_case(reference)
    except FileNotFoundError as error:
        raise _UsageError(str(error)) from None
    return load_scenario(path)


def _validate(paths: list[str]) -> int:
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise _UsageError(f"no such file or folder: {', '.join(missing)}")
    files = case_files([Path(p) for p in paths])
    if not files:
        print("no case files (*.yaml, *.yml) found in " + ", ".join(paths), file=sys.stderr)
        return 1
    problems = warnings = 0
    for path in files:
        _, found = check_file(path)
        for problem in found:
            print(problem)
        warnings += sum(1 for p in found if p.warning)
        problems += sum(1 for p in found if not p.warning)
    advice = f", {warnings} warning(s) to look at" if warnings else ""
    if problems:
        print(f"{problems} problem(s) in {len(files)} file(s){advice}", file=sys.stderr)
        return 1
    print(f"{len(files)} case file(s) valid{advice}", file=sys.stderr)
    return 0


def _play(args: argparse.Namespace) -> int:
    scenario = _load(args.case)
    if args.study_path:
        if scenario.case.study_path is None:
            print(f"case '{scenario.id}' declares no study_path", file=sys.stderr)
            return 1
        choices = list(scenario.case.study_path)
    elif args.random is not None:
        choices = random_path(scenario, args.random)
    else:
        choices = [c.strip() for c in args.choices.split(",") if c.strip()]
    try:
        played = play(scenario, choices)
    except JourneyError as error:
        print(f"{scenario.path}: {error}", file=sys.stderr)
        return 1
    steps: list[dict[str, Any]] = [
        {
            "time": point.time,
            "scene": point.scene,
            "choice": point.choice,
            "values": {k: round(v, 3) for k, v in point.values.items()},
        }
        for point in played.trajectory.steps
    ]
    if args.json:
        print(
            json.dumps(
                {
                    "case": scenario.id,
                    "ending": played.ending,
                    "start": {k: round(v, 3) for k, v in played.trajectory.start.values.items()},
                    "steps": steps,
                    "end": None
                    if played.trajectory.end is None
                    else {
                        "time": played.trajectory.end.time,
                        "values": {k: round(v, 3) for k, v in played.trajectory.end.values.items()},
                    },
                }
            )
        )
        return 0
    dims = list(played.trajectory.dimensions)
    unit = scenario.case.time_unit.value
    # Whole ids, so they can be copied into --choices.
    scene_width = max([7, *(len(s["scene"]) for s in steps)])
    choice_width = max([6, *(len(s["choice"]) for s in steps)])
    print(f"{scenario.title}\n{TEACHING_MODEL_NOTE}\n")
    print(
        f"{unit:>7}  {'scene':<{scene_width}} {'choice':<{choice_width}} "
        + " ".join(f"{d[:9]:>9}" for d in dims)
    )
    start = played.trajectory.start
    print(
        f"{start.time:>7g}  {'(start)':<{scene_width}} {'':<{choice_width}} "
        + " ".join(f"{start.values[d]:>9.1f}" for d in dims)
    )
    for step in steps:
        print(
            f"{step['time']:>7g}  {step['scene']:<{scene_width}} {step['choice']:<{choice_width}} "
            + " ".join(f"{step['values'][d]:>9.1f}" for d in dims)
        )
    ending = played.ending
    print(
        f"\nending: {scenario.endings[ending].title} ({ending})"
        if ending
        else "\nnot finished: the path stops before an ending"
    )
    return 0


#: A surface strategy may match the study path at most this much more often than chance.
AUDIT_MARGIN = 0.15


def _audit(args: argparse.Namespace) -> int:
    scenario = _load(args.case)
    if scenario.case.study_path is None:
        print(f"case '{scenario.id}' declares no study_path to compare with", file=sys.stderr)
        return 1
    results = strategy_results(scenario, args.learners)
    chance = next(r.rate for r in results if r.strategy == "at random")
    limit = chance + AUDIT_MARGIN
    failing = [r for r in results if r.strategy != "at random" and r.rate > limit]
    if args.json:
        print(
            json.dumps(
                {
                    "case": scenario.id,
                    "chance": round(chance, 3),
                    "limit": round(limit, 3),
                    "strategies": {r.strategy: round(r.rate, 3) for r in results},
                }
            )
        )
    else:
        print(f"{scenario.title}: {args.learners} simulated learners per strategy\n")
        print(f"{'strategy':<28} {'same as the study':>18}")
        for r in results:
            flag = "  <- gives the study path away" if r in failing else ""
            print(f"{r.strategy:<28} {r.rate:>17.0%}{flag}")
        print(f"\nlimit: chance ({chance:.0%}) + {AUDIT_MARGIN:.0%} = {limit:.0%}")
    return 1 if failing else 0


def _map(args: argparse.Namespace) -> int:
    from casework.plots import case_map

    scenario = _load(args.case)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # The page carries plotly.js itself so it opens offline and asks no third party.
    case_map(scenario).write_html(str(out), include_plotlyjs=True, full_html=True)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace) -> int:
    folder = Path(args.cases) if args.cases else None
    if folder is not None and not folder.is_dir():
        raise _UsageError(f"no such folder: {folder}")
    listings = list_cases(folder)
    if not listings:
        print("no cases found", file=sys.stderr)
        return 1
    broken = 0
    width = max([5, *(len(i.scenario.title) for i in listings if i.scenario is not None)])
    print(f"{'id':<12} {'title':<{width}} {'time span':<16} {'decisions':>9} {'endings':>7}")
    for item in listings:
        s = item.scenario
        if s is None:
            broken += 1
            print(f"{item.path.stem:<12} (has problems: run 'casework validate {item.path}')")
            continue
        first, last = s.time_span()
        span = f"{s.case.time_unit.value} {first:g}-{last:g}"
        print(
            f"{s.id:<12} {s.title:<{width}} {span:<16} {s.decision_points():>9} {len(s.endings):>7}"
        )
    return 1 if broken else 0


def _cohort(args: argparse.Namespace) -> int:
    from casework.cohort import read_cohort, report_html

    folder = Path(args.submitted)
    if not folder.is_dir():
        raise _UsageError(f"no such folder: {folder}")
    tty = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        # A counter on one line in a terminal; in a log, a line every tenth of the way.
        if tty:
            print(f"\rreading journeys: {done}/{total}", end="", file=sys.stderr, flush=True)
            if done == total:
                print(file=sys.stderr)
        elif done == total or done % max(1, total // 10) == 0:
            print(f"reading journeys: {done}/{total}", file=sys.stderr)

    def warn(message: str) -> None:
        print(("\n" if tty else "") + message, file=sys.stderr)

    cohort = read_cohort(folder, progress=progress, warn=warn)
    if not cohort.journeys and not cohort.rooms:
        print(
            f"no usable journey files (*.journey.json) or room counts (*.room.csv) found in "
            f"{folder}",
            file=sys.stderr,
        )
        return 1
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report_html(cohort, withhold_below=args.withhold_below), encoding="utf-8")
    print(
        f"wrote {out}: {cohort.journeys} journey(s) in {len(cohort.cases)} case(s)"
        + (f", {len(cohort.rooms)} seminar room(s)" if cohort.rooms else "")
        + (f", {cohort.skipped} skipped" if cohort.skipped else ""),
        file=sys.stderr,
    )
    return 0


def _locked_cells(args: argparse.Namespace) -> int:
    from casework.grading.locked_cells import edits

    try:
        found = edits(Path(args.course), args.assignment)
    except FileNotFoundError as error:
        raise _UsageError(str(error)) from None
    for edit in found:
        print(edit.line())
    print(
        f"{len(found)} edited locked cell(s) in the submissions of {args.assignment}",
        file=sys.stderr,
    )
    return 1 if found else 0


def _build_assignments(args: argparse.Namespace) -> int:
    from casework.grading.notebooks import build

    for path in build(Path(args.course) if args.course else None):
        print(f"wrote {path}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args.paths)
        if args.command == "schema":
            text = json.dumps(case_json_schema(), indent=2) + "\n"
            if args.out:
                Path(args.out).write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text)
            return 0
        if args.command == "play":
            return _play(args)
        if args.command == "map":
            return _map(args)
        if args.command == "audit":
            return _audit(args)
        if args.command == "list":
            return _list(args)
        if args.command == "cohort":
            return _cohort(args)
        if args.command == "build-assignments":
            return _build_assignments(args)
        if args.command == "locked-cells":
            return _locked_cells(args)
        if args.command == "room":
            from casework.rooms.commands import run as run_room

            return run_room(args)
        if hasattr(args, "grading"):
            return run_grading(args)
        if args.command == "serve":
            from casework.serve import serve

            serve(port=args.port, open_browser=args.open, pool=args.pool)
    except _UsageError as error:
        parser.exit(2, f"casework {args.command}: {error}\n")
    except CaseFileError as error:
        print(error, file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader stopped early (``casework play ... | head``): not an error.
        sys.stdout = None
        return 0
    except OSError as error:
        print(f"casework {args.command}: {error}", file=sys.stderr)
        return 1
    return 2  # pragma: no cover - argparse requires a command


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
