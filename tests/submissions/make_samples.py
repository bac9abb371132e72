"""Make the sample class of lesson 01 submissions that the grading tests use.

    .venv/bin/python tests/submissions/make_samples.py

Each sample is the student version (lessons/01_retina.ipynb) with exercise cells filled
in as a student might, saved under the file name an LMS export would give it. EXPECTED
holds the points each one deserves (exercise 1: 3 points, exercises 2 and 3: 2 each).
"""

import io
import json
import re
import zipfile
from pathlib import Path

import nbformat

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
LESSON = "01_retina"

EXPECTED = {
    "perfect": {"dog-tests": 3, "filter-tests": 2, "response-tests": 2},
    "blank": {"dog-tests": 0, "filter-tests": 0, "response-tests": 0},
    "partly": {"dog-tests": 3, "filter-tests": 2, "response-tests": 0},
    "looping": {"dog-tests": 3, "filter-tests": 0, "response-tests": 0},  # exercise 3 builds on exercise 2
    "hog": {"dog-tests": 3, "filter-tests": 0, "response-tests": 0},
    "quitter": {"dog-tests": 3, "filter-tests": 0, "response-tests": 0},
    "copier": {"dog-tests": 0, "filter-tests": 2, "response-tests": 2},
    "tamperer": {"dog-tests": 0, "filter-tests": 2, "response-tests": 2},
    "vandal": {"dog-tests": 3, "filter-tests": 2, "response-tests": 2},
}

VANDALISE = '''
import pathlib

course = pathlib.Path("@COURSE_DIR@")  # the grading test writes the course folder's path here
for target in [course / "gradebook.db", *course.glob("source/*/*.ipynb")]:
    try:
        target.write_text("")
        print("overwrote", target)
    except OSError as error:
        print("could not overwrite", target, error)
'''

COPY_THE_REFERENCE = '''import neurokit.retina
from neurokit.retina import difference_of_gaussians as reference_kernel


def difference_of_gaussians(size, sigma_center, sigma_surround):
    return reference_kernel(size, sigma_center, sigma_surround)


neurokit.retina.difference_of_gaussians = lambda *args: reference_kernel(*args) * 0  # and spoil the reference
'''
FORGOT_THE_RELU = '''def retina_response(images, kernels):
    return F.max_pool2d(filter_images(images, kernels), 2)
'''


def solution_code(name: str) -> str:
    solutions = nbformat.read(ROOT / "solutions" / f"{LESSON}.ipynb", as_version=4)
    source = next(cell.source for cell in solutions.cells if cell.get("id") == name)
    return re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n?", "", source)


def sample(edits: dict[str, str], delete: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    notebook = nbformat.read(ROOT / "lessons" / f"{LESSON}.ipynb", as_version=4)
    notebook.cells = [cell for cell in notebook.cells if cell.get("id") not in delete]
    for cell in notebook.cells:
        if cell.get("id") in edits:
            cell.source = edits[cell["id"]]
    return notebook


def samples() -> dict[str, nbformat.NotebookNode]:
    right = {name: solution_code(name) for name in ("dog-exercise", "filter-exercise", "response-exercise")}
    return {
        "perfect": sample(right),
        "blank": sample({}),
        "partly": sample({**right, "response-exercise": FORGOT_THE_RELU}),
        "looping": sample({**right, "filter-exercise": "while True:\n    pass\n"}),
        "hog": sample({**right, "filter-exercise": "hoard = [bytearray(10**8) for _ in range(10**4)]\n"}),
        "quitter": sample({**right, "filter-exercise": "import os\nos._exit(0)\n"}),
        "copier": sample({**right, "dog-exercise": COPY_THE_REFERENCE}),
        "vandal": sample({**right, "filter-exercise": right["filter-exercise"] + VANDALISE}),
        "tamperer": sample(
            {**right, "dog-exercise": "def difference_of_gaussians(size, sigma_center, sigma_surround):\n    return 0\n", "dog-tests": "# all good\n"},
            delete=("filter-tests",),
        ),
    }


def main():
    folder = HERE / LESSON
    folder.mkdir(exist_ok=True)
    for student, notebook in samples().items():
        text = nbformat.writes(notebook)
        if student == "perfect":  # one student hands in a zip, as some LMSs export
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                archive.writestr(zipfile.ZipInfo(f"{LESSON}.ipynb", date_time=(2026, 1, 1, 0, 0, 0)), text)
            (folder / f"{student}_{LESSON}_submission.zip").write_bytes(buffer.getvalue())
        else:
            (folder / f"{student}_{LESSON}.ipynb").write_text(text)
    (folder / "expected_points.json").write_text(json.dumps(EXPECTED, indent=2) + "\n")


if __name__ == "__main__":
    main()
