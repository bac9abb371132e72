"""neurokit: the reference brain of the neuro-inspired machine-learning course.

One module per brain region, in the order the signal flows, assembled by `Brain`:
retina -> thalamus -> visual_cortex (V1, V2, V4) -> it_cortex -> pfc and hippocampus
-> basal_ganglia, with the cerebellum reconstructing the image from IT for
self-supervised pretraining.
"""

__version__ = "0.1.0"

from .basal_ganglia import BasalGanglia
from .brain import Brain, BrainOutput
from .cerebellum import Cerebellum
from .config import BrainConfig
from .errors import CheckpointError, ConfigError, DataError, MemoryEmptyError, NeurokitError, ShapeError
from .hippocampus import Hippocampus, Recall
from .it_cortex import ITCortex
from .pfc import PFC
from .retina import Retina, difference_of_gaussians
from .thalamus import Thalamus
from .visual_cortex import VisualCortex

__all__ = [
    "BasalGanglia",
    "Brain",
    "BrainConfig",
    "BrainOutput",
    "Cerebellum",
    "CheckpointError",
    "ConfigError",
    "DataError",
    "Hippocampus",
    "ITCortex",
    "MemoryEmptyError",
    "NeurokitError",
    "PFC",
    "Recall",
    "Retina",
    "ShapeError",
    "Thalamus",
    "VisualCortex",
    "difference_of_gaussians",
]
