"""Collect: put an LMS export (one notebook or one zip per student) into nbgrader's submitted/ layout."""

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .prepare import MAX_BYTES, Unreadable, read_bytes

DEFAULT_STUDENT_PATTERN = r"^(?P<student>[A-Za-z0-9]+)[_\- ]"


@dataclass
class Collected:
    placed: list[tuple[str, str, str]] = field(default_factory=list)  # (student, lesson, from which file)
    problems: list[str] = field(default_factory=list)


def _normalise(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.lower())


def _lesson_of(name: str, lessons: list[str]) -> str | None:
    matches = [lesson for lesson in lessons if lesson in _normalise(name)]
    return max(matches, key=len) if matches else None


def _notebooks_in(path: Path) -> list[tuple[str, bytes]]:
    """The notebooks in a file: itself, or a zip's; links, FIFOs and oversized files are refused (Unreadable)."""
    content = read_bytes(path)
    if path.suffix == ".ipynb":
        return [(path.name, content)]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = [info for info in archive.infolist()
                   if info.filename.endswith(".ipynb") and "__MACOSX" not in info.filename and ".ipynb_checkpoints" not in info.filename]
        if any(info.file_size > MAX_BYTES for info in members):
            raise Unreadable(f"it holds a notebook over the {MAX_BYTES} byte limit")
        return [(Path(info.filename).name, archive.read(info)) for info in members]


def collect(inbox: Path, course_dir: Path, lessons: list[str], student_pattern: str = DEFAULT_STUDENT_PATTERN) -> Collected:
    """Copy each submission to submitted/STUDENT/LESSON/LESSON.ipynb; the inbox is left as it was."""
    result = Collected()
    pattern = re.compile(student_pattern)
    for path in sorted(Path(inbox).iterdir()):
        if path.name.startswith("."):
            continue
        if path.suffix not in (".ipynb", ".zip"):
            result.problems.append(f"{path.name}: not a notebook or a zip; skipped")
            continue
        match = pattern.search(path.name)
        if not match:
            result.problems.append(f"{path.name}: no student id in the file name (pattern {student_pattern}); skipped")
            continue
        student = match.group("student")
        try:
            notebooks = _notebooks_in(path)
        except zipfile.BadZipFile:
            result.problems.append(f"{path.name}: not a readable zip; skipped")
            continue
        except Unreadable as problem:
            result.problems.append(f"{path.name}: {problem}; skipped")
            continue
        if not notebooks:
            result.problems.append(f"{path.name}: holds no notebook; skipped")
        submitted_at = datetime.fromtimestamp(path.lstat().st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
        for name, content in notebooks:
            lesson = _lesson_of(name, lessons) or (_lesson_of(path.name, lessons) if len(notebooks) == 1 else None)
            if lesson is None:
                result.problems.append(f"{path.name}: cannot tell which lesson {name} is; skipped")
                continue
            if any(placed[:2] == (student, lesson) for placed in result.placed):
                result.problems.append(f"{path.name}: a second {lesson} from {student}; kept the first")
                continue
            target = Path(course_dir) / "submitted" / student / lesson
            target.mkdir(parents=True, exist_ok=True)
            (target / f"{lesson}.ipynb").write_bytes(content)
            (target / "timestamp.txt").write_text(submitted_at)
            result.placed.append((student, lesson, path.name))
    return result
