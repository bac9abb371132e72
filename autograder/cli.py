"""`python -m autograder`: the instructor's commands, in the order of a grading round."""

import argparse
import sys
from pathlib import Path

from . import lessons


def command_release(args):
    for path in lessons.release(args.course_dir, names=args.lessons or None):
        print(f"released {path.relative_to(lessons.REPOSITORY_ROOT)}")


def command_collect(args):
    from .collect import DEFAULT_STUDENT_PATTERN, collect

    result = collect(args.inbox, args.course_dir, lessons.lesson_names(), args.student_pattern or DEFAULT_STUDENT_PATTERN)
    for student, lesson, origin in result.placed:
        print(f"placed {origin} -> submitted/{student}/{lesson}/")
    for problem in result.problems:
        print(f"NOT PLACED {problem}")
    print(f"{len(result.placed)} submissions placed, {len(result.problems)} problems")


def command_autograde(args):
    from .grading import Autograder

    grader = Autograder(args.course_dir, workers=args.workers, memory_mb=args.memory_mb, cell_timeout=args.cell_timeout,
                        allow_unisolated=args.allow_unisolated, force=args.force)
    records = grader.grade(args.lessons or None)
    flagged = [record for record in records if record.notes]
    print(f"graded {len(records)} submissions; {len(flagged)} with notes (see reports/grading_notes.json)")


def command_feedback(args):
    names = args.lessons or sorted(p.name for p in (args.course_dir / "autograded").glob("*/*") if p.is_dir())
    from .grading import GRADING_CONFIG_DIR

    for name in sorted(set(names)):
        lessons.nbgrader("generate_feedback", name, "--force", course_dir=args.course_dir, config_dir=GRADING_CONFIG_DIR)
        print(f"feedback for {name} in {args.course_dir / 'feedback'}")


def command_report(args):
    from .report import report

    for path in report(args.course_dir):
        print(f"wrote {path}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description="Release, collect, grade and report the course's lessons with nbgrader.")
    parser.add_argument("--course-dir", type=Path, default=lessons.DEFAULT_COURSE_DIR, help="nbgrader course folder holding gradebook.db (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="regenerate lessons/ from solutions/ with nbgrader generate_assignment")
    release.add_argument("lessons", nargs="*", help="lesson names (default: all)")
    release.set_defaults(handler=command_release)

    collect = commands.add_parser("collect", help="place an LMS export (a notebook or zip per student) into submitted/")
    collect.add_argument("inbox", type=Path, help="folder of submissions; file names carry the student id")
    collect.add_argument("--student-pattern", help="regular expression with a (?P<student>...) group, matched against file names")
    collect.set_defaults(handler=command_collect)

    autograde = commands.add_parser("autograde", help="grade every submission, each in its own sandbox, in parallel")
    autograde.add_argument("lessons", nargs="*", help="lesson names (default: all released)")
    autograde.add_argument("--workers", type=int, default=None, help="submissions run at once (default: one per core)")
    autograde.add_argument("--memory-mb", type=int, default=4000, help="memory cap for each submission (default: %(default)s)")
    autograde.add_argument("--cell-timeout", type=int, default=None, help="seconds per cell for every lesson (default: each lesson's own limit)")
    autograde.add_argument("--force", action="store_true", help="grade again even submissions already graded, unchanged, with unchanged tests")
    autograde.add_argument("--allow-unisolated", action="store_true",
                           help="grade even where no sandbox can be set up: student code then runs as you, and every report says so")
    autograde.set_defaults(handler=command_autograde)

    feedback = commands.add_parser("feedback", help="per-student HTML feedback, without hidden tests")
    feedback.add_argument("lessons", nargs="*")
    feedback.set_defaults(handler=command_feedback)

    report = commands.add_parser("report", help="grades.csv, a per-exercise summary with a plot, and grading notes")
    report.set_defaults(handler=command_report)

    args = parser.parse_args(argv)
    from .errors import CourseError

    try:
        args.handler(args)
    except CourseError as error:
        print(f"autograder: error: {error}", file=sys.stderr)
        return 2
    return 0
