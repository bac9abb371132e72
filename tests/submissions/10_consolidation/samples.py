"""Honest lesson-10 samples: different correct solutions and plausible mistakes, each losing exactly its exercise's points."""

REPLAY_SORTED = '''def replay_batch(keys, labels, count, generator):
    stored = (labels >= 0).nonzero().squeeze(1)
    order = labels[stored].argsort(stable=True)
    by_class = stored[order]
    digits, counts = labels[by_class].unique_consecutive(return_counts=True)
    firsts = counts.cumsum(0) - counts
    drawn = torch.randint(len(digits), (count,), generator=generator)
    offsets = (torch.rand(count, generator=generator) * counts[drawn]).long()
    slots = by_class[firsts[drawn] + offsets]
    return keys[slots], labels[slots]
'''
REPLAY_LOOP = '''def replay_batch(keys, labels, count, generator):
    digits = [d for d in labels.unique().tolist() if d >= 0]
    slots = []
    for _ in range(count):
        digit = digits[torch.randint(0, len(digits), (1,), generator=generator).item()]
        members = torch.nonzero(labels == digit).flatten()
        slots.append(members[torch.randint(0, len(members), (1,), generator=generator).item()].item())
    slots = torch.tensor(slots, dtype=torch.long)
    return keys[slots], labels[slots]
'''
REPLAY_WEIGHTED = '''def replay_batch(keys, labels, count, generator):
    stored = labels >= 0
    per_class = torch.bincount(labels[stored])
    classes = int((per_class > 0).sum())
    weights = torch.zeros(len(labels))
    weights[stored] = 1.0 / (classes * per_class[labels[stored]].float())  # every class carries the same total weight
    slots = torch.multinomial(weights, count, replacement=True, generator=generator)
    return keys[slots].clone(), labels[slots].clone()
'''
REPLAY_UNIFORM_OVER_SLOTS = '''def replay_batch(keys, labels, count, generator):
    stored = (labels >= 0).nonzero().squeeze(1)
    slots = stored[torch.randint(len(stored), (count,), generator=generator)]
    return keys[slots], labels[slots]
'''
REPLAY_EMPTY_SLOTS_TOO = '''def replay_batch(keys, labels, count, generator):
    digits = labels.unique()
    drawn = digits[torch.randint(len(digits), (count,), generator=generator)]
    slots = torch.empty(count, dtype=torch.long)
    for digit in digits.tolist():
        members = (labels == digit).nonzero().squeeze(1)
        where = drawn == digit
        slots[where] = members[torch.randint(len(members), (int(where.sum()),), generator=generator)]
    return keys[slots], labels[slots]
'''
REPLAY_GLOBAL_RANDOMNESS = '''def replay_batch(keys, labels, count, generator):
    stored = (labels >= 0).nonzero().squeeze(1)
    digits = labels[stored].unique()
    drawn = digits[torch.randint(len(digits), (count,))]
    slots = torch.empty(count, dtype=torch.long)
    for digit in digits.tolist():
        members = stored[labels[stored] == digit]
        where = drawn == digit
        slots[where] = members[torch.randint(len(members), (int(where.sum()),))]
    return keys[slots], labels[slots]
'''
SLEEP_MASK = '''def sleep(brain, steps, learning_rate, generator, digits=None):
    keys, labels = brain.hippocampus.keys, brain.hippocampus.labels
    if digits is not None:
        labels = torch.where(torch.isin(labels, torch.tensor(digits)), labels, torch.full_like(labels, -1))
    optimizer = torch.optim.AdamW(brain.pfc.parameters(), lr=learning_rate, weight_decay=brain.config.weight_decay)
    was_training = brain.pfc.training
    brain.pfc.train()
    losses = []
    for step in range(steps):
        embeddings, targets = replay_batch(keys, labels, brain.config.batch_size, generator)
        loss = F.cross_entropy(brain.pfc(embeddings), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    brain.pfc.train(was_training)
    return losses
'''
SLEEP_SUBSET = '''def sleep(brain, steps, learning_rate, generator, digits=None):
    memory = brain.hippocampus
    keep = memory.labels >= 0
    if digits is not None:
        keep &= sum(memory.labels == d for d in digits).bool()
    keys, labels = memory.keys[keep], memory.labels[keep]
    pfc = brain.pfc
    mode = pfc.training
    optimizer = torch.optim.AdamW(list(pfc.parameters()), learning_rate, weight_decay=brain.config.weight_decay)
    pfc.train(True)
    history = []
    step = 0
    while step < steps:
        batch, batch_labels = replay_batch(keys, labels, brain.config.batch_size, generator)
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(pfc(batch), batch_labels)
        loss.backward()
        optimizer.step()
        history.append(float(loss.detach()))
        step += 1
    pfc.train(mode)
    return history
'''
SLEEP_ADAM = SLEEP_MASK.replace("torch.optim.AdamW(brain.pfc.parameters(), lr=learning_rate, weight_decay=brain.config.weight_decay)",
                                "torch.optim.Adam(brain.pfc.parameters(), lr=learning_rate)")
SLEEP_ONE_BATCH = '''def sleep(brain, steps, learning_rate, generator, digits=None):
    keys, labels = brain.hippocampus.keys, brain.hippocampus.labels
    if digits is not None:
        labels = torch.where(torch.isin(labels, torch.tensor(digits)), labels, torch.full_like(labels, -1))
    optimizer = torch.optim.AdamW(brain.pfc.parameters(), lr=learning_rate, weight_decay=brain.config.weight_decay)
    was_training = brain.pfc.training
    brain.pfc.train()
    embeddings, targets = replay_batch(keys, labels, brain.config.batch_size, generator)
    losses = []
    for step in range(steps):
        loss = F.cross_entropy(brain.pfc(embeddings), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    brain.pfc.train(was_training)
    return losses
'''
SLEEP_LEFT_IN_TRAINING = SLEEP_MASK.replace("    brain.pfc.train(was_training)\n", "")
CURVE_COPY = '''def forgetting_curve(brain, embeddings, labels, new_digit, steps, every, learning_rate, generator, digits=None):
    sleeper = copy.deepcopy(brain)
    new = labels == new_digit
    curve = []
    for bout in range(steps // every + 1):
        if bout > 0:
            sleep(sleeper, every, learning_rate, generator, digits)
        sleeper.pfc.eval()
        with torch.no_grad():
            right = sleeper.pfc(embeddings).argmax(1) == labels
        curve.append([right[new].float().mean().item(), right[~new].float().mean().item()])
    return torch.tensor(curve)
'''
CURVE_RESTORE = '''def forgetting_curve(brain, embeddings, labels, new_digit, steps, every, learning_rate, generator, digits=None):
    saved = {name: value.clone() for name, value in brain.pfc.state_dict().items()}
    was_training = brain.training

    def score():
        brain.pfc.eval()
        with torch.no_grad():
            guesses = brain.pfc(embeddings).argmax(dim=1)
        new_right = old_right = new_count = old_count = 0
        for guess, label in zip(guesses.tolist(), labels.tolist()):
            if label == new_digit:
                new_count += 1
                new_right += guess == label
            else:
                old_count += 1
                old_right += guess == label
        return torch.tensor([new_right / new_count, old_right / old_count], dtype=torch.float64)

    rows = [score()]
    for _ in range(steps // every):
        sleep(brain, every, learning_rate, generator, digits)
        rows.append(score())
    brain.pfc.load_state_dict(saved)
    brain.train(was_training)
    return torch.stack(rows)
'''
CURVE_SLEEPS_THE_BRAIN_ITSELF = CURVE_COPY.replace("sleeper = copy.deepcopy(brain)", "sleeper = brain")
CURVE_SCORED_WITH_DROPOUT = CURVE_COPY.replace("        sleeper.pfc.eval()\n", "")
CURVE_NO_ROW_BEFORE_SLEEP = CURVE_COPY.replace("for bout in range(steps // every + 1):\n        if bout > 0:\n            sleep(",
                                              "for bout in range(steps // every):\n        if True:\n            sleep(")
CURVE_ALL_IMAGES_IN_COLUMN_2 = CURVE_COPY.replace("right[~new].float().mean().item()", "right.float().mean().item()")

FULL = {"replay-tests": 3, "sleep-tests": 3, "curve-tests": 4}
CORRECT = {"replay-exercise": REPLAY_SORTED, "sleep-exercise": SLEEP_MASK}

SAMPLES = {
    "honest_sorted": {"edits": {**CORRECT, "curve-exercise": CURVE_COPY}, "points": FULL},
    "honest_loops": {"edits": {"replay-exercise": REPLAY_LOOP, "sleep-exercise": SLEEP_SUBSET, "curve-exercise": CURVE_RESTORE}, "points": FULL},
    "honest_weighted": {"edits": {"replay-exercise": REPLAY_WEIGHTED, "sleep-exercise": SLEEP_SUBSET, "curve-exercise": CURVE_COPY}, "points": FULL},
    "mistake_uniform_over_slots": {"edits": {**CORRECT, "replay-exercise": REPLAY_UNIFORM_OVER_SLOTS, "curve-exercise": CURVE_COPY},
                                   "points": {**FULL, "replay-tests": 0}},
    "mistake_empty_slots_replayed": {"edits": {**CORRECT, "replay-exercise": REPLAY_EMPTY_SLOTS_TOO, "curve-exercise": CURVE_RESTORE},
                                     "points": {**FULL, "replay-tests": 0}},
    "mistake_global_randomness": {"edits": {**CORRECT, "replay-exercise": REPLAY_GLOBAL_RANDOMNESS, "curve-exercise": CURVE_COPY},
                                  "points": {**FULL, "replay-tests": 0}},
    "mistake_adam_without_decay": {"edits": {**CORRECT, "sleep-exercise": SLEEP_ADAM, "curve-exercise": CURVE_COPY}, "points": {**FULL, "sleep-tests": 0}},
    "mistake_one_batch_replayed": {"edits": {**CORRECT, "sleep-exercise": SLEEP_ONE_BATCH, "curve-exercise": CURVE_COPY},
                                   "points": {**FULL, "sleep-tests": 0}},
    "mistake_left_in_training_mode": {"edits": {**CORRECT, "sleep-exercise": SLEEP_LEFT_IN_TRAINING, "curve-exercise": CURVE_COPY},
                                      "points": {**FULL, "sleep-tests": 0}},
    "mistake_sleeps_the_brain_itself": {"edits": {**CORRECT, "curve-exercise": CURVE_SLEEPS_THE_BRAIN_ITSELF}, "points": {**FULL, "curve-tests": 0}},
    "mistake_scored_with_dropout": {"edits": {**CORRECT, "curve-exercise": CURVE_SCORED_WITH_DROPOUT}, "points": {**FULL, "curve-tests": 0}},
    "mistake_no_row_before_sleep": {"edits": {**CORRECT, "curve-exercise": CURVE_NO_ROW_BEFORE_SLEEP}, "points": {**FULL, "curve-tests": 0}},
    "mistake_all_images_in_column_2": {"edits": {**CORRECT, "curve-exercise": CURVE_ALL_IMAGES_IN_COLUMN_2}, "points": {**FULL, "curve-tests": 0}},
    "blank_stretch": {"edits": CORRECT, "points": {**FULL, "curve-tests": 0}},
}
