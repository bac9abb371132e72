"""IT cortex: a compact embedding of the whole object."""

import torch
from torch import nn

from .errors import check_images


class ITCortex(nn.Module):
    """Inferotemporal cortex: neurons that answer to whole objects, wherever they are.

    IT is the last stage of the ventral stream; its population activity is a code from
    which object identity can be read out linearly. Here it is a linear map from the
    whole V4 map (flattened, so where each stroke is still counts) to an embedding
    vector, batch-normalised so that its dimensions share one scale. The hippocampus
    stores these vectors and the PFC reads them. Left out: IT's tolerance to large
    shifts and rotations, which MNIST's centred digits do not need.
    """

    def __init__(self, in_channels: int = 64, map_size: int = 7, embedding_dim: int = 128):
        super().__init__()
        self.in_channels, self.map_size = in_channels, map_size
        self.project = nn.Linear(in_channels * map_size * map_size, embedding_dim)
        self.norm = nn.BatchNorm1d(embedding_dim)

    def forward(self, feature_map: torch.Tensor) -> torch.Tensor:
        check_images(feature_map, "ITCortex", channels=self.in_channels, size=self.map_size)
        return self.norm(self.project(feature_map.flatten(1)))
