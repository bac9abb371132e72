"""Thalamus (LGN): a learned gate on each retinal channel."""

import torch
from torch import nn

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
