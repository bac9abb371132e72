"""Cerebellum: predicts the input back from the embedding, the signal for self-supervised learning."""

import torch
import torch.nn.functional as F
from torch import nn

from .data import to_pixels
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


def prediction_errors(brain: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """The forward model's surprise at each image: the mean binary cross-entropy over its pixels between the
    cerebellum's prediction and its true pixels, (N,), computed in evaluation mode without gradients; the brain is
    left in the mode it was in."""
    was_training = brain.training
    brain.eval()
    try:
        with torch.no_grad():
            predicted = brain.cerebellum(brain.encode(images)[0])
            errors = F.binary_cross_entropy(predicted, to_pixels(images), reduction="none")
            return errors.flatten(1).mean(1)
    finally:
        brain.train(was_training)
