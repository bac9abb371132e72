"""Honest lesson-07 samples: different correct solutions and plausible mistakes, each losing exactly its exercise's points."""

LOGITS_MATMUL = '''def pfc_logits(embeddings, weight, bias):
    return torch.relu(embeddings) @ weight.T + bias
'''
LOGITS_LINEAR = '''def pfc_logits(embeddings, weight, bias):
    return F.linear(embeddings.clamp(min=0), weight, bias)
'''
LOGITS_NO_RELU = '''def pfc_logits(embeddings, weight, bias):
    return embeddings @ weight.T + bias
'''
LOSS_LOGSUMEXP = '''def cross_entropy(logits, labels):
    true_logits = logits[torch.arange(len(labels)), labels]
    return (torch.logsumexp(logits, dim=1) - true_logits).mean()
'''
LOSS_LOG_SOFTMAX = '''def cross_entropy(logits, labels):
    shifted = logits - logits.max(dim=1, keepdim=True).values
    log_probs = shifted - shifted.exp().sum(1, keepdim=True).log()
    return -log_probs.gather(1, labels[:, None]).squeeze(1).mean()
'''
LOSS_SUM = LOSS_LOGSUMEXP.replace(".mean()", ".sum()")
GRADIENT_ONE_HOT = '''def cross_entropy_gradient(logits, labels):
    probabilities = torch.softmax(logits, dim=1)
    return (probabilities - F.one_hot(labels, logits.shape[1]).float()) / len(labels)
'''
GRADIENT_IN_PLACE = '''def cross_entropy_gradient(logits, labels):
    gradient = F.softmax(logits, dim=-1).clone()
    gradient[torch.arange(len(labels)), labels] -= 1
    return gradient / logits.shape[0]
'''
GRADIENT_NOT_MEAN = '''def cross_entropy_gradient(logits, labels):
    return torch.softmax(logits, dim=1) - F.one_hot(labels, logits.shape[1]).float()
'''
DECODING_OWN_FUNCTIONS = '''def readout_accuracy(train_inputs, train_labels, eval_inputs, eval_labels, steps, learning_rate):
    weight = torch.zeros(10, train_inputs.shape[1])
    bias = torch.zeros(10)
    rectified = torch.relu(train_inputs)
    for step in range(steps):
        gradient = cross_entropy_gradient(pfc_logits(train_inputs, weight, bias), train_labels)
        weight = weight - learning_rate * gradient.T @ rectified
        bias = bias - learning_rate * gradient.sum(0)
    return accuracy(pfc_logits(eval_inputs, weight, bias), eval_labels)
'''
DECODING_AUTOGRAD = '''def readout_accuracy(train_inputs, train_labels, eval_inputs, eval_labels, steps, learning_rate):
    weight = torch.zeros(10, train_inputs.shape[1], requires_grad=True)
    bias = torch.zeros(10, requires_grad=True)
    optimizer = torch.optim.SGD([weight, bias], lr=learning_rate)
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(torch.relu(train_inputs) @ weight.T + bias, train_labels).backward()
        optimizer.step()
    with torch.no_grad():
        predictions = (torch.relu(eval_inputs) @ weight.T + bias).argmax(dim=1)
    return (predictions == eval_labels).sum().item() / len(eval_labels)
'''
DECODING_LINEAR_LAYER = '''def readout_accuracy(train_inputs, train_labels, eval_inputs, eval_labels, steps, learning_rate):
    readout = torch.nn.Linear(train_inputs.shape[1], 10)
    torch.nn.init.zeros_(readout.weight)
    torch.nn.init.zeros_(readout.bias)
    seen = train_inputs.clamp(min=0)
    with torch.no_grad():
        for _ in range(steps):
            logits = readout(seen)
            g = torch.softmax(logits, dim=-1)
            g[range(len(train_labels)), train_labels] -= 1
            g /= len(train_labels)
            readout.weight -= learning_rate * torch.einsum("nc,nd->cd", g, seen)
            readout.bias -= learning_rate * g.sum(dim=0)
        right = readout(eval_inputs.clamp(min=0)).argmax(-1) == eval_labels
    return float(right.float().mean())
'''
DECODING_NO_RELU_IN_UPDATE = DECODING_OWN_FUNCTIONS.replace("gradient.T @ rectified", "gradient.T @ train_inputs")
DECODING_SCORES_TRAINING = DECODING_OWN_FUNCTIONS.replace("accuracy(pfc_logits(eval_inputs, weight, bias), eval_labels)",
                                                          "accuracy(pfc_logits(train_inputs, weight, bias), train_labels)")
DECODING_DEFAULT_INIT = '''def readout_accuracy(train_inputs, train_labels, eval_inputs, eval_labels, steps, learning_rate):
    readout = torch.nn.Linear(train_inputs.shape[1], 10)
    optimizer = torch.optim.SGD(readout.parameters(), lr=learning_rate)
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(readout(torch.relu(train_inputs)), train_labels).backward()
        optimizer.step()
    return accuracy(readout(torch.relu(eval_inputs)), eval_labels)
'''
FULL = {"readout-tests": 2, "loss-tests": 3, "gradient-tests": 3, "decoding-tests": 4}
CORRECT = {"readout-exercise": LOGITS_MATMUL, "loss-exercise": LOSS_LOGSUMEXP, "gradient-exercise": GRADIENT_ONE_HOT}

SAMPLES = {
    "honest_matmul": {"edits": {**CORRECT, "decoding-exercise": DECODING_OWN_FUNCTIONS}, "points": FULL},
    "honest_linear": {"edits": {"readout-exercise": LOGITS_LINEAR, "loss-exercise": LOSS_LOG_SOFTMAX, "gradient-exercise": GRADIENT_IN_PLACE,
                                "decoding-exercise": DECODING_AUTOGRAD}, "points": FULL},
    "honest_readout_layer": {"edits": {"readout-exercise": LOGITS_LINEAR, "loss-exercise": LOSS_LOGSUMEXP, "gradient-exercise": GRADIENT_IN_PLACE,
                                       "decoding-exercise": DECODING_LINEAR_LAYER}, "points": FULL},
    "mistake_no_relu_and_sum": {"edits": {"readout-exercise": LOGITS_NO_RELU, "loss-exercise": LOSS_SUM, "gradient-exercise": GRADIENT_ONE_HOT,
                                          "decoding-exercise": DECODING_OWN_FUNCTIONS},
                                "points": {**FULL, "readout-tests": 0, "loss-tests": 0}},
    "mistake_gradient_not_averaged": {"edits": {"readout-exercise": LOGITS_LINEAR, "loss-exercise": LOSS_LOG_SOFTMAX, "gradient-exercise": GRADIENT_NOT_MEAN,
                                                "decoding-exercise": DECODING_OWN_FUNCTIONS},
                                      "points": {**FULL, "gradient-tests": 0}},
    "mistake_no_relu_in_the_update": {"edits": {**CORRECT, "decoding-exercise": DECODING_NO_RELU_IN_UPDATE}, "points": {**FULL, "decoding-tests": 0}},
    "mistake_scores_the_training_images": {"edits": {**CORRECT, "decoding-exercise": DECODING_SCORES_TRAINING}, "points": {**FULL, "decoding-tests": 0}},
    "mistake_random_start": {"edits": {**CORRECT, "decoding-exercise": DECODING_DEFAULT_INIT}, "points": {**FULL, "decoding-tests": 0}},
    "blank_stretch": {"edits": CORRECT, "points": {**FULL, "decoding-tests": 0}},
}
