"""Honest lesson-09 samples: two different correct solutions and three plausible mistakes."""

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
ACCURACIES = '''def accuracies(brain, images, labels, batch_size=1000):
    was_training = brain.training
    brain.eval()
    device = next(brain.parameters()).device
    correct = {"mixture": 0, "cortex": 0, "memory": 0}
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            output = brain(images[start : start + batch_size].to(device), reconstruct=False)
            truth = labels[start : start + batch_size].to(device)
            correct["mixture"] += (output.log_probs.argmax(1) == truth).sum().item()
            correct["cortex"] += (output.cortex_logits.argmax(1) == truth).sum().item()
            correct["memory"] += (output.memory_log_probs.argmax(1) == truth).sum().item()
    brain.train(was_training)
    return {source: count / len(images) for source, count in correct.items()}
'''
ACCURACIES_COLLECTED = '''def accuracies(brain, images, labels, batch_size=1000):
    mode = brain.training
    brain.train(False)
    device = next(brain.parameters()).device
    guesses = {"mixture": [], "cortex": [], "memory": []}
    try:
        with torch.inference_mode():
            for batch, truth in zip(images.split(batch_size), labels.split(batch_size)):
                output = brain(batch.to(device), reconstruct=False)
                guesses["mixture"].append(output.log_probs.argmax(dim=1).cpu())
                guesses["cortex"].append(output.cortex_logits.argmax(dim=1).cpu())
                guesses["memory"].append(output.memory_log_probs.argmax(dim=1).cpu())
    finally:
        brain.train(mode)
    return {source: (torch.cat(parts) == labels).float().mean().item() for source, parts in guesses.items()}
'''
ALWAYS_TRAIN = ACCURACIES.replace("    brain.train(was_training)\n", "    brain.train()\n")
NEVER_EVAL = ACCURACIES.replace("    brain.eval()\n", "")
FULL = {"loss-tests": 3, "accuracy-tests": 3}

SAMPLES = {
    "honest_as_instructed": {"edits": {"loss-exercise": LOSS, "accuracy-exercise": ACCURACIES}, "points": FULL},
    "honest_by_hand": {"edits": {"loss-exercise": LOSS_BY_HAND, "accuracy-exercise": ACCURACIES_COLLECTED}, "points": FULL},
    "mistake_mixture_and_always_train": {"edits": {"loss-exercise": MIXTURE, "accuracy-exercise": ALWAYS_TRAIN},
                                         "points": {"loss-tests": 0, "accuracy-tests": 0}},
    "mistake_averaged": {"edits": {"loss-exercise": AVERAGED, "accuracy-exercise": ACCURACIES_COLLECTED},
                         "points": {"loss-tests": 0, "accuracy-tests": 3}},
    "mistake_never_eval": {"edits": {"loss-exercise": LOSS_BY_HAND, "accuracy-exercise": NEVER_EVAL},
                           "points": {"loss-tests": 3, "accuracy-tests": 0}},
}
