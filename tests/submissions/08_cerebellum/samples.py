"""Honest lesson-08 samples: different correct solutions and plausible mistakes, each losing exactly its exercise's points."""

DECODER = '''class Cerebellum(nn.Module):
    """Decoder: (N, embedding_dim) IT embedding -> (N, 1, 28, 28) predicted pixels in (0, 1)."""

    def __init__(self, embedding_dim=128, channels=64):
        super().__init__()
        self.embedding_dim, self.channels = embedding_dim, channels
        self.expand = nn.Linear(embedding_dim, channels * 7 * 7)
        self.up1 = nn.ConvTranspose2d(channels, channels // 2, kernel_size=4, stride=2, padding=1)
        self.up2 = nn.ConvTranspose2d(channels // 2, 1, kernel_size=4, stride=2, padding=1)

    def forward(self, embedding):
        x = torch.relu(self.expand(embedding)).view(-1, self.channels, 7, 7)
        return torch.sigmoid(self.up2(torch.relu(self.up1(x))))
'''
DECODER_FUNCTIONAL = '''import torch.nn.functional as F


class Cerebellum(nn.Module):
    def __init__(self, embedding_dim=128, channels=64):
        super().__init__()
        self.embedding_dim = embedding_dim
        self.channels = channels
        self.up2 = nn.ConvTranspose2d(channels // 2, 1, 4, 2, 1)
        self.up1 = nn.ConvTranspose2d(channels, channels // 2, 4, 2, 1)
        self.expand = nn.Linear(embedding_dim, 49 * channels)

    def forward(self, embedding):
        maps = F.relu(self.expand(embedding)).reshape(len(embedding), self.channels, 7, 7)
        maps = F.relu(self.up1(maps))
        return 1 / (1 + torch.exp(-self.up2(maps)))
'''
NO_SECOND_RELU = DECODER.replace("self.up2(torch.relu(self.up1(x)))", "self.up2(self.up1(x))")
LOSS = '''def reconstruction_loss(reconstruction, images):
    targets = to_pixels(images)
    log_ink = torch.log(reconstruction).clamp(min=-100)
    log_paper = torch.log(1 - reconstruction).clamp(min=-100)
    return -(targets * log_ink + (1 - targets) * log_paper).mean()
'''
LOSS_TORCH = '''import torch.nn.functional as F


def reconstruction_loss(reconstruction, images):
    return F.binary_cross_entropy(reconstruction, to_pixels(images), reduction="sum") / reconstruction.numel()
'''
UNCLAMPED = '''def reconstruction_loss(reconstruction, images):
    t = to_pixels(images)
    return torch.mean(-(t * torch.log(reconstruction) + (1 - t) * torch.log(1 - reconstruction)))
'''
NORMALISED_TARGETS = LOSS.replace("to_pixels(images)", "images")
STEP = '''def pretraining_step(brain, optimizer, images):
    embedding, _ = brain.encode(images)
    loss = reconstruction_loss(brain.cerebellum(embedding), images)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
'''
STEP_OTHER_ORDER = '''def pretraining_step(brain, optimizer, images):
    optimizer.zero_grad(set_to_none=True)
    loss = reconstruction_loss(brain.cerebellum(brain.encode(images)[0]), images)
    loss.backward()
    optimizer.step()
    return float(loss.detach())
'''
NO_ZERO_GRAD = '''def pretraining_step(brain, optimizer, images):
    embedding, _ = brain.encode(images)
    loss = reconstruction_loss(brain.cerebellum(embedding), images)
    loss.backward()
    optimizer.step()
    return loss.item()
'''
RETURNS_TENSOR = STEP.replace("return loss.item()", "return loss")
ERRORS_IN_EVALUATION_MODE = '''def prediction_errors(brain, images):
    with training.evaluation_mode(brain):
        predicted = brain.cerebellum(brain.encode(images)[0])
        targets = to_pixels(images)
        log_ink = torch.log(predicted).clamp(min=-100)
        log_paper = torch.log(1 - predicted).clamp(min=-100)
        return -(targets * log_ink + (1 - targets) * log_paper).mean(dim=(1, 2, 3))
'''
ERRORS_ONE_BY_ONE = '''def prediction_errors(brain, images):
    was_training = brain.training
    brain.eval()
    errors = []
    with torch.no_grad():
        for image in images:
            one = image.unsqueeze(0)
            embedding, _ = brain.encode(one)
            errors.append(reconstruction_loss(brain.cerebellum(embedding), one))
    if was_training:
        brain.train()
    return torch.stack(errors)
'''
ERRORS_TORCH = '''import torch.nn.functional as F


def prediction_errors(brain, images):
    mode = brain.training
    brain.train(False)
    try:
        with torch.inference_mode():
            prediction = brain.cerebellum(brain.encode(images)[0])
            per_pixel = F.binary_cross_entropy(prediction, to_pixels(images), reduction="none")
            return per_pixel.reshape(len(images), -1).mean(1).clone()
    finally:
        brain.train(mode)
'''
ERRORS_OF_THE_BATCH = '''def prediction_errors(brain, images):
    with training.evaluation_mode(brain):
        return reconstruction_loss(brain.cerebellum(brain.encode(images)[0]), images)
'''
ERRORS_IN_TRAINING_MODE = '''def prediction_errors(brain, images):
    with torch.no_grad():
        predicted = brain.cerebellum(brain.encode(images)[0])
        bce = -(to_pixels(images) * torch.log(predicted).clamp(min=-100) + (1 - to_pixels(images)) * torch.log(1 - predicted).clamp(min=-100))
        return bce.mean(dim=(1, 2, 3))
'''
ERRORS_LEAVE_EVALUATION_MODE = '''def prediction_errors(brain, images):
    brain.eval()
    with torch.no_grad():
        predicted = brain.cerebellum(brain.encode(images)[0])
        bce = -(to_pixels(images) * torch.log(predicted).clamp(min=-100) + (1 - to_pixels(images)) * torch.log(1 - predicted).clamp(min=-100))
    return bce.mean(dim=(1, 2, 3))
'''
ERRORS_ALWAYS_BACK_TO_TRAINING = ERRORS_LEAVE_EVALUATION_MODE.replace("    return bce.mean(dim=(1, 2, 3))", "    brain.train()\n    return bce.mean(dim=(1, 2, 3))")
ERRORS_WITH_GRAPH = '''def prediction_errors(brain, images):
    was_training = brain.training
    brain.eval()
    predicted = brain.cerebellum(brain.encode(images)[0])
    bce = -(to_pixels(images) * torch.log(predicted).clamp(min=-100) + (1 - to_pixels(images)) * torch.log(1 - predicted).clamp(min=-100))
    brain.train(was_training)
    return bce.mean(dim=(1, 2, 3))
'''
FULL = {"decoder-tests": 3, "loss-tests": 3, "step-tests": 3, "surprise-tests": 4}
CORRECT = {"decoder-exercise": DECODER, "loss-exercise": LOSS, "step-exercise": STEP}

SAMPLES = {
    "honest_as_instructed": {"edits": {**CORRECT, "surprise-exercise": ERRORS_IN_EVALUATION_MODE}, "points": FULL},
    "honest_functional": {"edits": {"decoder-exercise": DECODER_FUNCTIONAL, "loss-exercise": LOSS_TORCH, "step-exercise": STEP_OTHER_ORDER,
                                    "surprise-exercise": ERRORS_ONE_BY_ONE}, "points": FULL},
    "honest_inference_mode": {"edits": {"decoder-exercise": DECODER_FUNCTIONAL, "loss-exercise": LOSS, "step-exercise": STEP,
                                        "surprise-exercise": ERRORS_TORCH}, "points": FULL},
    "mistake_no_second_relu_and_unclamped": {"edits": {"decoder-exercise": NO_SECOND_RELU, "loss-exercise": UNCLAMPED, "step-exercise": STEP,
                                                       "surprise-exercise": ERRORS_ONE_BY_ONE},
                                             "points": {**FULL, "decoder-tests": 0, "loss-tests": 0}},
    "mistake_normalised_targets": {"edits": {"decoder-exercise": DECODER_FUNCTIONAL, "loss-exercise": NORMALISED_TARGETS, "step-exercise": STEP_OTHER_ORDER,
                                             "surprise-exercise": ERRORS_IN_EVALUATION_MODE},
                                   "points": {**FULL, "loss-tests": 0}},
    "mistake_no_zero_grad": {"edits": {"decoder-exercise": DECODER, "loss-exercise": LOSS, "step-exercise": NO_ZERO_GRAD,
                                       "surprise-exercise": ERRORS_IN_EVALUATION_MODE},
                             "points": {**FULL, "step-tests": 0}},
    "mistake_returns_tensor": {"edits": {"decoder-exercise": DECODER, "loss-exercise": LOSS_TORCH, "step-exercise": RETURNS_TENSOR,
                                         "surprise-exercise": ERRORS_TORCH},
                               "points": {**FULL, "step-tests": 0}},
    "mistake_one_error_for_the_batch": {"edits": {**CORRECT, "surprise-exercise": ERRORS_OF_THE_BATCH}, "points": {**FULL, "surprise-tests": 0}},
    "mistake_training_mode": {"edits": {**CORRECT, "surprise-exercise": ERRORS_IN_TRAINING_MODE}, "points": {**FULL, "surprise-tests": 0}},
    "mistake_left_in_evaluation_mode": {"edits": {**CORRECT, "surprise-exercise": ERRORS_LEAVE_EVALUATION_MODE}, "points": {**FULL, "surprise-tests": 0}},
    "mistake_always_back_to_training": {"edits": {**CORRECT, "surprise-exercise": ERRORS_ALWAYS_BACK_TO_TRAINING}, "points": {**FULL, "surprise-tests": 0}},
    "mistake_keeps_the_graph": {"edits": {**CORRECT, "surprise-exercise": ERRORS_WITH_GRAPH}, "points": {**FULL, "surprise-tests": 0}},
}
