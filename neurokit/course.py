"""Where the course lives and what the first cell of every lesson does.

The repository address is set here and nowhere else: `python -m autograder release`
stamps it into each lesson's launch badges and setup cell, and the course site reads it.
"""

import platform

import torch

REPOSITORY = "https://github.com/neuro-course/neurokit-course"
BRANCH = "main"
DISTRIBUTION = "neurokit-course"


def install_requirement(repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """What pip installs in Colab: this repository, never the unrelated PyPI package called neurokit."""
    return f"{DISTRIBUTION} @ git+{repository}@{branch}"


def github_path(notebook_path: str) -> str:
    """owner/name/blob/branch/path: how Colab and Kaggle name a notebook on GitHub."""
    return f"{REPOSITORY.removeprefix('https://github.com/')}/blob/{BRANCH}/{notebook_path}"


def colab_url(notebook_path: str) -> str:
    return f"https://colab.research.google.com/github/{github_path(notebook_path)}"


def kaggle_url(notebook_path: str) -> str:
    return f"https://kaggle.com/kernels/welcome?src=https://github.com/{github_path(notebook_path)}"


def binder_url(notebook_path: str) -> str:
    return f"https://mybinder.org/v2/gh/{REPOSITORY.removeprefix('https://github.com/')}/{BRANCH}?labpath={notebook_path}"


def colab_badge(notebook_path: str) -> str:
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(notebook_path)})"


def launch_badges(notebook_path: str) -> str:
    """The first cell of every lesson: open it in Colab, Kaggle or Binder."""
    return " ".join([
        colab_badge(notebook_path),
        f"[![Open In Kaggle](https://kaggle.com/static/images/open-in-kaggle.svg)]({kaggle_url(notebook_path)})",
        f"[![Launch Binder](https://mybinder.org/badge_logo.svg)]({binder_url(notebook_path)})",
    ])


def setup_cell_source(repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    return f'''# Setup: run this cell first. It installs neurokit when it is missing (as in Colab),
# picks the GPU when there is one, seeds everything and stages MNIST.
import subprocess
import sys

try:
    from neurokit.course import setup
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "{install_requirement(repository, branch)}"])
    from neurokit.course import setup

device = setup(seed=0)'''


def setup(seed: int = 0, data: bool = True) -> torch.device:
    """Seed everything, pick the device, stage MNIST (verified); print what was chosen and return the device."""
    from .data import default_data_dir, stage_mnist
    from .training import pick_device, seed_everything

    seed_everything(seed)
    device = pick_device()
    where = stage_mnist(log=print) if data else None
    print(f"neurokit ready: device {device}, seed {seed}, torch {torch.__version__}, Python {platform.python_version()}")
    if where is not None:
        print(f"MNIST verified in {where} (change with the NEUROKIT_DATA environment variable; default {default_data_dir()})")
    return device
