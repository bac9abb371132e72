"""Saving and loading a trained brain: atomic writes, weights-only loading."""

import os
import tempfile
from pathlib import Path

import torch

from .brain import Brain
from .config import BrainConfig
from .errors import CheckpointError, ConfigError

FORMAT = "neurokit.brain/1"


def save_checkpoint(brain: Brain, path: Path | str):
    """Write the config and all weights, memory included; a crash mid-write leaves any old file intact."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"format": FORMAT, "config": brain.config.to_dict(), "state_dict": brain.state_dict()}
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_checkpoint(path: Path | str, device: str | torch.device = "cpu") -> Brain:
    """Rebuild a Brain from a checkpoint, loading tensors only (no pickled code is run)."""
    path = Path(path)
    if path.is_dir():
        path = path / "brain.pt"
    if not path.is_file():
        raise CheckpointError(f"No checkpoint at {path}. Train one with `neurokit train`, which writes RUN_DIR/brain.pt.")
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as error:
        raise CheckpointError(
            f"{path} is not a readable checkpoint ({type(error).__name__}). It may be truncated or written by another program; "
            "train again with `neurokit train`."
        ) from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a neurokit brain checkpoint (expected format {FORMAT}).")
    try:
        config = BrainConfig.from_dict(state.get("config"))
    except ConfigError as error:
        raise CheckpointError(f"{path} holds a configuration this version of neurokit refuses: {error} Train again with `neurokit train`.") from None
    try:
        brain = Brain(config)
        brain.load_state_dict(state["state_dict"])
    except (KeyError, ValueError, RuntimeError, TypeError) as error:
        raise CheckpointError(f"{path} does not match this version of neurokit's Brain: {str(error)[:300]}") from None
    return brain.to(device)
