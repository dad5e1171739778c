"""How long nbgrader takes to autograde one submission of each assignment: measured, not asserted.

Copies ``exercises/`` to a temporary course, adds a one-cell assignment (a single autograded
``assert True``) as the yardstick, generates all three, places the same number of finished
submissions for each in ``submitted/`` (a whole journey through the case, every answer
filled in) and times ``nbgrader autograde`` on each assignment. nbgrader's log is stamped to
the millisecond, so the time for each submission is read from it (from the line where it
starts on one learner to the next), leaving out the few seconds every nbgrader command
spends starting up. Each kernel start is in that time: autograde starts a fresh kernel for
every notebook.

Prints a table and writes ``benchmarks/results/autograde_speed.json``. Figures are compared as
ratios within one run: the rounds take the three in turn, so a busy machine slows all three
alike, and the ratio of the fastest submissions is the one least disturbed by other work.

    .venv/bin/python benchmarks/autograde_speed.py [--submissions 5] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat

from casework.grading.run import NbgraderFailed, run_nbgrader
from casework.testing import play_study_path
from casework.testing.servers import write_results

ROOT = Path(__file__).parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results" / "autograde_speed.json"
ASSIGNMENTS = {"clarke-reflection": "clarke", "keisha-reflection": "keisha"}
YARDSTICK = "one-cell"
STAMP = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3}) (Creating/updating student)?")


def nbgrader(tmp: Path, course: Path, *args: str) -> str:
    try:
        return run_nbgrader(tmp, course, *args)
    except NbgraderFailed as error:
        raise SystemExit(str(error)) from None


def one_cell_notebook() -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("assert True", id="only-cell")
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "only-cell",
        "locked": True,
        "points": 1,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    book = nbformat.v4.new_notebook(cells=[cell])
    book.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    return book


def finish(folder: Path, assignment: str) -> None:
    """A finished submission: the whole case played, every answer given."""
    case = ASSIGNMENTS.get(assignment)
    if case is None:
        return
    play_study_path(case).journey.save(folder / f"{case}.journey.json")
    path = folder / f"{assignment}.ipynb"
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            cell.source = 'answer = "reliability"'
        elif meta.get("solution"):
            cell.source = "A reflection of a few sentences, written by the learner. " * 20
    nbformat.write(book, path)


def per_submission(log: str) -> list[float]:
    """Seconds per submission, from the millisecond stamps on nbgrader's log lines."""
    starts: list[float] = []
    last = 0.0
    for line in log.splitlines():
        found = STAMP.match(line)
        if not found:
            continue
        stamp = datetime.strptime(found.group(1), "%H:%M:%S.%f")
        seconds = stamp.hour * 3600 + stamp.minute * 60 + stamp.second + stamp.microsecond / 1e6
        if starts and seconds < last:  # past midnight
            seconds += 86400
        last = seconds
        if found.group(2):
            starts.append(seconds)
    return [b - a for a, b in zip(starts, [*starts[1:], last], strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=5, help="per assignment (default 5)")
    parser.add_argument("--rounds", type=int, default=2, help="autograde runs each (default 2)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="autograde-speed-") as name:
        tmp = Path(name)
        course = tmp / "course"
        shutil.copytree(
            ROOT / "exercises",
            course,
            ignore=shutil.ignore_patterns(
                "gradebook.db", "__pycache__", "release", "submitted", "autograded", "feedback"
            ),
        )
        (course / "source" / YARDSTICK).mkdir()
        nbformat.write(one_cell_notebook(), course / "source" / YARDSTICK / f"{YARDSTICK}.ipynb")
        assignments = [YARDSTICK, *ASSIGNMENTS]
        for assignment in assignments:
            nbgrader(tmp, course, "generate_assignment", assignment)
            for number in range(1, args.submissions + 1):
                folder = course / "submitted" / f"learner{number:02d}" / assignment
                shutil.copytree(course / "release" / assignment, folder)
                finish(folder, assignment)

        # Rounds take the assignments in turn, so a burst of load elsewhere falls on all three.
        seconds: dict[str, list[float]] = {a: [] for a in assignments}
        walls: dict[str, list[float]] = {a: [] for a in assignments}
        for round_number in range(args.rounds):
            for assignment in assignments:
                started = time.perf_counter()
                log = nbgrader(
                    tmp,
                    course,
                    "autograde",
                    assignment,
                    *(["--force"] if round_number else []),
                    "--Application.log_format=%(asctime)s.%(msecs)03d %(message)s",
                    "--Application.log_datefmt=%H:%M:%S",
                )
                walls[assignment].append(time.perf_counter() - started)
                found = per_submission(log)
                if len(found) != args.submissions:
                    raise SystemExit(f"expected {args.submissions} submissions in the log:\n{log}")
                seconds[assignment].extend(found)
        rows = []
        for assignment in assignments:
            graded = course / "autograded" / "learner01" / assignment / f"{assignment}.ipynb"
            rows.append(
                {
                    "assignment": assignment,
                    "samples": len(seconds[assignment]),
                    "seconds_median": round(statistics.median(seconds[assignment]), 2),
                    "seconds_min": round(min(seconds[assignment]), 2),
                    "seconds_max": round(max(seconds[assignment]), 2),
                    "command_seconds_median": round(statistics.median(walls[assignment]), 2),
                    "autograded_notebook_bytes": graded.stat().st_size,
                }
            )
    for row in rows:
        row["ratio_to_one_cell_median"] = round(
            row["seconds_median"] / rows[0]["seconds_median"], 2
        )
        row["ratio_to_one_cell_min"] = round(row["seconds_min"] / rows[0]["seconds_min"], 2)

    print(
        f"Autograde time per submission ({args.submissions} submissions per assignment, "
        f"{args.rounds} round(s))\n"
    )
    print(
        f"{'assignment':<18} {'median s':>8} {'min s':>6} {'max s':>6} {'x one-cell':>10} "
        f"{'(by min)':>8} {'command s':>9} {'notebook KB':>11}"
    )
    for row in rows:
        print(
            f"{row['assignment']:<18} {row['seconds_median']:>8.2f} {row['seconds_min']:>6.2f} "
            f"{row['seconds_max']:>6.2f} {row['ratio_to_one_cell_median']:>10.2f} "
            f"{row['ratio_to_one_cell_min']:>8.2f} {row['command_seconds_median']:>9.1f} "
            f"{row['autograded_notebook_bytes'] / 1024:>11.1f}"
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    write_results(
        RESULTS,
        {
            "benchmark": "autograde_speed",
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_1min_at_end": None if load is None else round(load, 2),
            "submissions": args.submissions,
            "rounds": args.rounds,
            "rows": rows,
        },
    )
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
