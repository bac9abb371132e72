"""Honest lesson-09 samples: different correct solutions of every exercise, and plausible mistakes that each lose one exercise's points."""

LOSS = '''def supervised_loss(output, labels):
    loss = F.cross_entropy(output.cortex_logits, labels)
    if output.memory_log_probs is not None:
        loss = loss + F.nll_loss(output.memory_log_probs, labels)
    return loss
'''
LOSS_BY_HAND = '''def supervised_loss(output, labels):
    picked = lambda log_probs: log_probs.gather(1, labels[:, None]).squeeze(1)
    losses = [-picked(torch.log_softmax(output.cortex_logits, dim=1)).mean()]
    if output.memory_log_probs is not None:
        losses.append(F.cross_entropy(output.memory_log_probs, labels))  # log_softmax of log-probabilities changes nothing
    return sum(losses)
'''
MIXTURE = '''def supervised_loss(output, labels):
    loss = F.nll_loss(output.log_probs, labels)
    if output.memory_log_probs is not None:
        loss = loss + F.nll_loss(output.memory_log_probs, labels)
    return loss
'''
AVERAGED = LOSS.replace("loss = loss + F.nll_loss(output.memory_log_probs, labels)",
                        "loss = (loss + F.nll_loss(output.memory_log_probs, labels)) / 2")

EPOCH = '''def supervised_epoch(brain, images, labels, slots, optimizer, scheduler, generator, batch_size=128):
    device = next(brain.parameters()).device
    brain.train()
    losses = []
    for batch, batch_labels, index in minibatches(images, labels, batch_size, shuffle=True, generator=generator):
        batch, batch_labels, batch_slots = batch.to(device), batch_labels.to(device), slots[index].to(device)
        output = brain(batch, exclude_slots=batch_slots, reconstruct=False)
        loss = supervised_loss(output, batch_labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        brain.hippocampus.write(output.embedding, batch_labels, batch_slots)
    return losses
'''
EPOCH_RANDPERM = '''def supervised_epoch(brain, images, labels, slots, optimizer, scheduler, generator, batch_size=128):
    brain.train(True)
    device = next(brain.parameters()).device
    order = torch.randperm(len(images), generator=generator)
    losses = []
    for start in range(0, len(images), batch_size):
        chosen = order[start:start + batch_size]
        own_slots = slots[chosen].to(device)
        answer = brain(images[chosen].to(device), exclude_slots=own_slots)
        truth = labels[chosen].to(device)
        loss = supervised_loss(answer, truth)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        with torch.no_grad():
            brain.hippocampus.write(answer.embedding.detach(), truth, own_slots)
        losses.append(float(loss.detach()))
    return losses
'''
FINDS_ITSELF = EPOCH.replace("output = brain(batch, exclude_slots=batch_slots, reconstruct=False)", "output = brain(batch, reconstruct=False)")
BATCH_POSITIONS = EPOCH.replace("brain.hippocampus.write(output.embedding, batch_labels, batch_slots)",
                                "brain.hippocampus.write(output.embedding, batch_labels, index.to(device))  # where the images are in the batch")
NO_SCHEDULER = EPOCH.replace("        scheduler.step()\n", "")

GATE = '''def fit_basal_ganglia(brain, images, labels, slots, epochs, lr, generator, batch_size=256):
    device = next(brain.parameters()).device
    brain.eval()
    with torch.no_grad():
        embedding, _ = brain.encode(images.to(device))
        cortex_logits = brain.pfc(embedding)
        recall = brain.hippocampus.recall(embedding, exclude_slots=slots.to(device))
    labels = labels.to(device)
    training.calibrate(brain.basal_ganglia, cortex_logits, recall.log_probs, labels)
    optimizer = torch.optim.Adam(brain.basal_ganglia.policy.parameters(), lr=lr)
    brain.basal_ganglia.train()
    losses = []
    for _ in range(epochs):
        for _, _, index in minibatches(labels, labels, batch_size, shuffle=True, generator=generator):
            mixture, _ = brain.basal_ganglia(cortex_logits[index], recall.log_probs[index], recall.similarities[index])
            loss = F.nll_loss(mixture, labels[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses
'''
GATE_IN_CHUNKS = '''def fit_basal_ganglia(brain, images, labels, slots, epochs, lr, generator, batch_size=256):
    mode = brain.training
    brain.train(False)
    evidence = {"cortex": [], "memory": [], "similar": []}
    with torch.inference_mode():
        for chunk, chunk_slots in zip(images.split(25), slots.split(25)):
            embedding = brain.encode(chunk)[0]
            recall = brain.hippocampus.recall(embedding, chunk_slots)
            evidence["cortex"].append(brain.pfc(embedding))
            evidence["memory"].append(recall.log_probs)
            evidence["similar"].append(recall.similarities)
    cortex, memory, similar = (torch.cat(parts).clone() for parts in evidence.values())  # clones leave inference mode
    gate = brain.basal_ganglia
    training.calibrate(gate, cortex, memory, labels)
    optimizer = torch.optim.Adam(gate.policy.parameters(), lr=lr)
    gate.train()
    losses = []
    for epoch in range(epochs):
        order = torch.randperm(len(labels), generator=generator)
        if len(order) % batch_size == 1:
            order = order[:-1]  # batch normalisation cannot train on one example
        for index in order.split(batch_size):
            log_probs, _ = gate(cortex[index], memory[index], similar[index])
            loss = -log_probs[torch.arange(len(index)), labels[index]].mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    brain.train(mode)
    return losses
'''
GATE_FINDS_ITSELF = GATE.replace("recall = brain.hippocampus.recall(embedding, exclude_slots=slots.to(device))",
                                 "recall = brain.hippocampus.recall(embedding)")
GATE_TEMPERATURES_DRIFT = GATE.replace("torch.optim.Adam(brain.basal_ganglia.policy.parameters(), lr=lr)",
                                       "torch.optim.Adam(brain.basal_ganglia.parameters(), lr=lr)")
GATE_TRAINING_MODE = GATE.replace("    brain.eval()\n", "")

EVALUATE = '''def evaluate_sources(brain, images, labels, batch_size=1000):
    was_training = brain.training
    brain.eval()
    device = next(brain.parameters()).device
    names = ("both right", "only memory right", "only cortex right", "both wrong")
    right = {"mixture": 0, "cortex": 0, "memory": 0, "oracle": 0}
    count = {name: 0 for name in names}
    gate_sum = {name: 0.0 for name in names}
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            output = brain(images[start : start + batch_size].to(device), reconstruct=False)
            truth = labels[start : start + batch_size].to(device)
            mixture = output.log_probs.argmax(1) == truth
            cortex = output.cortex_logits.argmax(1) == truth
            memory = output.memory_log_probs.argmax(1) == truth
            right["mixture"] += int(mixture.sum())
            right["cortex"] += int(cortex.sum())
            right["memory"] += int(memory.sum())
            right["oracle"] += int((cortex | memory).sum())
            for name, where in zip(names, (cortex & memory, memory & ~cortex, cortex & ~memory, ~cortex & ~memory)):
                count[name] += int(where.sum())
                gate_sum[name] += float(output.gate[where].sum())
    brain.train(was_training)
    return {"accuracy": {source: total / len(images) for source, total in right.items()}, "count": count,
            "mean gate": {name: gate_sum[name] / count[name] if count[name] else None for name in names}}
'''
EVALUATE_COLLECTED = '''def evaluate_sources(brain, images, labels, batch_size=1000):
    mode = brain.training
    brain.train(False)
    device = next(brain.parameters()).device
    answers = {"mixture": [], "cortex": [], "memory": [], "gate": []}
    try:
        with torch.inference_mode():
            for batch in images.split(batch_size):
                output = brain(batch.to(device), reconstruct=False)
                answers["mixture"].append(output.log_probs.argmax(dim=1).cpu())
                answers["cortex"].append(output.cortex_logits.argmax(dim=1).cpu())
                answers["memory"].append(output.memory_log_probs.argmax(dim=1).cpu())
                answers["gate"].append(output.gate.cpu())
    finally:
        brain.train(mode)
    answers = {name: torch.cat(parts) for name, parts in answers.items()}
    cortex, memory = answers["cortex"] == labels, answers["memory"] == labels
    case = 2 * (~cortex).long() + (~memory).long()  # 0 both right, 1 only cortex, 2 only memory, 3 both wrong
    names = {0: "both right", 2: "only memory right", 1: "only cortex right", 3: "both wrong"}
    accuracy = {name: (answers[name] == labels).float().mean().item() for name in ("mixture", "cortex", "memory")}
    accuracy["oracle"] = (cortex | memory).float().mean().item()
    count = {names[k]: int((case == k).sum()) for k in names}
    mean_gate = {names[k]: (answers["gate"][case == k].mean().item() if (case == k).any() else None) for k in names}
    return {"accuracy": accuracy, "count": count, "mean gate": mean_gate}
'''
ALWAYS_TRAIN = EVALUATE.replace("    brain.train(was_training)\n", "    brain.train()\n")
NAN_WHERE_EMPTY = EVALUATE.replace("if count[name] else None", "if count[name] else float('nan')")
MIXTURE_CASES = EVALUATE.replace("cortex = output.cortex_logits.argmax(1) == truth", "cortex = output.log_probs.argmax(1) == truth")

FULL = {"loss-tests": 2, "epoch-tests": 4, "gate-tests": 4, "evaluate-tests": 3}
RIGHT = {"loss-exercise": LOSS, "epoch-exercise": EPOCH, "gate-exercise": GATE, "evaluate-exercise": EVALUATE}

SAMPLES = {
    "honest_as_instructed": {"edits": RIGHT, "points": FULL},
    "honest_by_hand": {"edits": {"loss-exercise": LOSS_BY_HAND, "epoch-exercise": EPOCH_RANDPERM, "gate-exercise": GATE_IN_CHUNKS,
                                 "evaluate-exercise": EVALUATE_COLLECTED}, "points": FULL},
    "mistake_mixture_and_always_train": {"edits": {**RIGHT, "loss-exercise": MIXTURE, "evaluate-exercise": ALWAYS_TRAIN},
                                         "points": {**FULL, "loss-tests": 0, "evaluate-tests": 0}},
    "mistake_averaged": {"edits": {**RIGHT, "loss-exercise": AVERAGED, "evaluate-exercise": EVALUATE_COLLECTED},
                         "points": {**FULL, "loss-tests": 0}},
    "mistake_epoch_finds_itself": {"edits": {**RIGHT, "epoch-exercise": FINDS_ITSELF}, "points": {**FULL, "epoch-tests": 0}},
    "mistake_epoch_writes_batch_positions": {"edits": {**RIGHT, "loss-exercise": LOSS_BY_HAND, "epoch-exercise": BATCH_POSITIONS},
                                             "points": {**FULL, "epoch-tests": 0}},
    "mistake_epoch_no_scheduler": {"edits": {**RIGHT, "epoch-exercise": NO_SCHEDULER}, "points": {**FULL, "epoch-tests": 0}},
    "mistake_gate_finds_itself": {"edits": {**RIGHT, "gate-exercise": GATE_FINDS_ITSELF}, "points": {**FULL, "gate-tests": 0}},
    "mistake_gate_temperatures_drift": {"edits": {**RIGHT, "gate-exercise": GATE_TEMPERATURES_DRIFT}, "points": {**FULL, "gate-tests": 0}},
    "mistake_gate_training_mode": {"edits": {**RIGHT, "gate-exercise": GATE_TRAINING_MODE}, "points": {**FULL, "gate-tests": 0}},
    "mistake_nan_where_empty": {"edits": {**RIGHT, "evaluate-exercise": NAN_WHERE_EMPTY}, "points": {**FULL, "evaluate-tests": 0}},
    "mistake_mixture_cases": {"edits": {**RIGHT, "epoch-exercise": EPOCH_RANDPERM, "evaluate-exercise": MIXTURE_CASES},
                              "points": {**FULL, "evaluate-tests": 0}},
}
