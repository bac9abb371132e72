"""The instructor's grading round, end to end, on a sample class of every graded lesson.

Real nbgrader (generate_assignment, autograde, generate_feedback, export), real kernels,
real bubblewrap sandboxes. The class: for each lesson, the reference, an attacker and the
samples of tests/submissions/LESSON/samples.py, one for each distinct grade they deserve; for
lesson 01 all its samples, every attack of tests/submissions/attacks.py and submissions built
to break the batch. Every score is
asserted exactly, with the attackers in the same batch as the honest students.
"""

import csv
import hashlib
import html
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import hidden_tests, isolation, lessons
from autograder.cli import main as autograder_main
from autograder.collect import collect
from autograder.grading import Autograder
from tests.submissions import attacks, samples

pytestmark = pytest.mark.slow
SUBMISSIONS = Path(__file__).parent / "submissions"
GRADED = [name for name in lessons.lesson_names() if hidden_tests.lesson_file(name).exists() and (SUBMISSIONS / name / "samples.py").exists()]
RETINA = "01_retina"


def student_id(name: str) -> str:
    return name.replace("_", "")


def graded_cells(lesson: str, cell_type: str) -> dict[str, float]:
    source = nbformat.read(lessons.SOLUTIONS / f"{lesson}.ipynb", as_version=4)
    return {c.id: c.metadata["nbgrader"]["points"] for c in source.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("grade") and c.cell_type == cell_type}


def full_points(lesson: str) -> dict[str, float]:
    """The autograded points of every test cell (open answers wait for a teaching assistant)."""
    return graded_cells(lesson, "code")


def open_answers(lesson: str) -> dict[str, float]:
    """The answers graded by hand, and their points."""
    return graded_cells(lesson, "markdown")


def blank_points(lesson: str) -> dict[str, int]:
    return {name: 0 for name in full_points(lesson)}


def stubs_returning_none(lesson: str) -> dict[str, str]:
    """Every exercise written to return None: what an attacker who patches the checks hands in."""
    release = nbformat.read(lessons.LESSONS / f"{lesson}.ipynb", as_version=4)
    return {c.id: re.sub(r"raise NotImplementedError\(.*\)", "return None", c.source) for c in release.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("solution") and c.cell_type == "code"}


def retina_class(course_dir: Path) -> dict[str, tuple[nbformat.NotebookNode, dict]]:
    """Lesson 01's extra students: broken on purpose, honest in unusual ways, and attackers."""
    right = {name: samples.load(RETINA)["honest_loops"]["edits"][name] for name in ("dog-exercise", "filter-exercise", "response-exercise")}
    full = {"dog-tests": 3, "filter-tests": 2, "response-tests": 2, "size-tests": 0}  # the stretch exercise is left blank
    only_filter_lost = {"dog-tests": 3, "filter-tests": 0, "response-tests": 2, "size-tests": 0}
    zero = blank_points(RETINA)
    students = {
        "looping": (samples.build(RETINA, {**right, "filter-exercise": "while True:\n    pass\n"}), only_filter_lost),
        "hog": (samples.build(RETINA, {**right, "filter-exercise": "hoard = [bytearray(10**8) for _ in range(10**4)]\n"}), only_filter_lost),
        "quitter": (samples.build(RETINA, {**right, "filter-exercise": "import os\nos._exit(0)\n"}), only_filter_lost),
        "tamperer": (samples.build(RETINA, {**right, "dog-exercise": "def difference_of_gaussians(size, sigma_center, sigma_surround):\n    return 0\n",
                                            "dog-tests": "# all good\n"}, delete=("filter-tests",)), {**full, "dog-tests": 0}),
        "moved": (samples.build(RETINA, {"my-own-cell": "\n\n".join(right.values())}), full),
        "warner": (samples.build(RETINA, {**right, "response-exercise": right["response-exercise"].replace(
            "    filtered =", "    import sys, warnings\n    warnings.warn('a UserWarning', UserWarning)\n    print('noise', file=sys.stderr)\n    filtered =")}), full),
    }
    copied = samples.build(RETINA, right)
    position = next(i for i, c in enumerate(copied.cells) if c.get("id") == "dog-exercise")
    stub = nbformat.from_dict(next(c for c in nbformat.read(lessons.LESSONS / f"{RETINA}.ipynb", as_version=4).cells if c.get("id") == "dog-exercise"))
    copied.cells.insert(position + 1, stub)  # a solved copy, then the untouched original after it
    students["solvedcopy"] = (copied, full)
    odd = samples.build(RETINA, right)
    for cell in list(odd.cells):
        if cell.get("id") == "dog-tests":
            cell.metadata["nbgrader"] = None
        elif cell.get("id") == "filter-tests":
            cell.metadata["nbgrader"]["schema_version"] = 99
            cell.metadata["nbgrader"]["points"] = 100
        elif cell.get("id") == "response-tests":
            odd.cells.append(nbformat.from_dict(cell))  # a duplicated grade id
    students["oddmetadata"] = (odd, full)
    stand_ins = next(c.source for c in nbformat.read(lessons.LESSONS / f"{RETINA}.ipynb", as_version=4).cells if c.get("id") == "stand-ins")
    for name, code in attacks.RETINA.items():
        code = stand_ins + "\n\n" + code if name == "standin" else code
        students[name] = (samples.build(RETINA, {attacks.RETINA_CELLS[name]: code}), zero)
    for name in ("saboteur", "flooder", "forger"):
        code = attacks.fill(attacks.ATTACKS[name], RETINA, course_dir, lessons.REPOSITORY_ROOT)
        students[name] = (samples.build(RETINA, {**stubs_returning_none(RETINA), "attack": code}), zero)
    return students


def one_sample_per_grade(lesson: str) -> dict[str, dict]:
    """The lesson's samples, one for each distinct set of points they deserve (all of them for lesson 01).

    Each sample in the round costs a sandboxed run of its lesson; a second sample that deserves
    the same points as one already in the class adds time and no new verdict to check."""
    chosen, seen = {}, set()
    for name, sample in reversed(samples.load(lesson).items()):  # of two alike, the later: further from the instructions
        grade = tuple(sorted(sample["points"].items()))
        if lesson == RETINA or grade not in seen:
            chosen[name] = sample
            seen.add(grade)
    return dict(reversed(chosen.items()))


def write_class(inbox: Path, course_dir: Path) -> dict[tuple[str, str], dict]:
    """The sample class as an LMS export, and the points every (student, lesson) deserves."""
    expected = {}

    def hand_in(student, lesson, notebook, points):
        text = nbformat.writes(notebook)
        if student == "honestloops":  # one student hands in zips, as some LMSs export
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                archive.writestr(f"{lesson}.ipynb", text)
            (inbox / f"{student}_{lesson}_submission.zip").write_bytes(buffer.getvalue())
        else:
            (inbox / f"{student}_{lesson}.ipynb").write_text(text)
        expected[(student, lesson)] = points

    for lesson in GRADED:
        for name, sample in one_sample_per_grade(lesson).items():
            hand_in(student_id(name), lesson, samples.build(lesson, sample["edits"], tuple(sample.get("delete", ()))), sample["points"])
        hand_in("reference", lesson, nbformat.read(lessons.SOLUTIONS / f"{lesson}.ipynb", as_version=4), full_points(lesson))
        attacker = stubs_returning_none(lesson) | {"attack": attacks.fill(attacks.PATCHER + attacks.READER, lesson, course_dir, lessons.REPOSITORY_ROOT)}
        hand_in("attacker", lesson, samples.build(lesson, attacker), blank_points(lesson))
    if RETINA in GRADED:
        for student, (notebook, points) in retina_class(course_dir).items():
            hand_in(student, RETINA, notebook, points)
        (inbox / f"badjson_{RETINA}.ipynb").write_text('{"cells": [ not json')
        expected[("badjson", RETINA)] = blank_points(RETINA)
    return expected


def special_files(course_dir: Path) -> dict[tuple[str, str], dict]:
    """Submissions that are no plain files, placed where collect would put them."""
    made = {}
    for student, make in [("linker", lambda path: os.symlink(lessons.SOLUTIONS / f"{RETINA}.ipynb", path)),
                          ("fifo", os.mkfifo), ("devnull", lambda path: os.symlink("/dev/null", path))]:
        folder = course_dir / "submitted" / student / RETINA
        folder.mkdir(parents=True)
        make(folder / f"{RETINA}.ipynb")
        made[(student, RETINA)] = blank_points(RETINA)
    return made


def fingerprints(course_dir: Path) -> dict[str, str]:
    return {str(p.relative_to(course_dir)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((course_dir / "source").rglob("*.ipynb"))}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course folder after a whole round: release, collect, autograde (in parallel), feedback, report."""
    if not isolation.detect().isolated:
        pytest.fail(f"grading needs a sandbox: {isolation.detect().problem}")
    course_dir = Path(tempfile.mkdtemp(prefix="course-"))
    course_dir.chmod(0o755)
    inbox = tmp_path_factory.mktemp("inbox")
    lessons.release(course_dir, lessons=tmp_path_factory.mktemp("lessons"), names=GRADED)
    source_before = fingerprints(course_dir)
    expected = write_class(inbox, course_dir)
    collected = collect(inbox, course_dir, lessons.lesson_names())
    if RETINA in GRADED:
        expected |= special_files(course_dir)
    records = Autograder(course_dir, workers=2, cell_timeout=60, log=lambda m: None).grade(GRADED)
    assert autograder_main(["--course-dir", str(course_dir), "feedback", *GRADED]) == 0
    assert autograder_main(["--course-dir", str(course_dir), "report"]) == 0
    yield {"dir": course_dir, "collected": collected, "expected": expected, "source_before": source_before,
           "records": {(r.student, r.lesson): r for r in records}, "inbox": inbox}
    shutil.rmtree(course_dir)


def scores(course_dir: Path, expected) -> dict:
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gradebook:
        return {(student, lesson): {cell: gradebook.find_grade(cell, lesson, lesson, student).score for cell in points}
                for (student, lesson), points in expected.items()}


def test_collect_places_every_submission(course):
    placed = {(student, lesson) for student, lesson, _ in course["collected"].placed}
    assert placed == {key for key in course["expected"] if key[0] not in ("linker", "fifo", "devnull")}
    assert course["collected"].problems == []


def test_every_submission_gets_exactly_the_grade_it_deserves(course):
    got = scores(course["dir"], course["expected"])
    wrong = {key: (got[key], points) for key, points in course["expected"].items() if got[key] != points}
    assert wrong == {}, "(got, deserved)"


def test_honest_students_keep_their_grades_beside_attackers_and_the_course_is_intact(course):
    attackers = {"attacker", *attacks.ATTACKS, *attacks.RETINA}
    honest = {key: points for key, points in course["expected"].items() if key[0].startswith(("honest", "mistake"))}
    assert len(honest) >= 3 * len(GRADED)
    assert scores(course["dir"], honest) == honest
    with sqlite3.connect(course["dir"] / "gradebook.db") as database:
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        students = {row[0] for row in database.execute("SELECT id FROM student")}
    assert students == {student for student, _ in course["expected"]}
    assert fingerprints(course["dir"]) == course["source_before"]
    assert attackers & students
    left_behind = subprocess.run(["pgrep", "-f", "sleep 10000"], capture_output=True, text=True).stdout.strip()
    assert left_behind == "", "a process a submission started outlived its sandbox"


def test_grading_notes_say_what_happened(course):
    if RETINA not in GRADED:
        pytest.skip("lesson 01 has no samples")
    notes = {key[0]: " | ".join(record.notes) for key, record in course["records"].items() if key[1] == RETINA}
    assert "ran past 60 s and was interrupted" in notes["looping"]
    assert "the kernel died in code cell" in notes["quitter"]
    assert "test cell dog-tests was edited" in notes["tamperer"]
    assert "could not be read as a notebook (not JSON" in notes["badjson"]
    assert "could not be read as a notebook (it could not be opened" in notes["linker"]
    assert "not a regular file" in notes["fifo"]
    assert notes["honestloops"] == notes["moved"] == notes["solvedcopy"] == notes["warner"] == ""
    report = json.loads((course["dir"] / "reports" / "grading_notes.json").read_text())
    assert report["isolation"]["isolated"] is True


def test_feedback_shows_the_students_work_and_never_hidden_tests_or_solutions(course):
    visible = "".join(lessons.LESSONS.joinpath(f"{lesson}.ipynb").read_text() for lesson in GRADED)
    hidden_lines = {line.strip() for lesson in GRADED for line in hidden_tests.lesson_file(lesson).read_text().splitlines()
                    if len(line.strip()) > 25 and json.dumps(line.strip())[1:-1] not in visible}
    for (student, lesson) in course["expected"]:
        page = course["dir"] / "feedback" / student / lesson / f"{lesson}.html"
        assert page.exists(), f"no feedback for {student}/{lesson}"
        assert page.stat().st_size < 2_000_000, f"{student}/{lesson}: feedback of {page.stat().st_size} bytes"
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
        submitted, zipped = course["inbox"] / f"{student}_{lesson}.ipynb", course["inbox"] / f"{student}_{lesson}_submission.zip"
        own = submitted.read_text() if submitted.exists() else zipfile.ZipFile(zipped).read(f"{lesson}.ipynb").decode() if zipped.exists() else ""
        shown = [line for line in hidden_lines if line in text and json.dumps(line)[1:-1] not in own]
        assert shown == [], f"{student}/{lesson} sees hidden test code"
        solution = nbformat.read(lessons.SOLUTIONS / f"{lesson}.ipynb", as_version=4)
        secret = {line.strip() for cell in solution.cells if "BEGIN SOLUTION" in cell.source
                  for line in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S)[0].splitlines()
                  if len(line.strip()) > 30 and json.dumps(line.strip())[1:-1] not in own}
        assert [line for line in secret if line in text] == [], f"{student}/{lesson} sees solution code"
    honest = html.unescape(re.sub(r"<[^>]+>", "", (course["dir"] / "feedback" / "mistakeaveragepool" / RETINA / f"{RETINA}.html").read_text())) if RETINA in GRADED else ""
    if honest:
        assert "retina_response of 3 random images" in honest and "Passed: 3 of 3 points." in honest


def test_reports_hold_grades(course):
    with open(course["dir"] / "reports" / "grades.csv") as f:
        totals = {(row["student_id"], row["assignment"]): float(row["score"]) for row in csv.DictReader(f)}
    for key, points in course["expected"].items():
        assert totals[key] == float(sum(points.values())), key


def test_open_answers_are_listed_with_their_text_for_hand_grading(course):
    """An answer the student wrote waits for a teaching assistant; one left as released scores 0 by itself (nbgrader's rule)."""
    with open(course["dir"] / "reports" / "to_grade_by_hand.csv", newline="") as f:
        sheet = list(csv.DictReader(f))
    solutions = {lesson: {c.id: c.source for c in nbformat.read(lessons.SOLUTIONS / f"{lesson}.ipynb", as_version=4).cells} for lesson in GRADED}
    written = {("reference", lesson, answer) for lesson in GRADED for answer in open_answers(lesson)}
    assert written and {(row["student"], row["lesson"], row["answer"]) for row in sheet} == written
    for row in sheet:
        assert row["text"] == solutions[row["lesson"]][row["answer"]].replace("<", "&lt;")
    left_blank = {(student, lesson): {answer: 0 for answer in open_answers(lesson)} for student, lesson in course["expected"]
                  if student != "reference" and (course["dir"] / "executed" / student / lesson).is_dir()}
    assert any(left_blank.values()) and scores(course["dir"], left_blank) == left_blank


def test_a_rerun_grades_nothing_again_and_changes_no_score_nor_any_hand_grade(course):
    sheet = course["dir"] / "reports" / "hand_grades.csv"
    with open(course["dir"] / "reports" / "to_grade_by_hand.csv", newline="") as f:
        rows = [row | {"points": row["max_points"] if row["student"] == "reference" else "0"} for row in csv.DictReader(f)]
    with open(sheet, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert autograder_main(["--course-dir", str(course["dir"]), "hand-grade", str(sheet)]) == 0
    before = scores(course["dir"], course["expected"])
    by_hand = {(student, lesson): open_answers(lesson) if student == "reference" else {answer: 0 for answer in open_answers(lesson)}
               for student, lesson in course["expected"] if (course["dir"] / "executed" / student / lesson).is_dir()}
    assert scores(course["dir"], by_hand) == by_hand
    records = Autograder(course["dir"], workers=2, cell_timeout=60, log=lambda m: None).grade(GRADED)
    assert [(r.student, r.lesson) for r in records if not r.reused] == []
    assert scores(course["dir"], course["expected"]) == before
    assert scores(course["dir"], by_hand) == by_hand, "autograding again must keep what a teaching assistant gave"
