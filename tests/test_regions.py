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
