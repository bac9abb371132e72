"""The `neurokit` command: stage the data, train the reference brain, evaluate a checkpoint."""

import argparse
import json
import sys
import time
from dataclasses import fields
from pathlib import Path

from .config import BrainConfig
from .data import DATA_ENV_VAR, MNIST_SHA256, default_data_dir, raw_folder, stage_mnist
from .errors import NeurokitError


def _add_data_dir(parser):
    parser.add_argument("--data-dir", type=Path, default=None, help=f"where MNIST lives (default: ${DATA_ENV_VAR} or {default_data_dir()})")


def _add_config_options(parser):
    """One --option per BrainConfig field, so every setting can be changed from the command line."""
    group = parser.add_argument_group("brain configuration (defaults from BrainConfig)")
    for field in fields(BrainConfig):
        flag = "--" + field.name.replace("_", "-")
        if isinstance(field.default, bool):
            group.add_argument(flag, action=argparse.BooleanOptionalAction, default=field.default)
        else:
            kind = float if isinstance(field.default, float) else int
            group.add_argument(flag, type=kind, default=field.default, metavar=kind.__name__.upper())


def at_least_one(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"needs a whole number of at least 1, got {text!r}")
    return int(text)


def command_data(args):
    root = stage_mnist(args.data_dir)
    print(f"MNIST is ready and verified in {raw_folder(root)}: {', '.join(MNIST_SHA256)}")


def command_train(args):
    from .run import headline, run

    config = BrainConfig(**{f.name: getattr(args, f.name) for f in fields(BrainConfig)})
    run_dir = args.out or Path("runs") / time.strftime(f"%Y%m%d-%H%M%S-seed{config.seed}")
    metrics = run(config, run_dir, args.data_dir, progress=not args.quiet, train_size=args.train_size, test_size=args.test_size)
    print(headline(metrics))
    print(f"run folder: {run_dir} (metrics.json, figures, brain.pt)")


def command_evaluate(args):
    from .checkpoint import load_checkpoint
    from .data import load_mnist
    from .run import subset
    from .training import evaluate, pick_device

    brain = load_checkpoint(args.checkpoint, pick_device())
    images, labels = subset(*load_mnist(False, args.data_dir), args.test_size)
    print(json.dumps(evaluate(brain, images, labels), indent=2))


def command_experiment(args):
    from .experiments import EXPERIMENTS, run_experiment

    names = list(EXPERIMENTS) if args.name == "all" else [args.name]
    try:  # fail now, not after an hour of training
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / ".writable").touch()
        (args.out / ".writable").unlink()
    except OSError as error:
        raise NeurokitError(f"Cannot write the results into {args.out} ({error.strerror}); choose another folder with --out.") from error
    log = (lambda *_: None) if args.quiet else print
    for name in names:
        written = run_experiment(name, args.out, small=args.small, seeds=args.seeds, data_dir=args.data_dir, log=log, command=args.command_line)
        print(f"{name}: wrote {', '.join(str(path) for path in written)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="neurokit", description="The reference brain of the neuro-inspired ML course.")
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser("data", help="fetch MNIST if needed and verify it by SHA-256")
    _add_data_dir(data)
    data.set_defaults(handler=command_data)

    train = commands.add_parser("train", help="train the full brain; write metrics.json, figures and brain.pt")
    _add_data_dir(train)
    train.add_argument("--out", type=Path, default=None, help="run folder (default: runs/DATE-TIME-seedN)")
    train.add_argument("--train-size", type=at_least_one, default=None, help="use only the first N training images (quick trials)")
    train.add_argument("--test-size", type=at_least_one, default=None, help="evaluate on the first N test images only")
    train.add_argument("--quiet", action="store_true", help="no progress bars")
    _add_config_options(train)
    train.set_defaults(handler=command_train)

    evaluate = commands.add_parser("evaluate", help="reload a checkpoint and print its test metrics")
    evaluate.add_argument("checkpoint", type=Path, help="brain.pt, or the run folder holding it")
    evaluate.add_argument("--test-size", type=at_least_one, default=None, help="evaluate on the first N test images only")
    _add_data_dir(evaluate)
    evaluate.set_defaults(handler=command_evaluate)

    experiment = commands.add_parser("experiment", help="run an experiment; write its tables (CSV, Markdown) and figure (PNG)")
    experiment.add_argument("name", choices=["ablation", "label-efficiency", "new-digit", "speed", "all"])
    experiment.add_argument("--small", action="store_true", help="the small setting: fewer seeds and subsets, a few minutes")
    experiment.add_argument("--seeds", type=at_least_one, default=None, help="run seeds 0..N-1 instead of the setting's")
    experiment.add_argument("--out", type=Path, default=Path("runs/experiments"), help="where the tables and figures go (default: runs/experiments)")
    experiment.add_argument("--quiet", action="store_true", help="no progress lines")
    _add_data_dir(experiment)
    experiment.set_defaults(handler=command_experiment)

    args = parser.parse_args(argv)
    args.command_line = "neurokit " + " ".join(sys.argv[1:] if argv is None else argv)
    try:
        args.handler(args)
    except NeurokitError as error:
        print(f"neurokit: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("neurokit: interrupted", file=sys.stderr)
        return 130
    return 0
