"""Honest lesson-01 samples: two different correct solutions and plausible mistakes."""

LOOPS = '''import math


def difference_of_gaussians(size, sigma_center, sigma_surround):
    middle = (size - 1) / 2
    kernel = torch.zeros(size, size)
    for sigma, sign in ((sigma_center, 1.0), (sigma_surround, -1.0)):
        bump = torch.zeros(size, size)
        for row in range(size):
            for column in range(size):
                bump[row, column] = math.exp(-((row - middle) ** 2 + (column - middle) ** 2) / (2 * sigma * sigma))
        kernel += sign * bump / bump.sum()
    return kernel
'''
MESHGRID = '''def difference_of_gaussians(size, sigma_center, sigma_surround):
    axis = torch.linspace(-(size - 1) / 2, (size - 1) / 2, size)
    y, x = torch.meshgrid(axis, axis, indexing="ij")
    centre = torch.exp(-(x**2 + y**2) / (2 * sigma_center**2))
    surround = torch.exp(-(x**2 + y**2) / (2 * sigma_surround**2))
    return centre / centre.sum() - surround / surround.sum()
'''
UNFOLD = '''def filter_images(images, kernels):
    count, _, height, width = images.shape
    size = kernels.shape[-1]
    patches = F.unfold(images, size, padding=size // 2)           # (N, k*k, H*W)
    weights = kernels.reshape(len(kernels), -1)                    # (C, k*k)
    return (weights @ patches).reshape(count, len(kernels), height, width)
'''
EINSUM_RESPONSE = '''def retina_response(images, kernels):
    filtered = filter_images(images, kernels)
    return F.max_pool2d(filtered.clamp(min=0), kernel_size=2, stride=2)
'''
FLIPPED = '''def filter_images(images, kernels):
    size = kernels.shape[-1]
    return F.conv2d(images, kernels.flip(-1, -2)[:, None], padding=size // 2)  # a "true" convolution
'''
UNNORMALISED = '''def difference_of_gaussians(size, sigma_center, sigma_surround):
    offsets = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    d2 = offsets[:, None] ** 2 + offsets[None, :] ** 2
    return torch.exp(-d2 / (2 * sigma_center**2)) - torch.exp(-d2 / (2 * sigma_surround**2))
'''
POOL_FIRST = '''def retina_response(images, kernels):
    return torch.relu(F.avg_pool2d(filter_images(images, kernels), 2))
'''
LOOP_TUNING = '''import math


def size_tuning(kernel, diameters):
    size = kernel.shape[0]
    middle = size // 2
    responses = []
    for diameter in diameters.tolist():
        total = 0.0
        for row in range(size):
            for column in range(size):
                if math.hypot(row - middle, column - middle) <= diameter / 2:
                    total += float(kernel[row, column])
        responses.append(total)
    return torch.tensor(responses)
'''
CONV_TUNING = '''def size_tuning(kernel, diameters):
    size = kernel.shape[-1]
    axis = torch.linspace(-(size // 2), size // 2, size)
    y, x = torch.meshgrid(axis, axis, indexing="ij")
    discs = (4 * (x**2 + y**2) <= diameters.view(-1, 1, 1) ** 2).float()   # (D, k, k) pictures of the discs
    centre = filter_images(discs[:, None], kernel[None])                     # (D, 1, k, k): the cell everywhere
    return centre[:, 0, size // 2, size // 2]                                # the cell at the disc's centre
'''
STRICT_EDGE_TUNING = '''def size_tuning(kernel, diameters):
    size = kernel.shape[-1]
    offsets = torch.arange(size) - (size - 1) / 2
    distance = (offsets[:, None] ** 2 + offsets[None, :] ** 2).sqrt()
    return torch.stack([(kernel * (distance < d / 2)).sum() for d in diameters])
'''
RADIUS_TUNING = '''def size_tuning(kernel, diameters):
    size = kernel.shape[-1]
    offsets = torch.arange(size) - (size - 1) / 2
    distance = (offsets[:, None] ** 2 + offsets[None, :] ** 2).sqrt()
    return torch.stack([(kernel * (distance <= d)).sum() for d in diameters])
'''
FULL = {"dog-tests": 3, "filter-tests": 2, "response-tests": 2, "size-tests": 3}

SAMPLES = {
    "honest_loops": {"edits": {"dog-exercise": LOOPS, "filter-exercise": UNFOLD, "response-exercise": EINSUM_RESPONSE, "size-exercise": LOOP_TUNING},
                     "points": FULL},
    "honest_meshgrid": {"edits": {"dog-exercise": MESHGRID, "filter-exercise": UNFOLD.replace("weights @ patches", "torch.einsum('ck,nkp->ncp', weights, patches)"),
                                  "response-exercise": EINSUM_RESPONSE, "size-exercise": CONV_TUNING}, "points": FULL},
    "mistake_flipped_and_unnormalised": {"edits": {"dog-exercise": UNNORMALISED, "filter-exercise": FLIPPED, "response-exercise": EINSUM_RESPONSE,
                                                   "size-exercise": LOOP_TUNING},
                                         "points": {"dog-tests": 0, "filter-tests": 0, "response-tests": 2, "size-tests": 3}},
    "mistake_average_pool": {"edits": {"dog-exercise": MESHGRID, "filter-exercise": UNFOLD, "response-exercise": POOL_FIRST},
                             "points": {"dog-tests": 3, "filter-tests": 2, "response-tests": 0, "size-tests": 0}},
    "mistake_disc_edge_left_dark": {"edits": {"dog-exercise": LOOPS, "filter-exercise": UNFOLD, "response-exercise": EINSUM_RESPONSE,
                                              "size-exercise": STRICT_EDGE_TUNING}, "points": {**FULL, "size-tests": 0}},
    "mistake_radius_for_diameter": {"edits": {"dog-exercise": MESHGRID, "filter-exercise": UNFOLD, "response-exercise": EINSUM_RESPONSE,
                                              "size-exercise": RADIUS_TUNING}, "points": {**FULL, "size-tests": 0}},
}
