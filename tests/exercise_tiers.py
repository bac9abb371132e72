"""The exercises of a lesson, their tier and points, and whether their instructions give the solution's code away.

A lesson's exercises come in three tiers, named in each exercise cell's metadata (`tier`):
`core` (scaffolded: the instructions may show the code), `stretch` (the goal, the shapes and what
the check verifies, but no code) and `open` (a written answer that a teaching assistant grades by
hand with the rubric in the solution). Print a lesson's table:

    .venv/bin/python -m tests.exercise_tiers 02_thalamus
"""

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader import utils as nbgrader_utils

ROOT = Path(__file__).resolve().parents[1]
TIERS = ("core", "stretch", "open")
SHORTEST_CODE = 12  # characters, spaces left out: shorter lines and spans ("x.mean(1)") give little away
SOLUTION_BODY = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


@dataclass
class Exercise:
    solution: str  # the cell the student writes in
    graded: str  # the cell that earns the points: the test cell, or the open answer itself
    tier: str | None
    points: float
    given: list[str]  # the solution's code that the instructions show
    autograded: bool


def squeezed(text: str) -> str:
    return re.sub(r"[\s`]+", "", text)


def looks_like_code(span: str) -> bool:
    """A call, an index or an assignment long enough to matter; a bare name (`similarities`, `F.logsigmoid`) is not code."""
    return len(squeezed(span)) >= SHORTEST_CODE and any(mark in span for mark in "([=")


def code_given_away(instructions: str, body: str, signatures: set[str]) -> list[str]:
    """Lines of the solution that the instructions show, and code spans of the instructions that the solution contains."""
    text, code = squeezed(instructions), squeezed(body)
    lines = [line.strip() for line in body.splitlines() if line.strip() and not line.strip().startswith("#")]
    given = [line for line in lines if len(squeezed(line)) >= SHORTEST_CODE and squeezed(line) in text]
    spans = re.findall(r"```(?:python)?\n(.*?)```", instructions, re.S) + re.findall(r"`([^`\n]+)`", instructions)
    given += [span for span in spans if looks_like_code(span) and squeezed(span) not in signatures and squeezed(span) in code]
    return given


def exercises(notebook: nbformat.NotebookNode) -> list[Exercise]:
    """Every exercise of the lesson, in order: each solution cell with the graded cell that scores it."""
    cells = notebook.cells
    signatures = {squeezed(match) for cell in cells if cell.cell_type == "code" and nbgrader_utils.is_solution(cell)
                  for match in re.findall(r"^def (\w+\(.*?\)):", cell.source, re.M)}
    found, instructions = [], []
    for index, cell in enumerate(cells):
        if not nbgrader_utils.is_solution(cell):
            if cell.cell_type == "markdown":
                instructions.append(cell.source)
            if nbgrader_utils.is_grade(cell):
                instructions = []
            continue
        if cell.cell_type == "markdown":  # an open answer: graded by hand, in the cell itself
            graded = cell
        else:
            graded = next((c for c in cells[index + 1:] if nbgrader_utils.is_grade(c)), None)
            if graded is None:
                raise ValueError(f"exercise {cell.id} has no graded test cell after it")
        body = "\n".join(SOLUTION_BODY.findall(cell.source)) if cell.cell_type == "code" else ""
        found.append(Exercise(cell.id, graded.id, cell.metadata.get("tier"), float(graded.metadata.nbgrader.get("points", 0)),
                              code_given_away("\n".join(instructions), body, signatures), graded.cell_type == "code"))
        instructions = []
    return found


def share_without_code_given(found: list[Exercise]) -> float:
    """The share of the autograded points earned by exercises whose instructions show none of their code."""
    autograded = [exercise for exercise in found if exercise.autograded]
    total = sum(exercise.points for exercise in autograded)
    return sum(exercise.points for exercise in autograded if not exercise.given) / total if total else 0.0


def table(lesson: str, folder: Path = ROOT / "solutions") -> str:
    found = exercises(nbformat.read(folder / f"{lesson}.ipynb", as_version=4))
    rows = [f"{lesson}", "| exercise | tier | points | graded | code in the instructions |", "|---|---|---|---|---|"]
    for exercise in found:
        given = "; ".join(f"`{line}`" for line in exercise.given) or "none"
        rows.append(f"| {exercise.solution} | {exercise.tier} | {exercise.points:g} | {'auto' if exercise.autograded else 'by hand'} | {given} |")
    rows.append(f"autograded points without code given: {share_without_code_given(found):.0%}")
    return "\n".join(rows)


if __name__ == "__main__":
    for name in sys.argv[1:] or sorted(path.stem for path in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
        print(table(name), end="\n\n")
