"""The course's grading commands, registered on the ``casework`` command (``casework.cli``).

For learners:

- ``casework check-work NOTEBOOK``: what is ready and what is still to do (exit 1 while
  anything is), the same check as an assignment's last cell.

For educators, run from the course root (``exercises/``) like nbgrader's own commands:

- ``casework feedback generate ASSIGNMENT``: late penalties from the final marks, then every
  learner's feedback page;
- ``casework feedback release ASSIGNMENT``: release through the exchange, and list whose
  feedback must be sent by hand (submissions placed in ``submitted/`` by hand);
- ``casework grades export ASSIGNMENT --format csv|moodle|canvas --to FILE``;
- ``casework moderation sample|record|report ASSIGNMENT``: double marking and agreement.

Each refuses an assignment the gradebook does not hold, naming the ones it does (exit 1).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from casework.grading.gradebook import CourseError

Handler = Callable[[argparse.Namespace], int]


def _course(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--course", default=".", metavar="FOLDER", help="the nbgrader course root (default: here)"
    )


def _assignment(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment", metavar="ASSIGNMENT", help="e.g. clarke-reflection")
    _course(parser)


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _check_work(args: argparse.Namespace) -> int:
    from casework.grading.checks import check_work

    found = check_work(Path(args.notebook))
    print(found.report())
    return 1 if found.saved is None or found.to_do else 0


def _feedback_generate(args: argparse.Namespace) -> int:
    from casework.grading.handback import generate
    from casework.grading.late import late_words

    late, pages = generate(Path(args.course), args.assignment)
    for one in late:
        _say(f"{one.student}: {late_words(one.seconds_late)} late, {one.penalty:g} point(s) off")
    _say(f"wrote {len(pages)} feedback page(s) in feedback/*/{args.assignment}/")
    return 0


def _feedback_release(args: argparse.Namespace) -> int:
    from casework.grading.handback import release

    done = release(Path(args.course), args.assignment)
    if done.through_exchange:
        _say(
            f"released through the exchange for {len(done.through_exchange)} learner(s): "
            + ", ".join(done.through_exchange)
        )
    for student, pages in done.by_hand.items():
        where = ", ".join(str(page) for page in pages)
        _say(
            f"{student}: handed in without nbgrader submit (no submission_secret.txt), so the "
            f"exchange cannot return their feedback: send them {where} yourself (email or the "
            "learning environment)"
        )
    return 0


def _grades_export(args: argparse.Namespace) -> int:
    from casework.grading.export import export_text
    from casework.grading.gradebook import check_assignment, open_gradebook
    from casework.grading.late import apply_late_penalties

    course = Path(args.course)
    with open_gradebook(course) as gradebook:
        check_assignment(gradebook, args.assignment)
        apply_late_penalties(course, gradebook, args.assignment)
        text, marks = export_text(gradebook, args.assignment, args.format)
    out = Path(args.to)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    handed_in = [m for m in marks if m.submitted]
    unmarked = [m.student for m in handed_in if not m.marked]
    message = f"wrote {out} ({args.format}): {len(marks)} learner(s), {len(handed_in)} handed in"
    _say(message + (f"; not fully marked yet: {', '.join(unmarked)}" if unmarked else ""))
    return 0


def _moderation_sample(args: argparse.Namespace) -> int:
    from casework.grading.gradebook import check_assignment, open_gradebook
    from casework.grading.moderation import sheet_path, start

    course = Path(args.course)
    with open_gradebook(course) as gradebook:
        check_assignment(gradebook, args.assignment)
        sample = start(
            course,
            args.assignment,
            gradebook,
            first_marker=args.first_marker,
            seed=args.seed,
            share=args.share,
            at_least=args.at_least,
            pass_mark=args.pass_mark,
        )
    for student in sample.students:
        print(f"{student}: {'; '.join(sample.why[student])}")
    if sample.not_marked:
        _say("not fully marked yet, so not in the draw: " + ", ".join(sample.not_marked))
    _say(
        f"{len(sample.students)} script(s) to double-mark; the second marker fills in "
        f"{sheet_path(course, args.assignment)} without looking at the first marks"
    )
    return 0


def _moderation_record(args: argparse.Namespace) -> int:
    from casework.grading.moderation import record

    kept = record(Path(args.course), args.assignment, Path(args.sheet), marker=args.marker)
    _say(f"kept {args.marker}'s levels for {len(kept)} script(s): {', '.join(kept)}")
    return 0


def _moderation_report(args: argparse.Namespace) -> int:
    from casework.grading.moderation import load, report_text

    text = report_text(load(Path(args.course), args.assignment))
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        _say(f"wrote {args.out}")
    return 0


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the grading commands to the ``casework`` command's subcommands."""
    check = commands.add_parser(
        "check-work",
        help="for learners: which parts of an assignment notebook are ready and which are still "
        "empty (exit 1 while anything is)",
    )
    check.add_argument("notebook", metavar="NOTEBOOK", help="e.g. clarke-reflection.ipynb")
    check.set_defaults(grading=_check_work)

    feedback = commands.add_parser(
        "feedback", help="feedback pages for learners: generate them, then release them"
    )
    steps = feedback.add_subparsers(dest="step", required=True, metavar="STEP")
    generate = steps.add_parser(
        "generate", help="late penalties from the final marks, then every feedback page"
    )
    _assignment(generate)
    generate.set_defaults(grading=_feedback_generate)
    release = steps.add_parser(
        "release",
        help="release through the exchange, and list whose feedback to send by hand",
    )
    _assignment(release)
    release.set_defaults(grading=_feedback_release)

    grades = commands.add_parser("grades", help="grades for a learning environment")
    grade_steps = grades.add_subparsers(dest="step", required=True, metavar="STEP")
    export = grade_steps.add_parser(
        "export", help="every part's mark and the total: the course's CSV, Moodle's or Canvas's"
    )
    _assignment(export)
    export.add_argument("--format", required=True, choices=("csv", "moodle", "canvas"))
    export.add_argument("--to", required=True, metavar="FILE.csv")
    export.set_defaults(grading=_grades_export)

    moderation = commands.add_parser(
        "moderation", help="double marking: a sample, the second marks, and agreement"
    )
    moderation_steps = moderation.add_subparsers(dest="step", required=True, metavar="STEP")
    sample = moderation_steps.add_parser(
        "sample", help="draw the scripts to double-mark and write the second marker's sheet"
    )
    _assignment(sample)
    sample.add_argument("--first-marker", required=True, metavar="NAME")
    sample.add_argument("--seed", type=int, default=1, help="the draw's seed (default 1)")
    sample.add_argument("--share", type=float, default=0.1, help="share of scripts (default 0.1)")
    sample.add_argument(
        "--at-least", type=int, default=5, metavar="N", help="fewest scripts (default 5)"
    )
    sample.add_argument(
        "--pass-mark", type=float, metavar="POINTS", help="default: 40%% of the maximum"
    )
    sample.set_defaults(grading=_moderation_sample)
    recorded = moderation_steps.add_parser(
        "record", help="keep the second marker's levels from their filled sheet"
    )
    _assignment(recorded)
    recorded.add_argument("sheet", metavar="SHEET.csv")
    recorded.add_argument("--marker", required=True, metavar="NAME")
    recorded.set_defaults(grading=_moderation_record)
    report = moderation_steps.add_parser(
        "report", help="agreement per criterion (kappa) and the differences to talk through"
    )
    _assignment(report)
    report.add_argument("--out", metavar="FILE.txt", help="also write the report to FILE")
    report.set_defaults(grading=_moderation_report)


def run(args: argparse.Namespace) -> int:
    """Run the grading command ``args`` names; a course problem is a message, exit 1."""
    handler: Handler = args.grading
    try:
        return handler(args)
    except CourseError as error:
        _say(f"casework {args.command}: {error}")
        return 1


__all__ = ["add_parsers", "run"]
