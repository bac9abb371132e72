"""Honest lesson-04 samples: different correct solutions and plausible mistakes."""

RESHAPE = '''def it_embedding(feature_map, project, norm):
    flat = feature_map.reshape(feature_map.shape[0], -1)
    return norm(project(flat))
'''
BY_HAND = '''def it_embedding(feature_map, project, norm):
    flat = torch.flatten(feature_map, start_dim=1)
    projected = flat @ project.weight.T + project.bias
    return F.batch_norm(projected, norm.running_mean, norm.running_var, norm.weight, norm.bias,
                        training=norm.training, momentum=norm.momentum, eps=norm.eps)
'''
CHANNELS_LAST = '''def it_embedding(feature_map, project, norm):
    return norm(project(feature_map.permute(0, 2, 3, 1).flatten(1)))  # one pixel's channels together
'''
NO_NORM = '''def it_embedding(feature_map, project, norm):
    return project(feature_map.flatten(1))
'''
TUPLE_STREAM = '''def ventral_stream(images, retina, thalamus, visual_cortex, it_cortex):
    relayed, gates = thalamus(retina(images))
    v4_map = visual_cortex(relayed)
    embedding = it_cortex(v4_map)
    return embedding, gates
'''
INDEXED_STREAM = '''def ventral_stream(images, retina, thalamus, visual_cortex, it_cortex):
    thalamic = thalamus(retina(images))
    return it_cortex(visual_cortex(thalamic[0])), thalamic[1]
'''
SKIPS_THALAMUS = '''def ventral_stream(images, retina, thalamus, visual_cortex, it_cortex):
    signal = retina(images)
    _, gates = thalamus(signal)
    return it_cortex(visual_cortex(signal)), gates  # the ungated retinal signal goes on
'''
CORRCOEF_OF_MEANS = '''def similarity_matrix(features, labels):
    means = []
    for digit in range(10):
        means.append(features[labels == digit].mean(dim=0))
    return torch.corrcoef(torch.stack(means))
'''
ONE_HOT_Z_SCORES = '''def similarity_matrix(features, labels):
    one_hot = F.one_hot(labels, num_classes=10).float()
    means = one_hot.T @ features / one_hot.sum(0, keepdim=True).T
    z = (means - means.mean(1, keepdim=True)) / means.std(1, keepdim=True)
    return z @ z.T / (features.shape[1] - 1)
'''
NUMPY_CORRELATION = '''import numpy as np


def similarity_matrix(features, labels):
    data, digits = features.double().numpy(), labels.numpy()
    means = np.stack([data[digits == d].mean(axis=0) for d in range(10)])
    return torch.from_numpy(np.corrcoef(means)).float()
'''
COSINE_OF_MEANS = '''def similarity_matrix(features, labels):
    means = torch.stack([features[labels == digit].mean(0) for digit in range(10)])
    return F.cosine_similarity(means[:, None, :], means[None, :, :], dim=-1)
'''
CENTRED_PER_FEATURE = '''def similarity_matrix(features, labels):
    means = torch.stack([features[labels == digit].mean(0) for digit in range(10)])
    centred = means - means.mean(0, keepdim=True)  # each feature centred across the digits
    unit = centred / centred.norm(dim=1, keepdim=True)
    return unit @ unit.T
'''
FIRST_IMAGE_OF_EACH = '''def similarity_matrix(features, labels):
    first = torch.stack([features[(labels == digit).nonzero()[0, 0]] for digit in range(10)])
    return torch.corrcoef(first)
'''
FULL = {"embedding-tests": 2, "stream-tests": 2, "rsm-tests": 3}

SAMPLES = {
    "honest_reshape_tuple_and_corrcoef": {"edits": {"embedding-exercise": RESHAPE, "stream-exercise": TUPLE_STREAM, "rsm-exercise": CORRCOEF_OF_MEANS},
                                          "points": FULL},
    "honest_by_hand_indexed_and_z_scores": {"edits": {"embedding-exercise": BY_HAND, "stream-exercise": INDEXED_STREAM, "rsm-exercise": ONE_HOT_Z_SCORES},
                                            "points": FULL},
    "honest_reshape_indexed_and_numpy": {"edits": {"embedding-exercise": RESHAPE, "stream-exercise": INDEXED_STREAM, "rsm-exercise": NUMPY_CORRELATION},
                                         "points": FULL},
    "mistake_channels_last": {"edits": {"embedding-exercise": CHANNELS_LAST, "stream-exercise": TUPLE_STREAM},
                              "points": {"embedding-tests": 0, "stream-tests": 2, "rsm-tests": 0}},
    "mistake_no_norm_and_ungated": {"edits": {"embedding-exercise": NO_NORM, "stream-exercise": SKIPS_THALAMUS},
                                    "points": {"embedding-tests": 0, "stream-tests": 0, "rsm-tests": 0}},
    "mistake_cosine_not_correlation": {"edits": {"embedding-exercise": RESHAPE, "stream-exercise": TUPLE_STREAM, "rsm-exercise": COSINE_OF_MEANS},
                                       "points": {**FULL, "rsm-tests": 0}},
    "mistake_centred_per_feature": {"edits": {"embedding-exercise": BY_HAND, "stream-exercise": INDEXED_STREAM, "rsm-exercise": CENTRED_PER_FEATURE},
                                    "points": {**FULL, "rsm-tests": 0}},
    "mistake_first_image_not_mean": {"edits": {"embedding-exercise": RESHAPE, "stream-exercise": TUPLE_STREAM, "rsm-exercise": FIRST_IMAGE_OF_EACH},
                                     "points": {**FULL, "rsm-tests": 0}},
}
