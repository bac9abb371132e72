"""A fresh Colab runtime opens a lesson: its stamped setup cell installs neurokit from git, and the lesson runs.

Colab starts each notebook in a Python that has torch, torchvision, numpy, matplotlib, ipywidgets and
ipykernel (and pip and setuptools), but not neurokit. The first code cell of every lesson, cell `setup`,
which `make lessons` stamps from `neurokit.course.setup_cell_source()`, tries `from neurokit.course import
setup` and, when that fails, pip-installs `neurokit-course @ git+REPOSITORY@BRANCH`. This test plays that:

- The runtime: a new virtual environment (`python -m venv --without-pip`). It gets the third-party packages
  of this project's .venv through a folder of symlinks to every entry of .venv's site-packages except
  neurokit-course's own (what its RECORD lists: dist-info, editable finder and .pth; and its package),
  and one .pth file that names that folder. A plain path line in a .pth file puts the folder on sys.path
  without running the .pth files inside it, so no editable neurokit could get in. pip and setuptools come
  from that folder too, as they come preinstalled in Colab. Installing torch afresh would cost 5.5 GB and
  minutes; the symlinks cost nothing.
- The repository: a new git repository holding a copy of the working tree (the tracked files and the
  untracked ones that git does not ignore), so what is installed is the code under test, uncommitted
  changes included. It is committed on a branch named `course.BRANCH` and addressed as `file://`.
- The lesson: lessons/00_setup_and_mnist.ipynb. Its setup cell is first checked to be exactly
  `course.setup_cell_source()`, then replaced by `course.setup_cell_source(that file:// address, BRANCH)`:
  the same cell, pointed at the local repository instead of GitHub.
- The kernel: the runtime's python, started from a kernelspec of its own, in a folder with no neurokit in
  it (Colab's /content). NEUROKIT_DATA points it at the MNIST that this test session staged, so nothing
  is downloaded. pip is kept off every index (PIP_NO_INDEX): neurokit-course comes from the local
  repository and its dependencies must already be installed, so pip fetches nothing. Build isolation is
  off, since it would fetch setuptools from an index; note that pip reads PIP_NO_BUILD_ISOLATION=false as
  "--no-build-isolation" (=1 keeps isolation on).

What it does not play: GitHub (the https address of the stamped cell), Colab's own versions of the
preinstalled packages, and pip's build isolation.
"""

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

from neurokit import course
from tests.notebook_tools import cell_errors, is_exercise_or_test

ROOT = Path(__file__).resolve().parents[1]
LESSON = ROOT / "lessons" / "00_setup_and_mnist.ipynb"
VERSION = re.search(r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.MULTILINE).group(1)

pytestmark = pytest.mark.slow


def neurokit_entries(folder: Path) -> set[str]:
    """The names in a site-packages folder that belong to neurokit-course: as its RECORD lists them, and its packages."""
    owned = set()
    for distribution in importlib.metadata.distributions(path=[str(folder)]):
        if distribution.metadata["Name"] == course.DISTRIBUTION:
            owned |= {file.parts[0] for file in distribution.files or []} | set((distribution.read_text("top_level.txt") or "").split())
    return owned - {"..", "__pycache__"}


def colab_runtime(root: Path) -> Path:
    """A new virtual environment that sees the main .venv's packages, neurokit-course's aside; return its python."""
    preinstalled = root / "preinstalled"
    preinstalled.mkdir()
    for folder in sorted({Path(sysconfig.get_paths()[kind]).resolve() for kind in ("purelib", "platlib")}):
        aside = neurokit_entries(folder) | {"__pycache__"}
        for entry in folder.iterdir():
            if entry.name not in aside and not (preinstalled / entry.name).exists():
                (preinstalled / entry.name).symlink_to(entry)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    (site_packages(python) / "colab_preinstalled.pth").write_text(f"{preinstalled}\n")
    return python


def site_packages(python: Path) -> Path:
    return Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())


def course_repository(root: Path) -> str:
    """A git repository of the working tree as it is now, on branch course.BRANCH; return its file:// address."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\0")
    repository = root / "neurokit-course"
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() or source.is_symlink():  # a tracked file deleted in the working tree is skipped
            (repository / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repository / name, follow_symlinks=False)
    git = ["git", "-C", str(repository), "-c", "user.name=Colab test", "-c", "user.email=colab@test", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "--quiet", "--initial-branch", course.BRANCH], check=True)
    subprocess.run([*git, "add", "--all"], check=True)
    subprocess.run([*git, "commit", "--quiet", "--message", "the working tree under test"], check=True)
    return repository.as_uri()


def kernel_environment(mnist_dir: Path) -> dict[str, str]:
    """The kernel's environment: this one, without what could show it neurokit or a package index."""
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME") and not name.startswith("PIP_")}
    environment.update({
        "NEUROKIT_DATA": str(mnist_dir),
        "PYTHONNOUSERSITE": "1",  # no ~/.local packages
        "PIP_CONFIG_FILE": os.devnull,  # no pip.conf
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "false",  # sic: pip reads this as --no-build-isolation
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    })
    return environment


def run(python: Path, code: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-c", code], capture_output=True, text=True, env=environment, cwd=python.parent)


def pip(python: Path, *arguments: str, environment: dict[str, str]) -> str:
    return subprocess.run([python, "-m", "pip", *arguments], capture_output=True, text=True, env=environment, check=True).stdout


def execute_in(python: Path, notebook, folder: Path, environment: dict[str, str]):
    """Run the notebook top to bottom as Run All does, in a kernel of `python` started in `folder`."""
    kernels = folder.parent / "kernels"
    (kernels / "colab").mkdir(parents=True)
    spec = {"argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "Colab", "language": "python"}
    (kernels / "colab" / "kernel.json").write_text(json.dumps(spec))
    kernel = AsyncKernelManager(kernel_name="colab", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    client = NotebookClient(notebook, km=kernel, timeout=600, allow_errors=False, resources={"metadata": {"path": str(folder)}})
    client.execute(env=environment)
    return notebook


def test_a_fresh_colab_runtime_installs_neurokit_in_the_setup_cell_and_runs_the_lesson(tmp_path, mnist_dir):
    python = colab_runtime(tmp_path)
    environment = kernel_environment(mnist_dir)

    # The runtime is Colab's: the course's packages are there, neurokit is not, and pip sees it that way.
    assert "No module named 'neurokit'" in run(python, "import neurokit", environment).stderr
    assert run(python, "import torch, torchvision, matplotlib, ipykernel, setuptools", environment).returncode == 0
    installed = {package["name"].lower().replace("_", "-") for package in json.loads(pip(python, "list", "--format=json", environment=environment))}
    assert {"torch", "torchvision", "numpy", "matplotlib", "ipykernel", "setuptools"} <= installed
    assert course.DISTRIBUTION not in installed
    runtime_before = {path.name for path in site_packages(python).iterdir()}

    # The lesson as `make lessons` stamped it, its setup cell pointed at a local copy of the repository.
    lesson = nbformat.read(LESSON, as_version=4)
    [setup] = [cell for cell in lesson.cells if cell.get("id") == "setup"]
    assert setup.source == course.setup_cell_source()
    setup.source = course.setup_cell_source(repository=course_repository(tmp_path), branch=course.BRANCH)
    probe = nbformat.v4.new_code_cell("import neurokit\nprint(neurokit.__file__)")
    lesson.cells.append(probe)
    content = tmp_path / "content"
    content.mkdir()

    execute_in(python, lesson, content, environment)

    # The setup cell installed neurokit-course, and only it, into the runtime, and the lesson used that copy.
    shown = dict(line.split(": ", 1) for line in pip(python, "show", course.DISTRIBUTION, environment=environment).splitlines() if ": " in line)
    assert shown["Version"] == VERSION
    assert Path(shown["Location"]) == site_packages(python)
    added = sorted({path.name for path in site_packages(python).iterdir()} - runtime_before)
    assert added == ["neurokit", f"{course.DISTRIBUTION.replace('-', '_')}-{VERSION}.dist-info"]
    printed = "".join(output.get("text", "") for output in setup.outputs)
    assert "neurokit ready" in printed and f"MNIST verified in {mnist_dir} " in printed, printed
    imported_from = Path(probe.outputs[0]["text"].strip())
    assert imported_from.is_relative_to(site_packages(python) / "neurokit"), imported_from

    # The lesson ran to its end: errors only in exercise and test cells, every figure drawn.
    stray = {cell.id: cell_errors(cell) for cell in lesson.cells if cell_errors(cell) and not is_exercise_or_test(cell)}
    assert stray == {}
    assert any("this exercise is not written yet" in error for cell in lesson.cells for error in cell_errors(cell))
    figures = {cell.id: any("image/png" in output.get("data", {}) for output in cell.outputs)
               for cell in lesson.cells if cell.cell_type == "code" and "plt.show()" in cell.source}
    assert figures and all(figures.values()), figures
