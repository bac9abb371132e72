"""Honest lesson-03 samples: different correct solutions and plausible mistakes."""

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
COMPLEX_ARROWS = '''def orientation_selectivity(tuning, orientations):
    arrows = tuning.to(torch.complex64) * torch.polar(torch.ones_like(orientations), torch.deg2rad(orientations) * 2)
    summed = arrows.sum(dim=1)
    total = tuning.sum(dim=1)
    selectivity = summed.abs() / total
    selectivity[total == 0] = 0.0
    preferred = torch.rad2deg(summed.angle()) / 2
    preferred[preferred < 0] += 180
    return preferred, selectivity
'''
LOOP_ARROWS = '''def orientation_selectivity(tuning, orientations):
    preferred, selectivity = [], []
    for responses in tuning.tolist():
        east = sum(r * math.cos(math.radians(2 * o)) for r, o in zip(responses, orientations.tolist()))
        north = sum(r * math.sin(math.radians(2 * o)) for r, o in zip(responses, orientations.tolist()))
        total = sum(responses)
        selectivity.append(math.hypot(east, north) / total if total > 0 else 0.0)
        preferred.append(math.degrees(math.atan2(north, east)) / 2 % 180)
    return torch.tensor(preferred), torch.tensor(selectivity)
'''
NOT_DOUBLED = '''def orientation_selectivity(tuning, orientations):
    angles = torch.deg2rad(orientations)
    x, y = (tuning * angles.cos()).sum(1), (tuning * angles.sin()).sum(1)
    total = tuning.sum(1)
    selectivity = torch.where(total > 0, torch.hypot(x, y) / total.clamp_min(1e-12), torch.zeros_like(total))
    return torch.rad2deg(torch.atan2(y, x)) % 180, selectivity
'''
PEAK_AND_ORTHOGONAL = '''def orientation_selectivity(tuning, orientations):
    best = tuning.argmax(dim=1)
    orthogonal = (orientations[best] + 90) % 180
    across = (orientations[None, :] - orthogonal[:, None]).abs().argmin(dim=1)
    peak = tuning.gather(1, best[:, None]).squeeze(1)
    trough = tuning.gather(1, across[:, None]).squeeze(1)
    selectivity = torch.where(peak > 0, (peak - trough) / (peak + trough).clamp_min(1e-12), torch.zeros_like(peak))
    return orientations[best], selectivity
'''
DIVIDES_BY_ZERO = '''def orientation_selectivity(tuning, orientations):
    doubled = torch.deg2rad(2 * orientations)
    x, y = (tuning * doubled.cos()).sum(1), (tuning * doubled.sin()).sum(1)
    return torch.rad2deg(torch.atan2(y, x)) / 2 % 180, torch.sqrt(x**2 + y**2) / tuning.sum(1)
'''
NOT_WRAPPED = '''def orientation_selectivity(tuning, orientations):
    doubled = torch.deg2rad(2 * orientations)
    x, y = (tuning * doubled.cos()).sum(1), (tuning * doubled.sin()).sum(1)
    total = tuning.sum(1)
    selectivity = torch.where(total > 0, torch.hypot(x, y) / total.clamp_min(1e-12), torch.zeros_like(total))
    return torch.rad2deg(torch.atan2(y, x)) / 2, selectivity
'''
FULL = {"area-tests": 3, "rf-tests": 2, "tuning-tests": 4}

SAMPLES = {
    "honest_sequential_loop_and_complex_arrows": {"edits": {"area-exercise": SEQUENTIAL, "rf-exercise": LOOP, "tuning-exercise": COMPLEX_ARROWS},
                                                  "points": FULL},
    "honest_functional_accumulate_and_loop_arrows": {"edits": {"area-exercise": FUNCTIONAL, "rf-exercise": ACCUMULATE, "tuning-exercise": LOOP_ARROWS},
                                                     "points": FULL},
    "mistake_batch_statistics_in_eval": {"edits": {"area-exercise": ALWAYS_BATCH_STATISTICS, "rf-exercise": LOOP},
                                         "points": {"area-tests": 0, "rf-tests": 2, "tuning-tests": 0}},
    "mistake_relu_before_norm_and_step_first": {"edits": {"area-exercise": RELU_BEFORE_NORM, "rf-exercise": STEP_FIRST},
                                                "points": {"area-tests": 0, "rf-tests": 0, "tuning-tests": 0}},
    "mistake_orientation_not_doubled": {"edits": {"area-exercise": SEQUENTIAL, "rf-exercise": LOOP, "tuning-exercise": NOT_DOUBLED},
                                        "points": {**FULL, "tuning-tests": 0}},
    "mistake_peak_against_orthogonal": {"edits": {"area-exercise": FUNCTIONAL, "rf-exercise": ACCUMULATE, "tuning-exercise": PEAK_AND_ORTHOGONAL},
                                        "points": {**FULL, "tuning-tests": 0}},
    "mistake_silent_unit_divides_by_zero": {"edits": {"area-exercise": SEQUENTIAL, "rf-exercise": LOOP, "tuning-exercise": DIVIDES_BY_ZERO},
                                            "points": {**FULL, "tuning-tests": 0}},
    "mistake_preferred_not_wrapped": {"edits": {"area-exercise": FUNCTIONAL, "rf-exercise": ACCUMULATE, "tuning-exercise": NOT_WRAPPED},
                                      "points": {**FULL, "tuning-tests": 0}},
}
