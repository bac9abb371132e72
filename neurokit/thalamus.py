"""Thalamus (LGN): a learned gate on each retinal channel."""

import math

import torch
from torch import nn

from .data import MNIST_MEAN, MNIST_STD
from .errors import check_images


class Thalamus(nn.Module):
    """The lateral geniculate nucleus relays the retina to cortex and scales what passes.

    Feedback from cortex and the brainstem makes the LGN amplify some inputs and
    suppress others. Here that is a squeeze-and-excitation gate: each channel's mean
    activity, passed through a small network, gives a gate in (0, 2) per channel and
    image; 1 lets the channel through unchanged. Returns the gated signal and the gates.
    Left out: the LGN's layers, its spatial relay, and gating driven by cortex itself.
    """

    def __init__(self, channels: int, reduction: int = 4):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.channels = channels
        self.squeeze = nn.Linear(channels, hidden)
        self.excite = nn.Linear(hidden, channels)

    def forward(self, signal: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_images(signal, "Thalamus", channels=self.channels)
        activity = signal.mean(dim=(2, 3))
        gates = 2.0 * torch.sigmoid(self.excite(torch.relu(self.squeeze(activity))))
        return signal * gates[:, :, None, None], gates


def contrast_response(retina: nn.Module, pixels: torch.Tensor, contrasts, gate_values, channel: int) -> torch.Tensor:
    """Contrast-response curves (G, K) of one retinal channel relayed through a gate set by hand.

    `pixels` (N, 1, H, W) are digits on the 0-1 intensity scale. At contrast k every pixel's
    intensity is multiplied by k, the images are normalised as `load_mnist` normalises and
    passed through `retina`. A Thalamus with zero weights has gates 2 * sigmoid(excite bias),
    whatever the image, so an excite bias of log(g / (2 - g)) sets the channel's gate to g.
    Entry [i, j] is the relayed channel's mean over images and positions with gate
    gate_values[i] at contrast contrasts[j].
    """
    channels = retina.conv.out_channels
    gate = Thalamus(channels)
    curves = torch.zeros(len(gate_values), len(contrasts))
    with torch.no_grad():
        gate.squeeze.weight.zero_()
        gate.excite.weight.zero_()
        for j, contrast in enumerate(contrasts):
            signal = retina((float(contrast) * pixels - MNIST_MEAN) / MNIST_STD)
            for i, value in enumerate(gate_values):
                bias = torch.zeros(channels)
                bias[channel] = math.log(float(value) / (2.0 - float(value)))
                gate.excite.bias.copy_(bias)
                gated, _ = gate(signal)
                curves[i, j] = gated[:, channel].mean()
    return curves


def gain_and_offset(curves: torch.Tensor, baseline: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The straight line that best fits each curve (G, K) against a baseline curve (K,): gains (G,), offsets (G,).

    Least squares, one line per row: curves[i] ~ gains[i] * baseline + offsets[i]. A gate that
    scales the response (a gain change) gives gain = gate and offset 0; one that adds to it
    (a shift) gives gain 1 and an offset.
    """
    curves, baseline = curves.double(), baseline.double()
    centred = baseline - baseline.mean()
    gains = ((curves - curves.mean(dim=1, keepdim=True)) * centred).sum(dim=1) / (centred**2).sum()
    offsets = curves.mean(dim=1) - gains * baseline.mean()
    return gains.float(), offsets.float()
