"""Open answers, graded by hand: a sheet of the answers no one has scored yet, and the scores a teaching assistant wrote in it.

`report` writes `reports/to_grade_by_hand.csv`: one row per open answer still ungraded, with the
student's text. A teaching assistant fills in `points` (and, if they like, `comment`) with the
rubric in the lesson's solution, and `python -m autograder hand-grade SHEET` records them in the
gradebook as nbgrader's manual scores (the ones formgrader would write); a re-run of autograde
keeps them. Until then an open answer counts 0 in every total.
"""

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from .errors import CourseError

COLUMNS = ["lesson", "student", "answer", "max_points", "points", "comment", "text"]
SPREADSHEET_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a cell starting so is run as a formula by Excel and LibreOffice


@dataclass(frozen=True)
class OpenAnswer:
    lesson: str
    student: str
    answer: str  # the grade id of the answer cell
    max_points: float


def gradebook(course_dir: Path) -> Gradebook:
    return Gradebook(f"sqlite:///{Path(course_dir) / 'gradebook.db'}")


def waiting(course_dir: Path) -> list[OpenAnswer]:
    """The open answers (no autograder score) that no one has scored by hand yet, by lesson, student and answer."""
    found = []
    with gradebook(course_dir) as book:
        for assignment in book.assignments:
            for notebook in assignment.notebooks:
                for cell in notebook.grade_cells:
                    found += [OpenAnswer(assignment.name, grade.student.id, cell.name, cell.max_score) for grade in cell.grades
                              if grade.auto_score is None and grade.manual_score is None]
    return sorted(found, key=lambda a: (a.lesson, a.student, a.answer))


def answer_text(course_dir: Path, answer: OpenAnswer) -> str:
    """What the student wrote, from the notebook the grader scored; empty when it cannot be read."""
    path = Path(course_dir) / "executed" / answer.student / answer.lesson / f"{answer.lesson}.ipynb"
    try:
        notebook = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return ""
    return next((cell.source for cell in notebook.cells if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == answer.answer), "")


def safe_for_spreadsheets(text: str) -> str:
    return "'" + text if text.startswith(SPREADSHEET_FORMULA) else text


def write_sheet(course_dir: Path, path: Path) -> Path:
    """The sheet of ungraded open answers, with blank points and comment columns to fill in."""
    rows = [COLUMNS] + [[a.lesson, a.student, a.answer, f"{a.max_points:g}", "", "", safe_for_spreadsheets(answer_text(course_dir, a))]
                        for a in waiting(course_dir)]
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def read_sheet(path: Path) -> list[dict]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            missing = [column for column in ("lesson", "student", "answer", "points") if column not in (reader.fieldnames or [])]
            if missing:
                raise CourseError(f"{path} lacks the column(s) {', '.join(missing)}: fill in the sheet `report` wrote (reports/to_grade_by_hand.csv)")
            return list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CourseError(f"cannot read the grading sheet {path}: {error}") from None


def record(course_dir: Path, sheet: Path) -> int:
    """Write the sheet's filled-in points into the gradebook as manual scores; return how many.

    Rows with blank points are left for later. Every row is checked first (a known lesson,
    student and open answer; points from 0 to the answer's maximum); if any is wrong, nothing
    is written and every problem is named.
    """
    rows = [row for row in read_sheet(sheet) if (row.get("points") or "").strip()]
    problems, scores = [], []
    with gradebook(course_dir) as book:
        for line, row in enumerate(rows, start=2):
            where = f"row {line} ({row.get('student')}, {row.get('lesson')}, {row.get('answer')})"
            try:
                grade = book.find_grade(row["answer"], row["lesson"], row["lesson"], row["student"])
            except MissingEntry:
                problems.append(f"{where}: no such graded submission and answer in the gradebook")
                continue
            if grade.auto_score is not None:
                problems.append(f"{where}: this cell is autograded; only open answers are graded by hand here")
                continue
            try:
                points = float(row["points"])
            except ValueError:
                points = math.nan
            if not 0 <= points <= grade.max_score:
                problems.append(f"{where}: points {row['points']!r} must be a number from 0 to {grade.max_score:g}")
                continue
            scores.append((grade, points, (row.get("comment") or "").strip(), row))
        if problems:
            raise CourseError(f"nothing was recorded; fix these rows of {sheet} and run again:\n  " + "\n  ".join(problems))
        for grade, points, comment, row in scores:
            grade.manual_score = points
            grade.needs_manual_grade = False
            if comment:
                book.find_comment(row["answer"], row["lesson"], row["lesson"], row["student"]).manual_comment = comment
        book.db.commit()
    return len(scores)
