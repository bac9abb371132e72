"""Prefrontal cortex: the decision read out from the object embedding."""

import torch
import torch.nn.functional as F
from torch import nn

from .errors import check_vectors


class PFC(nn.Module):
    """Prefrontal cortex turns what IT sees into a choice among learned categories.

    PFC neurons come to encode task categories ("which digit") from the sensory code
    they receive. Here that is a linear classifier on the IT embedding, with dropout,
    returning one logit per digit. Left out: working memory, rules, planning.
    """

    def __init__(self, embedding_dim: int = 128, num_classes: int = 10, dropout: float = 0.1):
        super().__init__()
        self.embedding_dim = embedding_dim
        self.dropout = nn.Dropout(dropout)
        self.readout = nn.Linear(embedding_dim, num_classes)

    def forward(self, embedding: torch.Tensor) -> torch.Tensor:
        check_vectors(embedding, "PFC", self.embedding_dim)
        return self.readout(self.dropout(torch.relu(embedding)))


def fit_readout(embeddings: torch.Tensor, labels: torch.Tensor, steps: int = 100, learning_rate: float = 0.15,
                num_classes: int = 10) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """A readout relu(e) W^T + b trained from W = 0, b = 0 by `steps` full-batch gradient-descent steps on the mean
    cross-entropy; returns (weight (C, D), bias (C,), the loss before each step)."""
    rectified = torch.relu(embeddings)
    weight = torch.zeros(num_classes, embeddings.shape[1], dtype=embeddings.dtype, device=embeddings.device)
    bias = torch.zeros(num_classes, dtype=embeddings.dtype, device=embeddings.device)
    target = F.one_hot(labels, num_classes).to(embeddings.dtype)
    losses = []
    for _ in range(steps):
        logits = rectified @ weight.T + bias
        losses.append(F.cross_entropy(logits, labels).item())
        gradient = (torch.softmax(logits, dim=1) - target) / len(labels)  # d loss / d logits
        weight -= learning_rate * gradient.T @ rectified
        bias -= learning_rate * gradient.sum(0)
    return weight, bias, losses


def readout_accuracy(train_inputs: torch.Tensor, train_labels: torch.Tensor, eval_inputs: torch.Tensor, eval_labels: torch.Tensor,
                     steps: int = 100, learning_rate: float = 0.15) -> float:
    """How much of the category a linear readout takes from a representation: train one on the training inputs
    (fit_readout, ten classes) and return its accuracy on the evaluation inputs, a float in [0, 1]."""
    weight, bias, _ = fit_readout(train_inputs, train_labels, steps, learning_rate)
    predictions = (torch.relu(eval_inputs) @ weight.T + bias).argmax(1)
    return (predictions == eval_labels).float().mean().item()
