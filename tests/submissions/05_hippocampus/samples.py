"""Honest lesson-05 samples: two different correct solutions and two plausible mistakes."""

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
VOTE_LOOPS = '''def vote(similarities, neighbour_labels, temperature, num_classes=10):
    rows = []
    for row, labels in zip(similarities, neighbour_labels):
        weights = (row / temperature).softmax(0)
        p = torch.zeros(num_classes)
        for weight, label in zip(weights, labels.tolist()):
            p[label] += weight
        rows.append(torch.log(p * (1 - 1e-4) + 1e-4 / num_classes))
    return torch.stack(rows)
'''
VOTE_ONE_HOT = '''def vote(similarities, neighbour_labels, temperature, num_classes=10):
    scaled = similarities / temperature
    weights = torch.exp(scaled - torch.logsumexp(scaled, dim=1, keepdim=True))
    p = (weights[:, :, None] * F.one_hot(neighbour_labels, num_classes)).sum(1)
    return ((1 - 1e-4) * p + 1e-4 / num_classes).log()
'''
VOTE_NO_TEMPERATURE = '''def vote(similarities, neighbour_labels, temperature, num_classes=10):
    weights = torch.softmax(similarities, dim=1)
    p = torch.zeros(len(similarities), num_classes).scatter_add(1, neighbour_labels, weights)
    return torch.log((1 - 1e-4) * p + 1e-4 / num_classes)
'''
RECALL_TOPK = '''def recall(queries, keys, key_labels, k, temperature, exclude=None, num_classes=10):
    similarities = cosine_similarity(queries, keys)
    if exclude is not None:
        similarities[torch.arange(len(queries)), exclude] = float("-inf")
    nearest, slots = similarities.topk(k, dim=1)
    return vote(nearest, key_labels[slots], temperature, num_classes)
'''
RECALL_SORT_MASK = '''def recall(queries, keys, key_labels, k, temperature, exclude=None, num_classes=10):
    similarities = cosine_similarity(queries, keys).clone()
    if exclude is not None:
        mask = F.one_hot(exclude, len(keys)).bool()
        similarities = similarities.masked_fill(mask, -float("inf"))
    order = similarities.argsort(dim=1, descending=True)[:, :k]
    return vote(similarities.gather(1, order), key_labels[order], temperature, num_classes=num_classes)
'''
RECALL_EXCLUDE_COLUMNS = '''def recall(queries, keys, key_labels, k, temperature, exclude=None, num_classes=10):
    similarities = cosine_similarity(queries, keys)
    if exclude is not None:
        similarities[:, exclude] = float("-inf")  # every query loses every excluded slot
    nearest, slots = similarities.topk(k, dim=1)
    return vote(nearest, key_labels[slots], temperature, num_classes)
'''
FULL = {"cosine-tests": 2, "vote-tests": 3, "recall-tests": 3}

SAMPLES = {
    "honest_loops": {"edits": {"cosine-exercise": COSINE_DIVIDE, "vote-exercise": VOTE_LOOPS, "recall-exercise": RECALL_TOPK}, "points": FULL},
    "honest_vectorised": {"edits": {"cosine-exercise": COSINE_EINSUM, "vote-exercise": VOTE_ONE_HOT, "recall-exercise": RECALL_SORT_MASK}, "points": FULL},
    "mistake_keys_and_temperature": {"edits": {"cosine-exercise": COSINE_UNNORMALISED_KEYS, "vote-exercise": VOTE_NO_TEMPERATURE, "recall-exercise": RECALL_TOPK},
                                     "points": {"cosine-tests": 0, "vote-tests": 0, "recall-tests": 3}},
    "mistake_exclude_columns": {"edits": {"cosine-exercise": COSINE_EINSUM, "vote-exercise": VOTE_ONE_HOT, "recall-exercise": RECALL_EXCLUDE_COLUMNS},
                                "points": {"cosine-tests": 2, "vote-tests": 3, "recall-tests": 0}},
}
