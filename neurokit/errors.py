"""The errors a course user can meet, each with a message that says what to do."""


class NeurokitError(Exception):
    """Base class: the command line prints these as one readable message."""


class ShapeError(NeurokitError, ValueError):
    """A tensor of the wrong shape was handed to a brain region."""


class ConfigError(NeurokitError, ValueError):
    """A BrainConfig field holds a value the brain cannot be built or trained with."""


class DataError(NeurokitError):
    """MNIST is missing, corrupt, or cannot be fetched."""


class CheckpointError(NeurokitError):
    """A checkpoint file cannot be read back."""


class MemoryEmptyError(NeurokitError):
    """The hippocampus was asked to recall before anything was written to it."""


def check_images(images, region: str, channels: int, size: int | None = None):
    """Raise ShapeError unless `images` is a float batch shaped (N, channels, H, W)."""
    import torch

    if not isinstance(images, torch.Tensor):
        raise ShapeError(f"{region} expects a torch.Tensor, got {type(images).__name__}.")
    expected = f"(batch, {channels}, {size or 'H'}, {size or 'W'})"
    if images.dim() != 4 or images.shape[1] != channels:
        hint = ""
        if images.dim() == 3:
            hint = " Add the channel axis with images.unsqueeze(1)."
        elif images.dim() == 2:
            hint = " Reshape a single image with image.view(1, 1, 28, 28)."
        raise ShapeError(f"{region} expects images shaped {expected}, got {tuple(images.shape)}.{hint}")
    if size is not None and tuple(images.shape[2:]) != (size, size):
        raise ShapeError(f"{region} expects images shaped {expected}, got {tuple(images.shape)}.")
    if not images.is_floating_point():
        raise ShapeError(f"{region} expects float images, got {images.dtype}. Use images.float().")


def check_vectors(vectors, region: str, dim: int):
    """Raise ShapeError unless `vectors` is shaped (N, dim)."""
    import torch

    if not isinstance(vectors, torch.Tensor):
        raise ShapeError(f"{region} expects a torch.Tensor, got {type(vectors).__name__}.")
    if vectors.dim() != 2 or vectors.shape[1] != dim:
        raise ShapeError(f"{region} expects vectors shaped (batch, {dim}), got {tuple(vectors.shape)}.")
