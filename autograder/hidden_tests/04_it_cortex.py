"""Hidden tests of lesson 04 (IT cortex): the self-checks' properties, on inputs the student has not seen."""

import torch

from neurokit import Retina, Thalamus, VisualCortex, it_cortex
from neurokit.checks import assert_close, assert_shape

from . import LessonTests

tests = LessonTests("04_it_cortex", redact={"neurokit.it_cortex": ["ITCortex", "similarity_matrix"], "neurokit.brain": ["Brain"]}, context=("setup", "imports"))

EMBEDDING = """
project = torch.nn.Linear(*project_weights["weight"].T.shape)
norm = torch.nn.BatchNorm1d(len(norm_weights["weight"]))
project.load_state_dict(project_weights)
norm.load_state_dict(norm_weights)
norm.train(training)
with torch.no_grad():
    result = it_embedding(feature_map, project, norm)
"""

STREAM = """
from torch import nn

from neurokit import Retina, Thalamus, VisualCortex


class IT(nn.Module):
    def __init__(self, channels, dim):
        super().__init__()
        self.project, self.norm = nn.Linear(channels * 49, dim), nn.BatchNorm1d(dim)

    def forward(self, feature_map):
        return it_embedding(feature_map, self.project, self.norm)


retina, thalamus = Retina(channels, dog_init=False), Thalamus(channels)
visual_cortex, it_cortex = VisualCortex(channels, *cortex_channels), IT(cortex_channels[-1], dim)
for region, name in ((retina, "retina"), (thalamus, "thalamus"), (visual_cortex, "visual_cortex"), (it_cortex, "it_cortex")):
    region.load_state_dict(weights[name])
    region.train(training)
with torch.no_grad():
    result = ventral_stream(images, retina, thalamus, visual_cortex, it_cortex)
"""


def randomise(module, generator):
    """Random parameters, and random running statistics for every batch norm."""
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator))
        for layer in module.modules():
            if isinstance(layer, torch.nn.modules.batchnorm._BatchNorm):
                layer.running_mean.copy_(torch.randn(layer.running_mean.shape, generator=generator))
                layer.running_var.copy_(torch.rand(layer.running_var.shape, generator=generator) + 0.5)
    return module


def weights_of(module):
    return {name: value.clone() for name, value in module.state_dict().items()}


@tests.check("embedding-tests")
def it_embedding(student):
    generator = torch.Generator().manual_seed(4)
    for channels, size, dim in [(5, 3, 6), (2, 7, 10), (8, 1, 4)]:
        region = randomise(it_cortex.ITCortex(channels, size, dim), generator)
        feature_map = torch.randn(6, channels, size, size, generator=generator)
        for training in (True, False):
            mode = "training" if training else "eval"
            got = student.run(EMBEDDING, f"your it_embedding of a random {tuple(feature_map.shape)} map ({mode} mode)",
                              feature_map=feature_map, project_weights=weights_of(region.project), norm_weights=weights_of(region.norm),
                              training=training)
            with torch.no_grad():
                expected = region.train(training)(feature_map)
            assert_close(got, expected, f"it_embedding of a random {tuple(feature_map.shape)} map with random weights ({mode} mode)",
                         hint="Flatten with feature_map.flatten(1), project, then call norm as a module (it knows its mode).")


@tests.check("stream-tests", stand_in=("embedding-exercise",))
def ventral_stream(student):
    generator = torch.Generator().manual_seed(40)
    for channels, cortex_channels, dim, training in [(8, (6, 10, 12), 20, True), (4, (5, 3, 7), 9, False)]:
        retina, thalamus = randomise(Retina(channels, dog_init=False), generator), randomise(Thalamus(channels), generator)
        visual_cortex = randomise(VisualCortex(channels, *cortex_channels), generator)
        it = randomise(it_cortex.ITCortex(cortex_channels[-1], 7, dim), generator)
        regions = {"retina": retina, "thalamus": thalamus, "visual_cortex": visual_cortex, "it_cortex": it}
        weights = {name: weights_of(region) for name, region in regions.items()}
        images = torch.randn(5, 1, 28, 28, generator=generator)
        what = (f"your ventral_stream of 5 random images through a random brain ({channels} retinal channels, "
                f"V1/V2/V4 {cortex_channels}, {dim}-number embedding, {'training' if training else 'eval'} mode)")
        got = student.run(STREAM, what, channels=channels, cortex_channels=cortex_channels, dim=dim, training=training,
                          weights=weights, images=images)
        assert isinstance(got, (tuple, list)) and len(got) == 2, f"{what} should return (embedding, gates); got {got!r}."
        with torch.no_grad():
            for region in regions.values():
                region.train(training)
            relayed, expected_gates = thalamus(retina(images))
            expected_embedding = it(visual_cortex(relayed))
        assert_close(got[1], expected_gates, f"the thalamic gates of {what}",
                     hint="The thalamus returns (relayed, gates): keep its gates and pass the relayed signal on.")
        assert_close(got[0], expected_embedding, f"the embedding of {what}", hint="Retina, then thalamus (its first output), then visual cortex, then IT.")


@tests.check("rsm-tests")
def similarity_matrix(student):
    generator = torch.Generator().manual_seed(2008)
    for count, dim in [(60, 7), (200, 128), (23, 3)]:
        labels = torch.cat([torch.arange(10), torch.randint(0, 10, (count - 10,), generator=generator)])[torch.randperm(count, generator=generator)]
        features = torch.randn(count, dim, generator=generator) * 3 * torch.rand(dim, generator=generator) + torch.randn(dim, generator=generator)
        features = features + 0.7 * (labels.float() - 4)[:, None]  # every digit its own offset: a cosine similarity would differ
        what = f"similarity_matrix of {count} random rows of {dim} features with labels in random order"
        got = student.call("similarity_matrix", features, labels)
        assert_shape(got, (10, 10), what)
        assert_close(got, it_cortex.similarity_matrix(features, labels), what,
                     hint="Average each digit's rows, subtract each mean vector's own average over its entries, then correlate.", atol=1e-4)
