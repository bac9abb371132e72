"""Report: grades as CSV, a per-exercise summary with a plot, and grade files that Canvas and Moodle import.

Times are naive datetimes in UTC throughout, as nbgrader keeps them.
"""

import csv
import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from matplotlib.figure import Figure
from nbgrader.api import Gradebook
from nbgrader.utils import parse_utc

from . import hand_grading
from .errors import CourseError
from .lessons import nbgrader
from .roster import Student, read_roster

CANVAS_TOTAL = "Final Score (weighted lessons)"  # Canvas skips columns named like its own Final Score on import
MOODLE_TOTAL = "Weighted total (%)"
NOT_ON_ROSTER = "NOT ON ROSTER"
DUE_FORMAT = "%Y-%m-%dT%H:%M"
SUMMARY_COLUMNS = ["lesson", "exercise", "max_points", "submissions", "pass_rate", "mean_points"]


def exercise_summary(course_dir: Path) -> list[dict]:
    """One row per graded test cell: how many students passed it and their mean points."""
    rows = []
    with Gradebook(f"sqlite:///{Path(course_dir) / 'gradebook.db'}") as gradebook:
        for assignment in sorted(gradebook.assignments, key=lambda a: a.name):
            for notebook in assignment.notebooks:
                for cell in sorted(notebook.grade_cells, key=lambda c: c.name):
                    scores = [grade.score for grade in cell.grades if grade.score is not None]  # None: not graded by hand yet
                    if scores:
                        rows.append({
                            "lesson": assignment.name,
                            "exercise": cell.name,
                            "max_points": cell.max_score,
                            "submissions": len(scores),
                            "pass_rate": sum(score == cell.max_score for score in scores) / len(scores),
                            "mean_points": sum(scores) / len(scores),
                        })
    return rows


def summary_figure(rows: list[dict]) -> Figure:
    labels = [f"{row['lesson'][:2]} {row['exercise']}" for row in rows]
    figure = Figure(figsize=(8, 0.35 * len(rows) + 1.5), layout="constrained")
    axis = figure.subplots()
    axis.barh(range(len(rows)), [row["pass_rate"] for row in rows], color="tab:blue")
    axis.set(yticks=range(len(rows)), yticklabels=labels, xlim=(0, 1), xlabel="share of submissions with full points", title="Which exercises did students miss?")
    axis.invert_yaxis()
    return figure


# --- the instructor's options ---------------------------------------------------------------------

def _pairs(texts: list[str], option: str, example: str) -> dict[str, str]:
    pairs = {}
    for text in texts or []:
        lesson, equals, value = (part.strip() for part in text.partition("="))
        if not (equals and lesson and value):
            raise CourseError(f"{option} {text!r}: expected LESSON=VALUE, e.g. {option} {example}")
        if lesson in pairs:
            raise CourseError(f"{option} names {lesson} twice: keep one")
        pairs[lesson] = value
    return pairs


def parse_weights(texts: list[str]) -> dict[str, float]:
    """`['01_retina=2', ...]` -> {'01_retina': 2.0}; a weight is a number of at least 0."""
    weights = {}
    for lesson, value in _pairs(texts, "--weight", "01_retina=2").items():
        try:
            weights[lesson] = float(value)
        except ValueError:
            weights[lesson] = math.nan
        if not 0 <= weights[lesson] < math.inf:
            raise CourseError(f"--weight {lesson}={value}: the weight must be a number of at least 0, e.g. {lesson}=2")
    return weights


def parse_due(texts: list[str]) -> dict[str, datetime]:
    """`['01_retina=2025-03-01T23:59', ...]` -> {'01_retina': datetime(2025, 3, 1, 23, 59)}, in UTC."""
    due = {}
    for lesson, value in _pairs(texts, "--due", "01_retina=2025-03-01T23:59").items():
        try:
            due[lesson] = datetime.strptime(value, DUE_FORMAT)
        except ValueError:
            raise CourseError(f"--due {lesson}={value}: the date must be YYYY-MM-DDTHH:MM in UTC, e.g. {lesson}=2025-03-01T23:59") from None
    return due


def _known(names, lessons: dict, option: str):
    unknown = [name for name in names if name not in lessons]
    if unknown:
        raise CourseError(f"{option} {', '.join(unknown)}: no graded lesson of that name; the graded lessons are {', '.join(lessons)}")


def lesson_weights(weights: dict[str, float] | None, lessons: dict[str, float]) -> dict[str, float]:
    """Every graded lesson's weight (1 unless given); refused: an unknown lesson, a negative weight, all 0."""
    weights = weights or {}
    _known(weights, lessons, "--weight")
    negative = [f"{lesson}={weight}" for lesson, weight in weights.items() if not weight >= 0]
    if negative:
        raise CourseError(f"--weight {', '.join(negative)}: a weight must be at least 0 (0 leaves the lesson out of the total)")
    complete = {lesson: float(weights.get(lesson, 1)) for lesson in lessons}
    if not any(complete.values()):
        raise CourseError("every lesson has weight 0, so there is no total: give at least one lesson a weight above 0")
    return complete


# --- what the gradebook and submitted/ hold --------------------------------------------------------

@dataclass(frozen=True)
class Handin:
    points: float
    timestamp: datetime | None  # as nbgrader recorded it
    duedate: datetime | None  # nbgrader's, with any extension


@dataclass(frozen=True)
class Grades:
    lessons: dict[str, float]  # each graded lesson and its points possible
    students: list[str]  # everyone in the gradebook
    handins: dict[tuple[str, str], Handin]  # (student, lesson) -> what was handed in


def read_grades(course_dir: Path) -> Grades:
    """The lessons with at least one graded submission, and every submission of them."""
    lessons, handins = {}, {}
    with Gradebook(f"sqlite:///{Path(course_dir) / 'gradebook.db'}") as gradebook:
        for assignment in sorted(gradebook.assignments, key=lambda a: a.name):
            if not (assignment.submissions and assignment.max_score):
                continue
            lessons[assignment.name] = assignment.max_score
            for submission in assignment.submissions:
                handins[submission.student.id, assignment.name] = Handin(submission.score, submission.timestamp, submission.duedate)
        students = sorted(student.id for student in gradebook.students)
    if not lessons:
        raise CourseError(f"no submission was graded yet in {course_dir}: run `python -m autograder autograde` first")
    return Grades(lessons, students, handins)


def lms_record(folder: Path) -> dict:
    """What collect noted from the LMS in collected.json; {} where it is missing or malformed."""
    try:
        record = json.loads((folder / "collected.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def utc(value) -> datetime | None:
    """A datetime, or a time as text (nbgrader's format, ISO 8601), in UTC; None for anything else."""
    if isinstance(value, str):
        try:
            return parse_utc(value.strip())
        except (ValueError, OverflowError):
            return None
    return parse_utc(value) if isinstance(value, datetime) else None


def submitted_at(folder: Path, record: dict, handin: Handin) -> datetime | None:
    """When it was handed in: the LMS's time, else nbgrader's, else collect's timestamp.txt."""
    try:
        stamp = (folder / "timestamp.txt").read_text(encoding="utf-8")
    except (OSError, ValueError):
        stamp = None
    return utc(record.get("submitted_at")) or utc(handin.timestamp) or utc(stamp)


def delay(seconds: float) -> str:
    """3 h 5 min, 2 d 1 h, 1 min: rounded up to the minute."""
    minutes = math.ceil(seconds / 60)
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    return " ".join(f"{n} {unit}" for n, unit in [(days, "d"), (hours, "h"), (minutes, "min")] if n)


def lateness(submitted: datetime | None, due: datetime | None, record: dict) -> tuple[str, str]:
    """(late: yes / no / blank where unknown, why); the LMS's own mark, where it made one, wins.

    Canvas marks every file late or not, and its files' times are those of the download,
    so its mark is the only one to trust there.
    """
    lms = record.get("format")
    lms = lms if isinstance(lms, str) and lms else "the LMS"
    if record.get("late") is True:
        return "yes", f"marked late by {lms}"
    if record.get("late") is False:
        return "no", f"marked on time by {lms}"
    if due is None:
        return "no", "no due date"
    if submitted is None:
        return "", "no submission time recorded"
    if submitted > due:
        return "yes", f"submitted {delay((submitted - due).total_seconds())} after the due date"
    return "no", "on time"


# --- the files --------------------------------------------------------------------------------------

def number(value: float | None) -> str:
    """7.0 -> '7', 71.6666 -> '71.67', None -> ''."""
    return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def canvas_name(name: str) -> str:
    """'Ada King Lovelace' -> 'Lovelace, Ada King', as Canvas sorts names; a one-word name or one with a comma stays."""
    words = name.split()
    return name if "," in name or len(words) < 2 else f"{words[-1]}, {' '.join(words[:-1])}"


People = list[tuple[Student, bool]]  # each student in the import files, and whether the roster lacks them


def import_rows(grades: Grades, roster: list[Student] | None) -> People:
    """(student, not on the roster) for the roster in its order, then the gradebook's students it lacks."""
    if roster is None:
        return [(Student(student), False) for student in grades.students]
    listed = {student.student for student in roster}
    return [(student, False) for student in roster] + [(Student(s), True) for s in grades.students if s not in listed]


def points(grades: Grades, student: str, lesson: str) -> float | None:
    """The student's points in the lesson; None where nothing was handed in."""
    handin = grades.handins.get((student, lesson))
    return None if handin is None else handin.points


def percent(grades: Grades, student: str, lesson: str) -> float | None:
    earned = points(grades, student, lesson)
    return None if earned is None else 100 * earned / grades.lessons[lesson]


def weighted_total(student: str, grades: Grades, weights: dict[str, float]) -> float:
    """The weighted mean of the lesson percentages, 0-100; a lesson not handed in counts 0."""
    earned = sum(weight * (percent(grades, student, lesson) or 0) for lesson, weight in weights.items())
    return earned / sum(weights.values())


def write_csv(path: Path, rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def canvas_rows(grades: Grades, rows: People, weights: dict[str, float]) -> list[list]:
    """Canvas's Grades > Import format. A lesson column named as the lesson makes a new assignment (points from the
    Points Possible row), or fills the existing assignment of exactly that name. A lesson not handed in is left blank:
    Canvas reads blank as no score (ungraded, so its missing policy applies), where a 0 would record a graded zero."""
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *grades.lessons, CANVAS_TOTAL]
    possible = ["Points Possible", "", "", "", "", *(number(points) for points in grades.lessons.values()), "(read only)"]
    table = [header, possible]
    for who, flagged in rows:
        table.append([canvas_name(who.name) or who.student, who.lms_id, who.sis_id, who.login, NOT_ON_ROSTER if flagged else who.section,
                      *(number(points(grades, who.student, lesson)) for lesson in grades.lessons),
                      number(weighted_total(who.student, grades, weights))])
    return table


def moodle_rows(grades: Grades, rows: People, weights: dict[str, float]) -> list[list]:
    """Moodle's Import > CSV file. Values are percentages, 0-100: Moodle stores the number as the grade item's raw
    grade, a grade item it creates on import is out of 100, and above 100 it refuses. A lesson not handed in is blank
    (no grade). The identifier is the roster's email where it has one, else the course id."""
    table = [["Identifier", *grades.lessons, MOODLE_TOTAL, "Note"]]
    for who, flagged in rows:
        table.append([who.email or who.student, *(number(percent(grades, who.student, lesson)) for lesson in grades.lessons),
                      number(weighted_total(who.student, grades, weights)), "not on roster" if flagged else ""])
    return table


def late_rows(course_dir: Path, grades: Grades, due: dict[str, datetime]) -> list[list]:
    """One row per submission; the due date is `due`'s, else nbgrader's (with any extension)."""
    table = [["student", "lesson", "submitted_at", "due", "late", "why"]]
    for (student, lesson), handin in sorted(grades.handins.items()):
        folder = Path(course_dir) / "submitted" / student / lesson
        record = lms_record(folder)
        submitted, deadline = submitted_at(folder, record, handin), utc(due.get(lesson)) or handin.duedate
        stamps = [f"{time:%Y-%m-%d %H:%M} UTC" if time else "" for time in (submitted, deadline)]
        table.append([student, lesson, *stamps, *lateness(submitted, deadline, record)])
    return table


NOTES = """\
Lessons: {lessons}. Total: the weighted mean of the lesson percentages, 0-100.
A lesson not handed in is blank in both files (no grade, where a 0 would be a graded zero); the total counts it 0.

Canvas, reports/canvas_import.csv: Course Navigation > Grades > Import; choose the file, check the changes, Submit.
  Canvas finds each student by ID (Canvas user id), else SIS User ID, else SIS Login ID, else the Student name.
  A lesson column fills the assignment of that exact name, or creates it with the points of the Points Possible row.
  Canvas skips '{canvas_total}' and computes its own total: to match it, weight one assignment group per lesson.

Moodle, reports/moodle_import.csv: Course > Grades > Import > CSV file (Moodle 4: Import is in the drop-down at the top
  of the Grades page; Moodle 3: Grade administration > Import > CSV file); choose the file, Upload grades; then
  Identify user by: Map from 'Identifier' to 'Email address'; map each lesson to its grade item or 'New grade item',
  '{moodle_total}' and 'Note' to 'Ignore'. The values are percentages: import into grade items out of 100.
  Moodle stops at an identifier that matches no user: give those students an email in the roster, or delete the rows.

Identifier: {by_email} of {everyone} students by the roster's email, the others by their course id.{no_roster}
Students in the gradebook but not on the roster: {unlisted}; they are in both files, flagged (Section '{not_on_roster}'
  for Canvas, Note 'not on roster' for Moodle).
Students who handed nothing in: {idle}.
"""

NO_ROSTER = """
No roster was given: Canvas can match students by name only, Moodle only where the course id is the username
  (Map to 'Username'); pass a roster to fill in the LMS ids and emails."""


def _names(students: list[str]) -> str:
    return f"{len(students)} ({', '.join(students)})" if students else "none"


def import_notes(grades: Grades, rows: People, weights: dict[str, float], roster: list[Student] | None) -> str:
    """How to import each file, which identifier was used, and who is flagged."""
    return NOTES.format(
        lessons=", ".join(f"{lesson} ({number(points)} points, weight {number(weights[lesson])})" for lesson, points in grades.lessons.items()),
        canvas_total=CANVAS_TOTAL, moodle_total=MOODLE_TOTAL,
        by_email=sum(bool(who.email) for who, _ in rows), everyone=len(rows),
        no_roster="" if roster is not None else NO_ROSTER,
        unlisted=_names([who.student for who, flagged in rows if flagged]), not_on_roster=NOT_ON_ROSTER,
        idle=_names([who.student for who, _ in rows if not any((who.student, lesson) in grades.handins for lesson in grades.lessons)]),
    )


def grading_notes(reports: Path) -> list[list]:
    """The rows of grading_notes.csv, from what autograde kept in grading_notes.json; isolation first."""
    notes_json = reports / "grading_notes.json"
    saved = json.loads(notes_json.read_text()) if notes_json.exists() else {}
    isolation = saved.pop("isolation", None)
    rows = [["student", "lesson", "note"]]
    if isolation and not isolation.get("isolated"):
        rows.append(["", "", isolation.get("description", "NOT ISOLATED")])
    rows += [[record["student"], record["lesson"], note] for record in saved.values() for note in record["notes"]]
    return rows


def report(course_dir: Path, roster: Path | list[Student] | None = None, weights: dict[str, float] | None = None,
           due: dict[str, datetime] | None = None) -> list[Path]:
    """Write into reports/: grades.csv, exercise_summary.csv and .png, grading_notes.csv, canvas_import.csv,
    moodle_import.csv, late.csv, to_grade_by_hand.csv and lms_import_notes.txt. roster: a roster CSV's path or a list of Students;
    weights: lesson -> weight (default 1); due: lesson -> due date in UTC (default nbgrader's). A lesson not handed
    in is blank in the import files (no score), not 0. Everything given is checked before anything is written."""
    course_dir = Path(course_dir)
    students = read_roster(roster) if isinstance(roster, (str, Path)) else roster
    grades = read_grades(course_dir)
    weights = lesson_weights(weights, grades.lessons)
    _known(due or {}, grades.lessons, "--due")
    reports = course_dir / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    nbgrader("export", f"--CsvExportPlugin.to={reports / 'grades.csv'}", course_dir=course_dir)
    exercises = exercise_summary(course_dir)
    summary_figure(exercises).savefig(reports / "exercise_summary.png", dpi=110)
    people = import_rows(grades, students)
    (reports / "lms_import_notes.txt").write_text(import_notes(grades, people, weights, students), encoding="utf-8")
    return [
        reports / "grades.csv",
        write_csv(reports / "exercise_summary.csv", [SUMMARY_COLUMNS, *([row[c] for c in SUMMARY_COLUMNS] for row in exercises)]),
        reports / "exercise_summary.png",
        write_csv(reports / "grading_notes.csv", grading_notes(reports)),
        write_csv(reports / "canvas_import.csv", canvas_rows(grades, people, weights)),
        write_csv(reports / "moodle_import.csv", moodle_rows(grades, people, weights)),
        write_csv(reports / "late.csv", late_rows(course_dir, grades, due or {})),
        hand_grading.write_sheet(course_dir, reports / "to_grade_by_hand.csv"),
        reports / "lms_import_notes.txt",
    ]
