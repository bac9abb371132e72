"""Honest lesson-04 samples: two different correct solutions and two plausible mistakes."""

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
FULL = {"embedding-tests": 2, "stream-tests": 2}

SAMPLES = {
    "honest_reshape_and_tuple": {"edits": {"embedding-exercise": RESHAPE, "stream-exercise": TUPLE_STREAM}, "points": FULL},
    "honest_by_hand_and_indexed": {"edits": {"embedding-exercise": BY_HAND, "stream-exercise": INDEXED_STREAM}, "points": FULL},
    "mistake_channels_last": {"edits": {"embedding-exercise": CHANNELS_LAST, "stream-exercise": TUPLE_STREAM},
                              "points": {"embedding-tests": 0, "stream-tests": 2}},
    "mistake_no_norm_and_ungated": {"edits": {"embedding-exercise": NO_NORM, "stream-exercise": SKIPS_THALAMUS},
                                    "points": {"embedding-tests": 0, "stream-tests": 0}},
}
