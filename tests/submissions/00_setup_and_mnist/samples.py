"""Honest lesson-00 samples: two different correct solutions and plausible mistakes."""

SUMS = '''def pixel_mean_and_std(raw_images):
    values = raw_images.flatten().double() / 255
    mean = values.sum() / values.numel()
    variance = ((values - mean) ** 2).sum() / (values.numel() - 1)
    return float(mean), float(variance.sqrt())
'''
STD_MEAN = '''def pixel_mean_and_std(raw_images):
    std, mean = torch.std_mean(raw_images.float().div(255))
    return mean, std
'''
PER_IMAGE_STD = '''def pixel_mean_and_std(raw_images):
    intensities = raw_images.float() / 255
    return intensities.mean(), intensities.flatten(1).std(dim=1).mean()
'''
LOOP_COUNTS = '''def count_labels(labels):
    return torch.stack([(labels == digit).sum() for digit in range(10)])
'''
ONE_HOT_COUNTS = '''def count_labels(labels):
    return torch.nn.functional.one_hot(labels, num_classes=10).sum(dim=0)
'''
FLOAT_COUNTS = '''def count_labels(labels):
    counts = torch.zeros(10)
    for label in labels:
        counts[label] += 1
    return counts
'''
SHORT_BINCOUNT = '''def count_labels(labels):
    return torch.bincount(labels)
'''
CAT_GRID = '''def digit_grid(images, columns):
    rows = [torch.cat(list(images[start:start + columns, 0]), dim=1) for start in range(0, len(images), columns)]
    return torch.cat(rows, dim=0)
'''
MAKE_GRID = '''def digit_grid(images, columns):
    return torchvision.utils.make_grid(images, nrow=columns, padding=0)[0]
'''
NO_PERMUTE_GRID = '''def digit_grid(images, columns):
    count, _, height, width = images.shape
    return images.reshape(count // columns * height, columns * width)
'''
SORTED_SPLIT = '''def validation_split(labels, fraction, seed):
    generator = torch.Generator().manual_seed(seed)
    validation = []
    for digit in range(int(labels.max()) + 1):
        where = torch.where(labels == digit)[0]
        if len(where):
            scores = torch.rand(len(where), generator=generator)
            validation += where[scores.argsort()][: int(fraction * len(where))].tolist()
    validation = torch.tensor(sorted(validation), dtype=torch.long)
    train = torch.tensor(sorted(set(range(len(labels))) - set(validation.tolist())), dtype=torch.long)
    return train, validation
'''
SKLEARN_STYLE_SPLIT = '''import random

def validation_split(labels, fraction, seed):
    chooser = random.Random(seed)
    held_out = set()
    for digit in set(labels.tolist()):
        members = [i for i, label in enumerate(labels.tolist()) if label == digit]
        held_out.update(chooser.sample(members, int(fraction * len(members))))
    train = [i for i in range(len(labels)) if i not in held_out]
    return torch.tensor(train), torch.tensor(sorted(held_out))
'''
UNSTRATIFIED_SPLIT = '''def validation_split(labels, fraction, seed):
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    cut = int(fraction * len(labels))
    return order[cut:].sort().values, order[:cut].sort().values
'''
FIRST_OF_EACH_SPLIT = '''def validation_split(labels, fraction, seed):
    validation = torch.cat([torch.where(labels == d)[0][: int(fraction * int((labels == d).sum()))] for d in labels.unique()])
    keep = torch.ones(len(labels), dtype=torch.bool)
    keep[validation] = False
    return torch.where(keep)[0], validation.sort().values
'''
UNSEEDED_SPLIT = '''def validation_split(labels, fraction, seed):
    validation = []
    for digit in labels.unique():
        members = torch.where(labels == digit)[0]
        validation.append(members[torch.randperm(len(members))[: int(fraction * len(members))]])
    validation = torch.cat(validation).sort().values
    keep = torch.ones(len(labels), dtype=torch.bool)
    keep[validation] = False
    return torch.where(keep)[0], validation
'''
FULL = {"mean-std-tests": 1, "count-tests": 1, "grid-tests": 2, "split-tests": 3}

SAMPLES = {
    "honest_loops": {"edits": {"mean-std-exercise": SUMS, "count-exercise": LOOP_COUNTS, "grid-exercise": CAT_GRID, "split-exercise": SORTED_SPLIT},
                     "points": FULL},
    "honest_builtins": {"edits": {"mean-std-exercise": STD_MEAN, "count-exercise": ONE_HOT_COUNTS, "grid-exercise": MAKE_GRID,
                                  "split-exercise": SKLEARN_STYLE_SPLIT}, "points": FULL},
    "mistake_per_image_std_and_float_counts": {"edits": {"mean-std-exercise": PER_IMAGE_STD, "count-exercise": FLOAT_COUNTS, "grid-exercise": CAT_GRID},
                                               "points": {"mean-std-tests": 0, "count-tests": 0, "grid-tests": 2, "split-tests": 0}},
    "mistake_short_bincount_and_no_permute": {"edits": {"mean-std-exercise": SUMS, "count-exercise": SHORT_BINCOUNT, "grid-exercise": NO_PERMUTE_GRID},
                                              "points": {"mean-std-tests": 1, "count-tests": 0, "grid-tests": 0, "split-tests": 0}},
    "mistake_unstratified_split": {"edits": {"mean-std-exercise": SUMS, "count-exercise": LOOP_COUNTS, "grid-exercise": CAT_GRID,
                                             "split-exercise": UNSTRATIFIED_SPLIT}, "points": {**FULL, "split-tests": 0}},
    "mistake_first_of_each_digit": {"edits": {"mean-std-exercise": SUMS, "count-exercise": LOOP_COUNTS, "grid-exercise": CAT_GRID,
                                              "split-exercise": FIRST_OF_EACH_SPLIT}, "points": {**FULL, "split-tests": 0}},
    "mistake_seed_ignored": {"edits": {"mean-std-exercise": STD_MEAN, "count-exercise": ONE_HOT_COUNTS, "grid-exercise": MAKE_GRID,
                                       "split-exercise": UNSEEDED_SPLIT}, "points": {**FULL, "split-tests": 0}},
}
