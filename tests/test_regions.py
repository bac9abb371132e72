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
