"""What each instructor's command needs to find in the course folder, checked before anything is written."""

import os
import tempfile
from pathlib import Path

from .errors import CourseError
from .lessons import lesson_names

RUN = "python -m autograder"


def _option(course_dir: Path) -> str:
    return f"--course-dir {course_dir} "


def known_lessons(names: list[str]) -> list[str]:
    """The names given, each one a lesson of the course; an unknown one is refused with the list."""
    lessons = lesson_names()
    unknown = [name for name in names if name not in lessons]
    if unknown:
        raise CourseError(f"no lesson named {', '.join(unknown)}; the lessons are {', '.join(lessons)}")
    return list(dict.fromkeys(names))


def released_lessons(course_dir: Path, names: list[str] | None = None) -> list[str]:
    """The lessons asked for (default: all released), each released into this course folder."""
    course_dir = Path(course_dir)
    if not course_dir.is_dir():
        raise CourseError(f"no course folder at {course_dir}: check --course-dir, or make one with `{RUN} {_option(course_dir)}release`")
    release = course_dir / "release"
    released = sorted(p.name for p in release.iterdir() if (p / f"{p.name}.ipynb").is_file()) if release.is_dir() else []
    if not released:
        raise CourseError(f"no lesson was released in {course_dir}: check --course-dir, or run `{RUN} {_option(course_dir)}release` first")
    if not names:
        return released
    names = known_lessons(names)
    missing = [name for name in names if name not in released]
    if missing:
        raise CourseError(f"lesson {', '.join(missing)} was never released into {course_dir}: run `{RUN} {_option(course_dir)}release {' '.join(missing)}` first")
    return names


def gradebook(course_dir: Path) -> Path:
    """The course's gradebook.db, which nbgrader would otherwise create empty."""
    path = Path(course_dir) / "gradebook.db"
    if not path.is_file():
        raise CourseError(f"no gradebook in {course_dir}: check --course-dir, or run `{RUN} {_option(course_dir)}release` and `autograde` first")
    return path


def require_grades(course_dir: Path):
    """Refuse a gradebook that holds no graded submission yet."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{gradebook(course_dir)}") as book:
        if not any(assignment.submissions for assignment in book.assignments):
            raise CourseError(f"no submission was graded yet in {course_dir}: run `{RUN} {_option(course_dir)}autograde` first")


def known_students(course_dir: Path, students: list[str], lessons: list[str]) -> list[str]:
    """The students given, each with a submission of one of these lessons in submitted/."""
    submitted = Path(course_dir) / "submitted"
    unknown = [s for s in students if not any((submitted / s / lesson / f"{lesson}.ipynb").is_file() for lesson in lessons)]
    if unknown:
        everyone = sorted(p.name for p in submitted.iterdir() if p.is_dir()) if submitted.is_dir() else []
        known = f"the students with submissions are {', '.join(everyone[:20])}{' ...' if len(everyone) > 20 else ''}" if everyone else "there is none yet: run `collect` first"
        raise CourseError(f"no submission of {', '.join(lessons)} from {', '.join(unknown)} in {submitted}; {known}")
    return list(dict.fromkeys(students))


def writable(folder: Path) -> Path:
    """`folder`, if a file can be made there (or, while it does not exist, in the folder that will hold it)."""
    folder = Path(folder)
    try:
        existing = next(parent for parent in [folder, *folder.parents] if parent.exists())
        if not existing.is_dir():
            raise NotADirectoryError(f"{existing} is a file")
        if existing == folder:
            with tempfile.TemporaryFile(dir=folder):
                pass
        elif not os.access(existing, os.W_OK | os.X_OK):
            raise PermissionError("permission denied")
    except OSError as error:
        raise CourseError(f"cannot write into {folder} ({error.strerror or error}): make it writable or choose another --course-dir") from None
    return folder
