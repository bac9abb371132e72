"""Visual cortex V1, V2, V4: a hierarchy of convolutional stages."""

import torch
from torch import nn

from .errors import check_images


class CorticalArea(nn.Module):
    """One visual area: 3x3 convolution, batch normalisation, ReLU, optional 2x2 max-pool."""

    def __init__(self, in_channels: int, out_channels: int, pool: bool):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(out_channels)
        self.pool = nn.MaxPool2d(2) if pool else nn.Identity()

    def forward(self, x):
        return self.pool(self.norm(self.conv(x)).relu())


class VisualCortex(nn.Module):
    """The ventral stream from V1 to V4: each area sees a wider patch of the image.

    V1 finds oriented edges, V2 combines them into corners and contours, V4 into curved
    parts of shapes. Each area here is a 3x3 convolution on the one before, and V2
    halves the map, so receptive fields grow from 5 pixels in the retina to 24 of the
    28 in V4. Takes the thalamus's (N, C, 14, 14) signal, returns an (N, v4, 7, 7) map.
    Left out: feedback connections, the dorsal stream, lateral inhibition.
    """

    def __init__(self, in_channels: int = 16, v1: int = 32, v2: int = 64, v4: int = 64):
        super().__init__()
        self.in_channels = in_channels
        self.V1 = CorticalArea(in_channels, v1, pool=False)
        self.V2 = CorticalArea(v1, v2, pool=True)
        self.V4 = CorticalArea(v2, v4, pool=False)

    def forward(self, signal):
        check_images(signal, "VisualCortex", channels=self.in_channels)
        return self.V4(self.V2(self.V1(signal)))


def orientation_selectivity(tuning: torch.Tensor, orientations: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Preferred orientation (degrees, 0 to 180) and selectivity (0 to 1) of each unit's tuning curve.

    `tuning` (U, K) holds U units' non-negative responses to gratings at the K `orientations` (degrees).
    Each response is an arrow of that length at twice its orientation (so 0 and 180 degrees, the same
    orientation, point the same way); the selectivity is the length of the units' summed arrow over the
    sum of the responses (1 minus the circular variance, Ringach et al. 2002), and the preferred
    orientation is half the summed arrow's angle. A unit that never responds has selectivity 0.
    """
    doubled = torch.deg2rad(2 * orientations.to(tuning.dtype))
    x, y = (tuning * doubled.cos()).sum(1), (tuning * doubled.sin()).sum(1)
    total = tuning.sum(1)
    selectivity = torch.where(total > 0, torch.hypot(x, y) / total.clamp_min(torch.finfo(tuning.dtype).tiny), torch.zeros_like(total))
    preferred = torch.rad2deg(torch.atan2(y, x)).div(2).remainder(180.0)
    return preferred, selectivity
