"""Hidden tests of lesson 00 (setup and MNIST): the self-checks' properties, on inputs the student has not seen."""

import torch
import torchvision

from neurokit.checks import assert_close, assert_shape

from . import LessonTests

tests = LessonTests("00_setup_and_mnist", redact={"neurokit.data": ["validation_split"]}, context=("setup", "imports"))


@tests.check("mean-std-tests")
def pixel_mean_and_std(student):
    generator = torch.Generator().manual_seed(1307)
    for shape in [(32, 28, 28), (5, 7, 9, 11)]:
        brightest = torch.randint(1, 256, (shape[0],) + (1,) * (len(shape) - 1), generator=generator)
        raw = (torch.rand(shape, generator=generator) * (brightest + 1)).floor().clamp(max=255).to(torch.uint8)
        got = student.call("pixel_mean_and_std", raw)
        assert isinstance(got, (tuple, list)) and len(got) == 2, (
            f"pixel_mean_and_std of a uint8 tensor of shape {shape} should return (mean, std), but returned {got!r:.100}.")
        intensities = raw.double() / 255
        for value, expected, name in zip(got, (intensities.mean(), intensities.std()), ("mean", "standard deviation")):
            assert isinstance(value, (int, float)) or (isinstance(value, torch.Tensor) and value.numel() == 1), (
                f"The {name} from pixel_mean_and_std of a uint8 tensor of shape {shape} should be one number, but is {value!r:.100}.")
            assert_close(torch.tensor(float(value)), expected, f"the {name} of a random uint8 tensor of shape {shape}, its images of different brightness", atol=1e-4)


@tests.check("count-tests")
def count_labels(student):
    generator = torch.Generator().manual_seed(10)
    for size, high in [(500, 10), (77, 6), (1, 10)]:
        labels = torch.randint(0, high, (size,), generator=generator)
        got = student.call("count_labels", labels)
        what = f"count_labels of {size} random labels from 0 to {high - 1}"
        assert_shape(got, (10,), what)
        assert not got.is_floating_point(), f"{what} returned {got.dtype} counts: return an integer tensor."
        assert_close(got, torch.bincount(labels, minlength=10), what)


@tests.check("grid-tests")
def digit_grid(student):
    generator = torch.Generator().manual_seed(28)
    for count, columns, height, width in [(12, 4, 5, 3), (7, 7, 28, 28), (6, 1, 4, 4)]:
        images = torch.randn(count, 1, height, width, generator=generator)
        got = student.call("digit_grid", images, columns)
        assert_close(got, torchvision.utils.make_grid(images, nrow=columns, padding=0)[0],
                     f"digit_grid of {count} random {height} x {width} images in {columns} columns",
                     hint="Image i belongs at row i // columns, column i % columns.")


@tests.check("split-tests")
def validation_split(student):
    generator = torch.Generator().manual_seed(600)
    cases = [(torch.randint(0, 10, (700,), generator=generator), 0.2, 11),
             (torch.cat([torch.zeros(90, dtype=torch.long), torch.full((9,), 4), torch.tensor([7])])[torch.randperm(100, generator=generator)], 0.3, 2),
             (torch.randint(3, 6, (41,), generator=generator), 0.5, 0)]
    for labels, fraction, seed in cases:
        what = f"validation_split of {len(labels)} labels {sorted(set(labels.tolist()))} with fraction {fraction}, seed {seed}"
        got = student.call("validation_split", labels, fraction, seed)
        assert isinstance(got, (tuple, list)) and len(got) == 2, f"{what} should return (train_index, validation_index), not {got!r:.100}."
        for name, index in zip(("train_index", "validation_index"), got):
            assert isinstance(index, torch.Tensor) and index.dtype == torch.int64 and index.dim() == 1, f"{what}: {name} should be a 1-d int64 tensor."
            assert bool((index[1:] > index[:-1]).all()), f"{what}: {name} should be sorted in increasing order, each index once."
        train_index, validation_index = got
        assert torch.equal(torch.cat([train_index, validation_index]).sort().values, torch.arange(len(labels))), (
            f"{what}: the two parts should hold every index exactly once.")
        for label in labels.unique().tolist():
            count, held_out = int((labels == label).sum()), int((labels[validation_index] == label).sum())
            assert held_out == int(fraction * count), f"{what}: label {label} has {count} images, so {int(fraction * count)} belong in validation, not {held_out}."
        again = student.call("validation_split", labels, fraction, seed)
        assert torch.equal(again[1], validation_index), f"{what}: the same seed gave another split; draw with a generator seeded with `seed`."
    labels = cases[0][0]
    splits = {seed: student.call("validation_split", labels, 0.2, seed)[1] for seed in (11, 12, 13)}
    assert not torch.equal(splits[11], splits[12]) or not torch.equal(splits[11], splits[13]), "Other seeds should give other splits."
    first_of_each = torch.cat([(labels == d).nonzero().squeeze(1)[: int(0.2 * int((labels == d).sum()))] for d in labels.unique()]).sort().values
    assert not torch.equal(splits[11], first_of_each), "The validation images should be drawn at random, not the first of each label."
