"""Prefrontal cortex: the decision read out from the object embedding."""

import torch
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
