"""The class list: who is who in the LMS, so that files map to students and grades map back."""

import csv
from dataclasses import dataclass
from pathlib import Path

from .errors import CourseError

COLUMNS = ("student", "name", "email", "lms_id", "sis_id", "login", "section")


@dataclass(frozen=True)
class Student:
    student: str  # the id used in the course folder: submitted/STUDENT/LESSON/
    name: str = ""
    email: str = ""
    lms_id: str = ""  # the LMS's own user id (Canvas user id, Moodle participant id)
    sis_id: str = ""
    login: str = ""
    section: str = ""


def read_roster(path: Path) -> list[Student]:
    """Read a roster CSV with a header row naming some of COLUMNS; `student` is required and unique."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            header = [name.strip().lower() for name in reader.fieldnames or []]
    except FileNotFoundError:
        raise CourseError(f"no roster at {path}: give the path of a CSV with a header row ({', '.join(COLUMNS)})") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CourseError(f"cannot read the roster {path} ({error}): save it as a UTF-8 CSV") from None
    if "student" not in header:
        raise CourseError(f"the roster {path} has no `student` column; its header is {', '.join(header) or 'empty'}")
    students, seen = [], set()
    for line, row in enumerate(rows, start=2):
        values = {key.strip().lower(): (value or "").strip() for key, value in row.items() if key}
        student = values.get("student", "")
        if not student:
            raise CourseError(f"the roster {path}, line {line}, has no student id")
        if student in seen:
            raise CourseError(f"the roster {path}, line {line}, repeats the student {student}")
        seen.add(student)
        students.append(Student(**{column: values.get(column, "") for column in COLUMNS}))
    return students
