"""Run one submission's notebook in isolation: its own process, user, memory cap, no network.

The parent grading process starts `python -m autograder.sandbox IN OUT ...` once per
submission. This process never touches the gradebook: it reads a notebook and writes the
executed notebook, and it runs the student's code in a kernel that

- runs as the unprivileged user `nobody` when grading runs as root (so it cannot write
  the gradebook, the solutions or the hidden tests, which belong to the instructor;
  this process, which writes the result, stays apart from it),
- cannot allocate more than the memory cap (RLIMIT_DATA; an allocation past it raises
  MemoryError in the cell),
- has no network when Linux lets the parent start it in a new network namespace
  (the kernel talks to this process over Unix sockets, which need none),
- gets a per-cell time limit: a cell that runs past it is interrupted and the rest of the
  notebook still runs.

A kernel that dies (it exited, or was killed for memory) ends the run: the cells not run
get an error output, so nbgrader gives them no points.
"""

import argparse
import json
import os
import resource
import sys
from pathlib import Path

import nbformat
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError



def error_output(name: str, message: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


def sandbox_kernel(workdir: Path, kernel_command: list[str]) -> AsyncKernelManager:
    """A kernel started with the given command, talking over Unix sockets in workdir."""
    spec_dir = workdir / "kernels" / "sandboxed"
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({"argv": kernel_command, "display_name": "sandboxed", "language": "python"}))
    specs = KernelSpecManager(kernel_dirs=[str(workdir / "kernels")])
    kernel = AsyncKernelManager(kernel_name="sandboxed", kernel_spec_manager=specs, transport="ipc", connection_file=str(workdir / "kernel.json"))
    kernel.ip = str(workdir / "kernel-ipc")
    kernel.write_connection_file()
    os.chmod(kernel.connection_file, 0o644)  # the kernel may run as another user; it must read its own key
    return kernel


def execute(notebook: nbformat.NotebookNode, cell_timeout: int, workdir: Path, kernel_command: list[str]) -> list[str]:
    """Execute code cells in order in a fresh kernel; return notes on timeouts and a dead kernel."""
    notes = []
    kernel = sandbox_kernel(workdir, kernel_command)
    client = NotebookClient(
        notebook,
        km=kernel,
        timeout=cell_timeout,
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={"ename": "TimeoutError", "evalue": f"the cell ran past its {cell_timeout} s limit and was interrupted", "traceback": []},
        resources={"metadata": {"path": str(workdir)}},
    )
    died_in = None
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            if died_in is not None:
                cell.outputs = [error_output("NotRun", f"the kernel died in an earlier cell ({died_in}), so this cell did not run")]
                continue
            try:
                client.execute_cell(cell, index)
            except DeadKernelError:
                died_in = cell.get("id", index)
                cell.outputs.append(error_output("DeadKernel", "the kernel died while running this cell (it exited, or ran out of memory)"))
                notes.append(f"kernel died in cell {died_in}")
            if _timed_out(cell):
                notes.append(f"cell {cell.get('id', index)} ran past {cell_timeout} s and was interrupted")
    return notes


def _timed_out(cell) -> bool:
    """The kernel was interrupted in this cell (KeyboardInterrupt), or gave no reply in time (TimeoutError)."""
    return any(o.output_type == "error" and o.get("ename") in ("KeyboardInterrupt", "TimeoutError") for o in cell.get("outputs", []))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Execute one submission in isolation.")
    parser.add_argument("notebook", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--cell-timeout", type=int, required=True)
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--kernel-command", required=True, help="JSON list: the kernel's argv with {connection_file}")
    args = parser.parse_args(argv)
    limit = args.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    notebook = nbformat.read(args.notebook, as_version=4)
    notes = execute(notebook, args.cell_timeout, args.notebook.parent, json.loads(args.kernel_command))
    notebook.metadata.setdefault("autograder", {})["sandbox_notes"] = notes
    nbformat.write(notebook, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
