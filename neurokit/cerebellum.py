"""Cerebellum: predicts the input back from the embedding, the signal for self-supervised learning."""

import torch
from torch import nn

from .errors import check_vectors


class Cerebellum(nn.Module):
    """A forward model: from the IT embedding, predict the image that caused it.

    The cerebellum learns internal models that predict sensory input, and the mismatch
    between prediction and what arrives is a teaching signal that needs no labels.
    Here that is a decoder (linear map to a 7x7 map, two transposed convolutions up to
    28x28) whose reconstruction error trains the whole visual pathway before any label
    is seen; in supervised training it rests, so its predictions describe the encoder as
    stage 1 left it. Returns pixel intensities in [0, 1]. Left out: motor control, timing,
    climbing-fibre error signals, everything the cerebellum is best known for.
    """

    def __init__(self, embedding_dim: int = 128, channels: int = 64):
        super().__init__()
        self.embedding_dim, self.channels = embedding_dim, channels
        self.expand = nn.Linear(embedding_dim, channels * 7 * 7)
        self.up1 = nn.ConvTranspose2d(channels, channels // 2, 4, stride=2, padding=1)
        self.up2 = nn.ConvTranspose2d(channels // 2, 1, 4, stride=2, padding=1)

    def forward(self, embedding: torch.Tensor) -> torch.Tensor:
        check_vectors(embedding, "Cerebellum", self.embedding_dim)
        x = torch.relu(self.expand(embedding)).view(-1, self.channels, 7, 7)
        return torch.sigmoid(self.up2(torch.relu(self.up1(x))))
