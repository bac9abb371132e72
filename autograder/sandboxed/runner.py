"""Inside the sandbox: run a submission's code in a kernel, then answer the grader's questions.

    python -m sandboxed.runner CELLS.json --cell-timeout S --memory-mb M

CELLS.json is a list of code cells' sources. The runner executes them in order in a fresh
kernel (a cell that runs past its limit is interrupted; a kernel that dies is restarted
and the cells before run again, without the one that killed it), then writes one JSON
line to stdout, {"ready": true, "notes": [...]}. After that it reads one question per
line on stdin, {"id": N, "code": "...", "timeout": S}, runs it as a cell, and answers
{"id": N, "reply": {...}} with what the cell displayed under answer.MIME_TYPE. It keeps
no output of the student's except errors: printed text goes nowhere.
"""

import argparse
import json
import os
import resource
import sys
import tempfile
from pathlib import Path

import nbformat
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from .answer import MIME_TYPE

MAX_DEATHS = 3


class QuietClient(NotebookClient):
    """An nbclient that keeps only errors and the grader's answers, so no output can grow without bound."""

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "error":
            content = msg["content"]
            out = nbformat.v4.new_output("error", ename=str(content.get("ename", ""))[:200], evalue=str(content.get("evalue", ""))[:2000], traceback=[])
        elif msg["msg_type"] == "display_data" and MIME_TYPE in msg["content"].get("data", {}):
            out = nbformat.v4.new_output("display_data", data={MIME_TYPE: msg["content"]["data"][MIME_TYPE]})
        else:
            return None
        del outs[:-1]
        outs.append(out)
        return out


class Kernel:
    """One kernel at a time; a dead one is replaced, and the cells that ran before run again."""

    def __init__(self, workdir: Path, cell_timeout: int):
        self.workdir, self.cell_timeout = workdir, cell_timeout
        self.done: list[str] = []
        self.notes: list[str] = []
        self.deaths = 0
        self.start()

    def start(self):
        spec = self.workdir / "kernels" / "sandboxed"
        spec.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "sandboxed", "language": "python"}))
        manager = AsyncKernelManager(kernel_name="sandboxed", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)]),
                                transport="ipc", ip=str(self.workdir / "kernel"), connection_file=str(self.workdir / "kernel.json"))
        self.notebook = nbformat.v4.new_notebook()
        self.client = QuietClient(self.notebook, km=manager, timeout=self.cell_timeout, allow_errors=True,
                                  interrupt_on_timeout=True, resources={"metadata": {"path": str(self.workdir)}})
        self.manager = manager
        self.client.start_new_kernel()
        self.client.start_new_kernel_client()
        for source in self.done:
            self.run(source, self.cell_timeout, replaying=True)

    def stop(self):
        try:
            self.client.kc.stop_channels()
            run_sync(self.manager.shutdown_kernel)(now=True)
        except Exception:  # a kernel that is already gone
            pass

    def run(self, source: str, timeout: int, replaying: bool = False, label: str = "") -> list:
        """Execute one cell; its kept outputs. Raises DeadKernelError after restarting the kernel."""
        cell = nbformat.v4.new_code_cell(source)
        self.notebook.cells = [cell]
        self.client.timeout = timeout
        try:
            self.client.execute_cell(cell, 0)
        except CellTimeoutError:
            cell.outputs = [nbformat.v4.new_output("error", ename="TimeoutError", evalue=f"ran past {timeout} s", traceback=[])]
        except DeadKernelError:
            self.deaths += 1
            self.notes.append(f"the kernel died in {label or 'a cell'}" + (" (and it was not restarted: too many deaths)" if self.deaths >= MAX_DEATHS else "; it was restarted"))
            self.stop()
            if self.deaths < MAX_DEATHS:
                self.start()
            raise
        return cell.outputs


def timed_out(outputs) -> bool:
    return any(o.output_type == "error" and o.get("ename") in ("KeyboardInterrupt", "TimeoutError") for o in outputs)


def serve(cells: list[str], cell_timeout: int, workdir: Path, questions, answers):
    kernel = Kernel(workdir, cell_timeout)
    for number, source in enumerate(cells, 1):
        if kernel.deaths >= MAX_DEATHS:
            break
        try:
            outputs = kernel.run(source, cell_timeout, label=f"code cell {number}")
        except DeadKernelError:
            continue
        if timed_out(outputs):
            kernel.notes.append(f"code cell {number} ran past {cell_timeout} s and was interrupted")
        else:
            kernel.done.append(source)
    print(json.dumps({"ready": True, "notes": kernel.notes}), file=answers, flush=True)
    for line in questions:
        try:
            question = json.loads(line)
            number, code, timeout = int(question["id"]), str(question["code"]), int(question["timeout"])
        except (ValueError, KeyError, TypeError):
            continue
        if kernel.deaths >= MAX_DEATHS:
            reply = {"error": {"name": "DeadKernel", "message": "the kernel died too often, so nothing more was run"}}
        else:
            try:
                outputs = kernel.run(code, timeout, label=f"a hidden test (question {number})")
                found = [o for o in outputs if o.output_type == "display_data"]
                errors = [o for o in outputs if o.output_type == "error"]
                if timed_out(outputs):
                    reply = {"error": {"name": "TimeoutError", "message": f"it ran past the {timeout} s limit and was interrupted"}}
                elif found:
                    reply = found[-1]["data"][MIME_TYPE]
                elif errors:
                    reply = {"error": {"name": errors[-1].ename, "message": errors[-1].evalue}}
                else:
                    reply = {"error": {"name": "NoAnswer", "message": "no answer came back"}}
            except DeadKernelError:
                reply = {"error": {"name": "DeadKernel", "message": "the kernel died while running it (it exited, or ran out of memory)"}}
        print(json.dumps({"id": number, "reply": reply, "notes": kernel.notes}), file=answers, flush=True)
    kernel.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run a submission's code and answer the grader (inside the sandbox).")
    parser.add_argument("cells", type=Path)
    parser.add_argument("--cell-timeout", type=int, required=True)
    parser.add_argument("--memory-mb", type=int, required=True)
    args = parser.parse_args(argv)
    limit = args.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    cells = json.loads(args.cells.read_text())
    answers = os.fdopen(os.dup(1), "w")  # the grader's channel; the kernel's own stdout goes nowhere
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    workdir = Path(tempfile.mkdtemp(prefix="kernel-", dir=os.environ.get("HOME") or None))
    serve(cells, args.cell_timeout, workdir, sys.stdin, answers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
