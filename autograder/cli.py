"""`python -m autograder`: the instructor's commands."""

import argparse
from pathlib import Path

from . import lessons


def command_release(args):
    for path in lessons.release(args.course_dir, names=args.lessons or None):
        print(f"released {path.relative_to(lessons.REPOSITORY_ROOT)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description="Release and grade the course's lessons with nbgrader.")
    parser.add_argument("--course-dir", type=Path, default=lessons.DEFAULT_COURSE_DIR, help="nbgrader course folder holding gradebook.db (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)
    release = commands.add_parser("release", help="regenerate lessons/ from solutions/ with nbgrader generate_assignment")
    release.add_argument("lessons", nargs="*", help="lesson names (default: all)")
    release.set_defaults(handler=command_release)
    args = parser.parse_args(argv)
    args.handler(args)
    return 0
