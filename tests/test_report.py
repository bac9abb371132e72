"""report: the files Canvas and Moodle import, lesson weights, due dates and late submissions, from a small gradebook."""

import csv
import json
import os
import sys
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.errors import CourseError
from autograder.report import (canvas_name, canvas_rows, import_rows, lateness, lms_record, moodle_rows, parse_due, parse_weights,
                               read_grades, report, utc)

RETINA, THALAMUS, V1 = "01_retina", "02_thalamus", "03_v1"
CELLS = {RETINA: {"ex1": 6, "ex2": 4}, THALAMUS: {"ex1": 4}, V1: {"ex1": 5}}  # lesson -> grade cell -> points possible
ROSTER = """student,name,email,lms_id,sis_id,login,section
ada,Ada Lovelace,ada@uni.edu,101,S1,ada,A
grace,Grace Hopper,,102,,,B
alan,Alan Turing,alan@uni.edu,103,,,A
"""
WEIGHTS = {RETINA: 2}  # THALAMUS keeps the default 1
# ada: 7/10 and 3/4, (2 * 70 + 75) / 3; grace: 10/10 and nothing, (2 * 100 + 0) / 3; linus: nothing and 4/4, 100 / 3
ADA_TOTAL, GRACE_TOTAL, LINUS_TOTAL = (2 * 70 + 75) / 3, (2 * 100 + 0) / 3, (0 + 100) / 3


def hand_in(gradebook, lesson, student, points, **submission):
    """A graded submission: points maps each grade cell to the points earned."""
    gradebook.add_submission(lesson, student, **submission)
    for cell, earned in points.items():
        grade = gradebook.find_grade(cell, lesson, lesson, student)
        grade.auto_score = earned
    gradebook.db.commit()


def write_submitted(course, student, lesson, files: dict[str, str]):
    """What collect leaves next to a submission: timestamp.txt, and collected.json where the LMS said more."""
    folder = course / "submitted" / student / lesson
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)


def make_course(course: Path):
    """Three released lessons, two of them graded; ada, grace and linus in the gradebook, alan only on the roster."""
    course.mkdir()
    with pytest.MonkeyPatch.context() as patch:  # a new gradebook runs nbgrader's alembic, next to this python
        patch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
            for lesson, cells in CELLS.items():
                gradebook.update_or_create_assignment(lesson, duedate="2025-03-01 12:00:00 UTC" if lesson == RETINA else None)
                gradebook.update_or_create_notebook(lesson, lesson)
                for cell, points in cells.items():
                    gradebook.update_or_create_grade_cell(cell, lesson, lesson, max_score=points, cell_type="code")
            for student in ["ada", "grace", "linus"]:
                gradebook.add_student(student)
            hand_in(gradebook, RETINA, "ada", {"ex1": 3, "ex2": 4}, timestamp="2025-03-01 14:05:00 UTC")
            hand_in(gradebook, THALAMUS, "ada", {"ex1": 3})
            hand_in(gradebook, RETINA, "grace", {"ex1": 6, "ex2": 4}, timestamp="2025-03-01 11:00:00 UTC")
            hand_in(gradebook, THALAMUS, "linus", {"ex1": 4})
    collected = {"format": "moodle", "origin": "ada.ipynb", "submitted_at": "2025-03-08T10:00:00Z", "late": None, "matched_by": "email"}
    write_submitted(course, "ada", THALAMUS, {"timestamp.txt": "2025-03-08 11:00:00.000000 UTC", "collected.json": json.dumps(collected)})
    collected = {"format": "canvas", "origin": "grace.zip", "submitted_at": None, "late": True, "matched_by": "login"}
    write_submitted(course, "grace", RETINA, {"collected.json": json.dumps(collected)})
    write_submitted(course, "linus", THALAMUS, {"timestamp.txt": "2025-03-09 12:00:30.000000 UTC", "collected.json": "{not json"})
    (course / "roster.csv").write_text(ROSTER)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """The course folder after one report (nbgrader export takes seconds, so the tests share it)."""
    course = tmp_path_factory.mktemp("report") / "course"
    make_course(course)
    report(course, roster=course / "roster.csv", weights=WEIGHTS, due=parse_due([f"{THALAMUS}=2025-03-08T12:00"]))
    return course


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def by_first_column(rows):
    return {row[0]: row for row in rows}


def test_report_writes_every_file(course):
    names = {"grades.csv", "exercise_summary.csv", "exercise_summary.png", "grading_notes.csv",
             "canvas_import.csv", "moodle_import.csv", "late.csv", "to_grade_by_hand.csv", "lms_import_notes.txt"}
    assert {path.name for path in (course / "reports").iterdir()} == names
    exported = read_csv(course / "reports" / "grades.csv")
    assert {(row[0], row[3], row[9]) for row in exported[1:] if row[9]} >= {(RETINA, "ada", "7.0"), (THALAMUS, "linus", "4.0")}


def test_canvas_file_holds_points_the_points_possible_row_and_the_roster(course):
    header, possible, *students = read_csv(course / "reports" / "canvas_import.csv")
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", RETINA, THALAMUS, "Final Score (weighted lessons)"]
    assert possible == ["Points Possible", "", "", "", "", "10", "4", "(read only)"]
    assert [row[0] for row in students] == ["Lovelace, Ada", "Hopper, Grace", "Turing, Alan", "linus"]
    rows = by_first_column(students)
    assert rows["Lovelace, Ada"] == ["Lovelace, Ada", "101", "S1", "ada", "A", "7", "3", f"{ADA_TOTAL:.2f}"]
    assert rows["Hopper, Grace"] == ["Hopper, Grace", "102", "", "", "B", "10", "", f"{GRACE_TOTAL:.2f}"]
    assert rows["Turing, Alan"] == ["Turing, Alan", "103", "", "", "A", "", "", "0"]
    assert rows["linus"] == ["linus", "", "", "", "NOT ON ROSTER", "", "4", f"{LINUS_TOTAL:.2f}"]


def test_moodle_file_holds_percentages_by_email_or_course_id(course):
    header, *students = read_csv(course / "reports" / "moodle_import.csv")
    assert header == ["Identifier", RETINA, THALAMUS, "Weighted total (%)", "Note"]
    assert students == [
        ["ada@uni.edu", "70", "75", f"{ADA_TOTAL:.2f}", ""],
        ["grace", "100", "", f"{GRACE_TOTAL:.2f}", ""],
        ["alan@uni.edu", "", "", "0", ""],
        ["linus", "", "100", f"{LINUS_TOTAL:.2f}", "not on roster"],
    ]


def test_late_from_the_lms_mark_and_from_times_against_due_dates(course):
    header, *rows = read_csv(course / "reports" / "late.csv")
    assert header == ["student", "lesson", "submitted_at", "due", "late", "why"]
    assert rows == [
        ["ada", RETINA, "2025-03-01 14:05 UTC", "2025-03-01 12:00 UTC", "yes", "submitted 2 h 5 min after the due date"],
        ["ada", THALAMUS, "2025-03-08 10:00 UTC", "2025-03-08 12:00 UTC", "no", "on time"],  # the LMS's time, not timestamp.txt's
        ["grace", RETINA, "2025-03-01 11:00 UTC", "2025-03-01 12:00 UTC", "yes", "marked late by canvas"],
        ["linus", THALAMUS, "2025-03-09 12:00 UTC", "2025-03-08 12:00 UTC", "yes", "submitted 1 d 1 min after the due date"],
    ]


def test_lateness_without_a_due_date_or_a_time():
    assert lateness(datetime(2025, 3, 1), None, {}) == ("no", "no due date")
    assert lateness(None, datetime(2025, 3, 1), {"late": "yes"}) == ("", "no submission time recorded")
    assert lateness(None, None, {"late": True, "format": 3}) == ("yes", "marked late by the LMS")
    assert lateness(datetime(2025, 3, 2), datetime(2025, 3, 1), {"late": False, "format": "canvas"}) == ("no", "marked on time by canvas")


@pytest.mark.parametrize("text", ["[1, 2]", '"late"', "", "\x00\xff"])
def test_a_malformed_collected_json_counts_as_none(tmp_path, text):
    (tmp_path / "collected.json").write_text(text, encoding="latin-1")
    assert lms_record(tmp_path) == {}
    assert lms_record(tmp_path / "missing") == {}


def test_times_are_read_in_utc_or_not_at_all():
    assert utc("2025-03-08T10:00:00+01:00") == datetime(2025, 3, 8, 9, 0)
    assert utc("2025-03-08 11:00:00.000000 UTC") == datetime(2025, 3, 8, 11, 0)
    assert [utc(value) for value in ["yesterday", "", 12345, None, ["2025-03-08"]]] == [None] * 5


def test_canvas_names_are_last_first():
    assert [canvas_name(name) for name in ["Ada King Lovelace", "Hopper, Grace", "Linus", ""]] == [
        "Lovelace, Ada King", "Hopper, Grace", "Linus", ""]


def test_notes_say_how_to_import_and_who_is_flagged(course):
    notes = (course / "reports" / "lms_import_notes.txt").read_text()
    for expected in ["Grades > Import", "Import > CSV file", "Map from 'Identifier' to 'Email address'",
                     "Identifier: 2 of 4 students by the roster's email",
                     "not on the roster: 1 (linus)", "handed nothing in: 1 (alan)",
                     f"{RETINA} (10 points, weight 2), {THALAMUS} (4 points, weight 1)"]:
        assert expected in notes


def test_without_a_roster_students_are_their_course_ids(course):
    grades = read_grades(course)
    rows = import_rows(grades, None)
    weights = {RETINA: 1.0, THALAMUS: 1.0}
    canvas = canvas_rows(grades, rows, weights)[2:]
    assert canvas == [["ada", "", "", "", "", "7", "3", "72.5"], ["grace", "", "", "", "", "10", "", "50"],
                      ["linus", "", "", "", "", "", "4", "50"]]
    assert [row[0] for row in moodle_rows(grades, rows, weights)[1:]] == ["ada", "grace", "linus"]


@pytest.mark.parametrize("weights, expected", [
    ({V1: 1}, r"--weight 03_v1: no graded lesson of that name; the graded lessons are 01_retina, 02_thalamus"),
    ({"99_nolesson": 1}, r"--weight 99_nolesson: no graded lesson"),
    ({RETINA: -1}, r"--weight 01_retina=-1: a weight must be at least 0"),
    ({RETINA: 0, THALAMUS: 0}, r"every lesson has weight 0, so there is no total"),
])
def test_report_refuses_bad_weights_before_writing(course, weights, expected):
    before = {path.name: path.stat().st_mtime_ns for path in (course / "reports").iterdir()}
    with pytest.raises(CourseError, match=expected):
        report(course, weights=weights)
    assert before == {path.name: path.stat().st_mtime_ns for path in (course / "reports").iterdir()}


def test_report_refuses_a_due_date_for_a_lesson_not_graded(course):
    with pytest.raises(CourseError, match=r"--due 03_v1: no graded lesson"):
        report(course, due=parse_due([f"{V1}=2025-03-01T12:00"]))


def test_report_refuses_a_missing_roster(course):
    with pytest.raises(CourseError, match=r"no roster at .*nobody.csv"):
        report(course, roster=course / "nobody.csv")


def test_weights_and_due_dates_parse():
    assert parse_weights([f"{RETINA}=2", f" {THALAMUS} = 0.5 "]) == {RETINA: 2.0, THALAMUS: 0.5}
    assert parse_weights([]) == {}
    assert parse_due([f"{RETINA}=2025-03-01T23:59"]) == {RETINA: datetime(2025, 3, 1, 23, 59)}


@pytest.mark.parametrize("texts, expected", [
    ([RETINA], r"--weight '01_retina': expected LESSON=VALUE, e.g. --weight 01_retina=2"),
    (["=2"], r"expected LESSON=VALUE"),
    ([f"{RETINA}="], r"expected LESSON=VALUE"),
    ([f"{RETINA}=two"], r"--weight 01_retina=two: the weight must be a number of at least 0"),
    ([f"{RETINA}=-1"], r"--weight 01_retina=-1: the weight must be a number of at least 0"),
    ([f"{RETINA}=nan"], r"must be a number"),
    ([f"{RETINA}=inf"], r"must be a number"),
    ([f"{RETINA}=1", f"{RETINA}=2"], r"--weight names 01_retina twice"),
])
def test_bad_weights_are_refused(texts, expected):
    with pytest.raises(CourseError, match=expected):
        parse_weights(texts)


@pytest.mark.parametrize("texts, expected", [
    ([RETINA], r"--due '01_retina': expected LESSON=VALUE"),
    ([f"{RETINA}=2025-13-01T00:00"], r"--due 01_retina=2025-13-01T00:00: the date must be YYYY-MM-DDTHH:MM in UTC"),
    ([f"{RETINA}=tomorrow"], r"the date must be YYYY-MM-DDTHH:MM"),
    ([f"{RETINA}=2025-03-01"], r"the date must be YYYY-MM-DDTHH:MM"),
])
def test_bad_due_dates_are_refused(texts, expected):
    with pytest.raises(CourseError, match=expected):
        parse_due(texts)


def test_open_answers_are_listed_for_hand_grading_and_the_scores_written_back(tmp_path):
    from autograder import hand_grading

    course = tmp_path / "course"
    course.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
            gradebook.update_or_create_assignment(RETINA)
            gradebook.update_or_create_notebook(RETINA, RETINA)
            gradebook.update_or_create_grade_cell("ex1", RETINA, RETINA, max_score=4, cell_type="code")
            gradebook.update_or_create_grade_cell("why-open", RETINA, RETINA, max_score=2, cell_type="markdown")
            gradebook.update_or_create_solution_cell("why-open", RETINA, RETINA)
            for student, text in [("ada", "The surround cancels the centre."), ("grace", "=HYPERLINK(\"http://x\")")]:
                gradebook.add_student(student)
                hand_in(gradebook, RETINA, student, {"ex1": 4})
                cell = nbformat.v4.new_markdown_cell(text, metadata={"nbgrader": {"grade_id": "why-open", "grade": True, "solution": True}})
                executed = course / "executed" / student / RETINA / f"{RETINA}.ipynb"
                executed.parent.mkdir(parents=True)
                nbformat.write(nbformat.v4.new_notebook(cells=[cell]), executed)
    assert [(a.student, a.answer, a.max_points) for a in hand_grading.waiting(course)] == [("ada", "why-open", 2), ("grace", "why-open", 2)]
    assert read_grades(course).handins["ada", RETINA].points == 4, "an ungraded open answer counts 0"
    sheet = hand_grading.write_sheet(course, tmp_path / "sheet.csv")
    header, ada, grace = read_csv(sheet)
    assert header == hand_grading.COLUMNS and ada[-1] == "The surround cancels the centre."
    assert grace[-1].startswith("'="), "a spreadsheet must not run a student's formula"

    def filled(points_of_ada, points_of_grace="", student="ada"):
        rows = [header, [RETINA, student, "why-open", "2", points_of_ada, "clear", ada[-1]], [*grace[:4], points_of_grace, "", grace[-1]]]
        with open(sheet, "w", newline="") as f:
            csv.writer(f).writerows(rows)
        return sheet

    for wrong, message in [(("3",), "must be a number from 0 to 2"), (("two",), "must be a number"),
                           (("1", "", "nobody"), "no such graded submission"), (("1", "-1"), "row 3")]:
        with pytest.raises(CourseError, match=message):
            hand_grading.record(course, filled(*wrong))
    assert len(hand_grading.waiting(course)) == 2, "a sheet with a wrong row records nothing"
    with open(sheet, "w", newline="") as f:
        csv.writer(f).writerows([[RETINA, "ada"]])
    with pytest.raises(CourseError, match="lacks the column"):
        hand_grading.record(course, sheet)
    assert hand_grading.record(course, filled("1.5")) == 1
    assert [a.student for a in hand_grading.waiting(course)] == ["grace"], "a blank points cell is left for later"
    assert read_grades(course).handins["ada", RETINA].points == 5.5
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert gradebook.find_comment("why-open", RETINA, RETINA, "ada").manual_comment == "clear"
