"""Honest lesson-05 samples: different correct solutions and plausible mistakes."""

COSINE_DIVIDE = '''def cosine_similarity(queries, keys):
    dots = queries @ keys.T
    return dots / (queries.norm(dim=1)[:, None] * keys.norm(dim=1)[None, :])
'''
COSINE_EINSUM = '''def cosine_similarity(queries, keys):
    q = queries / torch.linalg.vector_norm(queries, dim=1, keepdim=True)
    k = keys / torch.linalg.vector_norm(keys, dim=1, keepdim=True)
    return torch.einsum("nd,md->nm", q, k)
'''
COSINE_UNNORMALISED_KEYS = '''def cosine_similarity(queries, keys):
    return F.normalize(queries, dim=1) @ keys.T
'''
VOTE_LOOPS = '''def vote(similarities, key_labels, temperature, num_classes=10):
    rows = []
    for row in similarities:
        largest = row[torch.isfinite(row)].max()
        weights = torch.exp((row - largest) / temperature)
        density = torch.zeros(num_classes)
        for c in range(num_classes):
            members = (key_labels == c) & torch.isfinite(row)
            if members.any():
                density[c] = weights[members].sum() / members.sum()
        p = density / density.sum()
        rows.append(torch.log(p * (1 - 1e-4) + 1e-4 / num_classes))
    return torch.stack(rows)
'''
VOTE_SOFTMAX_SCATTER = '''def vote(similarities, key_labels, temperature, num_classes=10):
    n = len(similarities)
    weights = torch.softmax(similarities / temperature, dim=1)  # the softmax's own normalisation cancels below
    index = key_labels.expand(n, -1)
    sums = torch.zeros(n, num_classes).scatter_add(1, index, weights)
    counts = torch.zeros(n, num_classes).scatter_add(1, index, (similarities > float("-inf")).float())
    density = torch.where(counts > 0, sums / counts.clamp(min=1), torch.zeros_like(sums))
    return ((1 - 1e-4) * density / density.sum(1, keepdim=True) + 1e-4 / num_classes).log()
'''
VOTE_PLAIN_SUM = '''def vote(similarities, key_labels, temperature, num_classes=10):
    weights = torch.softmax(similarities / temperature, dim=1)
    p = weights @ F.one_hot(key_labels, num_classes).float()  # every memory's vote counts, whatever its class's size
    return torch.log((1 - 1e-4) * p + 1e-4 / num_classes)
'''
VOTE_COUNTS_IGNORE_SKIPPED = '''def vote(similarities, key_labels, temperature, num_classes=10):
    members = F.one_hot(key_labels, num_classes).float()
    counts = members.sum(0)  # every stored memory counts, even one the query may not retrieve
    scaled = similarities / temperature
    density = (torch.exp(scaled - scaled.max(1, keepdim=True).values) @ members) / counts.clamp(min=1)
    p = density / density.sum(1, keepdim=True)
    return torch.log((1 - 1e-4) * p + 1e-4 / num_classes)
'''
RECALL_TOPK = '''def recall(queries, keys, key_labels, k, temperature, exclude=None, num_classes=10):
    similarities = cosine_similarity(queries, keys).clone()
    if exclude is not None:
        similarities[torch.arange(len(queries)), exclude] = float("-inf")
    nearest, slots = similarities.topk(k, dim=1)
    return vote(similarities, key_labels, temperature, num_classes), nearest, slots
'''
RECALL_SORT_MASK = '''def recall(queries, keys, key_labels, k, temperature, exclude=None, num_classes=10):
    similarities = cosine_similarity(queries, keys)
    if exclude is not None:
        mask = F.one_hot(exclude, len(keys)).bool()
        similarities = similarities.masked_fill(mask, -float("inf"))
    order = similarities.argsort(dim=1, descending=True)[:, :k]
    return vote(similarities, key_labels, temperature, num_classes=num_classes), similarities.gather(1, order), order
'''
RECALL_EXCLUDE_COLUMNS = '''def recall(queries, keys, key_labels, k, temperature, exclude=None, num_classes=10):
    similarities = cosine_similarity(queries, keys).clone()
    if exclude is not None:
        similarities[:, exclude] = float("-inf")  # every query loses every excluded slot
    nearest, slots = similarities.topk(k, dim=1)
    return vote(similarities, key_labels, temperature, num_classes), nearest, slots
'''
RECALL_VOTES_BEFORE_EXCLUDING = '''def recall(queries, keys, key_labels, k, temperature, exclude=None, num_classes=10):
    similarities = cosine_similarity(queries, keys)
    log_probs = vote(similarities, key_labels, temperature, num_classes)  # the query's own memory still votes
    if exclude is not None:
        similarities = similarities.clone()
        similarities[torch.arange(len(queries)), exclude] = float("-inf")
    nearest, slots = similarities.topk(k, dim=1)
    return log_probs, nearest, slots
'''
OCCLUDE_ARGSORT = '''def occlude(images, fraction, generator):
    n = len(images)
    flat = images.reshape(n, -1).clone()
    count = round(fraction * flat.shape[1])
    chosen = torch.rand(flat.shape, generator=generator).argsort(dim=1)[:, :count]
    flat.scatter_(1, chosen, BACKGROUND)
    return flat.reshape(images.shape)
'''
OCCLUDE_LOOP = '''def occlude(images, fraction, generator):
    cue = images.clone()
    height, width = images.shape[-2:]
    count = round(fraction * height * width)
    for image in cue:
        for pixel in torch.randperm(height * width, generator=generator)[:count].tolist():
            image[0, pixel // width, pixel % width] = BACKGROUND
    return cue
'''
OCCLUDE_MULTINOMIAL = '''def occlude(images, fraction, generator):
    n, _, h, w = images.shape
    count = round(fraction * h * w)
    mask = torch.zeros(n, h * w, dtype=torch.bool)
    if count:
        picked = torch.multinomial(torch.ones(n, h * w), count, replacement=False, generator=generator)
        mask[torch.arange(n)[:, None], picked] = True
    return torch.where(mask.view(n, 1, h, w), torch.full_like(images, BACKGROUND), images)
'''
OCCLUDE_COIN_PER_PIXEL = '''def occlude(images, fraction, generator):
    hide = torch.rand(images.shape, generator=generator) < fraction  # about, not exactly, that many pixels
    return images.masked_fill(hide, BACKGROUND)
'''
OCCLUDE_SAME_PIXELS_FOR_ALL = '''def occlude(images, fraction, generator):
    height, width = images.shape[-2:]
    chosen = torch.randperm(height * width, generator=generator)[:round(fraction * height * width)]
    cue = images.clone().flatten(1)
    cue[:, chosen] = BACKGROUND  # one draw, the same pixels in every image
    return cue.view_as(images)
'''
OCCLUDE_IN_PLACE_GLOBAL_RNG = '''def occlude(images, fraction, generator):
    flat = images.view(len(images), -1)  # a view: the caller's images change too
    count = round(fraction * flat.shape[1])
    for row in flat:
        row[torch.randperm(flat.shape[1])[:count]] = BACKGROUND  # and the global random state, not generator
    return images
'''
FULL = {"cosine-tests": 2, "vote-tests": 3, "recall-tests": 3, "occlude-tests": 4}

SAMPLES = {
    "honest_loops": {"edits": {"cosine-exercise": COSINE_DIVIDE, "vote-exercise": VOTE_LOOPS, "recall-exercise": RECALL_TOPK,
                               "occlude-exercise": OCCLUDE_LOOP}, "points": FULL},
    "honest_vectorised": {"edits": {"cosine-exercise": COSINE_EINSUM, "vote-exercise": VOTE_SOFTMAX_SCATTER, "recall-exercise": RECALL_SORT_MASK,
                                    "occlude-exercise": OCCLUDE_ARGSORT}, "points": FULL},
    "honest_multinomial": {"edits": {"cosine-exercise": COSINE_DIVIDE, "vote-exercise": VOTE_SOFTMAX_SCATTER, "recall-exercise": RECALL_TOPK,
                                     "occlude-exercise": OCCLUDE_MULTINOMIAL}, "points": FULL},
    "mistake_keys_and_plain_sum": {"edits": {"cosine-exercise": COSINE_UNNORMALISED_KEYS, "vote-exercise": VOTE_PLAIN_SUM, "recall-exercise": RECALL_TOPK,
                                             "occlude-exercise": OCCLUDE_ARGSORT},
                                   "points": {**FULL, "cosine-tests": 0, "vote-tests": 0}},
    "mistake_counts_ignore_skipped": {"edits": {"cosine-exercise": COSINE_EINSUM, "vote-exercise": VOTE_COUNTS_IGNORE_SKIPPED, "recall-exercise": RECALL_TOPK,
                                                "occlude-exercise": OCCLUDE_LOOP},
                                      "points": {**FULL, "vote-tests": 0}},
    "mistake_exclude_columns": {"edits": {"cosine-exercise": COSINE_EINSUM, "vote-exercise": VOTE_LOOPS, "recall-exercise": RECALL_EXCLUDE_COLUMNS,
                                          "occlude-exercise": OCCLUDE_ARGSORT},
                                "points": {**FULL, "recall-tests": 0}},
    "mistake_votes_before_excluding": {"edits": {"cosine-exercise": COSINE_DIVIDE, "vote-exercise": VOTE_SOFTMAX_SCATTER,
                                                 "recall-exercise": RECALL_VOTES_BEFORE_EXCLUDING, "occlude-exercise": OCCLUDE_MULTINOMIAL},
                                       "points": {**FULL, "recall-tests": 0}},
    "mistake_coin_per_pixel": {"edits": {"cosine-exercise": COSINE_DIVIDE, "vote-exercise": VOTE_LOOPS, "recall-exercise": RECALL_TOPK,
                                         "occlude-exercise": OCCLUDE_COIN_PER_PIXEL},
                               "points": {**FULL, "occlude-tests": 0}},
    "mistake_same_pixels_for_all": {"edits": {"cosine-exercise": COSINE_EINSUM, "vote-exercise": VOTE_SOFTMAX_SCATTER, "recall-exercise": RECALL_SORT_MASK,
                                              "occlude-exercise": OCCLUDE_SAME_PIXELS_FOR_ALL},
                                    "points": {**FULL, "occlude-tests": 0}},
    "mistake_in_place_and_global_rng": {"edits": {"cosine-exercise": COSINE_DIVIDE, "vote-exercise": VOTE_LOOPS, "recall-exercise": RECALL_TOPK,
                                                  "occlude-exercise": OCCLUDE_IN_PLACE_GLOBAL_RNG},
                                        "points": {**FULL, "occlude-tests": 0}},
}
