"""The course's experiments, each rerun by one command: `neurokit experiment NAME`.

Each experiment module has a FULL setting (what the README reports) and a SMALL one
(minutes, for tests), and a `run(setting, data, log)` that returns its report(s):
per-seed rows, a summary of mean and spread over seeds, a Markdown table and a figure.
"""

import sys
import time
from pathlib import Path

from . import ablation, label_efficiency, new_digit, speed
from .common import Report, Setting, load_data

EXPERIMENTS = {"ablation": ablation, "label-efficiency": label_efficiency, "new-digit": new_digit, "speed": speed}


def run_experiment(name: str, out_dir: Path | str, small: bool = False, seeds: int | None = None, data_dir=None, log=print, command: str | None = None) -> list[Path]:
    """Run one experiment and write its tables (CSV, Markdown), figure (PNG) and record (JSON) into out_dir.

    `command` is how it was started, for the record (default: this process's command line).
    """
    if name not in EXPERIMENTS:
        raise ValueError(f"Unknown experiment {name!r}; choose from {', '.join(EXPERIMENTS)}.")
    module = EXPERIMENTS[name]
    setting = (module.SMALL if small else module.FULL).with_seeds(seeds)
    data = load_data(setting, data_dir, log=log)
    start = time.perf_counter()
    reports = module.run(setting, data, log=log)
    seconds = time.perf_counter() - start
    written = []
    for report in reports if isinstance(reports, list) else [reports]:
        written += report.write(Path(out_dir), setting, "small" if small else "full", seconds, command or " ".join(sys.argv)).values()
    return written


__all__ = ["EXPERIMENTS", "Report", "Setting", "run_experiment"]
