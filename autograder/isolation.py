"""How student code is started: as which user, with or without network, with which environment."""

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .lessons import REPOSITORY_ROOT

SANDBOX_USER, SANDBOX_GROUP = "nobody", "nogroup"
NAMESPACES = ["unshare", "--net", "--pid", "--fork", "--kill-child"]


@dataclass(frozen=True)
class Isolation:
    drop_privileges: bool  # student code runs as `nobody`
    no_network: bool  # student code runs in empty network and process namespaces

    def describe(self) -> str:
        user = f"as {SANDBOX_USER}" if self.drop_privileges else "as the grading user (could not switch to nobody)"
        network = "without network" if self.no_network else "with network (no network namespace available)"
        return f"student code runs {user}, {network}"

    def kernel_command(self) -> list[str]:
        """The kernel's command line: the student's code runs here, as `nobody` where possible."""
        command = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        return drop_privileges(command) if self.drop_privileges else command

    def wrap(self, command: list[str]) -> list[str]:
        """The grading worker's command line: in its own network and process namespaces where possible.

        In its own process namespace, everything the student's code started dies with the worker.
        """
        return [*NAMESPACES, "--", *command] if self.no_network else command


def drop_privileges(command: list[str]) -> list[str]:
    return ["setpriv", f"--reuid={SANDBOX_USER}", f"--regid={SANDBOX_GROUP}", "--clear-groups", "--", *command]


def _works(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@functools.lru_cache(maxsize=1)
def detect() -> Isolation:
    """Use every isolation this machine allows; probe, don't assume."""
    no_network = shutil.which("unshare") is not None and _works([*NAMESPACES, "--", "true"])
    drop = (
        os.geteuid() == 0
        and shutil.which("setpriv") is not None
        and _works(drop_privileges([sys.executable, "-c", "import ipykernel, torch, neurokit"]))
    )
    return Isolation(drop_privileges=drop, no_network=no_network)


def sandbox_environment(workdir: Path, data_dir: Path, threads: int = 1) -> dict[str, str]:
    """A minimal environment: the course's Python and data, a private home, nothing of the grader's.

    `threads` caps each kernel's math threads, so parallel submissions share the cores
    instead of fighting over them.
    """
    return {
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(workdir),
        "PYTHONPATH": str(REPOSITORY_ROOT),
        "JUPYTER_RUNTIME_DIR": str(workdir / "runtime"),
        "JUPYTER_DATA_DIR": str(workdir / "jupyter"),
        "IPYTHONDIR": str(workdir / "ipython"),
        "MPLCONFIGDIR": str(workdir / "matplotlib"),
        "MPLBACKEND": "agg",
        "NEUROKIT_DATA": str(data_dir),
        "NBGRADER_EXECUTION": "autograde",
        "LANG": "C.UTF-8",
    }
