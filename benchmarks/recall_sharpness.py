"""Print how the sharpness of memory's recall changes memory and the gated mixture, for trained default brains.

    .venv/bin/python benchmarks/recall_sharpness.py [--seeds 0 1 2] [--checkpoints DIR]

Each brain is the speed experiment's (default config, all 60,000 training images, seed s), trained here or
loaded from DIR/seed{s}.pt when there (trained ones are saved there). For each recall temperature, memory's
class-balanced vote is recalled from the stored memories (`Hippocampus.recall`), the basal ganglia's
two calibration temperatures are fitted afresh on the held-out images, and the familiar mixture (an even mixture
of the two calibrated sources) is scored. The table gives, per seed, memory's negative log-likelihood on the
held-out images (what a choice of temperature by held-out likelihood would minimise) and the number of
images each source and the mixture name right, held-out and test. Every row uses one width for every class; the row
at the config's `memory_temperature` is the width memory learns with, before `fit_kernel` fits the brain's own kernel
(printed after each seed). A study for the gate, not a record: nothing here changes the brain.
"""

import argparse
import math
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neurokit.basal_ganglia import BasalGanglia, mix_in_probability_space  # noqa: E402
from neurokit.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from neurokit.data import load_mnist  # noqa: E402
from neurokit.experiments.new_digit import encode  # noqa: E402
from neurokit.experiments.speed import FULL  # noqa: E402
from neurokit.hippocampus import Hippocampus  # noqa: E402
from neurokit.run import train_brain  # noqa: E402
from neurokit.training import calibrate, evaluation_mode, split_for_gate  # noqa: E402

TEMPERATURES = (0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.1)


def brain_for(seed: int, folder: Path, images, labels):
    """The speed experiment's brain of this seed, from folder/seed{seed}.pt, trained and saved there if missing."""
    path = folder / f"seed{seed}.pt"
    if path.is_file():
        return load_checkpoint(path)
    brain = train_brain(FULL.config(seed, memory_capacity=len(images)), images, labels, progress=False, device=torch.device("cpu")).brain
    save_checkpoint(brain, path)
    return brain


def cortex_and_embeddings(brain, images):
    """The cortex's logits and the IT embeddings of these images, in evaluation mode."""
    embeddings = encode(brain, images).clone()  # out of inference mode, for calibrate's gradient
    with evaluation_mode(brain):
        cortex_logits = brain.pfc(embeddings)
    return cortex_logits.clone(), embeddings


def recalling_at(hippocampus, temperature):
    """A hippocampus holding the same memories and pattern separation, recalling at another temperature."""
    copy = Hippocampus(hippocampus.capacity, hippocampus.embedding_dim, hippocampus.num_classes, hippocampus.k, temperature)
    copy.load_state_dict(hippocampus.state_dict())
    copy.use_kernel(temperature)  # one width for every class, not the kernel the brain fitted
    return copy


def memory_vote(hippocampus, embeddings, own_slots=None):
    """Memory's log-probabilities for these embeddings (`Hippocampus.recall`), each skipping its own slot in own_slots."""
    with torch.no_grad():
        return torch.cat([hippocampus.recall(embeddings[start:start + 1000], None if own_slots is None else own_slots[start:start + 1000]).log_probs
                          for start in range(0, len(embeddings), 1000)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--checkpoints", type=Path, default=Path("runs/recall_sharpness"))
    args = parser.parse_args()
    try:
        args.checkpoints.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        parser.error(f"cannot keep checkpoints in {args.checkpoints} ({error.strerror}): pass --checkpoints a folder you can write to")
    torch.set_num_threads(2)  # as the speed experiment trained its brains
    train_images, train_labels = load_mnist(train=True)[:2]
    test_images, test_labels = load_mnist(train=False)[:2]
    print(f"{'seed':>4s} {'temperature':>11s} {'held-out NLL':>12s} | held-out right: {'memory':>6s} {'cortex':>6s} {'mixture':>7s} "
          f"| test right: {'memory':>6s} {'cortex':>6s} {'mixture':>7s}")
    for seed in args.seeds:
        brain = brain_for(seed, args.checkpoints, train_images, train_labels)
        _, held_out = split_for_gate(len(train_images), brain.config)
        parts = {"held-out": (*cortex_and_embeddings(brain, train_images[held_out]), train_labels[held_out], held_out),
                 "test": (*cortex_and_embeddings(brain, test_images), test_labels, None)}
        for temperature in TEMPERATURES:
            hippocampus = recalling_at(brain.hippocampus, temperature)
            memory = {name: memory_vote(hippocampus, embeddings, own) for name, (_, embeddings, _, own) in parts.items()}
            cortex_held, _, labels_held, _ = parts["held-out"]
            basal_ganglia = BasalGanglia(brain.config.num_classes)  # its two temperatures fitted afresh for this recall
            calibrate(basal_ganglia, cortex_held, memory["held-out"], labels_held)
            right = []
            for name, (cortex, _, labels, _) in parts.items():
                with torch.no_grad():
                    calibrated_cortex, calibrated_memory = basal_ganglia.calibrated(cortex, memory[name])
                    mixture = mix_in_probability_space(calibrated_cortex, calibrated_memory, torch.zeros(len(labels)))  # even trust
                right += [int((source.argmax(1) == labels).sum()) for source in (memory[name], cortex, mixture)]
            nll = F.nll_loss(memory["held-out"], labels_held).item()
            mark = "  (the training temperature)" if math.isclose(temperature, brain.config.memory_temperature) else ""
            print(f"{seed:4d} {temperature:11.3f} {nll:12.4f} | {'':15s} {right[0]:6d} {right[1]:6d} {right[2]:7d} "
                  f"| {'':11s} {right[3]:6d} {right[4]:6d} {right[5]:7d}{mark}", flush=True)
        width_of_one, shrink, normaliser = brain.hippocampus.kernel.tolist()
        print(f"{seed:4d} the brain's own kernel: width {width_of_one:g} for a class of one memory, times n ** -{shrink:g}; "
              f"normaliser {normaliser:g}", flush=True)


if __name__ == "__main__":
    main()
