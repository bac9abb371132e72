"""Each brain region on its own: shapes, what it computes, and the errors a student can hit."""

import pytest
import torch

from neurokit import (
    PFC,
    BasalGanglia,
    Brain,
    BrainConfig,
    Cerebellum,
    Hippocampus,
    ITCortex,
    MemoryEmptyError,
    Retina,
    ShapeError,
    Thalamus,
    VisualCortex,
    difference_of_gaussians,
)
from neurokit.basal_ganglia import FEATURE_NAMES, mix_in_probability_space, retrieval_features


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


def test_difference_of_gaussians_is_centre_surround():
    kernel = difference_of_gaussians(7, 1.0, 2.0)
    assert kernel.shape == (7, 7)
    assert abs(float(kernel.sum())) < 1e-6  # blind to uniform light
    assert kernel[3, 3] > 0 and kernel[0, 3] < 0  # excitatory centre, inhibitory surround
    assert torch.allclose(kernel, kernel.T) and torch.allclose(kernel, kernel.flip(0))


@pytest.mark.parametrize("size, centre, surround", [(4, 1.0, 2.0), (5, 2.0, 1.0), (5, 0.0, 1.0)])
def test_difference_of_gaussians_rejects_bad_arguments(size, centre, surround):
    with pytest.raises(ValueError):
        difference_of_gaussians(size, centre, surround)


def test_retina_starts_as_on_and_off_centre_filters():
    retina = Retina(out_channels=8, kernel_size=5, dog_init=True)
    weights = retina.conv.weight[:, 0]
    assert torch.all(weights[0::2, 2, 2] > 0) and torch.all(weights[1::2, 2, 2] < 0)
    assert torch.allclose(weights.sum(dim=(1, 2)), torch.zeros(8), atol=1e-5)
    assert retina(torch.randn(3, 1, 28, 28)).shape == (3, 8, 14, 14)


@pytest.mark.parametrize(
    "bad, hint",
    [(torch.randn(28, 28), "view(1, 1, 28, 28)"), (torch.randn(4, 28, 28), "unsqueeze(1)"), (torch.randn(4, 3, 28, 28), "(batch, 1, H, W)")],
)
def test_retina_explains_wrong_shapes(bad, hint):
    with pytest.raises(ShapeError, match=r"Retina expects images shaped") as error:
        Retina()(bad)
    assert hint in str(error.value)


def test_retina_rejects_integer_images():
    with pytest.raises(ShapeError, match="float"):
        Retina()(torch.zeros(2, 1, 28, 28, dtype=torch.uint8))


def test_thalamus_gates_each_channel():
    thalamus = Thalamus(channels=6)
    signal = torch.rand(4, 6, 14, 14)
    gated, gates = thalamus(signal)
    assert gates.shape == (4, 6) and torch.all((gates > 0) & (gates < 2))
    assert torch.allclose(gated, signal * gates[:, :, None, None])
    with pytest.raises(ShapeError, match="Thalamus expects images shaped \\(batch, 6"):
        thalamus(torch.rand(4, 5, 14, 14))


def test_size_tuning_rises_peaks_at_the_positive_centre_and_falls_to_the_kernels_sum():
    from neurokit.retina import size_tuning

    kernel = difference_of_gaussians(25, 1.0, 2.0)
    curve = size_tuning(kernel, torch.arange(1.0, 37.0))
    assert curve.shape == (36,)
    assert torch.isclose(curve[0], kernel[12, 12])  # diameter 1: the middle pixel only
    assert int(curve.argmax()) + 1 == int((kernel[12] > 0).sum()) == 3  # the disc that fills the positive centre
    assert abs(float(curve[-1])) < 1e-6  # a disc over the whole kernel: its sum, 0
    lopsided = torch.arange(25.0).view(5, 5)  # a pixel exactly on the edge (diameter 2) is lit
    assert torch.equal(size_tuning(lopsided, torch.tensor([0.5, 2.0, 2.9, 4.5, 7.5])), torch.tensor([12.0, 60.0, 108.0, 252.0, 300.0]))


def test_contrast_response_scales_the_retinas_mean_by_each_gate():
    from neurokit.data import MNIST_MEAN, MNIST_STD
    from neurokit.thalamus import contrast_response

    retina = Retina(8, 3).eval()
    pixels = torch.rand(4, 1, 10, 10)
    contrasts, gates = torch.tensor([0.0, 0.5, 1.0]), torch.tensor([0.1, 1.0, 1.9])
    curves = contrast_response(retina, pixels, contrasts, gates, 5)
    with torch.no_grad():
        own = torch.stack([retina((k * pixels - MNIST_MEAN) / MNIST_STD)[:, 5].mean() for k in contrasts])
    assert curves.shape == (3, 3) and torch.allclose(curves, gates[:, None] * own[None], rtol=1e-5, atol=1e-7)


def test_gain_and_offset_is_the_least_squares_line():
    from neurokit.thalamus import gain_and_offset

    baseline = torch.tensor([0.0, 1.0, 3.0, 4.0, 7.0])
    curves = torch.stack([2.0 * baseline, baseline - 0.5, 0.3 * baseline + torch.tensor([0.1, -0.2, 0.0, 0.3, -0.1])])
    gains, offsets = gain_and_offset(curves, baseline)
    design = torch.stack([baseline, torch.ones(5)], dim=1).double()
    expected = torch.linalg.lstsq(design, curves.T.double()).solution
    assert gains.shape == offsets.shape == (3,)
    assert torch.allclose(gains.double(), expected[0], atol=1e-5) and torch.allclose(offsets.double(), expected[1], atol=1e-5)
    assert torch.allclose(gains[:2], torch.tensor([2.0, 1.0])) and torch.allclose(offsets[:2], torch.tensor([0.0, -0.5]), atol=1e-6)


def test_visual_cortex_maps_to_seven_by_seven():
    cortex = VisualCortex(in_channels=16, v1=8, v2=12, v4=10)
    assert cortex(torch.randn(2, 16, 14, 14)).shape == (2, 10, 7, 7)
    with pytest.raises(ShapeError):
        cortex(torch.randn(2, 3, 14, 14))


def test_it_cortex_keeps_where_strokes_are():
    it = ITCortex(in_channels=4, map_size=7, embedding_dim=16).eval()
    feature_map = torch.zeros(2, 4, 7, 7)
    feature_map[0, :, 0, 0] = 1.0  # the same activity in a different place
    feature_map[1, :, 6, 6] = 1.0
    embedding = it(feature_map)
    assert embedding.shape == (2, 16)
    assert not torch.allclose(embedding[0], embedding[1])  # averaging the map away would make these equal
    with pytest.raises(ShapeError, match="ITCortex"):
        it(torch.zeros(2, 4, 1, 1))


def test_pfc_and_cerebellum_shapes():
    embedding = torch.randn(5, 32)
    assert PFC(32, 10)(embedding).shape == (5, 10)
    image = Cerebellum(32, channels=16)(embedding)
    assert image.shape == (5, 1, 28, 28) and image.min() >= 0 and image.max() <= 1
    with pytest.raises(ShapeError, match=r"PFC expects vectors shaped \(batch, 32\)"):
        PFC(32, 10)(torch.randn(5, 31))


def test_fit_readout_descends_the_cross_entropy_from_zero():
    from neurokit.pfc import fit_readout, readout_accuracy

    centres = 2 * torch.randn(10, 6)
    labels = torch.arange(10).repeat(8)
    inputs = centres[labels] + 0.3 * torch.randn(80, 6)
    weight, bias, losses = fit_readout(inputs, labels, steps=30, learning_rate=0.5)
    assert weight.shape == (10, 6) and bias.shape == (10,) and len(losses) == 30
    assert abs(losses[0] - torch.log(torch.tensor(10.0)).item()) < 1e-5  # W = 0, b = 0: every digit equally likely
    assert losses[-1] < losses[0]
    logits = (torch.relu(inputs) @ weight.T + bias).requires_grad_()  # one more step by hand matches autograd's gradient
    torch.nn.functional.cross_entropy(logits, labels).backward()
    again, _, _ = fit_readout(inputs, labels, steps=31, learning_rate=0.5)
    assert torch.allclose(again, weight - 0.5 * logits.grad.T @ torch.relu(inputs), atol=1e-5)
    accuracy = readout_accuracy(inputs, labels, inputs, labels, steps=30, learning_rate=0.5)
    assert isinstance(accuracy, float) and accuracy == ((torch.relu(inputs) @ weight.T + bias).argmax(1) == labels).float().mean().item()
    assert readout_accuracy(inputs, labels, inputs, (labels + 1) % 10, steps=30, learning_rate=0.5) < accuracy


def test_prediction_errors_are_per_image_in_evaluation_mode_and_restore_the_mode():
    from neurokit.cerebellum import prediction_errors
    from neurokit.training import evaluation_mode, reconstruction_loss

    brain = Brain(BrainConfig(retina_channels=4, v1_channels=8, v2_channels=8, v4_channels=8, embedding_dim=16, memory_capacity=10, memory_k=4))
    images = torch.randn(6, 1, 28, 28)
    errors = prediction_errors(brain, images)
    assert errors.shape == (6,) and not errors.requires_grad and brain.training
    assert torch.allclose(prediction_errors(brain, images[:2]), errors[:2], atol=1e-6)  # running statistics: no batch effect
    with evaluation_mode(brain):
        assert torch.allclose(errors.mean(), reconstruction_loss(brain.cerebellum(brain.encode(images)[0]), images), atol=1e-6)
    brain.eval()
    prediction_errors(brain, images)
    assert not brain.training


def test_hippocampus_recalls_the_nearest_memories_sharply():
    memory = Hippocampus(capacity=10, embedding_dim=2, num_classes=3, k=2, temperature=0.05)
    keys = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.9, 0.1]])
    memory.write(keys, torch.tensor([0, 1, 2, 0]))
    assert memory.size == 4 and memory.ready
    recall = memory.recall(torch.tensor([[1.0, 0.05]]))
    assert set(recall.slots[0].tolist()) == {0, 3}
    assert recall.similarities[0, 0] >= recall.similarities[0, 1]
    assert recall.log_probs.exp()[0, 0] > 0.99
    assert torch.allclose(recall.log_probs.exp().sum(1), torch.ones(1))


def test_hippocampus_temperature_sets_how_much_the_closest_counts():
    keys = torch.tensor([[1.0, 0.0], [0.8, 0.6]])
    query = torch.tensor([[1.0, 0.1]])
    probabilities = {}
    for temperature in (1.0, 0.05):
        memory = Hippocampus(capacity=2, embedding_dim=2, num_classes=2, k=2, temperature=temperature)
        memory.write(keys, torch.tensor([0, 1]))
        probabilities[temperature] = memory.recall(query).log_probs.exp()[0]
    assert abs(float(probabilities[1.0][0] - probabilities[1.0][1])) < 0.1  # every neighbour counts about the same
    assert probabilities[0.05].max() > 0.75  # the closest one decides


def test_hippocampus_never_lets_an_example_retrieve_itself():
    memory = Hippocampus(capacity=20, embedding_dim=8, num_classes=10, k=3)
    keys = torch.randn(20, 8)
    memory.write(keys, torch.arange(20) % 10, torch.arange(20))
    recall = memory.recall(keys[:5], exclude_slots=torch.arange(5))
    assert recall.slots.shape == (5, 3)
    assert not (recall.slots == torch.arange(5)[:, None]).any()
    plain = memory.recall(keys[:5])
    assert (plain.slots[:, 0] == torch.arange(5)).all()  # without the guard each finds itself first


def test_hippocampus_ring_buffer_and_empty_memory():
    memory = Hippocampus(capacity=3, embedding_dim=4, k=1)
    with pytest.raises(MemoryEmptyError, match="write some embeddings"):
        memory.recall(torch.randn(1, 4))
    memory.write(torch.randn(5, 4), torch.tensor([1, 2, 3, 4, 5]))
    assert memory.size == 3 and sorted(memory.labels.tolist()) == [3, 4, 5]
    with pytest.raises(ShapeError, match=r"Hippocampus.recall expects vectors shaped \(batch, 4\)"):
        memory.recall(torch.randn(2, 5))


def test_hippocampus_gradient_reaches_the_query():
    memory = Hippocampus(capacity=10, embedding_dim=4, k=3)
    memory.write(torch.randn(10, 4), torch.arange(10))
    query = torch.randn(2, 4, requires_grad=True)
    memory.recall(query).log_probs[:, 0].sum().backward()
    assert query.grad is not None and query.grad.abs().sum() > 0


def test_hippocampus_recall_gradient_is_that_of_the_whole_vote():
    """Recall compares the queries with the memories left in only: its values and gradient must be those of
    `vote` on the full similarity table, with skipped and hidden memories, and after pattern separation."""
    import torch.nn.functional as F

    from neurokit.hippocampus import vote

    generator = torch.Generator().manual_seed(2)
    keys, labels = torch.randn(60, 6, generator=generator), torch.randint(0, 7, (60,), generator=generator)
    memory = Hippocampus(capacity=60, embedding_dim=6, num_classes=10, k=4, temperature=0.1)
    memory.write(keys, labels)
    skipped, hidden = torch.randint(0, 60, (5,), generator=generator), torch.arange(60) % 7 == 3
    for separate in (False, True):
        if separate:
            memory.separate_patterns()
        queries = torch.randn(5, 6, generator=generator, requires_grad=True)
        recalled = memory.recall(queries, exclude_slots=skipped, hidden=hidden)
        similarities = memory.separated(queries) @ memory.separated(memory.keys).T
        masked = similarities.masked_fill(hidden, float("-inf"))
        masked = masked.index_put((torch.arange(5), skipped), torch.tensor(float("-inf")))
        expected = vote(masked, labels, 0.1)
        weights = torch.randn(5, 10, generator=generator)
        by_recall, = torch.autograd.grad((recalled.log_probs * weights).sum() + recalled.similarities.sum(), queries)
        nearest = similarities.gather(1, recalled.slots)
        by_autograd, = torch.autograd.grad((expected * weights).sum() + nearest.sum(), queries)
        assert torch.allclose(recalled.log_probs, expected, atol=1e-5)
        assert torch.allclose(by_recall, by_autograd, atol=1e-4), (by_recall - by_autograd).abs().max()


def test_hippocampus_vote_is_class_balanced():
    """A digit stored once competes on equal terms with one stored a hundred times."""
    memory = Hippocampus(capacity=101, embedding_dim=2, num_classes=2, k=4, temperature=0.1)
    crowd = torch.tensor([[1.0, 0.0]]) + 0.01 * torch.randn(100, 2)
    memory.write(torch.cat([crowd, torch.tensor([[0.0, 1.0]])]), torch.tensor([0] * 100 + [1]))
    between = torch.tensor([[1.0, 1.0]])
    probabilities = memory.recall(between).log_probs.exp()[0]
    assert 0.3 < float(probabilities[1]) < 0.7  # a plain sum of votes would give class 1 about 1 / 101
    assert float(memory.recall(torch.tensor([[0.1, 1.0]])).log_probs.exp()[0, 1]) > 0.95


def test_hippocampus_hides_and_forgets_memories():
    memory = Hippocampus(capacity=6, embedding_dim=2, num_classes=3, k=2, temperature=0.05)
    memory.write(torch.tensor([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0], [0.1, 1.0], [-1.0, 0.0], [-1.0, 0.1]]), torch.tensor([0, 0, 1, 1, 2, 2]))
    query = torch.tensor([[1.0, 0.05]])
    hidden = torch.tensor([True, True, False, False, False, False])
    assert memory.recall(query).log_probs.argmax(1).item() == 0
    recall = memory.recall(query, hidden=hidden)
    assert recall.log_probs.argmax(1).item() != 0 and not torch.isin(recall.slots, torch.tensor([0, 1])).any()
    memory.forget(torch.tensor([0, 1]))
    assert memory.size == 4 and memory.recall(query).log_probs.argmax(1).item() != 0


def test_pattern_separation_weighs_what_tells_classes_apart():
    """Two classes 1 apart along x with a within-class spread of 5 along y: whitening makes x count."""
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(400) % 2
    keys = torch.stack([labels.float() + 0.1 * torch.randn(400, generator=generator), 5 * torch.randn(400, generator=generator)], 1) + 3
    queries = torch.stack([labels.float() + 0.1 * torch.randn(400, generator=generator), 5 * torch.randn(400, generator=generator)], 1) + 3
    memory = Hippocampus(capacity=400, embedding_dim=2, num_classes=2, k=4, temperature=0.05)
    memory.write(keys, labels)
    before = (memory.recall(queries).log_probs.argmax(1) == labels).float().mean()
    memory.separate_patterns(shrinkage=0.1)
    after = (memory.recall(queries).log_probs.argmax(1) == labels).float().mean()
    assert before < 0.8 and after > 0.95
    assert torch.allclose(memory.separated(keys).norm(dim=1), torch.ones(400))
    memory.clear()
    assert memory.size == 0 and not memory.has_separation and torch.equal(memory.separation, torch.eye(2))


def test_pattern_separation_with_one_memory_per_class_leaves_recall_a_nearest_neighbour():
    """One labelled example per digit (label efficiency at 10 labels): no spread within a class to learn from, so
    recall stays unseparated and finite instead of dividing by zero, and each query goes to its nearest memory."""
    generator = torch.Generator().manual_seed(0)
    keys = torch.randn(10, 16, generator=generator)
    memory = Hippocampus(capacity=10, embedding_dim=16, num_classes=10, k=4)
    memory.write(keys, torch.arange(10))
    memory.separate_patterns(shrinkage=0.1)
    queries = keys + 0.01 * torch.randn(10, 16, generator=generator)
    log_probs = memory.recall(queries).log_probs
    assert torch.isfinite(log_probs).all() and not memory.has_separation
    assert torch.equal(log_probs.argmax(1), torch.arange(10))


def test_basal_ganglia_mixes_probabilities_not_logits():
    cortex = torch.log(torch.tensor([[0.9, 0.1]]))
    memory = torch.log(torch.tensor([[0.2, 0.8]]))
    for gate in (0.0, 0.25, 1.0):
        logit = torch.logit(torch.tensor([gate]), eps=1e-7)
        mixed = mix_in_probability_space(cortex, memory, logit).exp()
        assert torch.allclose(mixed, gate * memory.exp() + (1 - gate) * cortex.exp(), atol=1e-5)


def test_basal_ganglia_gate_reads_detached_retrieval_statistics():
    ganglia = BasalGanglia(num_classes=10)
    cortex_logits = torch.randn(4, 10, requires_grad=True)
    memory_log_probs = torch.log_softmax(torch.randn(4, 10), 1)
    similarities = torch.rand(4, 5).sort(1, descending=True).values
    log_probs, gate = ganglia(cortex_logits, memory_log_probs, similarities)
    assert log_probs.shape == (4, 10) and gate.shape == (4,)
    assert torch.allclose(log_probs.exp().sum(1), torch.ones(4), atol=1e-5)
    features = retrieval_features(torch.log_softmax(cortex_logits, 1), memory_log_probs, similarities)
    assert features.shape == (4, len(FEATURE_NAMES))
    with pytest.raises(ShapeError):
        ganglia(cortex_logits[:, :9], memory_log_probs, similarities)


def test_basal_ganglia_keep_an_even_trust_on_familiar_inputs_and_hand_novelty_to_memory():
    ganglia = BasalGanglia(num_classes=10, familiar_trust=0.5).eval()
    cortex_logits, memory_log_probs, similarities = torch.randn(4, 10), torch.log_softmax(torch.randn(4, 10), 1), torch.rand(4, 3)
    gates = {}
    for novelty_logit in (-30.0, 0.0, 30.0):
        with torch.no_grad():
            ganglia.policy[-1].weight.zero_()
            ganglia.policy[-1].bias.fill_(novelty_logit)
        log_probs, gates[novelty_logit] = ganglia(cortex_logits, memory_log_probs, similarities)
    assert torch.allclose(gates[-30.0], torch.full((4,), 0.5)) and torch.allclose(gates[0.0], torch.full((4,), 0.75))
    assert torch.allclose(gates[30.0], torch.ones(4)) and torch.allclose(log_probs, torch.log_softmax(memory_log_probs, 1), atol=1e-5)
    with pytest.raises(ValueError, match="familiar_trust"):
        BasalGanglia(familiar_trust=1.0)


def test_basal_ganglia_read_the_cortexs_belief_in_memorys_answer():
    memory_log_probs = torch.log(torch.tensor([[0.9, 0.05, 0.05], [0.05, 0.9, 0.05]]))
    cortex_log_probs = torch.log(torch.tensor([[0.98, 0.01, 0.01], [0.99999, 1e-6, 1e-5 - 1e-6]]))
    belief = retrieval_features(cortex_log_probs, memory_log_probs, torch.ones(2, 3))[:, FEATURE_NAMES.index("cortex's belief in memory's answer")]
    assert abs(float(belief[0])) < 0.01  # the cortex agrees with memory
    assert float(belief[1]) == -1.0  # the cortex gives memory's answer no belief at all, as to a digit it never learned


def test_brain_returns_everything_a_lesson_needs():
    config = BrainConfig(memory_capacity=64, memory_k=4)
    brain = Brain(config)
    images = torch.randn(8, 1, 28, 28)
    before = brain(images)
    assert before.memory_log_probs is None and before.gate is None  # empty memory: cortex answers alone
    assert torch.allclose(before.log_probs, torch.log_softmax(before.cortex_logits, 1))
    brain.hippocampus.write(torch.randn(32, config.embedding_dim), torch.arange(32) % 10)
    after = brain(images)
    assert after.log_probs.shape == after.cortex_logits.shape == after.memory_log_probs.shape == (8, 10)
    assert after.gate.shape == (8,) and after.thalamic_gates.shape == (8, config.retina_channels)
    assert after.embedding.shape == (8, config.embedding_dim) and after.reconstruction.shape == (8, 1, 28, 28)
    assert brain(images, reconstruct=False).reconstruction is None
    with pytest.raises(ShapeError, match="Retina"):
        brain(torch.randn(8, 28, 28))


def test_orientation_selectivity_reads_a_tuning_curve_as_arrows_at_twice_the_orientation():
    from neurokit.visual_cortex import orientation_selectivity

    orientations = torch.arange(12) * 15.0
    tuning = torch.zeros(5, 12)
    tuning[0, 3] = 2.0  # 45 degrees only
    tuning[1] = 1.0  # flat; unit 2 is silent
    tuning[3] = 1 + 0.5 * torch.cos(torch.deg2rad(2 * (orientations - 120)))
    tuning[4, 0] = tuning[4, 11] = 1.0  # 0 and 165 degrees: the preference lies across the wrap
    preferred, selectivity = orientation_selectivity(tuning, orientations)
    assert torch.allclose(selectivity, torch.tensor([1.0, 0.0, 0.0, 0.25, 0.9659258]), atol=1e-5)
    assert torch.allclose(preferred[[0, 3, 4]], torch.tensor([45.0, 120.0, 172.5]), atol=1e-3)
    assert not preferred.isnan().any() and bool(((preferred >= 0) & (preferred <= 180)).all())
    assert torch.allclose(orientation_selectivity(3 * tuning, orientations)[1], selectivity, atol=1e-6)  # the scale does not matter


def test_similarity_matrix_correlates_the_class_means():
    from neurokit.it_cortex import similarity_matrix

    generator = torch.Generator().manual_seed(0)
    labels = torch.cat([torch.arange(10), torch.randint(0, 10, (90,), generator=generator)])
    features = torch.randn(100, 6, generator=generator) + labels[:, None].float()
    matrix = similarity_matrix(features, labels)
    means = torch.stack([features[labels == digit].mean(0) for digit in range(10)])
    assert matrix.shape == (10, 10)
    assert torch.allclose(matrix, torch.corrcoef(means), atol=1e-5)
    assert torch.allclose(matrix, matrix.T) and torch.allclose(matrix.diagonal(), torch.ones(10))
    assert torch.allclose(similarity_matrix(2 * features - 5, labels), matrix, atol=1e-5)  # offset and scale do not matter


def test_replay_batch_draws_every_stored_class_about_as_often_and_never_an_empty_slot():
    from neurokit.hippocampus import replay_batch

    generator = torch.Generator().manual_seed(0)
    labels = torch.cat([torch.full((600,), 1), torch.full((10,), 4), torch.full((300,), 8), torch.full((50,), -1)])
    labels = labels[torch.randperm(len(labels), generator=generator)]
    keys = torch.stack([torch.arange(len(labels)).float(), torch.randn(len(labels), generator=generator)], 1)  # column 0 names the slot
    embeddings, replayed = replay_batch(keys, labels, 9000, torch.Generator().manual_seed(1))
    assert embeddings.shape == (9000, 2) and replayed.shape == (9000,) and replayed.dtype == torch.long
    slots = embeddings[:, 0].long()
    assert torch.equal(embeddings, keys[slots]) and torch.equal(replayed, labels[slots]) and (replayed >= 0).all()
    shares = torch.stack([(replayed == digit).float().mean() for digit in (1, 4, 8)])
    assert torch.allclose(shares, torch.full((3,), 1 / 3), atol=0.03)  # 10 memories replayed as often as 600
    few = slots[replayed == 4].unique(return_counts=True)[1]
    assert len(few) == 10 and few.min() > 0.5 * few.float().mean()  # and each of the 10 in its turn
    again = replay_batch(keys, labels, 9000, torch.Generator().manual_seed(1))
    assert torch.equal(again[0], embeddings) and not torch.equal(replay_batch(keys, labels, 9000, torch.Generator().manual_seed(2))[0], embeddings)
    with pytest.raises(MemoryEmptyError):
        replay_batch(keys, torch.full_like(labels, -1), 5)


def sleepy_brain(seed: int = 0, dropout: float = 0.0) -> Brain:
    """A tiny brain whose memory holds 40 embeddings of 12 numbers (labels 0 to 4) in 50 slots."""
    torch.manual_seed(seed)
    brain = Brain(BrainConfig(retina_channels=4, v1_channels=8, v2_channels=8, v4_channels=8, embedding_dim=12, memory_capacity=50,
                              memory_k=4, pfc_dropout=dropout, batch_size=16))
    labels = torch.arange(40) % 5
    brain.hippocampus.write(torch.randn(5, 12)[labels] + 0.5 * torch.randn(40, 12), labels)
    return brain


def test_sleep_trains_the_pfc_alone_on_replayed_memories():
    from neurokit.training import sleep

    brain, twin = sleepy_brain(), sleepy_brain()
    before = {name: value.clone() for name, value in brain.state_dict().items()}
    brain.eval()
    losses = sleep(brain, 60, 0.05, torch.Generator().manual_seed(4))
    assert len(losses) == 60 and all(isinstance(loss, float) for loss in losses) and sum(losses[-5:]) / 5 < losses[0] / 2
    assert not brain.training and not brain.pfc.training
    changed = {name for name, value in brain.state_dict().items() if not torch.equal(value, before[name])}
    assert changed == {"pfc.readout.weight", "pfc.readout.bias"}
    assert sleep(twin, 60, 0.05, torch.Generator().manual_seed(4)) == losses  # the generator alone decides the draws
    assert torch.equal(twin.pfc.readout.weight, brain.pfc.readout.weight)
    only_three = sleepy_brain()
    sleep(only_three, 40, 0.05, torch.Generator().manual_seed(5), digits=[3])
    with torch.no_grad():
        answers = only_three.pfc.eval()(only_three.hippocampus.keys[:40]).argmax(1)
    assert (answers == 3).all()  # fine-tuning on one digit alone: everything is a 3


def test_forgetting_curve_scores_a_copy_before_and_after_each_bout_of_sleep():
    from neurokit.training import forgetting_curve, sleep

    brain = sleepy_brain(dropout=0.5)
    before = {name: value.clone() for name, value in brain.state_dict().items()}
    embeddings, labels = brain.hippocampus.keys[:40], brain.hippocampus.labels[:40]
    curve = forgetting_curve(brain, embeddings, labels, 3, 30, 10, 0.05, torch.Generator().manual_seed(6))
    assert curve.shape == (4, 2) and brain.training
    assert all(torch.equal(value, before[name]) for name, value in brain.state_dict().items())
    with torch.no_grad():
        right = brain.pfc.eval()(embeddings).argmax(1) == labels
    assert torch.allclose(curve[0], torch.stack([right[labels == 3].float().mean(), right[labels != 3].float().mean()]))
    copy = sleepy_brain(dropout=0.5)
    generator = torch.Generator().manual_seed(6)
    torch.manual_seed(7)
    for _ in range(3):
        sleep(copy, 10, 0.05, generator)
    same = sleepy_brain(dropout=0.5)
    torch.manual_seed(7)  # the same dropout during sleep
    again = forgetting_curve(same, embeddings, labels, 3, 30, 10, 0.05, torch.Generator().manual_seed(6))
    with torch.no_grad():
        right = copy.pfc.eval()(embeddings).argmax(1) == labels
    assert torch.allclose(again[-1], torch.stack([right[labels == 3].float().mean(), right[labels != 3].float().mean()]))
    assert curve[-1, 1] > curve[0, 1]  # replay of every digit: the old ones are learned too


def test_vote_is_the_hippocampus_recall_with_skipped_and_hidden_memories():
    import torch.nn.functional as F

    from neurokit.hippocampus import vote

    generator = torch.Generator().manual_seed(1)
    keys, labels, queries = torch.randn(40, 6, generator=generator), torch.randint(0, 8, (40,), generator=generator), torch.randn(5, 6, generator=generator)
    memory = Hippocampus(capacity=40, embedding_dim=6, num_classes=10, k=3, temperature=0.05)
    memory.write(keys, labels)
    similarities = F.normalize(queries, dim=1) @ F.normalize(keys, dim=1).T
    assert torch.allclose(vote(similarities, labels, 0.05), memory.recall(queries).log_probs, atol=1e-5)
    skipped, hidden = torch.randint(0, 40, (5,), generator=generator), torch.arange(40) < 6
    masked = similarities.clone()
    masked[torch.arange(5), skipped] = float("-inf")
    masked[:, hidden] = float("-inf")
    assert torch.allclose(vote(masked, labels, 0.05), memory.recall(queries, exclude_slots=skipped, hidden=hidden).log_probs, atol=1e-5)
    assert torch.isfinite(vote(similarities, labels, 0.001)).all()  # no overflow at a tiny temperature
    by_hand = vote(torch.tensor([[0.5, 0.5, 0.5]]), torch.tensor([0, 1, 1]), 1.0, num_classes=2).exp()
    assert torch.allclose(by_hand, torch.tensor([[0.5, 0.5]]), atol=1e-4)  # one memory of 0 against two of 1: balanced


def test_occlude_blanks_exactly_the_share_asked_for_at_random():
    from neurokit.data import MNIST_MEAN, MNIST_STD
    from neurokit.hippocampus import occlude

    images = 1 + torch.rand(500, 1, 4, 5)
    cues = occlude(images, 0.3, torch.Generator().manual_seed(0))
    blank = (cues - (-MNIST_MEAN / MNIST_STD)).abs() < 1e-6
    assert cues.shape == images.shape and (blank.flatten(1).sum(1) == 6).all()
    assert torch.equal(cues[~blank], images[~blank]) and not (images < 1).any()  # the rest, and the input, unchanged
    assert torch.equal(occlude(images, 0.3, torch.Generator().manual_seed(0)), cues)
    assert (blank.flatten(1).float().mean(0) - 0.3).abs().max() < 0.1  # every pixel hidden about as often
    assert torch.equal(occlude(images, 0.0), images) and bool(((occlude(images, 1.0) - (-MNIST_MEAN / MNIST_STD)).abs() < 1e-6).all())
    with pytest.raises(ValueError, match="fraction"):
        occlude(images, 1.5)


def test_hippocampus_kernel_narrows_with_a_class_count_and_weighs_its_normaliser():
    import torch.nn.functional as F

    from neurokit.hippocampus import SMOOTHING

    generator = torch.Generator().manual_seed(2)
    keys, queries = torch.randn(30, 5, generator=generator), torch.randn(4, 5, generator=generator)
    labels = torch.tensor([0] * 20 + [1] * 7 + [2] * 3)  # classes of 20, 7 and 3 memories; class 3 holds none
    memory = Hippocampus(capacity=30, embedding_dim=5, num_classes=4, k=3, temperature=0.05)
    memory.write(keys, labels)
    memory.use_kernel(0.1, shrink=0.3, normaliser=2.0)
    similarities = F.normalize(queries, dim=1) @ F.normalize(keys, dim=1).T
    skipped = torch.tensor([0, 21, 28, 5])  # each query's own slot, not counted in its class's mean

    def expected(hidden):
        in_recall = ~hidden
        counts = torch.bincount(labels[in_recall], minlength=4).float()
        widths = 0.1 * counts.clamp(min=1) ** -0.3  # set by how many memories of the class take part
        densities = torch.zeros(4, 4)
        for row in range(4):
            for digit in range(3):
                members = (labels == digit) & in_recall
                members[skipped[row]] = False
                weights = torch.exp((similarities[row, members] - 1) / widths[digit])
                densities[row, digit] = weights.mean() / widths[digit] ** 2.0
        probabilities = densities / densities.sum(1, keepdim=True)
        return torch.log((1 - SMOOTHING) * probabilities + SMOOTHING / 4)

    nothing_hidden = torch.zeros(30, dtype=torch.bool)
    assert torch.allclose(memory.recall(queries, exclude_slots=skipped).log_probs, expected(nothing_hidden), atol=1e-5)
    hidden = torch.arange(30) < 15  # class 0 keeps 5 memories: a broader kernel
    assert torch.allclose(memory.recall(queries, exclude_slots=skipped, hidden=hidden).log_probs, expected(hidden), atol=1e-5)
    assert torch.allclose(memory.kernel_widths(torch.tensor([1.0, 8.0])), torch.tensor([0.1, 0.1 * 8 ** -0.3]))
    own_left_out = similarities.index_put((torch.arange(4), skipped), torch.tensor(float("-inf")))
    nearest = memory.recall(queries, exclude_slots=skipped)
    assert torch.allclose(nearest.similarities, own_left_out.topk(3).values)  # nearest by similarity, whatever the class's width
    assert torch.equal(nearest.slots, own_left_out.topk(3).indices)


def test_hippocampus_kernel_refuses_nonsense_and_is_forgotten_with_the_memories():
    memory = Hippocampus(capacity=4, embedding_dim=2, num_classes=2, k=1, temperature=0.05)
    for wrong in ((0.0, 0.1, 1.0), (0.1, -0.1, 1.0), (0.1, 0.1, -1.0)):
        with pytest.raises(ValueError, match="use_kernel"):
            memory.use_kernel(*wrong)
    memory.use_kernel(0.2, 0.1, 3.0)
    memory.clear()
    assert memory.kernel.tolist() == pytest.approx([0.05, 0.0, 0.0])


def test_fit_kernel_keeps_the_kernel_under_which_recall_finds_the_held_out_labels_likeliest(monkeypatch):
    import torch.nn.functional as F

    from neurokit import training

    monkeypatch.setattr(training, "KERNEL_REHEARSALS", ())  # memory as it is: every kernel's score is recall's own NLL
    monkeypatch.setattr(training, "KERNEL_WIDTHS", (0.05, 0.2, 0.8))
    monkeypatch.setattr(training, "KERNEL_SHRINKS", (0.0, 0.3))
    monkeypatch.setattr(training, "KERNEL_NORMALISERS", (0.0, 4.0))
    generator = torch.Generator().manual_seed(3)
    centres = torch.randn(3, 8, generator=generator)
    counts = torch.tensor([60, 15, 4])
    labels = torch.repeat_interleave(torch.arange(3), counts)
    keys = centres[labels] + 0.9 * torch.randn(len(labels), 8, generator=generator)
    memory = Hippocampus(capacity=len(labels), embedding_dim=8, num_classes=3, k=2, temperature=0.07)
    memory.write(keys, labels)
    held_out = torch.arange(0, len(labels), 3)  # asked about from their own slots, which they skip

    def nll(kernel):
        memory.use_kernel(*kernel)
        return F.nll_loss(memory.recall(keys[held_out], exclude_slots=held_out).log_probs, labels[held_out]).item()

    grid = [(width, shrink, normaliser) for width in training.KERNEL_WIDTHS for shrink in training.KERNEL_SHRINKS
            for normaliser in training.KERNEL_NORMALISERS]
    scores = {kernel: nll(kernel) for kernel in grid}
    training.fit_kernel(memory, keys[held_out], labels[held_out], held_out, torch.Generator().manual_seed(0))
    chosen = tuple(memory.kernel.tolist())
    assert chosen == pytest.approx(min(scores, key=scores.get))
    assert len({round(score, 6) for score in scores.values()}) > 1  # the grid's kernels differ: the choice means something


def test_fit_kernel_rehearses_only_digits_with_a_memory_left_to_keep():
    from neurokit import training

    generator = torch.Generator().manual_seed(4)
    labels = torch.tensor([0] * 12 + [1] * 12 + [2] * 3)
    keys = torch.randn(3, 6, generator=generator)[labels] + 0.5 * torch.randn(len(labels), 6, generator=generator)
    memory = Hippocampus(capacity=len(labels), embedding_dim=6, num_classes=3, k=2, temperature=0.07)
    memory.write(keys, labels)
    asked = torch.cat([torch.arange(0, 24, 4), torch.arange(24, 27)])  # every memory of digit 2 is asked about
    training.fit_kernel(memory, keys[asked], labels[asked], asked, torch.Generator().manual_seed(0))
    width_of_one, shrink, normaliser = memory.kernel.tolist()
    assert min(abs(width_of_one - width) for width in training.KERNEL_WIDTHS) < 1e-6
    assert min(abs(shrink - rate) for rate in training.KERNEL_SHRINKS) < 1e-6 and normaliser in training.KERNEL_NORMALISERS
    assert torch.isfinite(memory.recall(keys[asked], exclude_slots=asked).log_probs).all()


def test_psychometric_curve_counts_the_conflicts_whose_answer_follows_memory_in_evaluation_mode():
    from neurokit.basal_ganglia import psychometric_curve

    ganglia = BasalGanglia(num_classes=3)
    with torch.no_grad():
        ganglia.policy[-1].weight.zero_()
        ganglia.policy[-1].bias.fill_(50.0)  # the policy hands every image to memory: the answer is memory's
    cortex = torch.tensor([[[5.0, 0, 0], [0, 5.0, 0]], [[5.0, 0, 0], [0, 5.0, 0]]])
    memory = torch.log_softmax(torch.tensor([[[0, 5.0, 0], [0, 5.0, 0]], [[5.0, 0, 0], [0, 5.0, 0]]]), dim=2)  # level 0: one conflict; level 1: none
    ganglia.train()
    curve = psychometric_curve(ganglia, cortex, memory, torch.rand(2, 2, 4))
    assert curve[0] == 1.0 and curve[1].isnan() and ganglia.training
    generator = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for parameter in ganglia.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator))
    cortex, memory = 3 * torch.randn(3, 200, 3, generator=generator), torch.log_softmax(3 * torch.randn(3, 200, 3, generator=generator), dim=2)
    nearest = torch.rand(3, 200, 4, generator=generator)
    curve = psychometric_curve(ganglia.eval(), cortex, memory, nearest)
    for level in range(3):
        with torch.no_grad():
            answer = ganglia(cortex[level], memory[level], nearest[level])[0].argmax(1)
        conflict = cortex[level].argmax(1) != memory[level].argmax(1)
        assert torch.isclose(curve[level], (answer == memory[level].argmax(1))[conflict].float().mean())
    assert not ganglia.training


def _made_up_digits(count, generator, noise):
    """Ten blurred random patterns, one per digit, plus noise: a problem a small brain learns in a few steps."""
    patterns = torch.nn.functional.interpolate(torch.randn(10, 1, 7, 7, generator=generator), size=28, mode="bilinear")
    labels = (torch.arange(count) % 10)[torch.randperm(count, generator=generator)]
    return 1.5 * patterns[labels] + noise * torch.randn(count, 1, 28, 28, generator=generator), labels


SMALL_BRAIN = dict(retina_channels=4, v1_channels=6, v2_channels=8, v4_channels=8, embedding_dim=12, memory_k=4, pfc_dropout=0.0)


def test_supervised_epoch_writes_each_batch_into_its_own_slots_and_never_lets_an_image_find_itself():
    import copy

    from neurokit import training

    generator = torch.Generator().manual_seed(0)
    images, labels = _made_up_digits(60, generator, 0.8)
    slots = torch.randperm(80, generator=generator)[:60]
    brain = Brain(BrainConfig(**SMALL_BRAIN, memory_capacity=80)).eval()
    with torch.no_grad():
        brain.hippocampus.write(brain.encode(images)[0], labels, slots)  # as after an earlier epoch: each image is in memory
    expected = copy.deepcopy(brain).train()(images, exclude_slots=slots, reconstruct=False)
    optimizer = torch.optim.SGD(brain.parameters(), lr=0.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    [loss] = training.supervised_epoch(brain, images, labels, slots, optimizer, scheduler, generator, batch_size=60)
    assert brain.training and scheduler.last_epoch == 1
    assert abs(loss - training.supervised_loss(expected, labels).item()) < 1e-4
    assert torch.allclose(brain.hippocampus.keys[slots], expected.embedding, atol=1e-5) and torch.equal(brain.hippocampus.labels[slots], labels)
    assert (brain.hippocampus.labels[~torch.isin(torch.arange(80), slots)] == -1).all()  # no other slot written

    brain = Brain(BrainConfig(**SMALL_BRAIN, memory_capacity=80))
    learning = [p for name, p in brain.named_parameters() if not name.startswith(("cerebellum.", "basal_ganglia."))]
    optimizer = torch.optim.AdamW(learning, lr=4e-3)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=4e-3, total_steps=3 * 4, pct_start=0.2)
    frozen = {name: p.detach().clone() for name, p in brain.named_parameters() if name.startswith(("cerebellum.", "basal_ganglia."))}
    epochs = [training.supervised_epoch(brain, images, labels, slots, optimizer, scheduler, generator, batch_size=16) for _ in range(3)]
    assert [len(losses) for losses in epochs] == [4, 4, 4] and scheduler.last_epoch == 12
    assert sum(epochs[-1]) < sum(epochs[0])
    assert all(torch.equal(p, frozen[name]) for name, p in brain.named_parameters() if name in frozen)


def test_fit_basal_ganglia_calibrates_on_held_out_evidence_then_trains_the_policy_alone():
    import copy

    import torch.nn.functional as F

    from neurokit import training

    generator = torch.Generator().manual_seed(1)
    images, labels = _made_up_digits(100, generator, 1.2)
    brain = Brain(BrainConfig(**SMALL_BRAIN, memory_capacity=100))
    training.refresh_memory(brain, images, labels)
    brain.hippocampus.separate_patterns(0.1)
    held_out, slots = images[60:], torch.arange(60, 100)
    before = copy.deepcopy(brain.state_dict())
    calibrated = copy.deepcopy(brain)
    brain.eval()
    with torch.no_grad():
        embedding, _ = brain.encode(held_out)
        cortex_logits, recall = brain.pfc(embedding), brain.hippocampus.recall(embedding, exclude_slots=slots)
    training.calibrate(calibrated.basal_ganglia, cortex_logits, recall.log_probs, labels[60:])

    def mixture_loss(ganglia):
        ganglia.eval()
        with torch.no_grad():
            return F.nll_loss(ganglia(cortex_logits, recall.log_probs, recall.similarities)[0], labels[60:]).item()

    brain.train()
    losses = training.fit_basal_ganglia(brain, held_out, labels[60:], slots, epochs=20, lr=1e-2, generator=generator)
    assert len(losses) == 20 and brain.training
    assert torch.allclose(brain.basal_ganglia.log_temperatures, calibrated.basal_ganglia.log_temperatures)
    assert all(torch.equal(value, before[name]) for name, value in brain.state_dict().items() if not name.startswith("basal_ganglia."))
    assert mixture_loss(brain.basal_ganglia) < mixture_loss(calibrated.basal_ganglia)


def test_evaluate_sources_agrees_with_score_and_leaves_the_mode_as_it_was():
    from neurokit import training

    generator = torch.Generator().manual_seed(2)
    brain = Brain(BrainConfig(**SMALL_BRAIN, memory_capacity=30))
    stored, stored_labels = torch.randn(30, 1, 28, 28, generator=generator), torch.randint(0, 10, (30,), generator=generator)
    training.refresh_memory(brain, stored, stored_labels)
    images = torch.cat([stored[:15], torch.randn(20, 1, 28, 28, generator=generator)])
    labels = torch.cat([stored_labels[:15], torch.randint(0, 10, (20,), generator=generator)])
    report = training.evaluate_sources(brain.train(), images, labels, batch_size=8)
    metrics = training.evaluate(brain, images, labels)
    assert brain.training and sum(report["count"].values()) == 35
    assert {source: report["accuracy"][source] for source in ("mixture", "cortex", "memory")} == pytest.approx(metrics["test_accuracy"])
    assert report["accuracy"]["oracle"] == pytest.approx(metrics["oracle_accuracy"])
    for case, key in (("only memory right", "mean_where_only_memory_right"), ("only cortex right", "mean_where_only_cortex_right")):
        assert report["mean gate"][case] == (None if metrics["gate"][key] is None else pytest.approx(metrics["gate"][key]))
    assert (report["count"]["both right"] + report["count"]["only memory right"]) / 35 == pytest.approx(metrics["test_accuracy"]["memory"])
    brain.eval()
    with torch.no_grad():
        cortex_answers = brain.pfc(brain.encode(stored[:3])[0]).argmax(1)
    one_case = training.evaluate_sources(brain, stored[:3], cortex_answers)  # the cortex is right on every image
    assert not brain.training and one_case["accuracy"]["cortex"] == 1.0
    assert one_case["mean gate"]["only memory right"] is None and one_case["mean gate"]["both wrong"] is None
