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
FULL = {"mean-std-tests": 1, "count-tests": 1, "grid-tests": 2}

SAMPLES = {
    "honest_loops": {"edits": {"mean-std-exercise": SUMS, "count-exercise": LOOP_COUNTS, "grid-exercise": CAT_GRID}, "points": FULL},
    "honest_builtins": {"edits": {"mean-std-exercise": STD_MEAN, "count-exercise": ONE_HOT_COUNTS, "grid-exercise": MAKE_GRID}, "points": FULL},
    "mistake_per_image_std_and_float_counts": {"edits": {"mean-std-exercise": PER_IMAGE_STD, "count-exercise": FLOAT_COUNTS, "grid-exercise": CAT_GRID},
                                               "points": {"mean-std-tests": 0, "count-tests": 0, "grid-tests": 2}},
    "mistake_short_bincount_and_no_permute": {"edits": {"mean-std-exercise": SUMS, "count-exercise": SHORT_BINCOUNT, "grid-exercise": NO_PERMUTE_GRID},
                                              "points": {"mean-std-tests": 1, "count-tests": 0, "grid-tests": 0}},
}
