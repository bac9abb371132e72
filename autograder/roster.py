"""The class list: who is who in the LMS, so that files map to students and grades map back."""

import csv
import re
import unicodedata
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


SAFE_ID = re.compile(r"[A-Za-z0-9_.-]+")


def is_safe_id(text: str) -> bool:
    """Whether text can name a student's folder: letters, digits, `_.-`, no leading dot (so never `.` or `..`)."""
    return bool(SAFE_ID.fullmatch(text)) and not text.startswith(".")


def _without_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def slug(text: str) -> str:
    """A safe, lower-case, ASCII form of a name: "José  O'Brien" -> "jose-o-brien"; "" when nothing is left."""
    ascii_text = _without_accents(text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


def _name_words(text: str) -> list[str]:
    words = (re.sub(r"\W", "", word) for word in re.split(r"[\s,]+", _without_accents(text).casefold()))
    return [word for word in words if word]


def name_keys(text: str) -> set[str]:
    """The name with its words run together, in its order and with the last or first word moved round:
    "John Doe" and "Doe, John" both give {"johndoe", "doejohn"}, so "doejohn" (Canvas's lastfirst) finds either."""
    words = _name_words(text)
    if not words:
        return set()
    return {"".join(words), "".join(words[-1:] + words[:-1]), "".join(words[1:] + words[:1])}


class Roster:
    """Who on the roster has a given lms_id, login, email, sis_id, student id or name."""

    COLUMNS = ("student", "lms_id", "sis_id", "login", "email", "name")

    def __init__(self, students: list[Student]):
        self.students = list(students)
        self._index: dict[tuple[str, str], list[Student]] = {}
        for student in self.students:
            for column in self.COLUMNS:
                for key in self._keys(column, getattr(student, column)):
                    self._index.setdefault((column, key), []).append(student)

    @staticmethod
    def _keys(column: str, value: str) -> set[str]:
        if not value:
            return set()
        if column == "name":
            return name_keys(value)
        return {value.casefold()} if column == "email" else {value}

    def find(self, column: str, value: str) -> list[Student]:
        """Everyone whose `column` matches value (names ignore case, accents, spacing and word order)."""
        if column == "name":
            key = "".join(_name_words(value))
        else:
            key = value.strip().casefold() if column == "email" else value.strip()
        return list(self._index.get((column, key), [])) if key else []
