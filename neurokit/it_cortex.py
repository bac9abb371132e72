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


def similarity_matrix(features: torch.Tensor, labels: torch.Tensor, classes: int = 10) -> torch.Tensor:
    """A representational-similarity matrix (classes, classes): the Pearson correlation between the mean
    feature vectors of every two classes (Kriegeskorte et al. 2008 use 1 minus it as a dissimilarity).

    `features` (N, D) float, `labels` (N,) int64 with every class 0..classes-1 present. Each class's mean
    vector is centred over its D dimensions and scaled to length 1; entry (a, b) is their dot product.
    """
    one_hot = torch.nn.functional.one_hot(labels, classes).to(features.dtype)
    means = (one_hot.T @ features) / one_hot.sum(0)[:, None]
    centred = means - means.mean(1, keepdim=True)
    unit = centred / centred.norm(dim=1, keepdim=True)
    return unit @ unit.T
