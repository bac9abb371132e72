"""Hidden tests of lesson 05 (hippocampus): the self-checks' properties, on inputs the student has not seen."""

import torch

from neurokit import hippocampus
from neurokit.checks import assert_close, assert_shape
from neurokit.data import MNIST_MEAN, MNIST_STD
from neurokit.hippocampus import Hippocampus

from . import LessonTests

tests = LessonTests("05_hippocampus", redact={"neurokit.hippocampus": ["Hippocampus", "vote", "occlude"]},
                    context=("setup", "imports-and-data"))

BACKGROUND = -MNIST_MEAN / MNIST_STD


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


@tests.check("vote-tests")
def vote(student):
    generator = torch.Generator().manual_seed(506)
    for count, stored, temperature, classes in [(5, 40, 0.1, 4), (3, 200, 0.01, 10), (4, 7, 1.0, 3), (6, 30, 0.07, 12)]:
        similarities = 2 * torch.rand(count, stored, generator=generator) - 1
        similarities[torch.arange(count), torch.randint(0, stored, (count,), generator=generator)] = float("-inf")  # a skipped slot per query
        similarities[0, :3] = float("-inf")  # and a few more for the first
        labels = torch.randint(0, classes - 1, (stored,), generator=generator)  # the last class has no memory
        got = student.call("vote", similarities, labels, temperature, num_classes=classes)
        what = f"vote of {count} queries over {stored} random memories (temperature {temperature}, {classes} classes, some similarities -inf)"
        assert_shape(got, (count, classes), what)
        assert_close(got, hippocampus.vote(similarities, labels, temperature, classes), what, atol=1e-4,
                     hint="Weights exp((s - largest s) / temperature); per class, the summed weight divided by the number of its memories "
                          "with a finite similarity (0 for a class with none); normalise, smooth with 1e-4, log.")
    sims = torch.tensor([[0.6, 0.59, 0.58, 0.2]])
    assert_close(student.call("vote", sims, torch.tensor([1, 0, 0, 0]), 0.05, num_classes=2),
                 hippocampus.vote(sims, torch.tensor([1, 0, 0, 0]), 0.05, 2),
                 "vote of one memory of class 1 against three of class 0 (the balance decides)", atol=1e-4,
                 hint="Divide each class's summed weight by how many of its memories take part.")


@tests.check("recall-tests", stand_in=("cosine-exercise", "vote-exercise"))
def recall(student):
    generator = torch.Generator().manual_seed(507)
    keys = torch.randn(200, 16, generator=generator)
    labels = torch.randint(0, 10, (200,), generator=generator)
    stored = torch.randint(0, 200, (6,), generator=generator)
    queries = torch.cat([torch.randn(6, 16, generator=generator), keys[stored]])
    exclude = torch.cat([torch.randint(0, 200, (6,), generator=generator), stored])
    memory = memory_of(keys, labels, 5, 0.05)
    for what, got, expected in [
        ("recall of 12 unseen queries against 200 random keys (k=5, temperature 0.05)",
         student.call("recall", queries, keys, labels, 5, 0.05), memory.recall(queries)),
        ("recall of the same queries with exclude (6 of them are stored keys that exclude their own slot)",
         student.call("recall", queries, keys, labels, 5, 0.05, exclude=exclude), memory.recall(queries, exclude_slots=exclude)),
    ]:
        assert isinstance(got, (tuple, list)) and len(got) == 3, f"your {what} should return (log-probabilities, nearest, slots); got {got!r}."
        log_probs, nearest, slots = got
        assert_shape(log_probs, (12, 10), f"the log-probabilities of your {what}")
        assert_close(log_probs, expected.log_probs, f"the log-probabilities of {what}", atol=1e-4,
                     hint="Set only similarities[i, exclude[i]] to -inf (index with torch.arange(N), exclude), then vote over all memories.")
        assert_close(nearest, expected.similarities, f"the k nearest similarities of {what}", atol=1e-5,
                     hint="topk(k, dim=1) of the similarities, after the exclusion.")
        assert_shape(slots, (12, 5), f"the slots of {what}")
        assert torch.equal(slots.long(), expected.slots), f"the slots of {what} should be the rows of keys of the k nearest, nearest first."
    few = torch.randint(0, 3, (40,), generator=generator)
    got = student.call("recall", queries[:4], keys[:40], few, 3, 0.2, num_classes=3)
    assert isinstance(got, (tuple, list)) and len(got) == 3, f"recall with num_classes=3 should return three things; got {got!r}."
    assert_close(got[0], memory_of(keys[:40], few, 3, 0.2, 3).recall(queries[:4]).log_probs,
                 "recall's log-probabilities with num_classes=3 (40 keys, k=3, temperature 0.2)", atol=1e-4, hint="Pass num_classes on to vote.")


OCCLUDE = """
import torch

before = images.clone()
first = occlude(images, fraction, torch.Generator().manual_seed(seed))
again = occlude(images, fraction, torch.Generator().manual_seed(seed))
other = occlude(images, fraction, torch.Generator().manual_seed(seed + 1))
result = (first, again, other, bool(torch.equal(images, before)))
"""


@tests.check("occlude-tests")
def occlude(student):
    generator = torch.Generator().manual_seed(508)
    for count, height, width, fraction in [(9, 6, 6, 0.3), (4, 28, 28, 0.6), (5, 3, 9, 0.85), (3, 4, 5, 0.0), (3, 4, 5, 1.0)]:
        images = 0.5 + torch.rand(count, 1, height, width, generator=generator)  # no background pixel of their own
        what = f"occlude of {count} images of {height} x {width} pixels with fraction {fraction}"
        first, again, other, untouched = student.run(OCCLUDE, f"your {what}", images=images, fraction=fraction, seed=int(height * 10 + width))
        assert_shape(first, (count, 1, height, width), what)
        assert first.dtype == images.dtype, f"{what} should keep the dtype {images.dtype}, got {first.dtype}."
        assert untouched, f"{what} changed the images it was given: work on a copy."
        blank = (first - BACKGROUND).abs() < 1e-6
        hidden = round(fraction * height * width)
        assert blank.flatten(1).sum(1).tolist() == [hidden] * count, (
            f"{what}: every image needs exactly round({fraction} * {height * width}) = {hidden} blank pixels, got {blank.flatten(1).sum(1).tolist()}.")
        assert torch.equal(first[~blank], images[~blank]), f"{what}: the pixels that are not hidden must keep their values."
        assert torch.equal(again, first), f"{what}: the same seed gave other cues; draw only with `generator`."
        if 0 < hidden < height * width:
            assert not torch.equal(other, first), f"{what}: another seed gave the same cues."
            assert not all(torch.equal(blank[0], row) for row in blank[1:]), f"{what}: every image should get its own random draw."
    many = torch.ones(4000, 1, 3, 4)
    first = student.run(OCCLUDE, "your occlude of 4,000 images of 3 x 4 pixels", images=many, fraction=0.25, seed=9)[0]
    blank = ((first - BACKGROUND).abs() < 1e-6).flatten(1)  # 3 of 12 pixels hidden in each
    how_often = blank.float().mean(0)
    assert bool(((how_often - 0.25).abs() < 0.04).all()), (
        f"Over 4,000 images with 3 of their 12 pixels hidden, every pixel should be hidden about a quarter of the time; "
        f"got from {how_often.min():.2f} to {how_often.max():.2f}.")
    together = (blank[:, :, None] & blank[:, None, :]).float().mean(0)[~torch.eye(12, dtype=torch.bool)]
    assert bool(((together - 3 / 12 * 2 / 11).abs() < 0.03).all()), (
        f"Any two pixels should be hidden together about (3/12) x (2/11) = 0.045 of the time; some pair was hidden together "
        f"{together.max():.3f} or {together.min():.3f} of the time: draw a random set of pixels per image.")
