"""What of a submission runs in the sandbox, and the notebook nbgrader scores afterwards.

A submission is read as untrusted data: at most MAX_BYTES, a regular file, JSON with a
list of cells; every other field, nbgrader's metadata included, is read defensively, and
what cannot be read is noted, never fatal.

What runs: the student's own code, in their order, with the instructor's setup cells
(locked ones and the lesson's `context`) as the instructor wrote them. Test cells do not
run (the hidden tests grade from outside), untouched exercise stubs do not run (so a
definition moved to another cell, or a solved copy next to an untouched one, counts),
and untouched instructor figures do not run.
"""

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

MAX_BYTES = 20 * 1024 * 1024
MAX_CELLS = 1000
MAX_SOURCE = 200_000
MAX_MESSAGE = 3000


@dataclass
class Cell:
    cell_type: str
    source: str
    id: str | None = None
    grade_id: str | None = None


@dataclass
class Submission:
    cells: list[Cell] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    digest: str = ""
    readable: bool = True


def _text(source) -> str | None:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return None


def _cell(raw) -> Cell | None:
    if not isinstance(raw, dict) or raw.get("cell_type") not in ("code", "markdown", "raw"):
        return None
    source = _text(raw.get("source", ""))
    if source is None:
        return None
    metadata = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
    nbgrader = metadata.get("nbgrader") if isinstance(metadata.get("nbgrader"), dict) else {}
    grade_id = nbgrader.get("grade_id") if isinstance(nbgrader.get("grade_id"), str) else None
    cell_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    return Cell(raw["cell_type"], source[:MAX_SOURCE], cell_id, grade_id)


class Unreadable(ValueError):
    """A file that is no plain notebook file: a link, a FIFO, a device, or too large."""


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing links, FIFOs, devices and anything over MAX_BYTES."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        raise Unreadable(f"it could not be opened: {error.strerror}") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable("it is not a regular file")
        if info.st_size > MAX_BYTES:
            raise Unreadable(f"it is {info.st_size} bytes, over the {MAX_BYTES} byte limit")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            return handle.read(MAX_BYTES + 1)[:MAX_BYTES]
    finally:
        os.close(descriptor)


def read_submission(path: Path) -> Submission:
    submission = Submission()
    try:
        content = read_bytes(path)
        submission.digest = hashlib.sha256(content).hexdigest()
        document = json.loads(content)
    except (OSError, ValueError) as error:
        reason = str(error) if isinstance(error, Unreadable) else f"not JSON: {type(error).__name__}"
        submission.digest = submission.digest or hashlib.sha256(reason.encode()).hexdigest()
        submission.notes.append(f"the submission could not be read as a notebook ({reason}); graded as blank")
        submission.readable = False
        return submission
    raw_cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(raw_cells, list):
        submission.notes.append("the submission has no list of cells; graded as blank")
        submission.readable = False
        return submission
    if len(raw_cells) > MAX_CELLS:
        submission.notes.append(f"the submission has {len(raw_cells)} cells; only the first {MAX_CELLS} were read")
    dropped = 0
    for raw in raw_cells[:MAX_CELLS]:
        cell = _cell(raw)
        if cell is None:
            dropped += 1
        else:
            submission.cells.append(cell)
    if dropped:
        submission.notes.append(f"{dropped} cell(s) could not be read and were left out")
    return submission


def _nbgrader(cell) -> dict:
    value = cell.get("metadata", {}).get("nbgrader")
    return value if isinstance(value, dict) else {}


@dataclass
class Plan:
    code: list[str]  # the cells to run, in order
    answers: dict[str, str]  # grade id of each exercise cell -> the student's source shown in feedback
    extra: list[tuple[str | None, Cell]]  # cells the student added, after which known cell
    notes: list[str]


def plan(submission: Submission, source: nbformat.NotebookNode, release: nbformat.NotebookNode, context: tuple[str, ...]) -> Plan:
    """Which code runs in the sandbox for this submission, and what feedback shows as theirs."""
    by_grade_id = {_nbgrader(c).get("grade_id"): c for c in source.cells if _nbgrader(c).get("grade_id")}
    by_id = {c.get("id"): c for c in source.cells if c.get("id")}
    released = {c.get("id"): c for c in release.cells if c.get("id")}
    code, answers, extra, notes = [], {}, [], list(submission.notes)
    ran_original, seen_tests, last_known = set(), set(), None

    def run_original(original):
        if original.get("id") not in ran_original:
            ran_original.add(original.get("id"))
            code.append(original.source)

    for cell in submission.cells:
        original = by_grade_id.get(cell.grade_id) if cell.grade_id else None
        if original is None and cell.id in by_id and not _nbgrader(by_id[cell.id]):
            original = by_id[cell.id]
        if original is None:
            extra.append((last_known, cell))
            if cell.cell_type == "code":
                code.append(cell.source)
            continue
        last_known = original.get("id")
        metadata = _nbgrader(original)
        stub = released.get(original.get("id"), original).source
        if metadata.get("grade") and not metadata.get("solution"):
            if cell.source.strip() != stub.strip() and original.get("id") not in seen_tests:
                notes.append(f"test cell {cell.grade_id} was edited; its checks are the instructor's, so nothing changed")
            seen_tests.add(original.get("id"))
        elif metadata.get("solution"):
            if cell.source.strip() != stub.strip():
                answers[cell.grade_id] = cell.source
                if original.cell_type == "code":
                    code.append(cell.source)
        elif original.cell_type == "code" and (metadata.get("locked") or original.get("id") in context):
            run_original(original)
        elif original.cell_type == "code" and cell.source.strip() != stub.strip():
            code.append(cell.source)
    missing = [c for c in source.cells if c.cell_type == "code" and c.get("id") not in ran_original
               and (_nbgrader(c).get("locked") and not _nbgrader(c).get("grade") or c.get("id") in context)]
    for original in reversed(missing):
        code.insert(0, original.source)
        notes.append(f"cell {original.get('id')} was missing; the instructor's version ran")
    return Plan(code, answers, extra, notes)


NOT_GRADED = (False, "Not graded: the grader could not run this test.")  # a test cell left without output would earn full points


def verdict_outputs(passed: bool, message: str) -> list:
    message = message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + " [cut]"
    if passed:
        return [nbformat.v4.new_output("stream", name="stdout", text=f"{message}\n")]
    return [nbformat.v4.new_output("error", ename="Failed", evalue=message, traceback=[f"Failed: {message}"])]


def inert_markdown(source: str) -> str:
    """A student's markdown with its HTML tags shown as text: the formgrader and feedback pages render markdown
    with raw HTML allowed, and an answer must not run script in an instructor's browser."""
    return source.replace("<", "&lt;")


def scored_notebook(release: nbformat.NotebookNode, plan_: Plan | None, verdicts: dict[str, tuple[bool, str]]) -> nbformat.NotebookNode:
    """The student version with the student's answers and added cells, and each test cell's verdict.

    A test cell without a verdict fails: nbgrader gives full points to a test cell with no error.

    Built from the release, never from the submission's own metadata, so whatever a
    submission did to its cells' metadata cannot reach nbgrader.
    """
    answers = plan_.answers if plan_ else {}
    extra = plan_.extra if plan_ else []
    cells = []

    def add_extra(after):
        for anchor, cell in extra:
            if anchor == after:
                if cell.cell_type == "code":
                    cells.append(nbformat.v4.new_code_cell(cell.source))
                else:
                    cells.append(nbformat.v4.new_markdown_cell(inert_markdown(cell.source)))

    add_extra(None)
    for original in release.cells:
        cell = nbformat.from_dict(original)
        metadata = _nbgrader(cell)
        grade_id = metadata.get("grade_id")
        if metadata.get("solution") and grade_id in answers:
            cell.source = answers[grade_id] if cell.cell_type == "code" else inert_markdown(answers[grade_id])
        if cell.cell_type == "code":
            cell.execution_count = None
            cell.outputs = verdict_outputs(*verdicts.get(grade_id, NOT_GRADED)) if metadata.get("grade") else []
        cells.append(cell)
        add_extra(cell.get("id"))
    return nbformat.v4.new_notebook(cells=cells, metadata=release.metadata)
