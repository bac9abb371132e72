"""collect: every LMS export format placed into submitted/, without nbgrader and without running a notebook."""

import hashlib
import io
import json
import os
import stat
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest

from autograder import collect as collect_module
from autograder import prepare
from autograder.collect import FORMATS, TIMESTAMP_FORMAT, Placed, collect, detect_format
from autograder.errors import CourseError
from autograder.roster import Roster, Student, is_safe_id, name_keys, slug

LESSONS = ["00_setup_and_mnist", "01_retina", "02_thalamus"]


def notebook(marker: str = "") -> bytes:
    return nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"# {marker}")])).encode()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def write(path: Path, content: bytes | str = b"") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def fingerprint(folder: Path) -> dict[str, str]:
    """Every entry under folder, links and FIFOs included, with what it is and holds."""
    found = {}
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(root) / name
            info = path.lstat()
            if path.is_symlink():
                found[str(path.relative_to(folder))] = f"link {os.readlink(path)}"
            elif stat.S_ISREG(info.st_mode):
                found[str(path.relative_to(folder))] = f"{hashlib.sha256(path.read_bytes()).hexdigest()} {info.st_mtime_ns}"
            else:
                found[str(path.relative_to(folder))] = f"mode {stat.S_IFMT(info.st_mode)}"
    return found


def placed_of(result) -> set[tuple[str, str]]:
    return {(placed.student, placed.lesson) for placed in result.placed}


def marker_of(course: Path, student: str, lesson: str) -> str:
    return nbformat.reads((course / "submitted" / student / lesson / f"{lesson}.ipynb").read_text(), as_version=4).cells[0].source


def record_of(course: Path, student: str, lesson: str) -> dict:
    return json.loads((course / "submitted" / student / lesson / "collected.json").read_text())


def timestamp_of(course: Path, student: str, lesson: str) -> datetime:
    text = (course / "submitted" / student / lesson / "timestamp.txt").read_text()
    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)


@pytest.fixture
def course(tmp_path) -> Path:
    return tmp_path / "course"


# Sample exports, named as each system names them

def plain_export(inbox: Path):
    write(inbox / "alice_01_retina.ipynb", notebook("alice"))
    write(inbox / "bob_01_retina_submission.zip", zipped({"01_retina.ipynb": notebook("bob")}))
    write(inbox / "badjson_01_retina.ipynb", '{"cells": [ not json')


def canvas_export(inbox: Path):
    write(inbox / "doejohn_123_456_01_retina.ipynb", notebook("first try"))
    write(inbox / "doejohn_123_460_01_retina-1.ipynb", notebook("resubmitted"))
    write(inbox / "roejane_LATE_124_470_02_thalamus.ipynb", notebook("jane"))
    write(inbox / "roejane_LATE_124_text.html", "<p>see my notebook</p>")


def moodle_export(inbox: Path):
    write(inbox / "John Doe_1001_assignsubmission_file_" / "01_retina.ipynb", notebook("john"))
    write(inbox / "Jane Roe_1002_assignsubmission_file_" / "work.zip",
          zipped({"work/01_retina.ipynb": notebook("jane"), "__MACOSX/work/._01_retina.ipynb": b"\0\0"}))
    write(inbox / "Jane Roe_1002_assignsubmission_onlinetext_" / "onlinetext.html", "<p>done</p>")


GRADESCOPE_METADATA = """\
submission_111:
  :submitters:
  - :name: John Doe
    :sid: '2001'
    :email: john@uni.edu
  :created_at: 2024-03-01 10:00:00.123456000 -08:00
  :score: !ruby/object:BigDecimal 18:0.1e2
submission_112:
  :submitters:
  - :name: Jane Roe
    :sid: '2002'
    :email: jane@uni.edu
  - :name: Max Moe
    :sid: ''
    :email: max@uni.edu
  :created_at: 2024-03-02 11:30:00.000000000 +00:00
"""


def gradescope_export(inbox: Path):
    write(inbox / "submission_metadata.yml", GRADESCOPE_METADATA)
    write(inbox / "submission_111" / "01_retina.ipynb", notebook("john"))
    write(inbox / "submission_112" / "01_retina.ipynb", notebook("group"))


def blackboard_export(inbox: Path):
    for login, when, marker in [("jdoe", "2024-03-01-10-00-00", "first"), ("jdoe", "2024-03-02-09-30-00", "second")]:
        write(inbox / f"01 Retina_{login}_attempt_{when}_my notebook.ipynb", notebook(marker))
        write(inbox / f"01 Retina_{login}_attempt_{when}.txt", f"Name: John Doe ({login})\nAssignment: 01 Retina\n")
    write(inbox / "01 Retina_jroe_attempt_2024-03-01-12-00-00.txt", "Name: Jane Roe (jroe)\nSubmission Field: see email\n")


def nbgrader_export(inbox: Path):
    write(inbox / "inbound" / "alice+01_retina+2024-03-01 10:00:00.000000 UTC+1a2b" / "01_retina.ipynb", notebook("early"))
    write(inbox / "inbound" / "alice+01_retina+2024-03-02 10:00:00.000000 UTC+3c4d" / "01_retina.ipynb", notebook("late"))
    write(inbox / "inbound" / "bob+02_thalamus+2024-03-01 09:00:00.000000 UTC+5e6f" / "02_thalamus.ipynb", notebook("bob"))


def nbgrader_course_export(inbox: Path):
    write(inbox / "submitted" / "carol" / "01_retina" / "01_retina.ipynb", notebook("carol"))
    write(inbox / "submitted" / "carol" / "01_retina" / "timestamp.txt", "2024-03-03 08:00:00.000000 UTC")


EXPORTS = {"plain": plain_export, "canvas": canvas_export, "moodle": moodle_export, "gradescope": gradescope_export,
           "blackboard": blackboard_export, "nbgrader": nbgrader_export}


# The plain format, as before

def test_plain_files_are_placed_as_before(tmp_path, course):
    plain_export(tmp_path / "inbox")
    result = collect(tmp_path / "inbox", course, LESSONS)
    assert result.problems == []
    assert {(student, lesson) for student, lesson, _ in result.placed} == {("alice", "01_retina"), ("bob", "01_retina"), ("badjson", "01_retina")}
    assert (result.fmt, all(p.matched_by == "pattern" and p.late is None for p in result.placed)) == ("plain", True)
    assert marker_of(course, "bob", "01_retina") == "# bob"
    assert (course / "submitted" / "badjson" / "01_retina" / "01_retina.ipynb").read_text() == '{"cells": [ not json'
    mtime = datetime.fromtimestamp((tmp_path / "inbox" / "alice_01_retina.ipynb").stat().st_mtime, timezone.utc)
    assert timestamp_of(course, "alice", "01_retina") == mtime
    assert record_of(course, "alice", "01_retina") == {"format": "plain", "origin": "alice_01_retina.ipynb",
                                                       "submitted_at": mtime.isoformat(), "late": None, "matched_by": "pattern"}


def test_plain_lists_what_it_cannot_place(tmp_path, course):
    inbox = tmp_path / "inbox"
    write(inbox / "notes.txt", "hello")
    write(inbox / "-01_retina.ipynb", notebook())
    write(inbox / "dave_homework.ipynb", notebook())
    write(inbox / "erin_01_retina.ipynb", notebook("one"))
    write(inbox / "erin-01_retina.ipynb", notebook("two"))
    write(inbox / ".DS_Store", b"\0")
    result = collect(inbox, course, LESSONS)
    assert placed_of(result) == {("erin", "01_retina")}
    assert result.problems == [
        "-01_retina.ipynb: no student id in the file name (pattern ^(?P<student>[A-Za-z0-9]+)[_\\- ]); skipped",
        "dave_homework.ipynb: cannot tell which lesson dave_homework.ipynb is; skipped (put the lesson's name, e.g. 00_setup_and_mnist, in the file name)",
        "erin_01_retina.ipynb: a second 01_retina from erin; kept the first (erin-01_retina.ipynb) (remove the one you do not want from the inbox and collect again)",
        "notes.txt: not a notebook or a zip; skipped",
    ]


def test_plain_with_a_pattern_and_a_roster(tmp_path, course):
    inbox = tmp_path / "inbox"
    write(inbox / "s100 - 01_retina.ipynb", notebook())
    write(inbox / "s999 - 01_retina.ipynb", notebook())
    write(inbox / "john doe - 02_thalamus.ipynb", notebook())
    pattern = r"^(?P<student>[^-]+?) - "
    without = collect(inbox, course, LESSONS, student_pattern=pattern)
    assert placed_of(without) == {("s100", "01_retina"), ("s999", "01_retina")}
    assert without.problems == ["john doe - 02_thalamus.ipynb: 'john doe' cannot name a student's folder (letters, digits and _ . - only); "
                                "skipped (collect with --roster to name the students)"]
    roster = [Student("ada", login="s100")]
    result = collect(inbox, tmp_path / "other", LESSONS, student_pattern=pattern, roster=roster)
    assert [(p.student, p.matched_by) for p in result.placed] == [("ada", "roster login")]
    assert "s999 - 01_retina.ipynb: no one on the roster has the student id s999; skipped (add them to the roster, or collect without --roster)" in result.problems


def test_placed_unpacks_as_the_old_tuple():
    placed = Placed("ada", "01_retina", "ada_01_retina.ipynb", datetime.now(timezone.utc), None, "pattern")
    student, lesson, origin = placed
    assert (student, lesson, origin) == ("ada", "01_retina", "ada_01_retina.ipynb")


# Canvas

def test_canvas_latest_resubmission_wins_and_late_is_marked(tmp_path, course):
    canvas_export(tmp_path / "inbox")
    result = collect(tmp_path / "inbox", course, LESSONS, fmt="canvas")
    assert placed_of(result) == {("doejohn_123", "01_retina"), ("roejane_124", "02_thalamus")}
    assert marker_of(course, "doejohn_123", "01_retina") == "# resubmitted"
    assert {p.student: (p.late, p.matched_by) for p in result.placed} == {"doejohn_123": (False, "name in file"), "roejane_124": (True, "name in file")}
    assert record_of(course, "roejane_124", "02_thalamus")["late"] is True
    assert result.problems == [
        "doejohn_123_456_01_retina.ipynb: replaced by a later submission (doejohn_123_460_01_retina-1.ipynb); skipped",
        "roejane_LATE_124_text.html: a Canvas text entry or link, not a notebook; skipped (ask for the .ipynb file)",
    ]


def test_canvas_with_a_roster_matches_the_user_id(tmp_path, course):
    canvas_export(tmp_path / "inbox")
    write(tmp_path / "inbox" / "stranger_999_480_01_retina.ipynb", notebook())
    roster = [Student("jdoe", name="John Doe", lms_id="123"), Student("jroe", name="Jane Roe", lms_id="124")]
    result = collect(tmp_path / "inbox", course, LESSONS, fmt="canvas", roster=roster)
    assert {(p.student, p.lesson, p.matched_by) for p in result.placed} == {("jdoe", "01_retina", "roster lms_id"), ("jroe", "02_thalamus", "roster lms_id")}
    assert ("stranger_999_480_01_retina.ipynb: no one on the roster has Canvas user id 999 or the name stranger; "
            "skipped (add them to the roster, or collect without --roster)") in result.problems


def test_canvas_finds_a_roster_name_without_lms_id(tmp_path, course):
    write(tmp_path / "inbox" / "doejohn_123_456_01_retina.ipynb", notebook())
    result = collect(tmp_path / "inbox", course, LESSONS, fmt="canvas", roster=[Student("jdoe", name="John Doe")])
    assert [(p.student, p.matched_by) for p in result.placed] == [("jdoe", "roster name")]


def test_two_people_of_one_name_are_not_merged(tmp_path, course):
    inbox = tmp_path / "inbox"
    write(inbox / "smithjohn_200_1_01_retina.ipynb", notebook("first john"))
    write(inbox / "smithjohn_201_2_01_retina.ipynb", notebook("second john"))
    result = collect(inbox, course, LESSONS)
    assert (result.fmt, placed_of(result), result.problems) == ("canvas", {("smithjohn_200", "01_retina"), ("smithjohn_201", "01_retina")}, [])
    twins = [Student("js1", name="John Smith"), Student("js2", name="John Smith")]
    ambiguous = collect(inbox, tmp_path / "other", LESSONS, roster=twins)
    assert ambiguous.placed == []
    assert ambiguous.problems[0].startswith("smithjohn_200_1_01_retina.ipynb: 2 people on the roster match name smithjohn (js1, js2); skipped")
    told_apart = [Student("js1", name="John Smith", lms_id="200"), Student("js2", name="John Smith", lms_id="201")]
    assert placed_of(collect(inbox, tmp_path / "third", LESSONS, roster=told_apart)) == {("js1", "01_retina"), ("js2", "01_retina")}


def test_canvas_anonymous_grading(tmp_path, course):
    write(tmp_path / "inbox" / "LATE_anon_x7k2p_456_01_retina.ipynb", notebook())
    result = collect(tmp_path / "inbox", course, LESSONS)
    assert (result.fmt, [(p.student, p.late) for p in result.placed], result.problems) == ("canvas", [("anon_x7k2p", True)], [])


# Moodle

def test_moodle_folders_with_a_zip_and_an_online_text(tmp_path, course):
    moodle_export(tmp_path / "inbox")
    result = collect(tmp_path / "inbox", course, LESSONS, fmt="moodle")
    assert placed_of(result) == {("john-doe_1001", "01_retina"), ("jane-roe_1002", "01_retina")}
    assert marker_of(course, "jane-roe_1002", "01_retina") == "# jane"
    assert result.problems == ["Jane Roe_1002_assignsubmission_onlinetext_: a Moodle online text, which holds no notebook; "
                               "skipped (ask for the .ipynb as a file submission)"]
    origins = {p.student: p.origin for p in result.placed}
    assert origins["jane-roe_1002"] == "Jane Roe_1002_assignsubmission_file_/work.zip"


def test_moodle_with_a_roster_by_participant_id_then_name(tmp_path, course):
    moodle_export(tmp_path / "inbox")
    write(tmp_path / "inbox" / "Max Moe_1003_assignsubmission_file_" / "01_retina.ipynb", notebook())
    roster = [Student("jdoe", name="Doe, John", lms_id="1001"), Student("jroe", name="Jane Roe"), Student("other", name="Max Moe", lms_id="555")]
    result = collect(tmp_path / "inbox", course, LESSONS, fmt="moodle", roster=roster)
    assert {(p.student, p.matched_by) for p in result.placed} == {("jdoe", "roster lms_id"), ("jroe", "roster name")}
    assert any(problem.startswith("Max Moe_1003_assignsubmission_file_/01_retina.ipynb: no one on the roster has "
                                  "Moodle participant id 1003 or the name Max Moe") for problem in result.problems)


def test_moodle_without_folders_and_an_empty_folder(tmp_path, course):
    write(tmp_path / "inbox" / "John Doe_1001_assignsubmission_file_01_retina.ipynb", notebook())
    (tmp_path / "inbox" / "Jane Roe_1002_assignsubmission_file_").mkdir()
    result = collect(tmp_path / "inbox", course, LESSONS)
    assert (result.fmt, placed_of(result)) == ("moodle", {("john-doe_1001", "01_retina")})
    assert result.problems == ["Jane Roe_1002_assignsubmission_file_: holds no file; skipped"]


# Gradescope

def test_gradescope_metadata_names_the_submitters(tmp_path, course):
    gradescope_export(tmp_path / "inbox")
    write(tmp_path / "inbox" / "submission_999" / "01_retina.ipynb", notebook())
    result = collect(tmp_path / "inbox", course, LESSONS, fmt="gradescope")
    assert placed_of(result) == {("john-doe_2001", "01_retina"), ("jane-roe_2002", "01_retina"), ("max-moe_max-uni-edu", "01_retina")}
    assert result.problems == ["submission_999: no submitter listed for it in submission_metadata.yml; skipped"]
    assert timestamp_of(course, "john-doe_2001", "01_retina") == datetime(2024, 3, 1, 18, 0, 0, 123456, timezone.utc)
    assert (course / "submitted" / "john-doe_2001" / "01_retina" / "timestamp.txt").read_text() == "2024-03-01 18:00:00.123456 UTC"
    assert marker_of(course, "max-moe_max-uni-edu", "01_retina") == "# group"


def test_gradescope_with_a_roster_by_sid_and_email(tmp_path, course):
    gradescope_export(tmp_path / "inbox")
    roster = [Student("jdoe", sis_id="2001"), Student("mmoe", email="Max@Uni.edu")]
    result = collect(tmp_path / "inbox", course, LESSONS, roster=roster)
    assert result.fmt == "gradescope"
    assert {(p.student, p.matched_by) for p in result.placed} == {("jdoe", "roster sis_id"), ("mmoe", "roster email")}
    assert result.problems == ["submission_112/01_retina.ipynb: no one on the roster has Gradescope student id 2002 or email jane@uni.edu "
                               "or the name Jane Roe; skipped (add them to the roster, or collect without --roster)"]


# Blackboard

def test_blackboard_latest_attempt_wins(tmp_path, course):
    blackboard_export(tmp_path / "inbox")
    result = collect(tmp_path / "inbox", course, LESSONS, fmt="blackboard")
    assert [(p.student, p.lesson, p.matched_by) for p in result.placed] == [("jdoe", "01_retina", "username in file")]
    assert marker_of(course, "jdoe", "01_retina") == "# second"
    assert timestamp_of(course, "jdoe", "01_retina") == datetime(2024, 3, 2, 9, 30).astimezone().astimezone(timezone.utc)
    assert result.problems == [
        "01 Retina_jdoe_attempt_2024-03-01-10-00-00_my notebook.ipynb: replaced by a later submission "
        "(01 Retina_jdoe_attempt_2024-03-02-09-30-00_my notebook.ipynb); skipped",
        "01 Retina_jroe_attempt_2024-03-01-12-00-00.txt: the attempt of jroe at 2024-03-01-12-00-00 holds no file, only this info file; skipped",
    ]


def test_blackboard_with_a_roster_by_login(tmp_path, course):
    blackboard_export(tmp_path / "inbox")
    result = collect(tmp_path / "inbox", course, LESSONS, roster=[Student("john", login="jdoe")])
    assert [(p.student, p.matched_by) for p in result.placed] == [("john", "roster login")]
    empty_roster = collect(tmp_path / "inbox", tmp_path / "other", LESSONS, roster=[])
    assert empty_roster.placed == [] and any("no one on the roster has Blackboard username jdoe" in p for p in empty_roster.problems)


# nbgrader

def test_nbgrader_inbound_latest_timestamp_wins(tmp_path, course):
    nbgrader_export(tmp_path / "inbox")
    result = collect(tmp_path / "inbox", course, LESSONS, fmt="nbgrader")
    assert placed_of(result) == {("alice", "01_retina"), ("bob", "02_thalamus")}
    assert marker_of(course, "alice", "01_retina") == "# late"
    assert timestamp_of(course, "alice", "01_retina") == datetime(2024, 3, 2, 10, tzinfo=timezone.utc)
    assert result.problems == ["inbound/alice+01_retina+2024-03-01 10:00:00.000000 UTC+1a2b/01_retina.ipynb: replaced by a later submission "
                               "(inbound/alice+01_retina+2024-03-02 10:00:00.000000 UTC+3c4d/01_retina.ipynb); skipped"]


def test_nbgrader_course_layout_and_roster(tmp_path, course):
    nbgrader_course_export(tmp_path / "inbox")
    result = collect(tmp_path / "inbox", course, LESSONS)
    assert (result.fmt, [(p.student, p.lesson, p.matched_by) for p in result.placed]) == ("nbgrader", [("carol", "01_retina", "folder name")])
    assert timestamp_of(course, "carol", "01_retina") == datetime(2024, 3, 3, 8, tzinfo=timezone.utc)
    with_roster = collect(tmp_path / "inbox", tmp_path / "other", LESSONS, roster=[Student("carol")])
    assert [p.matched_by for p in with_roster.placed] == ["roster student"]


# Recognising the format

@pytest.mark.parametrize("fmt", [*EXPORTS, "nbgrader course"])
def test_each_format_is_recognised(tmp_path, course, fmt):
    (nbgrader_course_export if fmt == "nbgrader course" else EXPORTS[fmt])(tmp_path / "inbox")
    fmt = fmt.split()[0]
    recognised, why = detect_format(tmp_path / "inbox")
    assert recognised == fmt and why.startswith(f"{fmt}: ") and "\n" not in why
    result = collect(tmp_path / "inbox", course, LESSONS)
    assert (result.fmt, result.detected) == (fmt, why)
    assert result.placed


@pytest.mark.parametrize("fmt", [*FORMATS, None])
def test_an_empty_inbox_gives_nothing(tmp_path, course, fmt):
    (tmp_path / "inbox").mkdir()
    write(tmp_path / "inbox" / ".DS_Store", b"\0")
    result = collect(tmp_path / "inbox", course, LESSONS, fmt=fmt)
    assert (result.placed, result.problems) == ([], [])


def test_mistakes_are_refused(tmp_path, course):
    (tmp_path / "inbox").mkdir()
    with pytest.raises(CourseError, match="no export format 'webct': choose one of canvas"):
        collect(tmp_path / "inbox", course, LESSONS, fmt="webct")
    with pytest.raises(CourseError, match="no folder at"):
        collect(tmp_path / "missing", course, LESSONS)
    (course / "submitted").mkdir(parents=True)
    with pytest.raises(CourseError, match="overlap"):
        collect(course / "submitted", course, LESSONS, fmt="nbgrader")
    with pytest.raises(CourseError, match="overlap"):
        collect(course, course, LESSONS, fmt="nbgrader")


# Safety

@pytest.mark.parametrize("fmt", EXPORTS)
def test_the_inbox_is_left_as_it_was_and_only_submitted_is_written(tmp_path, course, fmt):
    inbox = tmp_path / "inbox"
    EXPORTS[fmt](inbox)
    before = fingerprint(inbox)
    result = collect(inbox, course, LESSONS)
    assert fingerprint(inbox) == before
    written = [path for path in course.rglob("*") if path.is_file()]
    assert written and all(path.relative_to(course).parts[0] == "submitted" for path in written)
    assert len(written) == 3 * len(result.placed)


def test_files_that_are_no_plain_files_are_refused(tmp_path, course, monkeypatch):
    inbox, outside = tmp_path / "inbox", write(tmp_path / "secret" / "01_retina.ipynb", notebook("secret"))
    write(inbox / "ok_01_retina.ipynb", notebook())
    (inbox / "linker_01_retina.ipynb").symlink_to(outside)
    os.mkfifo(inbox / "fifo_01_retina.ipynb")
    write(inbox / "big_01_retina.ipynb", b"x" * 2000)
    write(inbox / "broken_01_retina.zip", b"PK\x03\x04 not really a zip")
    write(inbox / "bigzip_01_retina.zip", zipped({"01_retina.ipynb": b" " * 1500}))
    write(inbox / "empty_01_retina.zip", zipped({"readme.md": b"hi"}))
    write(inbox / "macos_01_retina.zip", zipped({"__MACOSX/._01_retina.ipynb": b"\0", ".ipynb_checkpoints/01_retina-checkpoint.ipynb": notebook()}))
    monkeypatch.setattr(prepare, "MAX_BYTES", 1000)
    monkeypatch.setattr(collect_module, "MAX_BYTES", 1000)
    before = fingerprint(inbox)
    result = collect(inbox, course, LESSONS)
    assert fingerprint(inbox) == before
    assert placed_of(result) == {("ok", "01_retina")}
    problems = dict(problem.split(": ", 1) for problem in result.problems)
    assert problems["linker_01_retina.ipynb"] == "it is a symbolic link; put the file itself in the inbox; skipped"
    assert problems["fifo_01_retina.ipynb"] == "it is not a regular file; skipped"
    assert problems["big_01_retina.ipynb"] == "it is 2000 bytes, over the 1000 byte limit; skipped"
    assert problems["broken_01_retina.zip"].startswith("not a readable zip (")
    assert problems["bigzip_01_retina.zip"] == "its notebooks come to over the 1000 byte limit; skipped"
    assert problems["empty_01_retina.zip"] == problems["macos_01_retina.zip"] == "holds no notebook; skipped"
    assert len(result.problems) == 7


def test_links_inside_export_folders_are_not_followed(tmp_path, course):
    inbox, outside = tmp_path / "inbox", write(tmp_path / "secret" / "01_retina.ipynb", notebook("secret"))
    (inbox / "John Doe_1001_assignsubmission_file_").mkdir(parents=True)
    (inbox / "John Doe_1001_assignsubmission_file_" / "01_retina.ipynb").symlink_to(outside)
    (inbox / "Jane Roe_1002_assignsubmission_file_").symlink_to(outside.parent, target_is_directory=True)
    result = collect(inbox, course, LESSONS, fmt="moodle")
    assert result.placed == []
    assert result.problems == ["Jane Roe_1002_assignsubmission_file_: a link to a folder; skipped (put the folder itself in the inbox)",
                               "John Doe_1001_assignsubmission_file_/01_retina.ipynb: it is a symbolic link; put the file itself in the inbox; skipped"]


def test_nothing_is_written_through_a_link_in_submitted(tmp_path, course):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (course / "submitted").mkdir(parents=True)
    (course / "submitted" / "eve").symlink_to(outside, target_is_directory=True)
    write(tmp_path / "inbox" / "eve_01_retina.ipynb", notebook())
    result = collect(tmp_path / "inbox", course, LESSONS)
    assert result.placed == [] and list(outside.iterdir()) == []
    assert result.problems == ["eve_01_retina.ipynb: submitted/eve/01_retina is a link; skipped (remove the link and collect again)"]


def test_a_broken_gradescope_metadata_file_is_reported(tmp_path, course):
    write(tmp_path / "inbox" / "submission_metadata.yml", "submission_1: [unclosed")
    write(tmp_path / "inbox" / "submission_1" / "01_retina.ipynb", notebook())
    result = collect(tmp_path / "inbox", course, LESSONS)
    assert result.fmt == "gradescope" and result.placed == []
    assert result.problems[0].startswith("submission_1: no submitter listed")
    assert result.problems[1].startswith("submission_metadata.yml: not readable YAML (")


# The roster's helpers

def test_safe_ids_and_slugs():
    assert [is_safe_id(text) for text in ("ada", "a.b-c_1", ".", "..", ".hidden", "a/b", "", "john doe", "é")] == \
           [True, True, False, False, False, False, False, False, False]
    assert slug("José  O'Brien") == "jose-o-brien" and slug("李") == ""
    assert name_keys("Doe, John") == name_keys("John Doe") == {"johndoe", "doejohn"}


def test_roster_lookup():
    roster = Roster([Student("ada", name="Ada Lovelace", email="Ada@Uni.edu", lms_id="1", login="alove", sis_id="S1")])
    for column, value in [("lms_id", "1"), ("login", "alove"), ("email", "ada@uni.EDU"), ("sis_id", "S1"),
                          ("name", "lovelaceada"), ("name", "Ada  LOVELACE"), ("student", "ada")]:
        assert [s.student for s in roster.find(column, value)] == ["ada"], (column, value)
    assert roster.find("lms_id", "2") == roster.find("name", "") == []
