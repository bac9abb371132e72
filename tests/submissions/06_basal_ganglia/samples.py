"""Honest lesson-06 samples: two different correct solutions and two plausible mistakes."""

MIX_LOGADDEXP = '''def mix_in_probability_space(cortex_log_probs, memory_log_probs, gate_logit):
    log_g, log_not_g = F.logsigmoid(gate_logit), F.logsigmoid(-gate_logit)
    return torch.logaddexp(log_g.unsqueeze(1) + memory_log_probs, log_not_g.unsqueeze(1) + cortex_log_probs)
'''
MIX_LOGSUMEXP = '''def mix_in_probability_space(cortex_log_probs, memory_log_probs, gate_logit):
    a = gate_logit[:, None]
    # log(1 - sigmoid(a)) = log sigmoid(a) - a
    terms = torch.stack([F.logsigmoid(a) + memory_log_probs, F.logsigmoid(a) - a + cortex_log_probs])
    return torch.logsumexp(terms, dim=0)
'''
MIX_DIRECT = '''def mix_in_probability_space(cortex_log_probs, memory_log_probs, gate_logit):
    g = torch.sigmoid(gate_logit)[:, None]
    return torch.log(g * memory_log_probs.exp() + (1 - g) * cortex_log_probs.exp())
'''
FEATURES_STACK = '''def retrieval_features(cortex_log_probs, memory_log_probs, similarities):
    classes = cortex_log_probs.shape[1]

    def confidence_and_entropy(log_probs):
        probs = log_probs.exp()
        return probs.max(1).values, -(probs * log_probs).sum(1) / math.log(classes)

    memory_confidence, memory_entropy = confidence_and_entropy(memory_log_probs)
    cortex_confidence, cortex_entropy = confidence_and_entropy(cortex_log_probs)
    answer = memory_log_probs.argmax(1)
    agreement = (answer == cortex_log_probs.argmax(1)).float()
    belief = torch.clamp(cortex_log_probs[torch.arange(len(answer)), answer], min=math.log(1e-4)) / -math.log(1e-4)
    return torch.stack([similarities[:, 0], similarities.mean(1), memory_confidence, cortex_confidence,
                        memory_entropy, cortex_entropy, agreement, belief], dim=1)
'''
FEATURES_COLUMNS = '''def retrieval_features(cortex_log_probs, memory_log_probs, similarities):
    n, classes = cortex_log_probs.shape
    out = torch.empty(n, 8)
    out[:, 0] = similarities.max(1).values
    out[:, 1] = similarities.sum(1) / similarities.shape[1]
    for offset, log_probs in enumerate((memory_log_probs, cortex_log_probs)):
        probs = torch.softmax(log_probs, dim=1)
        out[:, 2 + offset] = probs.amax(1)
        out[:, 4 + offset] = torch.special.entr(probs).sum(1) / torch.log(torch.tensor(float(classes)))
    out[:, 6] = torch.where(memory_log_probs.argmax(1) == cortex_log_probs.argmax(1), 1.0, 0.0)
    floor = torch.log(torch.tensor(1e-4))
    believed = cortex_log_probs.gather(1, memory_log_probs.argmax(1, keepdim=True))[:, 0]
    out[:, 7] = torch.maximum(believed, floor) / floor.abs()
    return out
'''
FEATURES_TEN_CLASSES = FEATURES_STACK.replace("/ math.log(classes)", "/ math.log(10)")
FEATURES_BELIEF_UNCLAMPED = FEATURES_STACK.replace("torch.clamp(cortex_log_probs[torch.arange(len(answer)), answer], min=math.log(1e-4))",
                                                   "cortex_log_probs[torch.arange(len(answer)), answer]")
CURVE_LOOP = '''def psychometric_curve(basal_ganglia, cortex_logits, memory_log_probs, similarities):
    mode = basal_ganglia.training
    basal_ganglia.eval()
    try:
        shares = []
        with torch.no_grad():
            for level in range(len(cortex_logits)):
                mixed, _ = basal_ganglia(cortex_logits[level], memory_log_probs[level], similarities[level])
                remembered = memory_log_probs[level].argmax(1)
                conflicts = (cortex_logits[level].argmax(1) != remembered).nonzero().squeeze(1)
                followed = (mixed.argmax(1)[conflicts] == remembered[conflicts]).sum()
                shares.append(float(followed) / len(conflicts) if len(conflicts) else float("nan"))
    finally:
        basal_ganglia.train(mode)
    return torch.tensor(shares)
'''
CURVE_ONE_BATCH = '''def psychometric_curve(basal_ganglia, cortex_logits, memory_log_probs, similarities):
    levels, count = cortex_logits.shape[:2]
    was_training = basal_ganglia.training
    basal_ganglia.eval()  # running statistics: all levels in one batch give the same answers
    with torch.inference_mode():
        mixture, _ = basal_ganglia(cortex_logits.flatten(0, 1), memory_log_probs.flatten(0, 1), similarities.flatten(0, 1))
    basal_ganglia.train(was_training)
    answer = mixture.argmax(1).view(levels, count)
    conflict = (cortex_logits.argmax(2) != memory_log_probs.argmax(2)).float()
    follows = (answer == memory_log_probs.argmax(2)).float() * conflict
    return follows.sum(1) / conflict.sum(1)  # 0 / 0 is NaN where there is no conflict
'''
CURVE_TRAINING_MODE = '''def psychometric_curve(basal_ganglia, cortex_logits, memory_log_probs, similarities):
    shares = []
    with torch.no_grad():
        for cortex, memory, nearest in zip(cortex_logits, memory_log_probs, similarities):
            mixture, _ = basal_ganglia(cortex, memory, nearest)  # in whatever mode it came: batch statistics in training mode
            conflict = cortex.argmax(1) != memory.argmax(1)
            shares.append((mixture.argmax(1) == memory.argmax(1))[conflict].float().mean())
    return torch.stack(shares)
'''
CURVE_ALL_TRIALS = CURVE_LOOP.replace(
    "conflicts = (cortex_logits[level].argmax(1) != remembered).nonzero().squeeze(1)",
    "conflicts = torch.arange(len(remembered))  # every trial, not only the conflicts")
CURVE_NOT_RESTORED = '''def psychometric_curve(basal_ganglia, cortex_logits, memory_log_probs, similarities):
    basal_ganglia.eval()  # and left there
    shares = []
    with torch.no_grad():
        for cortex, memory, nearest in zip(cortex_logits, memory_log_probs, similarities):
            mixture, _ = basal_ganglia(cortex, memory, nearest)
            conflict = cortex.argmax(1) != memory.argmax(1)
            shares.append((mixture.argmax(1) == memory.argmax(1))[conflict].float().mean())
    return torch.stack(shares)
'''
CURVE_GATE_ABOVE_HALF = '''def psychometric_curve(basal_ganglia, cortex_logits, memory_log_probs, similarities):
    was_training = basal_ganglia.training
    basal_ganglia.eval()
    shares = []
    with torch.no_grad():
        for cortex, memory, nearest in zip(cortex_logits, memory_log_probs, similarities):
            _, gate = basal_ganglia(cortex, memory, nearest)
            conflict = cortex.argmax(1) != memory.argmax(1)
            shares.append((gate[conflict] > 0.5).float().mean())  # the gate's weight, not the answer it gives
    basal_ganglia.train(was_training)
    return torch.stack(shares)
'''
FULL = {"mix-tests": 4, "features-tests": 3, "curve-tests": 4}

SAMPLES = {
    "honest_logaddexp": {"edits": {"mix-exercise": MIX_LOGADDEXP, "features-exercise": FEATURES_STACK, "curve-exercise": CURVE_LOOP}, "points": FULL},
    "honest_logsumexp": {"edits": {"mix-exercise": MIX_LOGSUMEXP, "features-exercise": FEATURES_COLUMNS, "curve-exercise": CURVE_ONE_BATCH}, "points": FULL},
    "mistake_direct_formula": {"edits": {"mix-exercise": MIX_DIRECT, "features-exercise": FEATURES_COLUMNS, "curve-exercise": CURVE_ONE_BATCH},
                               "points": {**FULL, "mix-tests": 0}},
    "mistake_entropy_over_ten": {"edits": {"mix-exercise": MIX_LOGADDEXP, "features-exercise": FEATURES_TEN_CLASSES, "curve-exercise": CURVE_LOOP},
                                 "points": {**FULL, "features-tests": 0}},
    "mistake_belief_unclamped": {"edits": {"mix-exercise": MIX_LOGSUMEXP, "features-exercise": FEATURES_BELIEF_UNCLAMPED, "curve-exercise": CURVE_ONE_BATCH},
                                 "points": {**FULL, "features-tests": 0}},
    "mistake_gate_in_training_mode": {"edits": {"mix-exercise": MIX_LOGADDEXP, "features-exercise": FEATURES_STACK, "curve-exercise": CURVE_TRAINING_MODE},
                                      "points": {**FULL, "curve-tests": 0}},
    "mistake_all_trials": {"edits": {"mix-exercise": MIX_LOGSUMEXP, "features-exercise": FEATURES_COLUMNS, "curve-exercise": CURVE_ALL_TRIALS},
                           "points": {**FULL, "curve-tests": 0}},
    "mistake_mode_not_restored": {"edits": {"mix-exercise": MIX_LOGADDEXP, "features-exercise": FEATURES_STACK, "curve-exercise": CURVE_NOT_RESTORED},
                                  "points": {**FULL, "curve-tests": 0}},
    "mistake_gate_above_half": {"edits": {"mix-exercise": MIX_LOGSUMEXP, "features-exercise": FEATURES_STACK, "curve-exercise": CURVE_GATE_ABOVE_HALF},
                                "points": {**FULL, "curve-tests": 0}},

}
