"""Running notebooks in a real Jupyter kernel, for the lesson and grading tests."""

import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbgrader import utils as nbgrader_utils


def execute(path: Path, allow_errors: bool, timeout: int = 600) -> tuple[nbformat.NotebookNode, float]:
    """Execute a notebook top to bottom in a fresh python3 kernel; return it and the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=allow_errors, resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return notebook, time.perf_counter() - start


def cell_errors(cell) -> list[str]:
    return [f"{output.ename}: {output.evalue}" for output in cell.get("outputs", []) if output.output_type == "error"]


def is_exercise_or_test(cell) -> bool:
    return nbgrader_utils.is_solution(cell) or nbgrader_utils.is_grade(cell)


def graded_cells_that_pass(notebook) -> list[str]:
    """grade_ids of graded code cells that earned full points (nbgrader's own scoring of an executed cell)."""
    passed = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and nbgrader_utils.is_grade(cell):
            score, max_score = nbgrader_utils.determine_grade(cell)
            if score == max_score:
                passed.append(cell.metadata.nbgrader["grade_id"])
    return passed
