"""Sample submissions for the grading tests, made from the student versions in lessons/.

Each graded lesson has `tests/submissions/LESSON/samples.py` with SAMPLES: for each sample
student, `edits` (cell id -> the source the student wrote there; a cell id not in the
lesson is added at the end as a new cell) and `points` (test cell -> the points it
deserves). Try a lesson's samples against its hidden tests, in this process:

    .venv/bin/python -m tests.submissions.samples 02_thalamus
"""

import importlib.util
import sys
import tempfile
from pathlib import Path

import nbformat

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def load(lesson: str) -> dict:
    path = HERE / lesson / "samples.py"
    spec = importlib.util.spec_from_file_location(f"samples_{lesson}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SAMPLES


def build(lesson: str, edits: dict[str, str], delete: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """The student version of the lesson with the given cells rewritten (or added)."""
    notebook = nbformat.read(ROOT / "lessons" / f"{lesson}.ipynb", as_version=4)
    notebook.cells = [cell for cell in notebook.cells if cell.get("id") not in delete]
    known = {cell.get("id"): cell for cell in notebook.cells}
    for cell_id, source in edits.items():
        if cell_id in known:
            known[cell_id].source = source
        else:
            cell = nbformat.v4.new_code_cell(source)
            cell.id = cell_id
            notebook.cells.append(cell)
    return notebook


def main(lesson: str) -> int:
    from autograder.grading import grade_in_process

    failures = 0
    with tempfile.TemporaryDirectory() as folder:
        for student, sample in load(lesson).items():
            path = Path(folder) / f"{student}.ipynb"
            nbformat.write(build(lesson, sample["edits"], tuple(sample.get("delete", ()))), path)
            verdicts = grade_in_process(lesson, path, ROOT / "solutions" / f"{lesson}.ipynb", ROOT / "lessons" / f"{lesson}.ipynb")
            got = {name: (sample["points"][name] if verdicts[name][0] else 0) for name in sample["points"]}
            wrong = {name: verdicts[name][1] for name in sample["points"] if bool(verdicts[name][0]) != bool(sample["points"][name])}
            failures += bool(wrong)
            print(f"{'ok  ' if not wrong else 'FAIL'} {student}: {got}")
            for name, message in wrong.items():
                print(f"       {name}: {message}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
