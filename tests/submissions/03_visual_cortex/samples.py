"""Honest lesson-03 samples: two different correct solutions and two plausible mistakes."""

SEQUENTIAL = '''class CorticalArea(nn.Module):
    def __init__(self, in_channels, out_channels, pool):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(out_channels)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2) if pool else nn.Identity()
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.relu(self.norm(self.conv(x)))
        return self.pool(x)
'''
FUNCTIONAL = '''class CorticalArea(nn.Module):
    def __init__(self, in_channels, out_channels, pool):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding="same", bias=False)
        self.norm = nn.BatchNorm2d(out_channels)
        self.pool = nn.MaxPool2d(2) if pool else nn.Identity()
        self.pooled = pool

    def forward(self, x):
        x = self.norm(self.conv(x))
        if self.pooled:
            x = F.max_pool2d(x, 2)  # max-pooling and ReLU commute
        return F.relu(x)
'''
ALWAYS_BATCH_STATISTICS = '''class CorticalArea(nn.Module):
    def __init__(self, in_channels, out_channels, pool):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(out_channels)
        self.pool = nn.MaxPool2d(2) if pool else nn.Identity()

    def forward(self, x):
        x = self.conv(x)
        x = F.batch_norm(x, None, None, self.norm.weight, self.norm.bias, training=True)
        return self.pool(torch.relu(x))
'''
RELU_BEFORE_NORM = '''class CorticalArea(nn.Module):
    def __init__(self, in_channels, out_channels, pool):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(out_channels)
        self.pool = nn.MaxPool2d(2) if pool else nn.Identity()

    def forward(self, x):
        return self.pool(self.norm(torch.relu(self.conv(x))))
'''
LOOP = '''def receptive_field_sizes(layers):
    sizes = []
    for depth in range(len(layers)):
        size = 1
        for index in range(depth + 1):
            kernel_size = layers[index][0]
            jump = 1
            for _, stride in layers[:index]:
                jump *= stride
            size += (kernel_size - 1) * jump
        sizes.append(size)
    return sizes
'''
ACCUMULATE = '''import itertools
import math


def receptive_field_sizes(layers):
    if not layers:
        return []
    kernels, strides = zip(*layers)
    steps = [math.prod(strides[:index]) for index in range(len(layers))]
    return list(itertools.accumulate(((k - 1) * s for k, s in zip(kernels, steps)), initial=1))[1:]
'''
STEP_FIRST = '''def receptive_field_sizes(layers):
    size, step, sizes = 1, 1, []
    for kernel_size, stride in layers:
        step *= stride
        size += (kernel_size - 1) * step
        sizes.append(size)
    return sizes
'''
FULL = {"area-tests": 3, "rf-tests": 2}

SAMPLES = {
    "honest_sequential_and_loop": {"edits": {"area-exercise": SEQUENTIAL, "rf-exercise": LOOP}, "points": FULL},
    "honest_functional_and_accumulate": {"edits": {"area-exercise": FUNCTIONAL, "rf-exercise": ACCUMULATE}, "points": FULL},
    "mistake_batch_statistics_in_eval": {"edits": {"area-exercise": ALWAYS_BATCH_STATISTICS, "rf-exercise": LOOP},
                                         "points": {"area-tests": 0, "rf-tests": 2}},
    "mistake_relu_before_norm_and_step_first": {"edits": {"area-exercise": RELU_BEFORE_NORM, "rf-exercise": STEP_FIRST},
                                                "points": {"area-tests": 0, "rf-tests": 0}},
}
