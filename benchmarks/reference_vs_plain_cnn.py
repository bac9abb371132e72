"""Benchmark: the reference brain against a plain two-conv CNN, same budget, same run.

Budget: the original course notebook's, 1 epoch of reconstruction pretraining then 2
supervised epochs for the brain, 2 epochs for the plain CNN (PyTorch examples/mnist
layout), batch 128, on the CPU with 2 threads. Both read MNIST from the same in-memory
tensors. Prints test accuracy and wall time side by side, and the time ratio.

    .venv/bin/python benchmarks/reference_vs_plain_cnn.py [--threads 2] [--seed 0]
"""

import argparse
import time

import torch

from neurokit import BrainConfig
from neurokit.baseline import plain_cnn_accuracy, train_plain_cnn
from neurokit.data import load_mnist
from neurokit.run import train_brain
from neurokit.training import evaluate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train_images, train_labels = load_mnist(True, args.data_dir)
    test_images, test_labels = load_mnist(False, args.data_dir)

    start = time.perf_counter()
    plain = train_plain_cnn(train_images, train_labels, epochs=2, batch_size=128, seed=args.seed)
    plain_seconds = time.perf_counter() - start
    plain_accuracy = plain_cnn_accuracy(plain, test_images, test_labels)

    config = BrainConfig(pretrain_epochs=1, train_epochs=2, batch_size=128, seed=args.seed, threads=args.threads)
    result = train_brain(config, train_images, train_labels, device=torch.device("cpu"))
    timings = result.timings
    brain_seconds = timings["pretrain_and_train"]
    metrics = evaluate(result.brain, test_images, test_labels)

    rows = [
        ("plain CNN (examples/mnist), 2 epochs", plain_accuracy, plain_seconds),
        ("brain: mixture (1 pretrain + 2 supervised)", metrics["test_accuracy"]["mixture"], brain_seconds),
        ("brain: cortex alone", metrics["test_accuracy"]["cortex"], None),
        ("brain: memory alone", metrics["test_accuracy"]["memory"], None),
    ]
    print(f"\nCPU, {torch.get_num_threads()} threads, batch 128, seed {args.seed}, torch {torch.__version__}")
    print(f"{'model':46s} {'test accuracy':>13s} {'train time':>11s}")
    for name, accuracy, seconds in rows:
        print(f"{name:46s} {accuracy:13.2%} {('%.1f s' % seconds) if seconds else '':>11s}")
    print(f"brain stages: pretrain {timings['pretrain']:.1f} s, supervised {timings['train']:.1f} s; mean gate {metrics['gate']['mean']:.2f}")
    print(f"time ratio brain / plain CNN: {brain_seconds / plain_seconds:.2f}x (goal: at most 1.5x)")


if __name__ == "__main__":
    main()
