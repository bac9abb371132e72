"""The similarity report: copies of a classmate or of the reference are flagged, independent solutions are not."""

import csv
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder import lessons
from autograder.errors import CourseError
from autograder.similarity import REFERENCE, normalise, similarity_report

RETINA = "01_retina"
HEADER = '''def difference_of_gaussians(size, sigma_center, sigma_surround):
    """A (size, size) ON-centre kernel: a narrow Gaussian minus a wide one, each summing to 1."""
'''
LOOP = HEADER + '''    centre = torch.zeros(size, size)
    surround = torch.zeros(size, size)
    half = (size - 1) / 2
    for row in range(size):
        for column in range(size):
            distance = (row - half) ** 2 + (column - half) ** 2
            centre[row, column] = math.exp(-distance / (2 * sigma_center ** 2))
            surround[row, column] = math.exp(-distance / (2 * sigma_surround ** 2))
    return centre / centre.sum() - surround / surround.sum()
'''
MESHGRID = HEADER + '''    coords = torch.linspace(-(size // 2), size // 2, size)
    yy, xx = torch.meshgrid(coords, coords, indexing="ij")
    r2 = xx**2 + yy**2
    center = torch.exp(-r2 / (2 * sigma_center**2))
    surround = torch.exp(-r2 / (2 * sigma_surround**2))
    return center / center.sum() - surround / surround.sum()
'''
OUTER = HEADER + '''    x = torch.arange(size).float() - size // 2

    def normalised(sigma):
        g = torch.exp(-x**2 / (2 * sigma**2))
        g2 = torch.outer(g, g)
        return g2 / g2.sum()

    return normalised(sigma_center) - normalised(sigma_surround)
'''
NUMPY = HEADER + '''    half = size // 2
    y, x = np.mgrid[-half:half + 1, -half:half + 1]
    dist = x * x + y * y
    kernels = [np.exp(-dist / (2.0 * s * s)) for s in (sigma_center, sigma_surround)]
    kernels = [k / k.sum() for k in kernels]
    return torch.tensor(kernels[0] - kernels[1], dtype=torch.float32)
'''
SEPARABLE = HEADER + '''    offsets = torch.arange(size, dtype=torch.float32) - size // 2
    kernels = []
    for sigma in (sigma_center, sigma_surround):
        g = torch.exp(-0.5 * (offsets / sigma) ** 2)
        g = g / g.sum()
        kernels.append(g[:, None] * g[None, :])
    return kernels[0] - kernels[1]
'''
MESHGRID_RENAMED = HEADER + '''    # a grid of coordinates centred on the middle pixel
    grid = torch.linspace( -(size//2), size//2, size )
    a, b = torch.meshgrid(grid, grid, indexing='ij')   # rows, columns
    d = b**2 + a**2
    narrow = torch.exp(-d / (2 * sigma_center**2))
    wide   = torch.exp(-d / (2 * sigma_surround**2))
    return narrow/narrow.sum() - wide/wide.sum()
'''
OUTER_REORDERED = HEADER + '''    def normalised(sigma):
        g = torch.exp(-x**2 / (2 * sigma**2))
        g2 = torch.outer(g, g)
        return g2 / g2.sum()

    x = torch.arange(size).float() - size // 2
    return normalised(sigma_center) - normalised(sigma_surround)
'''
TINY = '''def retina_response(images, kernels):
    """Ganglion-cell firing: filter (N, 1, H, W) with kernels (C, k, k), ReLU, 2x2 max-pool -> (N, C, H/2, W/2)."""
    return F.max_pool2d(torch.relu(filter_images(images, kernels)), 2)
'''
SCRIPT = '</pre><script>alert("pwned")</script>'


def neurokit_paste() -> str:
    source = (lessons.REPOSITORY_ROOT / "neurokit" / "retina.py").read_text()
    start = source.index("def difference_of_gaussians")
    return source[start:source.index("\n\n\nclass Retina")] + "\n"


def submit(course: Path, student: str, answers: dict[str, str]) -> Path:
    notebook = nbformat.read(course / "release" / RETINA / f"{RETINA}.ipynb", as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    path = course / "submitted" / student / RETINA / f"{RETINA}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(notebook, path)
    return path


def released_course(root: Path) -> Path:
    course = root / "course"
    (course / "release" / RETINA).mkdir(parents=True)
    shutil.copyfile(lessons.LESSONS / f"{RETINA}.ipynb", course / "release" / RETINA / f"{RETINA}.ipynb")
    return course


HONEST = {"ada": LOOP, "ben": MESHGRID, "cy": OUTER, "dee": NUMPY, "eve": SEPARABLE}
COPIES = {"copy-verbatim": LOOP, "copy-renamed": MESHGRID_RENAMED, "copy-reordered": OUTER_REORDERED, "copy-neurokit": neurokit_paste()}
COPIED = {("ada", "copy-verbatim"), ("ben", "copy-renamed"), ("copy-reordered", "cy"), ("copy-neurokit", REFERENCE)}


@pytest.fixture(scope="module")
def class_report(tmp_path_factory):
    course = released_course(tmp_path_factory.mktemp("similarity"))
    for student, code in HONEST.items():
        submit(course, student, {"dog-exercise": code, "response-exercise": TINY})
    for student, code in COPIES.items():
        submit(course, student, {"dog-exercise": code})
    return course, similarity_report(course)


def test_copies_are_flagged_and_independent_solutions_are_not(class_report):
    _, report = class_report
    flagged = {(pair.student_a, pair.student_b) for pair in report.flagged}
    assert flagged == COPIED, [(p.student_a, p.student_b, p.score) for p in report.pairs]
    assert all(pair.exercise == "dog-exercise" and pair.score > 0.99 for pair in report.flagged)
    assert report.submissions == len(HONEST) + len(COPIES) and report.compared > len(report.flagged)


def test_independent_solutions_stay_far_below_the_threshold(class_report, tmp_path):
    course, _ = class_report
    report = similarity_report(course, threshold=0.5, out_dir=tmp_path)
    assert {(pair.student_a, pair.student_b) for pair in report.flagged} == COPIED


def test_tiny_answers_are_not_compared_and_are_listed(class_report):
    _, report = class_report
    assert {(s.exercise, s.student) for s in report.skipped} == {("response-exercise", student) for student in HONEST}
    assert not [pair for pair in report.pairs if pair.exercise == "response-exercise"]
    assert not [pair for pair in report.pairs if pair.exercise == "filter-exercise"]  # untouched stubs are no answer


def test_the_report_files_list_the_flagged_pairs_side_by_side(class_report):
    course, report = class_report
    out = course / "reports" / "similarity"
    assert report.paths[:2] == [out / "similarity.csv", out / "index.html"]
    rows = list(csv.DictReader((out / "similarity.csv").open()))
    assert list(rows[0]) == ["lesson", "exercise", "student_a", "student_b", "score", "shared_fingerprints"]
    assert {"copy-neurokit", REFERENCE} <= {value for row in rows for value in (row["student_a"], row["student_b"])}
    index = (out / "index.html").read_text()
    for pair in report.flagged:
        assert pair.page.is_file() and f"pairs/{pair.page.name}" in index
    page = next(p for p in report.flagged if p.student_b == "copy-verbatim").page.read_text()
    assert "<mark>    half = (size - 1) / 2</mark>" in page
    assert "<mark>def difference_of_gaussians" not in page  # the release's def line is everyone's
    assert "not compared" in index.lower() and "response-exercise: 5" in index


def test_student_code_and_names_are_escaped(tmp_path):
    course = released_course(tmp_path)
    hostile = LOOP.replace("    half = (size - 1) / 2\n", f"    half = (size - 1) / 2  # {SCRIPT}\n    note = '{SCRIPT}'\n")
    submit(course, "<img src=x onerror=alert(1)>", {"dog-exercise": hostile})
    submit(course, "zed", {"dog-exercise": hostile})
    report = similarity_report(course, [RETINA], out_dir=tmp_path / "out")
    assert len(report.flagged) == 1
    for path in [tmp_path / "out" / "index.html", report.flagged[0].page]:
        text = path.read_text()
        assert "<script" not in text and "<img" not in text and "default-src 'none'" in text
    assert "&lt;script&gt;" in report.flagged[0].page.read_text()


def test_unreadable_submissions_are_left_out_with_a_note(tmp_path):
    course = released_course(tmp_path)
    good = submit(course, "ada", {"dog-exercise": LOOP})
    submit(course, "ben", {"dog-exercise": LOOP})
    (course / "submitted" / "link" / RETINA).mkdir(parents=True)
    os.symlink(good, course / "submitted" / "link" / RETINA / f"{RETINA}.ipynb")
    (course / "submitted" / "broken" / RETINA).mkdir(parents=True)
    (course / "submitted" / "broken" / RETINA / f"{RETINA}.ipynb").write_text("{not json")
    report = similarity_report(course)
    assert [(p.student_a, p.student_b) for p in report.flagged] == [("ada", "ben")]
    assert report.submissions == 2
    assert any(note.startswith("link 01_retina: left out") and "could not be opened" in note for note in report.notes)
    assert any(note.startswith("broken 01_retina: left out") and "not JSON" in note for note in report.notes)
    assert all("graded as blank" not in note for note in report.notes)


def test_a_course_without_the_release_is_refused(tmp_path):
    course = tmp_path / "course"
    (course / "submitted" / "ada" / RETINA).mkdir(parents=True)
    with pytest.raises(CourseError, match="no lesson was released"):
        similarity_report(course)
    released_course(tmp_path)
    with pytest.raises(CourseError, match="02_thalamus was never released"):
        similarity_report(course, ["02_thalamus"])
    with pytest.raises(CourseError, match="between 0 and 1"):
        similarity_report(course, threshold=80)
    (course / "release" / RETINA / f"{RETINA}.ipynb").write_text("{not json")
    with pytest.raises(CourseError, match="cannot be read as a notebook: run `python -m autograder release 01_retina` again"):
        similarity_report(course)


def test_normalising_ignores_names_comments_layout_and_order():
    def tokens(source):
        return sorted(statement.tokens for statement in normalise(source))

    assert tokens(LOOP) != tokens(MESHGRID)
    assert tokens(MESHGRID) == tokens(MESHGRID_RENAMED)
    assert tokens(OUTER) == tokens(OUTER_REORDERED)
    documented = "def f(a):\n    '''doc'''\n    return torch.exp(a)  # why\n"
    assert tokens(documented) == [("def", "V", "(", "V", ")", ":"), ("return", "torch", ".", "exp", "(", "V", ")")]
    broken = normalise("def f(a):\n    return torch.exp(a +\n")  # does not parse: tokens
    assert broken and all("a" not in statement.tokens for statement in broken)
