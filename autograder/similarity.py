"""Similarity report: answers to an exercise that look copied, from a classmate or from the reference.

How two answers are compared (the idea of MOSS, Schleimer et al. 2003, fitted to short notebook answers):

* Normalise. An answer is parsed with `ast`; docstrings and comments go, string literals become
  S, and every name the answer binds (parameters, variables, loop targets, helper functions)
  becomes V, so renaming variables changes nothing. Names it only uses (torch, F, a function of an
  earlier cell) and attribute names stay: they say what the code does. Each statement, a compound
  one by its header (`for V in range(V):`), is printed back by `ast.unparse`, which evens out
  spacing and brackets. Code that does not parse is cut into logical lines by `tokenize` instead,
  every name that is no keyword, builtin or attribute becoming V.
* Take away what everyone shares: statements of the release's version of the exercise (the def
  line, the stub) and, in a class of COMMON_MIN_CLASS answers or more, fingerprints that more than
  half the answers hold: code most of the class wrote alike is no evidence of copying.
* Fingerprints: the K-grams of tokens within each statement (a shorter statement is one). They
  never span two statements, so reordering independent statements changes nothing, and an edit
  to one line leaves the other lines' fingerprints intact. Answers are tens of lines, so every
  K-gram is kept; winnowing only pays on thousands of lines.
* Score: the share of the lighter answer's fingerprints the other holds (containment), each
  weighted by its rarity in the class, 1 + log(answers / answers holding it). A pasted reference
  among code of one's own still scores 1, where Jaccard would dilute it; matching on what few
  wrote counts more than on what many did. Answers under MIN_FINGERPRINTS (a line or two, alike
  for everyone) are not scored; the report lists them.
* Which pairs: every answer against the references, and only the pairs of answers that can reach
  the threshold, found with an inverted index from fingerprint to answers (see `_candidates`),
  so unrelated pairs are never looked at.
"""

import ast
import builtins
import copy
import csv
import html
import io
import keyword
import math
import re
import tokenize
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import course_folder
from .errors import CourseError
from .lessons import REPOSITORY_ROOT, SOLUTIONS
from .prepare import read_submission

K = 5
MIN_FINGERPRINTS = 20
COMMON_SHARE, COMMON_MIN_CLASS = 0.5, 10
REFERENCE = "reference"
NEUROKIT = REPOSITORY_ROOT / "neurokit"
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
_TOKEN = re.compile(r"\w+(?:\.\d+)?|\*\*|//|[=!<>]=|->|:=|<<|>>|\S")
_LAYOUT_TOKENS = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_NAMED = (*_DEFINITIONS, ast.ExceptHandler)  # nodes that bind their .name


@dataclass(frozen=True)
class Statement:
    tokens: tuple[str, ...]
    first_line: int
    last_line: int


@dataclass
class Answer:
    who: str  # a student id, or REFERENCE
    source: str
    statements: list[Statement]
    fingerprints: set[str]
    origin: str = ""  # where a reference comes from
    weight: float = 0.0  # of its fingerprints, rare ones weighing more


@dataclass
class Pair:
    lesson: str
    exercise: str
    student_a: str
    student_b: str  # a student id, or REFERENCE
    score: float
    shared: int  # fingerprints
    page: Path | None = None  # the side-by-side page of a flagged pair


@dataclass
class Skipped:
    lesson: str
    exercise: str
    student: str
    fingerprints: int


@dataclass
class SimilarityReport:
    threshold: float
    pairs: list[Pair] = field(default_factory=list)  # every pair scored, as in similarity.csv, highest score first
    flagged: list[Pair] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # answers too small to tell copied from alike
    notes: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    submissions: int = 0
    compared: int = 0  # pairs scored, each answer against each reference included


def _bare_string(statement: ast.AST) -> bool:
    value = statement.value if isinstance(statement, ast.Expr) else None
    return isinstance(value, ast.JoinedStr) or isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes))


def _canonical_statements(tree: ast.Module) -> list[ast.AST]:
    """Rename in place every name the code binds to V and every string literal to S; its statements, bare strings left out."""
    nodes = list(ast.walk(tree))
    bound = {node.id for node in nodes if type(node) is ast.Name and type(node.ctx) is not ast.Load}
    bound |= {node.arg for node in nodes if type(node) is ast.arg}
    bound |= {node.name for node in nodes if isinstance(node, _NAMED) and node.name}
    statements = []
    for node in nodes:
        kind = type(node)
        if kind is ast.Name and node.id in bound:
            node.id = "V"
        elif kind is ast.arg:
            node.arg = "V"
        elif kind is ast.Constant and isinstance(node.value, (str, bytes)):
            node.value = "S"
        elif kind is ast.JoinedStr:
            node.values = [ast.Constant("S")]
        elif isinstance(node, (ast.stmt, ast.excepthandler)) and not _bare_string(node):
            if kind in _NAMED and node.name:
                node.name = "V"
            statements.append(node)
    return statements


def _ast_statements(tree: ast.Module) -> list[Statement]:
    """Each statement, a compound one by its header alone, printed back by `ast.unparse` and cut into tokens."""
    statements = []
    for node in _canonical_statements(tree):
        header, compound = node, any(hasattr(node, body) for body in _BODIES)
        if compound:
            header = copy.copy(node)
            for body in _BODIES:
                if hasattr(header, body):
                    setattr(header, body, [])
        first = min([node.lineno] + [decorator.lineno for decorator in getattr(node, "decorator_list", [])])
        last = node.lineno if compound else node.end_lineno
        statements.append(Statement(tuple(_TOKEN.findall(ast.unparse(header))), first, last))
    return statements


def _token_statements(source: str) -> list[Statement]:
    """The logical lines of code that does not parse, as far as `tokenize` gets."""
    statements, tokens, lines = [], [], []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            text = token.string
            if token.type == tokenize.NEWLINE and tokens:
                statements.append(Statement(tuple(tokens), min(lines), max(lines)))
                tokens, lines = [], []
            elif token.type not in _LAYOUT_TOKENS:
                if token.type == tokenize.STRING:
                    text = "S"
                elif token.type == tokenize.NAME and not (keyword.iskeyword(text) or hasattr(builtins, text) or tokens[-1:] == ["."]):
                    text = "V"
                tokens.append(text)
                lines += [token.start[0], token.end[0]]
    except (tokenize.TokenError, SyntaxError):
        pass
    if tokens:
        statements.append(Statement(tuple(tokens), min(lines), max(lines)))
    return [statement for statement in statements if statement.tokens != ("S",)]


def normalise(source: str) -> list[Statement]:
    """The statements of a cell, normalised; notebook magics (`%...`, `!...`) left out."""
    source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        return _ast_statements(ast.parse(source))
    except (SyntaxError, ValueError, RecursionError):
        return _token_statements(source)


def _grams(tokens: tuple[str, ...]) -> set[str]:
    if len(tokens) <= K:
        return {" ".join(tokens)}
    return {" ".join(tokens[i:i + K]) for i in range(len(tokens) - K + 1)}


def _answer(who: str, source: str, base: set[tuple[str, ...]], origin: str = "") -> Answer:
    """The answer's statements and fingerprints, without the statements of the starting code (`base`)."""
    statements = [s for s in normalise(source) if s.tokens not in base]
    return Answer(who, source, statements, set().union(*(_grams(s.tokens) for s in statements)), origin)


def reference_definitions(package: Path = NEUROKIT) -> dict[str, list[tuple[str, str]]]:
    """Name -> (file, source) of each top-level function and class of the reference package."""
    found = defaultdict(list)
    for path in sorted(Path(package).rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.parse(text).body:
            if isinstance(node, _DEFINITIONS):
                first = min([node.lineno] + [decorator.lineno for decorator in node.decorator_list])
                found[node.name].append((str(path.relative_to(Path(package).parent)), "\n".join(lines[first - 1:node.end_lineno])))
    return found


def _defined_names(source: str) -> list[str]:
    try:
        return [node.name for node in ast.parse(source).body if isinstance(node, _DEFINITIONS)]
    except SyntaxError:
        return []


def _exercise_cells(path: Path) -> dict[str, str] | None:
    """grade_id -> source of each exercise (solution) code cell of the notebook; None if it cannot be read."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return None
    cells = {}
    for cell in notebook.cells:
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and nbgrader.get("solution") and nbgrader.get("grade_id"):
            cells[nbgrader["grade_id"]] = cell.source
    return cells


def _submitted_answers(course_dir: Path, lesson: str, exercises: dict[str, str], report: SimilarityReport) -> dict[str, dict[str, str]]:
    """Student -> grade_id -> the student's answer, where it differs from the release."""
    answers = {}
    for path in sorted((course_dir / "submitted").glob(f"*/{lesson}/{lesson}.ipynb")):
        student = path.parent.parent.name
        submission = read_submission(path)
        if not submission.readable:
            reasons = " ".join(note.replace("; graded as blank", "") for note in submission.notes)
            report.notes.append(f"{student} {lesson}: left out, {reasons}")
            continue
        report.submissions += 1
        cells = defaultdict(list)
        for cell in submission.cells:
            if cell.cell_type == "code" and cell.grade_id in exercises:
                cells[cell.grade_id].append(cell.source)
        joined = {grade_id: "\n".join(sources) for grade_id, sources in cells.items()}
        answers[student] = {grade_id: source for grade_id, source in joined.items() if source.strip() != exercises[grade_id].strip()}
    return answers


def _candidates(answers: list[Answer], weight: dict, threshold: float) -> set[tuple[int, int]]:
    """The pairs (i, j), i the lighter answer, that may share `threshold` of i's weight.

    If they do, i's other fingerprints weigh at most (1 - threshold) of it, so one of i's rarest
    fingerprints, the fewest that together weigh more than that, is shared: only their holders
    in the inverted index are looked at.
    """
    holders = defaultdict(list)
    for number, answer in enumerate(answers):
        for fingerprint in answer.fingerprints:
            holders[fingerprint].append(number)
    rank = {number: place for place, number in enumerate(sorted(range(len(answers)), key=lambda n: answers[n].weight))}
    pairs = set()
    for number, answer in enumerate(answers):
        unshared_at_most = (1 - threshold) * answer.weight + 1e-9
        for fingerprint in sorted(answer.fingerprints, key=lambda f: (-weight[f], f)):
            pairs.update((number, other) for other in holders[fingerprint] if rank[other] > rank[number])
            unshared_at_most -= weight[fingerprint]
            if unshared_at_most < 0:
                break
    return pairs


def _pair(lesson: str, exercise: str, a: Answer, b: Answer, weight: dict) -> Pair:
    shared = a.fingerprints & b.fingerprints
    return Pair(lesson, exercise, a.who, b.who, sum(weight[f] for f in shared) / min(a.weight, b.weight), len(shared))


def _compare_exercise(lesson, exercise, students: list[Answer], references: list[Answer], report, threshold) -> list[tuple]:
    """Score each answer against its closest reference, and the pairs of answers that may reach the threshold."""
    holding = Counter(fingerprint for answer in students for fingerprint in answer.fingerprints)
    size = max(len(students), 1)
    common = {f for f, count in holding.items() if count > COMMON_SHARE * size} if size >= COMMON_MIN_CLASS else set()
    weight = defaultdict(lambda: 1 + math.log(size), {f: 1 + math.log(size / count) for f, count in holding.items()})
    for answer in students + references:
        answer.fingerprints -= common
        if answer.who != REFERENCE and len(answer.fingerprints) < MIN_FINGERPRINTS:
            report.skipped.append(Skipped(lesson, exercise, answer.who, len(answer.fingerprints)))
    students = [a for a in students if len(a.fingerprints) >= MIN_FINGERPRINTS]
    references = [r for r in references if len(r.fingerprints) >= MIN_FINGERPRINTS]
    for answer in students + references:
        answer.weight = sum(weight[f] for f in answer.fingerprints)
    scored = []
    for student in students:
        matches = [(_pair(lesson, exercise, student, reference, weight), student, reference) for reference in references]
        report.compared += len(matches)
        scored += [max(matches, key=lambda match: match[0].score)] if matches else []
    candidates = _candidates(students, weight, threshold)
    report.compared += len(candidates)
    for pair in candidates:
        a, b = students[min(pair)], students[max(pair)]
        scored.append((_pair(lesson, exercise, a, b, weight), a, b))
    return scored


def similarity_report(course_dir, lessons=None, threshold=0.8, out_dir=None, *, solutions: Path = SOLUTIONS,
                      reference_package: Path = NEUROKIT) -> SimilarityReport:
    """Score every answer against the reference and classmates' answers; write the report into out_dir."""
    course_dir = Path(course_dir)
    if not 0 < threshold <= 1:
        raise CourseError(f"the threshold is a share of fingerprints between 0 and 1 (e.g. 0.8), not {threshold}")
    names = course_folder.released_lessons(course_dir, lessons)
    out_dir = course_folder.writable(Path(out_dir) if out_dir else course_dir / "reports" / "similarity")
    report = SimilarityReport(threshold)
    definitions = reference_definitions(reference_package)
    scored = []
    for lesson in names:
        release_path = course_dir / "release" / lesson / f"{lesson}.ipynb"
        exercises = _exercise_cells(release_path)
        if exercises is None:
            raise CourseError(f"the release of {lesson} at {release_path} cannot be read as a notebook: "
                              f"run `python -m autograder release {lesson}` again")
        solved = _exercise_cells(Path(solutions) / f"{lesson}.ipynb") or {}
        by_student = _submitted_answers(course_dir, lesson, exercises, report)
        for exercise, starting_code in exercises.items():
            base = {s.tokens for s in normalise(starting_code)}
            students = [_answer(student, answers[exercise], base) for student, answers in by_student.items() if exercise in answers]
            references = [_answer(REFERENCE, source, base, origin) for name in _defined_names(starting_code)
                          for origin, source in definitions.get(name, [])]
            if exercise in solved:
                kept = [line for line in solved[exercise].splitlines() if line.strip() not in SOLUTION_MARKERS]
                references.append(_answer(REFERENCE, "\n".join(kept), base, f"solutions/{lesson}.ipynb"))
            scored += _compare_exercise(lesson, exercise, students, references, report, threshold)
    if not report.submissions:
        report.notes.append(f"no submission found in {course_dir / 'submitted'} (looked for submitted/STUDENT/LESSON/LESSON.ipynb)")
    scored.sort(key=lambda item: (-item[0].score, item[0].lesson, item[0].exercise, item[0].student_a, item[0].student_b))
    report.pairs = [pair for pair, _, _ in scored]
    report.flagged = [pair for pair in report.pairs if pair.score >= threshold]
    _write(report, scored[:len(report.flagged)], out_dir)
    return report


PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{title}</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}} mark{{background:#ffe08a}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}} pre{{margin:0;font-size:13px}}</style></head>
<body><h1>{title}</h1>{body}</body></html>
"""


def _highlighted(answer: Answer, shared: set[str]) -> str:
    """The answer's source, HTML-escaped, the lines of statements with most fingerprints shared marked."""
    marked = set()
    for statement in answer.statements:
        kept = _grams(statement.tokens) & answer.fingerprints
        if kept and 2 * len(kept & shared) >= len(kept):
            marked.update(range(statement.first_line, statement.last_line + 1))
    lines = [html.escape(line) for line in answer.source.splitlines()]
    return "\n".join(f"<mark>{line}</mark>" if number in marked else line for number, line in enumerate(lines, 1))


def _side_by_side(pair: Pair, a: Answer, b: Answer) -> str:
    shared = a.fingerprints & b.fingerprints
    right = f"{REFERENCE} ({b.origin})" if b.who == REFERENCE else b.who
    body = (f"<p>{pair.shared} fingerprints shared. Marked: the statements most of whose fingerprints the other side holds; "
            f"the release's starting code and code most of the class wrote alike do not count.</p>"
            f"<table><tr><th>{html.escape(a.who)}</th><th>{html.escape(right)}</th></tr>"
            f"<tr><td><pre>{_highlighted(a, shared)}</pre></td><td><pre>{_highlighted(b, shared)}</pre></td></tr></table>"
            f'<p><a href="../index.html">all flagged pairs</a></p>')
    return PAGE.format(title=html.escape(f"{pair.lesson} {pair.exercise}: {a.who} and {right}, score {pair.score:.2f}"), body=body)


def _row(cells, tag="td") -> str:
    return "<tr>" + "".join(f"<{tag}>{cell}</{tag}>" for cell in cells) + "</tr>"


def _index(report: SimilarityReport) -> str:
    rows = [_row(["lesson", "exercise", "student", "with", "score", "shared", ""], "th")]
    rows += [_row([*map(html.escape, (p.lesson, p.exercise, p.student_a, p.student_b)), f"{p.score:.2f}", p.shared,
                   f'<a href="pairs/{p.page.name}">side by side</a>']) for p in report.flagged]
    small = Counter((s.lesson, s.exercise) for s in report.skipped)
    skipped = "".join(f"<li>{html.escape(f'{lesson} {exercise}: {count}')}</li>" for (lesson, exercise), count in sorted(small.items()))
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in report.notes)
    body = (f"<p>{report.submissions} submissions, {report.compared} pairs scored. The score is the share of the lighter answer's "
            f"fingerprints the other holds, rare ones weighing more, after taking away the release's starting code and code most "
            f"of the class wrote alike. similarity.csv lists every pair scored: each answer with its closest reference, and the "
            f"pairs that share one of the lighter answer's rarest fingerprints (no other pair can reach the threshold). "
            f"A high score is a reason to look, not proof.</p>"
            + (f"<table>{''.join(rows)}</table>" if report.flagged else f"<p>No pair scored {report.threshold} or more.</p>")
            + f"<h2>Not compared: answers under {MIN_FINGERPRINTS} fingerprints</h2>"
            f"<p>Answers this short are alike for everyone who solves the exercise, so they tell nothing.</p>"
            f"<ul>{skipped or '<li>none</li>'}</ul><h2>Notes</h2><ul>{notes or '<li>none</li>'}</ul>")
    return PAGE.format(title=f"Similarity: pairs scoring {report.threshold} or more", body=body)


def _write(report: SimilarityReport, flagged: list[tuple[Pair, Answer, Answer]], out_dir: Path):
    pages = out_dir / "pairs"
    pages.mkdir(parents=True, exist_ok=True)
    for old in pages.glob("*.html"):
        old.unlink()
    for number, (pair, a, b) in enumerate(flagged, 1):
        pair.page = pages / f"{number:04d}.html"
        pair.page.write_text(_side_by_side(pair, a, b), encoding="utf-8")
    table, index = out_dir / "similarity.csv", out_dir / "index.html"
    with table.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["lesson", "exercise", "student_a", "student_b", "score", "shared_fingerprints"])
        writer.writerows([p.lesson, p.exercise, p.student_a, p.student_b, f"{p.score:.3f}", p.shared] for p in report.pairs)
    index.write_text(_index(report), encoding="utf-8")
    report.paths = [table, index] + [pair.page for pair in report.flagged]
