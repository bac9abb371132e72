"""`python -m autograder`: the instructor's commands, in the order of a grading round.

Every command checks what it needs before it writes anything; a mistake (a missing folder,
an unknown lesson or student, a step not yet run) ends in one line, `autograder: error: ...`,
with what to run instead, and exit status 2.
"""

import argparse
import re
import sys
from pathlib import Path

from neurokit.cli import at_least_one
from neurokit.errors import NeurokitError

from . import course_folder, lessons
from .collect import FORMATS as COLLECT_FORMATS
from .errors import CourseError


def command_release(args):
    names = course_folder.known_lessons(args.lessons) if args.lessons else None
    course_folder.writable(args.course_dir)
    course_folder.writable(lessons.LESSONS)
    for path in lessons.release(args.course_dir, names=names, with_answers=args.with_answers):
        print(f"released {path.relative_to(lessons.REPOSITORY_ROOT)}")


def command_collect(args):
    from .collect import DEFAULT_STUDENT_PATTERN, collect
    from .roster import read_roster

    if not args.inbox.is_dir():
        raise CourseError(f"no folder at {args.inbox}: give the folder the LMS export was unpacked into")
    if args.student_pattern:
        try:
            groups = re.compile(args.student_pattern).groupindex
        except re.error as error:
            raise CourseError(f"--student-pattern {args.student_pattern!r} is no regular expression ({error})") from None
        if "student" not in groups:
            raise CourseError(f"--student-pattern {args.student_pattern!r} needs a (?P<student>...) group that matches the student id")
        if args.fmt not in ("auto", "plain"):
            raise CourseError(f"--student-pattern applies to plain file names only; a {args.fmt} export names its students itself")
    roster = read_roster(args.roster) if args.roster else None
    course_folder.released_lessons(args.course_dir)
    course_folder.writable(args.course_dir / "submitted")
    result = collect(args.inbox, args.course_dir, lessons.lesson_names(), args.student_pattern or DEFAULT_STUDENT_PATTERN,
                     fmt=None if args.fmt == "auto" else args.fmt, roster=roster)
    if result.placed or result.problems:
        print(f"format {result.detected}")
    for placed in result.placed:
        print(f"placed {placed.origin} -> submitted/{placed.student}/{placed.lesson}/ ({placed.matched_by}{', marked late' if placed.late else ''})")
    for problem in result.problems:
        print(f"NOT PLACED {problem}")
    if not result.placed and not result.problems:
        print(f"nothing to collect: {args.inbox} holds no notebook (.ipynb) or zip")
        return
    print(f"{len(result.placed)} submissions placed, {len(result.problems)} problems")


def command_autograde(args):
    from .grading import Autograder

    course_folder.released_lessons(args.course_dir, args.lessons)  # before the sandbox is probed
    grader = Autograder(args.course_dir, workers=args.workers, memory_mb=args.memory_mb, cell_timeout=args.cell_timeout,
                        allow_unisolated=args.allow_unisolated, force=args.force, scheduler=args.scheduler)
    records = grader.grade(args.lessons or None, args.students or None)
    if not records:
        lessons_asked = " ".join(args.lessons) or "any released lesson"
        print(f"nothing to grade: no submission of {lessons_asked} in {args.course_dir / 'submitted'} "
              f"(looked for submitted/STUDENT/LESSON/LESSON.ipynb); place them with `collect` first")
        return
    flagged = [record for record in records if record.notes]
    reused = [record for record in records if record.reused]
    print(f"graded {len(records)} submissions ({len(reused)} unchanged since their last grading); "
          f"{len(flagged)} with notes (see reports/grading_notes.json)")


def command_feedback(args):
    from .grading import GRADING_CONFIG_DIR

    course_folder.gradebook(args.course_dir)
    names = course_folder.released_lessons(args.course_dir, args.lessons)
    autograded = args.course_dir / "autograded"
    graded = [name for name in names if any(autograded.glob(f"*/{name}/{name}.ipynb"))]
    if args.lessons and set(graded) != set(names):
        missing = " ".join(sorted(set(names) - set(graded)))
        raise CourseError(f"nothing of {missing} was graded yet in {args.course_dir}: run `python -m autograder autograde {missing}` first")
    if args.students:
        course_folder.known_students(args.course_dir, args.students, graded)
    if not graded:
        print(f"no feedback to write: nothing was graded yet in {autograded}; run `autograde` first")
        return
    course_folder.writable(args.course_dir / "feedback")
    for name in graded:
        for student in args.students or [None]:
            chosen = [f"--student={student}"] if student else []
            if student and not (autograded / student / name).is_dir():
                continue
            result = lessons.nbgrader("generate_feedback", name, "--force", *chosen, course_dir=args.course_dir,
                                      config_dir=GRADING_CONFIG_DIR, check=False)
            if result.returncode != 0:
                raise CourseError(f"nbgrader could not write the feedback for {name}: {result.stderr.strip()[-300:]}")
        print(f"feedback for {name} in {args.course_dir / 'feedback'}")


def command_report(args):
    from .hand_grading import waiting
    from .report import parse_due, parse_weights, report

    course_folder.require_grades(args.course_dir)
    course_folder.writable(args.course_dir / "reports")
    for path in report(args.course_dir, roster=args.roster, weights=parse_weights(args.weight), due=parse_due(args.due)):
        print(f"wrote {path}")
    ungraded = waiting(args.course_dir)
    if ungraded:
        print(f"{len(ungraded)} open answers wait to be graded by hand and count 0 until then: fill in the points column of "
              f"{args.course_dir / 'reports' / 'to_grade_by_hand.csv'} (the rubrics are in solutions/), then run "
              "`python -m autograder hand-grade` with that file, and this report again.")
    print(f"how to import the grades into Canvas or Moodle: {args.course_dir / 'reports' / 'lms_import_notes.txt'}")


def command_hand_grade(args):
    from .hand_grading import record

    course_folder.require_grades(args.course_dir)
    print(f"recorded {record(args.course_dir, args.sheet)} hand-graded answers; run `python -m autograder report` for the new totals")


def command_similarity(args):
    from .similarity import similarity_report

    report = similarity_report(args.course_dir, args.lessons or None, threshold=args.threshold, out_dir=args.out)
    for note in report.notes:
        print(f"NOTE {note}")
    for pair in report.flagged:
        print(f"FLAGGED {pair.lesson} {pair.exercise}: {pair.student_a} ~ {pair.student_b} {pair.score:.2f}  {pair.page}")
    print(f"{report.submissions} submissions, {report.compared} pairs scored, {len(report.skipped)} answers too small to compare; "
          f"{len(report.flagged)} pairs at {args.threshold:g} or more; wrote {report.paths[1]} and {report.paths[0]}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description="Release, collect, grade and report the course's lessons with nbgrader.")
    parser.add_argument("--course-dir", type=Path, default=lessons.DEFAULT_COURSE_DIR, help="nbgrader course folder holding gradebook.db (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="regenerate lessons/ from solutions/ with nbgrader generate_assignment")
    release.add_argument("lessons", nargs="*", help="lesson names (default: all)")
    release.add_argument("--with-answers", action="store_true",
                         help="keep the answers to the reflection questions in the student versions (default: left out)")
    release.set_defaults(handler=command_release)

    collect = commands.add_parser("collect", help="place an LMS export (Canvas, Moodle, Gradescope, Blackboard, nbgrader, plain files) into submitted/")
    collect.add_argument("inbox", type=Path, help="the folder the LMS export was unpacked into")
    collect.add_argument("--from", dest="fmt", choices=("auto", *COLLECT_FORMATS), default="auto",
                         help="the export's layout (default: recognised from the folder)")
    collect.add_argument("--roster", type=Path, metavar="CSV", help="class list (student, name, email, lms_id, sis_id, login, section) that maps files to students")
    collect.add_argument("--student-pattern", help="plain files only: regular expression with a (?P<student>...) group, matched against file names")
    collect.set_defaults(handler=command_collect)

    autograde = commands.add_parser("autograde", help="grade every submission, each in its own sandbox, in parallel")
    autograde.add_argument("lessons", nargs="*", help="lesson names (default: all released)")
    autograde.add_argument("--student", dest="students", action="append", metavar="ID", help="grade only this student (repeatable)")
    autograde.add_argument("--workers", type=at_least_one, default=None, help="submissions run at once (default: one per core)")
    autograde.add_argument("--memory-mb", type=at_least_one, default=4000, help="memory cap for each submission (default: %(default)s)")
    autograde.add_argument("--cell-timeout", type=at_least_one, default=None, help="seconds per cell for every lesson (default: each lesson's own limit)")
    autograde.add_argument("--scheduler", metavar="ADDRESS", help="a dask scheduler (tcp://HOST:8786 or tls://...) whose workers run the sandboxes "
                           "(default: an embedded cluster on this machine)")
    autograde.add_argument("--force", action="store_true", help="grade again even submissions already graded, unchanged, with unchanged tests")
    autograde.add_argument("--allow-unisolated", action="store_true",
                           help="grade even where no sandbox can be set up: student code then runs as you, and every report says so")
    autograde.set_defaults(handler=command_autograde)

    feedback = commands.add_parser("feedback", help="per-student HTML feedback, without hidden tests")
    feedback.add_argument("lessons", nargs="*", help="lesson names (default: all graded)")
    feedback.add_argument("--student", dest="students", action="append", metavar="ID", help="only this student (repeatable)")
    feedback.set_defaults(handler=command_feedback)

    report = commands.add_parser("report", help="grades for Canvas and Moodle, late submissions, a per-exercise summary, grading notes")
    report.add_argument("--roster", type=Path, metavar="CSV", help="class list: fills in LMS ids, emails, names and sections")
    report.add_argument("--weight", action="append", default=[], metavar="LESSON=W", help="a lesson's weight in the total (default 1; repeatable)")
    report.add_argument("--due", action="append", default=[], metavar="LESSON=YYYY-MM-DDTHH:MM", help="a lesson's due date in UTC (default: nbgrader's; repeatable)")
    report.set_defaults(handler=command_report)

    hand_grade = commands.add_parser("hand-grade", help="record the points a teaching assistant gave the open answers in the sheet report wrote")
    hand_grade.add_argument("sheet", type=Path, help="reports/to_grade_by_hand.csv with its points column filled in")
    hand_grade.set_defaults(handler=command_hand_grade)

    similarity = commands.add_parser("similarity", help="submissions that look copied from the reference or from each other, with side-by-side pages")
    similarity.add_argument("lessons", nargs="*", help="lesson names (default: all released)")
    similarity.add_argument("--threshold", type=float, default=0.8, help="list pairs at least this similar, 0 to 1 (default: %(default)s)")
    similarity.add_argument("--out", type=Path, default=None, help="folder for the report (default: COURSE/reports/similarity)")
    similarity.set_defaults(handler=command_similarity)

    args = parser.parse_args(argv)
    try:
        args.handler(args)
    except (CourseError, NeurokitError) as error:
        print(f"autograder: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("autograder: interrupted; run the same command again to go on", file=sys.stderr)
        return 130
    return 0
