"""Retina: the first convolution, with centre-surround (difference-of-Gaussians) filters."""

import math

import torch
from torch import nn

from .errors import check_images


def difference_of_gaussians(size: int, sigma_center: float, sigma_surround: float) -> torch.Tensor:
    """A (size, size) ON-centre kernel: a narrow Gaussian minus a wide one, each summing to 1.

    Its weights sum to zero, so it ignores uniform light and answers to spots and edges,
    like a retinal ganglion cell's centre-surround receptive field.
    """
    if size < 1 or size % 2 == 0:
        raise ValueError(f"size must be a positive odd number, got {size}")
    if not 0 < sigma_center < sigma_surround:
        raise ValueError(f"need 0 < sigma_center < sigma_surround, got {sigma_center} and {sigma_surround}")
    offsets = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    squared_distance = offsets[:, None] ** 2 + offsets[None, :] ** 2

    def gaussian(sigma):
        g = torch.exp(-squared_distance / (2 * sigma**2))
        return g / g.sum()

    return gaussian(sigma_center) - gaussian(sigma_surround)


class Retina(nn.Module):
    """Photoreceptors to ganglion cells: a bank of small filters over the grey image.

    In the eye, ganglion cells with ON- and OFF-centre surrounds report local contrast
    rather than raw light, and there are far fewer ganglion cells than photoreceptors.
    Here that is one convolution whose filters may start as difference-of-Gaussians
    kernels (half ON-centre, half OFF-centre, at several scales) and keep learning,
    followed by 2x2 max-pooling: (N, 1, 28, 28) images in, (N, C, 14, 14) out.
    Left out: colour, rods and cones, adaptation to light level.
    """

    def __init__(self, out_channels: int = 16, kernel_size: int = 5, dog_init: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(1, out_channels, kernel_size, padding=kernel_size // 2, bias=False)
        self.norm = nn.BatchNorm2d(out_channels)
        if dog_init:
            self.reset_to_centre_surround()

    @torch.no_grad()
    def reset_to_centre_surround(self):
        """Set every filter to a DoG kernel: alternately ON and OFF centre, centres of growing width."""
        count, size = self.conv.out_channels, self.conv.kernel_size[0]
        for channel in range(count):
            scale = channel // 2
            sigma_center = 0.5 + 0.25 * (scale % 4)
            kernel = difference_of_gaussians(size, sigma_center, sigma_center * 2.0)
            sign = 1.0 if channel % 2 == 0 else -1.0
            self.conv.weight[channel, 0] = sign * kernel / kernel.abs().sum() * math.sqrt(size)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        check_images(images, "Retina", channels=1)
        return nn.functional.max_pool2d(torch.relu(self.norm(self.conv(images))), 2)


def size_tuning(kernel: torch.Tensor, diameters: torch.Tensor) -> torch.Tensor:
    """One cell's response (D,) to bright discs of each diameter, centred on its (k, k) receptive field.

    A disc of intensity 1 on a black background lights every pixel whose distance from the
    kernel's centre is at most half its diameter; the response is the sum of the kernel's
    weights under the lit pixels (what `filter_images` gives at the disc's centre). Parts of a
    disc beyond the kernel are not seen. Plotted against the diameter, it is the size-tuning
    curve used to measure surround suppression.
    """
    size = kernel.shape[-1]
    offsets = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    squared_distance = offsets[:, None] ** 2 + offsets[None, :] ** 2
    radii = torch.as_tensor(diameters, dtype=torch.float64) / 2
    discs = squared_distance[None] <= radii[:, None, None] ** 2
    return (discs.to(kernel.dtype) * kernel).sum(dim=(1, 2))
