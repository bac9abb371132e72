"""Hidden tests of lesson 05 (hippocampus): the self-checks' properties, on inputs the student has not seen."""

import torch

from neurokit.checks import assert_close, assert_shape
from neurokit.hippocampus import Hippocampus

from . import LessonTests

tests = LessonTests("05_hippocampus", redact={"neurokit.hippocampus": ["Hippocampus"]}, context=("setup", "imports-and-data"))


def memory_of(keys, labels, k, temperature, num_classes=10):
    memory = Hippocampus(len(keys), keys.shape[1], num_classes, k=k, temperature=temperature)
    memory.write(keys, labels)
    return memory


@tests.check("cosine-tests")
def cosine_similarity(student):
    generator = torch.Generator().manual_seed(505)
    for count, stored, dim in [(7, 30, 12), (1, 5, 3), (20, 4, 50)]:
        queries = torch.randn(count, dim, generator=generator)
        keys = 3 * torch.rand(stored, 1, generator=generator) * torch.randn(stored, dim, generator=generator)
        got = student.call("cosine_similarity", queries, keys)
        found = memory_of(keys, torch.zeros(stored, dtype=torch.long), stored, 1.0).recall(queries)
        expected = torch.zeros(count, stored).scatter(1, found.slots, found.similarities)
        assert_close(got, expected, f"cosine_similarity of {count} random queries and {stored} random keys of length {dim}",
                     hint="Normalise the rows of both (F.normalize(x, dim=1)), then queries @ keys.T.")


def vote_reference(similarities, labels, temperature, num_classes):
    """The Hippocampus's vote on neighbours with exactly these similarities: keys on the unit circle."""
    rows = []
    for row, row_labels in zip(similarities, labels):
        keys = torch.stack([row, (1 - row**2).clamp(min=0).sqrt()], dim=1)
        rows.append(memory_of(keys, row_labels, len(row), temperature, num_classes).recall(torch.tensor([[1.0, 0.0]])).log_probs[0])
    return torch.stack(rows)


@tests.check("vote-tests")
def vote(student):
    generator = torch.Generator().manual_seed(506)
    for count, k, temperature, classes in [(5, 8, 0.1, 4), (3, 16, 0.07, 10), (4, 2, 1.0, 3)]:
        similarities = (2 * torch.rand(count, k, generator=generator) - 1).sort(dim=1, descending=True).values
        labels = torch.randint(0, classes, (count, k), generator=generator)
        got = student.call("vote", similarities, labels, temperature, num_classes=classes)
        assert_close(got, vote_reference(similarities, labels, temperature, classes),
                     f"vote of {count} queries' {k} random neighbours (temperature {temperature}, {classes} classes)", atol=1e-4,
                     hint="softmax(similarities / temperature, dim=1), scatter_add the weights into their labels' classes, "
                          "smooth with (1 - 1e-4) * p + 1e-4 / num_classes, then torch.log.")


@tests.check("recall-tests", stand_in=("cosine-exercise", "vote-exercise"))
def recall(student):
    generator = torch.Generator().manual_seed(507)
    keys = torch.randn(200, 16, generator=generator)
    labels = torch.randint(0, 10, (200,), generator=generator)
    stored = torch.randint(0, 200, (6,), generator=generator)
    queries = torch.cat([torch.randn(6, 16, generator=generator), keys[stored]])
    exclude = torch.cat([torch.randint(0, 200, (6,), generator=generator), stored])
    memory = memory_of(keys, labels, 5, 0.05)
    got = student.call("recall", queries, keys, labels, 5, 0.05)
    assert_shape(got, (12, 10), "your recall of 12 queries against 200 keys (num_classes=10)")
    assert_close(got, memory.recall(queries).log_probs, "recall of 12 unseen queries against 200 random keys (k=5, temperature 0.05)", atol=1e-4,
                 hint="cosine_similarity -> topk(k, dim=1) -> key_labels[slots] -> vote.")
    got = student.call("recall", queries, keys, labels, 5, 0.05, exclude=exclude)
    assert_close(got, memory.recall(queries, exclude_slots=exclude).log_probs,
                 "recall of the same queries with exclude (6 of them are stored keys that exclude their own slot)", atol=1e-4,
                 hint="Set only similarities[i, exclude[i]] to -inf (index with torch.arange(N), exclude) before topk, and still keep k neighbours.")
    few = torch.randint(0, 3, (40,), generator=generator)
    got = student.call("recall", queries[:4], keys[:40], few, 3, 0.2, num_classes=3)
    assert_close(got, memory_of(keys[:40], few, 3, 0.2, 3).recall(queries[:4]).log_probs,
                 "recall with num_classes=3 (40 keys, k=3, temperature 0.2)", atol=1e-4, hint="Pass num_classes on to vote.")
