"""Hippocampus: an episodic memory of embeddings, recalled by similarity."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .errors import MemoryEmptyError, check_vectors


SMOOTHING = 1e-4  # memory's probabilities are mixed with this much of a uniform guess, so none is exactly 0


@dataclass
class Recall:
    """What one recall returns for a batch of N queries and k neighbours."""

    log_probs: torch.Tensor  # (N, classes) memory's class log-probabilities
    similarities: torch.Tensor  # (N, k) cosine similarity of each neighbour, highest first
    labels: torch.Tensor  # (N, k) the neighbours' labels
    slots: torch.Tensor  # (N, k) where the neighbours are stored


class Hippocampus(nn.Module):
    """Episodic memory: store each experience once, recall by similarity later.

    The hippocampus binds an experience into a memory after a single exposure and
    retrieves it from a partial cue (pattern completion), and replays stored experiences
    during sleep, which lets the cortex learn them slowly (consolidation). Here memory is a
    table of IT embeddings with their labels, one slot per stored example. At recall
    every stored memory votes for its label with weight exp((similarity - 1) / width), so
    a narrow kernel lets the closest memories dominate, and each class's votes are
    divided by how many memories of that class are stored: a class-balanced vote, in
    which a digit met once competes on equal terms with one met thousands of times
    (a kernel density estimate of each class around the query). The width starts as the
    `temperature` for every class; `use_kernel` makes it narrower the more memories a class
    holds, as a density estimate's bandwidth shrinks with its sample. Writing takes no
    gradient step, so a new example is usable at once. Recall also reports the k nearest
    memories, which the basal ganglia read. `replay_batch` hands stored embeddings back, class
    by class, for the cortex to learn from in sleep. Left out: forgetting, the order in which experiences happened, and the separate
    roles of the dentate gyrus, CA3 and CA1.
    """

    def __init__(self, capacity: int, embedding_dim: int, num_classes: int = 10, k: int = 16, temperature: float = 0.07):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        self.embedding_dim, self.num_classes, self.k, self.temperature = embedding_dim, num_classes, k, temperature
        self.register_buffer("keys", torch.zeros(capacity, embedding_dim))
        self.register_buffer("labels", torch.full((capacity,), -1, dtype=torch.long))
        # Pattern separation (separate_patterns): a centre and a rescaling of the embedding, the identity until learned.
        self.register_buffer("centre", torch.zeros(embedding_dim))
        self.register_buffer("separation", torch.eye(embedding_dim))
        self.register_buffer("has_separation", torch.tensor(False))
        # The kernel (use_kernel): the width of a class of one memory, how fast width shrinks with a class's count, and
        # the weight of the width in the kernel's normaliser; one width, `temperature`, for every class until fitted.
        self.register_buffer("kernel", torch.tensor([temperature, 0.0, 0.0]))
        self.next_slot = 0

    @property
    def capacity(self) -> int:
        return self.keys.shape[0]

    @property
    def size(self) -> int:
        """How many slots hold a memory."""
        return int((self.labels >= 0).sum())

    @property
    def ready(self) -> bool:
        """True once memory holds more than k memories, enough for a full recall that skips the query's own slot."""
        return self.size > self.k

    def clear(self):
        """Forget every memory, and the separation and kernel learned from them."""
        self.labels.fill_(-1)
        self.next_slot = 0
        self._forget_separation()
        self.use_kernel(self.temperature)

    @torch.no_grad()
    def use_kernel(self, width_of_one: float, shrink: float = 0.0, normaliser: float = 0.0):
        """Recall with a kernel of width width_of_one * n ** -shrink for a class of n memories.

        Each class's density is then the mean of its memories' exp((similarity - 1) / width) divided by
        width ** normaliser: on the unit sphere a kernel's normaliser grows as its width narrows (for a
        von Mises-Fisher kernel in d dimensions, as width ** -(d - 1) / 2), so `normaliser` stands for half
        the embedding's effective dimension less one. `neurokit.training.fit_kernel` chooses the three.
        """
        if width_of_one <= 0 or shrink < 0 or normaliser < 0:
            raise ValueError(f"use_kernel needs width_of_one > 0, shrink >= 0 and normaliser >= 0, got {width_of_one}, {shrink}, {normaliser}")
        self.kernel.copy_(torch.tensor([width_of_one, shrink, normaliser]))

    def kernel_widths(self, counts: torch.Tensor) -> torch.Tensor:
        """The kernel's width for classes holding `counts` memories (a class of none counts as one)."""
        width_of_one, shrink, _ = self.kernel
        return width_of_one * counts.clamp(min=1) ** -shrink

    def _forget_separation(self):
        self.centre.zero_()
        self.separation.copy_(torch.eye(self.embedding_dim))
        self.has_separation.fill_(False)

    @torch.no_grad()
    def write(self, embeddings: torch.Tensor, labels: torch.Tensor, slots: torch.Tensor | None = None):
        """Store embeddings with their labels, into the given slots or the next free ones (a ring)."""
        check_vectors(embeddings, "Hippocampus.write", self.embedding_dim)
        if labels.shape != embeddings.shape[:1]:
            raise ValueError(f"Hippocampus.write needs one label per embedding: {tuple(labels.shape)} labels for {len(embeddings)} embeddings.")
        if slots is None:
            slots = (self.next_slot + torch.arange(len(embeddings))) % self.capacity
            self.next_slot = int(slots[-1] + 1) % self.capacity if len(slots) else self.next_slot
        self.keys[slots] = embeddings.detach().float().to(self.keys)
        self.labels[slots] = labels.to(self.labels.device)

    @torch.no_grad()
    def forget(self, slots: torch.Tensor):
        """Empty these slots: their memories take no part in recall or replay any more."""
        self.labels[slots] = -1

    @torch.no_grad()
    def separate_patterns(self, shrinkage: float = 0.1):
        """Learn which differences between memories matter, from what is stored.

        The embedding is centred on the mean of the classes' means and rescaled so that the spread of
        the stored memories around their own class's mean counts the same in every direction (a
        whitening by the within-class covariance, shrunk by `shrinkage` towards its mean variance).
        Variations that every digit shows (a writer's slant, a stroke's thickness) then weigh less at
        recall than those that tell digits apart, so a digit never met before stands further apart
        from the others. Recall uses the rescaled embedding from then on; `neurokit.training` calls
        this once memory holds every training image.
        """
        stored = self.labels >= 0
        embeddings, labels = self.keys[stored], self.labels[stored]
        members = F.one_hot(labels, self.num_classes).to(embeddings.dtype)
        means = (members.T @ embeddings) / members.sum(0).clamp(min=1)[:, None]
        spread = embeddings - means[labels]
        covariance = spread.T @ spread / len(spread)
        variances, directions = torch.linalg.eigh(covariance)
        if not variances.clamp(min=0).mean() > 0:  # no class holds two different memories: no spread to learn from
            self._forget_separation()
            return
        variances = variances.clamp(min=0) + shrinkage * variances.clamp(min=0).mean()
        self.centre.copy_(means[members.sum(0) > 0].mean(0))
        self.separation.copy_(directions @ torch.diag(variances.rsqrt()) @ directions.T)
        self.has_separation.fill_(True)

    def separated(self, embeddings: torch.Tensor) -> torch.Tensor:
        """Embeddings as recall compares them: centred, rescaled by the learned separation, of length 1."""
        if self.has_separation:
            embeddings = (embeddings - self.centre) @ self.separation
        return F.normalize(embeddings, dim=1)

    def recall(self, queries: torch.Tensor, exclude_slots: torch.Tensor | None = None, hidden: torch.Tensor | None = None) -> Recall:
        """Memory's class-balanced vote for each query, and its k nearest stored memories.

        exclude_slots (N,) names a slot each query may not retrieve: during training an
        example must not find itself in memory. hidden (capacity,), True where a stored
        memory is to be left out of this recall (the basal ganglia use it to rehearse
        meeting a class of which memory holds only a few examples; a training step, to
        recall from a random sample of memory). Only the memories left in are compared.
        """
        check_vectors(queries, "Hippocampus.recall", self.embedding_dim)
        usable = self.labels >= 0
        if hidden is not None:
            usable = usable & ~hidden.to(usable.device)
        candidates = usable.nonzero().squeeze(1)  # the slots this recall compares the queries with
        excluding = 0 if exclude_slots is None else 1
        k = min(self.k, len(candidates) - excluding)
        if k < 1:
            raise MemoryEmptyError("The hippocampus is empty: write some embeddings with labels before recall.")
        labels = self.labels[candidates]
        similarities = self.separated(queries) @ self.separated(self.keys[candidates]).T  # (N, candidates); the gradient reaches the queries only
        members = F.one_hot(labels, self.num_classes).to(similarities.dtype)  # (candidates, classes)
        widths = self.kernel_widths(members.sum(0)).to(similarities.dtype)  # (classes,)
        counts = members.sum(0).expand(len(queries), -1)
        ranked = similarities  # what recall weighs and ranks: the same, less each query's own slot
        if exclude_slots is not None:
            column = torch.full((self.capacity,), -1, dtype=torch.long, device=candidates.device)
            column[candidates] = torch.arange(len(candidates), device=candidates.device)
            own = column[exclude_slots.to(column.device)]  # each query's own slot among the candidates, -1 if not one
            rows = (own >= 0).nonzero().squeeze(1)
            ranked = similarities.index_put((rows, own[rows]), torch.tensor(float("-inf"), device=similarities.device))
            counts = counts.index_put((rows,), counts[rows] - members[own[rows]])
        inverse_widths = 1 / widths[labels]  # (candidates,)
        scaled = torch.addcmul(-inverse_widths, ranked, inverse_widths)  # (ranked - 1) / width, in one pass over (N, candidates)
        largest = scaled.max(1, keepdim=True).values.detach()
        votes = torch.exp(scaled - largest) @ members  # (N, classes): each class's summed weight
        log_scale = -counts.clamp(min=1).log() - self.kernel[2] * widths.log()  # (N, classes): mean, and the kernel's normaliser
        density = votes * torch.exp(log_scale - log_scale.max(1, keepdim=True).values)
        probabilities = density / density.sum(1, keepdim=True)
        log_probs = torch.log((1 - SMOOTHING) * probabilities + SMOOTHING / self.num_classes)
        with torch.no_grad():
            nearest = ranked.topk(k, dim=1).indices
        return Recall(log_probs, similarities.gather(1, nearest), labels[nearest], candidates[nearest])


def vote(similarities: torch.Tensor, key_labels: torch.Tensor, temperature: float, num_classes: int = 10) -> torch.Tensor:
    """The class-balanced vote of `Hippocampus.recall` with one width, `temperature`, for every class (its kernel
    until `use_kernel`), as log-probabilities (N, num_classes), from the similarities
    (N, M) of N queries to M stored memories labelled key_labels (M,).

    Every memory votes for its label with weight exp(similarity / temperature); each class's summed weight is
    divided by how many of its memories take part; the result is normalised and smoothed by SMOOTHING. A memory
    whose similarity is -inf takes no part, neither in the votes nor in the counts (a query skipping its own slot).
    """
    members = F.one_hot(key_labels, num_classes).to(similarities.dtype)  # (M, classes)
    counts = torch.isfinite(similarities).to(similarities.dtype) @ members  # (N, classes): memories taking part
    scaled = similarities / temperature
    weights = torch.exp(scaled - scaled.max(1, keepdim=True).values)  # the largest is 1: no overflow at any temperature
    density = (weights @ members) / counts.clamp(min=1)
    probabilities = density / density.sum(1, keepdim=True)
    return torch.log((1 - SMOOTHING) * probabilities + SMOOTHING / num_classes)


def occlude(images: torch.Tensor, fraction: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """A partial cue: a copy of the images (N, 1, H, W) in which round(fraction * H * W) pixels of each image,
    drawn at random for each image with `generator`, are blank (the background value after MNIST's normalisation)."""
    from .data import MNIST_MEAN, MNIST_STD

    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must lie between 0 and 1, got {fraction}")
    flat = images.reshape(len(images), -1).clone()
    hidden = torch.rand(flat.shape, generator=generator).argsort(1)[:, :round(fraction * flat.shape[1])]
    flat.scatter_(1, hidden.to(flat.device), -MNIST_MEAN / MNIST_STD)
    return flat.view_as(images)


def replay_batch(keys: torch.Tensor, labels: torch.Tensor, count: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """`count` memories replayed class by class: each a stored class drawn at random, then one of its memories.

    keys (M, D) and labels (M,) are a memory table as `Hippocampus` holds it, with -1 marking an empty
    slot that is never replayed. Returns embeddings (count, D) and their labels (count,). Every stored
    class is replayed about as often, however many memories it has; draws come from `generator` alone.
    """
    stored = (labels >= 0).nonzero().squeeze(1).cpu()
    if len(stored) == 0:
        raise MemoryEmptyError("There is nothing to replay: no slot holds a memory (every label is -1).")
    stored_labels = labels.cpu()[stored]
    order = stored_labels.argsort(stable=True)
    by_class = stored[order]
    classes, counts = stored_labels[order].unique_consecutive(return_counts=True)
    firsts = counts.cumsum(0) - counts
    drawn = torch.randint(len(classes), (count,), generator=generator)
    offsets = (torch.rand(count, generator=generator) * counts[drawn]).long()
    slots = by_class[firsts[drawn] + offsets]
    return keys[slots.to(keys.device)], labels[slots.to(labels.device)]
