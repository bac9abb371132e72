"""Collect: put an LMS export into nbgrader's layout, submitted/STUDENT/LESSON/LESSON.ipynb.

One reader per export format turns the inbox into hand-ins (a file that holds notebooks, who
handed it in, when). Then the same steps follow for every format: find the student (on the
roster, or a safe id made from the export), read the notebooks without trusting them, find each
one's lesson, keep the latest per student and lesson, and write it with timestamp.txt and
collected.json. Anything not placed is listed in `problems` with the reason; the inbox is only read.
"""

import io
import json
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import yaml

from .errors import CourseError
from .prepare import MAX_BYTES, Unreadable, read_bytes
from .roster import Roster, Student, is_safe_id, slug

DEFAULT_STUDENT_PATTERN = r"^(?P<student>[A-Za-z0-9]+)[_\- ]"
FORMATS = ("canvas", "moodle", "gradescope", "blackboard", "nbgrader", "plain")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # what nbgrader reads from timestamp.txt
IGNORED = ("__MACOSX", ".ipynb_checkpoints")
EARLIEST = datetime.min.replace(tzinfo=timezone.utc)

CANVAS = re.compile(r"^(?P<name>.+?)_(?P<late>LATE_)?(?P<user>\d+)_(?P<file>\d+)_(?P<original>.+)$")
CANVAS_ANONYMOUS = re.compile(r"^(?P<name>)(?P<late>LATE_)?(?P<user>anon_[A-Za-z0-9]+)_(?P<file>\d+)_(?P<original>.+)$")
CANVAS_TEXT = re.compile(r"^(?:.+_)?(?:\d+|anon_[A-Za-z0-9]+)_(?:text|link)\.html$")
MOODLE = re.compile(r"^(?P<name>.+)_(?P<participant>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<original>.*)$")
BLACKBOARD = re.compile(r"^(?P<assignment>.+)_(?P<login>[^_]+)_attempt_(?P<time>\d{4}(?:-\d\d){5})(?:_(?P<original>.+)|(?P<info>\.txt))$")
NBGRADER_INBOUND = re.compile(r"^(?P<student>[^+]+)\+(?P<assignment>[^+]+)\+(?P<time>[^+]+)(?:\+[^+]*)?$")
GRADESCOPE_METADATA = "submission_metadata.yml"


@dataclass(frozen=True)
class Placed:
    """One notebook written to submitted/; unpacks as (student, lesson, origin) like the tuples it replaces."""

    student: str
    lesson: str
    origin: str  # the file or folder in the inbox it came from
    submitted_at: datetime
    late: bool | None  # None: the export does not say; compare submitted_at with the due date
    matched_by: str  # how the student was found: "roster lms_id", "name in file", "pattern", ...

    def __iter__(self):
        return iter((self.student, self.lesson, self.origin))


@dataclass
class Collected:
    placed: list[Placed] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # every file or folder not placed, with the reason
    fmt: str = "plain"
    detected: str = ""  # which format, and why


@dataclass(frozen=True)
class Person:
    """Who handed something in, as the export tells it."""

    described: str  # for messages: "Canvas user id 123 or the name doejohn"
    keys: tuple[tuple[str, str], ...]  # roster columns to look them up by, in order
    own_id: str  # their id when there is no roster
    own_id_from: str


@dataclass(frozen=True)
class Handin:
    origin: str
    path: Path
    person: Person
    shown_name: str  # the file's own name, without the LMS's prefixes
    order: tuple = ()  # of two hand-ins of one lesson, the larger order wins
    submitted_at: datetime | None = None  # None: the file's mtime
    late: bool | None = None
    assignment: str = ""  # the export's assignment name, for the lesson when the file name does not tell


@dataclass
class Export:
    handins: list[Handin] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# Reading the inbox without following links or reading system files

def _visible(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.name not in IGNORED)


def _is_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _files_of(entry: Path) -> list[Path]:
    """The entry itself, or every file under it (links are listed, never followed)."""
    if not _is_folder(entry):
        return [entry]
    return [path for child in _visible(entry) for path in _files_of(child)]


def _is_submission_file(path: Path) -> bool:
    return path.suffix.lower() in (".ipynb", ".zip")


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.lstat().st_mtime, timezone.utc)


def _normalise(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.lower())


def _lesson_of(name: str, lessons: list[str]) -> str | None:
    matches = [lesson for lesson in lessons if lesson in _normalise(name)]
    return max(matches, key=len) if matches else None


def _notebooks_in(path: Path, shown_name: str) -> list[tuple[str, bytes]]:
    """The notebooks in a file: itself, or a zip's; links, FIFOs and oversized files are refused (Unreadable)."""
    if path.is_symlink():
        raise Unreadable("it is a symbolic link; put the file itself in the inbox")
    content = read_bytes(path)
    if path.suffix.lower() == ".ipynb":
        return [(shown_name, content)]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = [info for info in archive.infolist() if info.filename.lower().endswith(".ipynb")
                   and not any(ignored in info.filename for ignored in IGNORED)]
        if sum(info.file_size for info in members) > MAX_BYTES:
            raise Unreadable(f"its notebooks come to over the {MAX_BYTES} byte limit")
        return [(Path(info.filename).name, archive.read(info)) for info in members]


def _not_a_submission(path: Path, inbox: Path, export: Export) -> bool:
    if _is_submission_file(path) or path.is_symlink() and not path.is_dir():
        return False
    export.problems.append(f"{path.relative_to(inbox)}: " + ("a link to a folder; skipped (put the folder itself in the inbox)"
                           if path.is_symlink() else "not a notebook or a zip; skipped"))
    return True


def _submission_files(entry: Path, inbox: Path, export: Export, metadata=("timestamp.txt", "collected.json")) -> list[Path]:
    """The notebooks and zips an export's entry holds; what else it holds is listed as a problem."""
    files = [path for path in _files_of(entry) if path.name not in metadata]
    if not files:
        export.problems.append(f"{entry.relative_to(inbox)}: holds no file; skipped")
    return [path for path in files if not _not_a_submission(path, inbox, export)]


# One reader per format

def _read_plain(inbox: Path, student_pattern: str) -> Export:
    """Files named STUDENT_..., the student id taken by `student_pattern`."""
    export, pattern = Export(), re.compile(student_pattern)
    for path in _visible(inbox):
        if _is_folder(path) or not _is_submission_file(path):
            export.problems.append(f"{path.name}: not a notebook or a zip; skipped")
            continue
        match = pattern.search(path.name)
        if not match:
            export.problems.append(f"{path.name}: no student id in the file name (pattern {student_pattern}); skipped")
            continue
        student = match.group("student")
        person = Person(f"the student id {student}", (("student", student), ("login", student)), student, "pattern")
        export.handins.append(Handin(path.name, path, person, path.name))
    return export


def _read_canvas(inbox: Path, student_pattern: str) -> Export:
    """Canvas's "Download Submissions": lastfirst_[LATE_]USERID_FILEID_original (a resubmitted name gets -1, -2)."""
    export = Export()
    for path in _visible(inbox):
        match = CANVAS_ANONYMOUS.match(path.name) or CANVAS.match(path.name)
        if _is_folder(path):
            export.problems.append(f"{path.name}: a folder, which Canvas exports do not have; skipped")
        elif CANVAS_TEXT.match(path.name):
            export.problems.append(f"{path.name}: a Canvas text entry or link, not a notebook; skipped (ask for the .ipynb file)")
        elif not match:
            export.problems.append(f"{path.name}: not named as Canvas names files (lastfirst_USERID_FILEID_name); "
                                   f"skipped (collect it with --from plain, or rename it)")
        elif not _not_a_submission(path, inbox, export):
            name, user = match["name"], match["user"]
            person = Person(f"Canvas user id {user}" + (f" or the name {name}" if name else ""),
                            (("lms_id", user), ("name", name)), "_".join(filter(None, [slug(name), user])), "name in file")
            resubmission = re.search(r"-(\d+)\.[^.]+$", match["original"])
            order = (int(match["file"]), int(resubmission[1]) if resubmission else 0)
            export.handins.append(Handin(path.name, path, person, match["original"], order, late=bool(match["late"]),
                                         assignment=inbox.name))
    return export


def _read_moodle(inbox: Path, student_pattern: str) -> Export:
    """Moodle's "Download all submissions": a folder (or file) per student, Full Name_PARTICIPANTID_assignsubmission_file_."""
    export = Export()
    for entry in _visible(inbox):
        match = MOODLE.match(entry.name)
        if not match:
            export.problems.append(f"{entry.name}: not named as Moodle names submissions (Full Name_ID_assignsubmission_file_); skipped")
        elif match["plugin"] == "onlinetext":
            export.problems.append(f"{entry.name}: a Moodle online text, which holds no notebook; skipped (ask for the .ipynb as a file submission)")
        elif match["plugin"] != "file":
            export.problems.append(f"{entry.name}: a Moodle {match['plugin']} submission, not a file submission; skipped")
        else:
            name, participant = match["name"], match["participant"]
            person = Person(f"Moodle participant id {participant} or the name {name}", (("lms_id", participant), ("name", name)),
                            "_".join(filter(None, [slug(name), participant])), "name in file")
            for path in _submission_files(entry, inbox, export):
                shown = path.name if _is_folder(entry) else match["original"]
                export.handins.append(Handin(str(path.relative_to(inbox)), path, person, shown, assignment=inbox.name))
    return export


class _GradescopeLoader(yaml.SafeLoader):
    """PyYAML's safe loader that reads Ruby's tagged values (`!ruby/object:BigDecimal 18:0.1e2`) as plain data."""


_GradescopeLoader.add_multi_constructor("!", lambda loader, suffix, node: (
    loader.construct_mapping(node) if isinstance(node, yaml.MappingNode)
    else loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode) else loader.construct_scalar(node)))


def _ruby_field(record, key: str):
    """A field of Gradescope's YAML, whose Ruby symbol keys (`:name:`) load as ":name"."""
    return record.get(f":{key}", record.get(key)) if isinstance(record, dict) else None


def _as_datetime(value) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _gradescope_metadata(inbox: Path, export: Export) -> dict:
    path = inbox / GRADESCOPE_METADATA
    try:
        metadata = yaml.load(read_bytes(path), Loader=_GradescopeLoader)
    except Unreadable as problem:
        export.problems.append(f"{GRADESCOPE_METADATA}: {problem}; no submission can be told apart (export the submissions again)")
        return {}
    except yaml.YAMLError as error:
        export.problems.append(f"{GRADESCOPE_METADATA}: not readable YAML ({str(error).splitlines()[0]}); export the submissions again")
        return {}
    return metadata if isinstance(metadata, dict) else {}


def _read_gradescope(inbox: Path, student_pattern: str) -> Export:
    """Gradescope's "Export Submissions": submission_NNNN/ folders, who and when in submission_metadata.yml."""
    export = Export()
    entries = [entry for entry in _visible(inbox) if entry.name != GRADESCOPE_METADATA]
    metadata = _gradescope_metadata(inbox, export) if entries else {}
    for entry in entries:
        key = entry.name if _is_folder(entry) else entry.stem
        record = metadata.get(key)
        submitters = [s for s in _ruby_field(record, "submitters") or [] if isinstance(s, dict)]
        if not submitters:
            export.problems.append(f"{entry.name}: no submitter listed for it in {GRADESCOPE_METADATA}; skipped")
            continue
        submitted_at = _as_datetime(_ruby_field(record, "created_at"))
        files = _submission_files(entry, inbox, export)
        for person in (_gradescope_person(submitter, key) for submitter in submitters):
            export.handins.extend(Handin(str(path.relative_to(inbox)), path, person, path.name, (submitted_at or EARLIEST,),
                                         submitted_at, assignment=inbox.name) for path in files)
    return export


def _gradescope_person(submitter: dict, submission: str) -> Person:
    name, sid, email = (str(_ruby_field(submitter, key) or "").strip() for key in ("name", "sid", "email"))
    described = " or ".join(filter(None, [sid and f"Gradescope student id {sid}", email and f"email {email}", name and f"the name {name}"]))
    own_id = "_".join(filter(None, [slug(name), slug(sid or email or submission)]))
    return Person(described, (("sis_id", sid), ("email", email), ("name", name)), own_id, "name in file")


def _read_blackboard(inbox: Path, student_pattern: str) -> Export:
    """Blackboard's "Assignment File Download": Assignment_username_attempt_YYYY-MM-DD-HH-MM-SS_original, plus one .txt per attempt."""
    export, info_files, attempts_with_files = Export(), {}, set()
    for path in _visible(inbox):
        match = BLACKBOARD.match(path.name)
        if _is_folder(path):
            export.problems.append(f"{path.name}: a folder, which Blackboard exports do not have; skipped")
            continue
        if not match:
            export.problems.append(f"{path.name}: not named as Blackboard names attempts (Assignment_username_attempt_date_file); skipped")
            continue
        attempt = (match["login"], match["time"])
        if match["info"]:
            info_files[attempt] = path.name
            continue
        attempts_with_files.add(attempt)
        if _not_a_submission(path, inbox, export):
            continue
        login = match["login"]
        submitted_at = datetime.strptime(match["time"], "%Y-%m-%d-%H-%M-%S").astimezone()  # Blackboard's local time, taken as ours
        person = Person(f"Blackboard username {login}", (("login", login),), login, "username in file")
        export.handins.append(Handin(path.name, path, person, match["original"], (submitted_at,), submitted_at,
                                     assignment=match["assignment"]))
    for (login, time), name in info_files.items():
        if (login, time) not in attempts_with_files:
            export.problems.append(f"{name}: the attempt of {login} at {time} holds no file, only this info file; skipped")
    return export


def _nbgrader_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text.strip(), TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return _as_datetime(text)


def _nbgrader_timestamp_file(folder: Path) -> datetime | None:
    try:
        return _nbgrader_time(read_bytes(folder / "timestamp.txt").decode("utf-8"))
    except (Unreadable, UnicodeDecodeError):
        return None


def _nbgrader_folder(folder: Path, student: str, assignment: str, submitted_at, inbox: Path, export: Export):
    person = Person(f"the nbgrader student {student}", (("student", student), ("login", student)), student, "folder name")
    export.handins.extend(Handin(str(path.relative_to(inbox)), path, person, path.name, (submitted_at or EARLIEST,),
                                 submitted_at, assignment=assignment) for path in _submission_files(folder, inbox, export))


def _read_nbgrader(inbox: Path, student_pattern: str) -> Export:
    """nbgrader's exchange (inbound/STUDENT+ASSIGNMENT+TIMESTAMP+RANDOM/) or course layout (submitted/STUDENT/ASSIGNMENT/)."""
    export = Export()
    roots = [inbox / name for name in ("inbound", "submitted") if _is_folder(inbox / name)]
    for entry in _visible(inbox) if roots else []:
        if entry not in roots:
            export.problems.append(f"{entry.name}: not an nbgrader submission folder (only inbound/ and submitted/ are read); skipped")
    for entry in [child for root in roots for child in _visible(root)] if roots else _visible(inbox):
        inbound = NBGRADER_INBOUND.match(entry.name)
        if not _is_folder(entry):
            export.problems.append(f"{entry.relative_to(inbox)}: not an nbgrader submission folder "
                                   f"(STUDENT+ASSIGNMENT+TIMESTAMP, or STUDENT/ASSIGNMENT/); skipped")
        elif inbound:
            when = _nbgrader_time(inbound["time"]) or _nbgrader_timestamp_file(entry)
            _nbgrader_folder(entry, inbound["student"], inbound["assignment"], when, inbox, export)
        else:
            for assignment in _visible(entry):
                if not _is_folder(assignment):
                    export.problems.append(f"{assignment.relative_to(inbox)}: not an assignment folder (STUDENT/ASSIGNMENT/); skipped")
                else:
                    _nbgrader_folder(assignment, entry.name, assignment.name, _nbgrader_timestamp_file(assignment), inbox, export)
    return export


READERS = {"canvas": _read_canvas, "moodle": _read_moodle, "gradescope": _read_gradescope,
           "blackboard": _read_blackboard, "nbgrader": _read_nbgrader, "plain": _read_plain}


def detect_format(inbox: Path) -> tuple[str, str]:
    """The export format the inbox looks like, and why (one line)."""
    entries = _visible(Path(inbox))
    names = [entry.name for entry in entries]
    if not entries:
        return "plain", "plain: the inbox is empty"
    if GRADESCOPE_METADATA in names:
        return "gradescope", f"gradescope: the inbox holds {GRADESCOPE_METADATA}, as Gradescope's Export Submissions does"
    nested = [entry for entry in entries if _is_folder(entry) for sub in _visible(entry) if (sub / "timestamp.txt").is_file()]
    if {"inbound", "submitted"} & set(names) or nested or any(NBGRADER_INBOUND.match(name) for name in names):
        return "nbgrader", "nbgrader: the inbox holds nbgrader's inbound/STUDENT+ASSIGNMENT+TIMESTAMP or submitted/STUDENT/ASSIGNMENT folders"
    for fmt, pattern, naming, enough in (("moodle", MOODLE, "Full Name_ID_assignsubmission_...", 1),
                                         ("blackboard", BLACKBOARD, "Assignment_username_attempt_date...", 1),
                                         ("canvas", CANVAS, "lastfirst_USERID_FILEID_name", len(names) // 2 + 1)):
        count = sum(bool(pattern.match(name) or (fmt == "canvas" and (CANVAS_ANONYMOUS.match(name) or CANVAS_TEXT.match(name))))
                    for name in names)
        if count >= enough:
            return fmt, f"{fmt}: {count} of {len(names)} entries are named {naming}"
    return "plain", "plain: no LMS's naming recognised; the student id is taken from each file name"


# The steps every format shares

def _contradicts(student: Student, person: Person) -> bool:
    """Whether a roster row found by name has another id than the export gives (so it is someone else)."""
    return any(column != "name" and value and getattr(student, column) and getattr(student, column).casefold() != value.casefold()
               for column, value in person.keys)


def _identify(handin: Handin, roster: Roster | None, problems: list[str]) -> tuple[str, str] | None:
    """The student's id and how it was found, or None with the reason added to problems."""
    person = handin.person
    if roster is None:
        if is_safe_id(person.own_id):
            return person.own_id, person.own_id_from
        problems.append(f"{handin.origin}: {person.own_id!r} cannot name a student's folder (letters, digits and _ . - only); "
                        f"skipped (collect with --roster to name the students)")
        return None
    for column, value in person.keys:
        found = [s for s in roster.find(column, value) if column != "name" or not _contradicts(s, person)] if value else []
        if len(found) > 1:
            problems.append(f"{handin.origin}: {len(found)} people on the roster match {column} {value} "
                            f"({', '.join(s.student for s in found)}); skipped (give the roster an lms_id column that tells them apart)")
            return None
        if found:
            if is_safe_id(found[0].student):
                return found[0].student, f"roster {column}"
            problems.append(f"{handin.origin}: the roster's student id {found[0].student!r} cannot name a folder; skipped (fix the roster)")
            return None
    problems.append(f"{handin.origin}: no one on the roster has {person.described}; skipped (add them to the roster, or collect without --roster)")
    return None


def _notebooks(handin: Handin, problems: list[str]) -> list[tuple[str, bytes]]:
    try:
        notebooks = _notebooks_in(handin.path, handin.shown_name)
    except (Unreadable, OSError) as problem:
        problems.append(f"{handin.origin}: {problem}; skipped")
        return []
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as error:
        problems.append(f"{handin.origin}: not a readable zip ({error}); skipped (ask for the .ipynb file itself)")
        return []
    if not notebooks:
        problems.append(f"{handin.origin}: holds no notebook; skipped")
    return notebooks


def _lesson_for(handin: Handin, notebook_name: str, alone: bool, lessons: list[str]) -> str | None:
    """The lesson a notebook names; a notebook alone in its file may also take it from the file or the assignment."""
    found = _lesson_of(notebook_name, lessons)
    if found or not alone:
        return found
    return _lesson_of(handin.shown_name, lessons) or _lesson_of(handin.assignment, lessons)


@dataclass(frozen=True)
class _Candidate:
    handin: Handin
    student: str
    lesson: str
    matched_by: str
    content: bytes
    where: str  # the origin, and the notebook's name when it came out of a zip


def _keep_latest(chosen: dict, new: _Candidate, problems: list[str]):
    """Keep, per student and lesson, the hand-in with the largest order; list the others."""
    old = chosen.setdefault((new.student, new.lesson), new)
    if old is new:
        return
    if new.handin.order == old.handin.order:
        problems.append(f"{new.where}: a second {new.lesson} from {new.student}; kept the first ({old.where}) "
                        f"(remove the one you do not want from the inbox and collect again)")
        return
    later, earlier = (new, old) if new.handin.order > old.handin.order else (old, new)
    chosen[(new.student, new.lesson)] = later
    problems.append(f"{earlier.where}: replaced by a later submission ({later.where}); skipped")


def _write(path: Path, data: bytes):
    if path.is_symlink():
        path.unlink()
    path.write_bytes(data)


def _place(submitted: Path, candidate: _Candidate, fmt: str, problems: list[str]) -> Placed | None:
    handin, student, lesson = candidate.handin, candidate.student, candidate.lesson
    target = submitted / student / lesson
    if (submitted / student).is_symlink() or target.is_symlink():
        problems.append(f"{candidate.where}: submitted/{student}/{lesson} is a link; skipped (remove the link and collect again)")
        return None
    submitted_at = (handin.submitted_at or _mtime(handin.path)).astimezone(timezone.utc)
    placed = Placed(student, lesson, handin.origin, submitted_at, handin.late, candidate.matched_by)
    record = {"format": fmt, "origin": handin.origin, "submitted_at": submitted_at.isoformat(),
              "late": handin.late, "matched_by": candidate.matched_by}
    target.mkdir(parents=True, exist_ok=True)
    _write(target / f"{lesson}.ipynb", candidate.content)
    _write(target / "timestamp.txt", submitted_at.strftime(TIMESTAMP_FORMAT).encode())
    _write(target / "collected.json", json.dumps(record, indent=2).encode())
    return placed


def _check_folders(inbox: Path, submitted: Path):
    if not _is_folder(inbox):
        raise CourseError(f"no folder at {inbox}: give the folder the LMS export was unpacked into")
    inbox, submitted = inbox.resolve(), submitted.resolve()
    if inbox.is_relative_to(submitted) or submitted.is_relative_to(inbox):
        raise CourseError(f"the inbox {inbox} and {submitted} overlap: collect reads the inbox and writes submitted/, "
                          f"so give an inbox outside the course folder")


def collect(inbox: Path, course_dir: Path, lessons: list[str], student_pattern: str = DEFAULT_STUDENT_PATTERN,
            fmt: str | None = None, roster: list[Student] | None = None) -> Collected:
    """Copy each submission in the inbox to submitted/STUDENT/LESSON/; the inbox is left as it was.

    fmt is one of FORMATS, or None to recognise it from the inbox; with a roster, only people on it are placed."""
    inbox, submitted = Path(inbox), Path(course_dir) / "submitted"
    if fmt is not None and fmt not in FORMATS:
        raise CourseError(f"no export format {fmt!r}: choose one of {', '.join(FORMATS)}")
    _check_folders(inbox, submitted)
    fmt, detected = (fmt, f"{fmt}: given") if fmt else detect_format(inbox)
    export = READERS[fmt](inbox, student_pattern)
    result = Collected(problems=list(export.problems), fmt=fmt, detected=detected)
    lookup = Roster(roster) if roster is not None else None
    chosen: dict[tuple[str, str], _Candidate] = {}
    for handin in export.handins:
        identified = _identify(handin, lookup, result.problems)
        notebooks = _notebooks(handin, result.problems) if identified else []
        for name, content in notebooks:
            lesson = _lesson_for(handin, name, len(notebooks) == 1, lessons)
            if lesson is None:
                result.problems.append(f"{handin.origin}: cannot tell which lesson {name} is; skipped "
                                       f"(put the lesson's name, e.g. {lessons[0] if lessons else '01_retina'}, in the file name)")
                continue
            where = handin.origin if name == handin.shown_name else f"{handin.origin} ({name})"
            _keep_latest(chosen, _Candidate(handin, identified[0], lesson, identified[1], content, where), result.problems)
    for candidate in chosen.values():
        placed = _place(submitted, candidate, fmt, result.problems)
        if placed:
            result.placed.append(placed)
    result.problems.sort()
    return result
