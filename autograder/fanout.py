"""Fan-out: the sandboxed runs of a grading round, spread over dask.distributed workers.

The coordinator (`grading.Autograder`) reads and plans each submission, sends the plan
here as a `SandboxJob`, and writes what comes back; only it touches the course folder and
the gradebook. A worker, on this machine or another, keeps a `Workshop` (MNIST and, per
lesson, the copy of neurokit without its reference), runs the submission in its own
sandbox, and asks the hidden tests' questions there. Nothing of the student's reaches the
coordinator but verdicts: plain strings and booleans.

By default the cluster is embedded: one in-process worker with a thread per submission
run at once, which needs no network and no set-up (its status page listens on 127.0.0.1). `scheduler="tcp://HOST:8786"` (or
`tls://...`) sends the jobs to a cluster an instructor started; dask reruns the jobs of a
worker that is lost on another one, and the coordinator keeps exactly one result each.
"""

import functools
import hashlib
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from distributed import Client, LocalCluster, WorkerPlugin, get_worker

from neurokit.data import raw_folder, stage_mnist

from . import hidden_tests, isolation
from .errors import CourseError
from .redact import redacted_copy
from .sandbox import START_S, Sandbox, SandboxLost

PLUGIN_NAME = "autograder-workshop"
COURSE_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class SandboxJob:
    """One submission's run: the code to execute and what the hidden tests need to grade it."""

    student: str
    lesson: str
    code: tuple[str, ...]
    source: dict  # the lesson's instructor version (for the reference's stand-ins)
    points: dict
    cell_timeout: int
    memory_mb: int
    course_version: str  # the coordinator's `course_version(lesson)`; a worker with other code refuses


@dataclass
class SandboxResult:
    verdicts: dict[str, tuple[bool, str]]
    notes: list[str] = field(default_factory=list)
    worker: str = ""
    isolation: str = ""
    isolated: bool = True


@functools.lru_cache(maxsize=None)
def course_version(lesson: str) -> str:
    """A digest of what grading this lesson depends on: its hidden tests and the whole of neurokit."""
    digest = hashlib.sha256(hidden_tests.lesson_file(lesson).read_bytes())
    for path in sorted((COURSE_ROOT / "neurokit").rglob("*.py")):
        digest.update(path.relative_to(COURSE_ROOT).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _readable_by_everyone(folder: Path):
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | (0o555 if path.is_dir() else 0o444))


class Workshop:
    """A worker's private folder: MNIST that sandboxes may read, and per lesson neurokit without its reference."""

    def __init__(self, allow_unisolated: bool = False, log=print):
        self.isolation = isolation.detect()
        if not self.isolation.isolated and not allow_unisolated:
            raise CourseError(f"student code cannot be isolated on {socket.gethostname()}: {self.isolation.problem}. "
                              f"To fix: {isolation.HOW_TO_FIX}.")
        self.root = Path(tempfile.mkdtemp(prefix="autograder-"))
        self.root.chmod(0o711)  # the sandbox user may pass through, not list
        self.data_dir = self.root / "data"
        shutil.copytree(raw_folder(stage_mnist(log=log)), raw_folder(self.data_dir))
        stage_mnist(self.data_dir, download=False, log=log)
        _readable_by_everyone(self.data_dir)
        self.libs: dict[str, Path] = {}
        self.tests: dict[str, hidden_tests.LessonTests] = {}
        self.lock = threading.Lock()
        self.name = f"{socket.gethostname()}:{os.getpid()}"

    def lesson(self, lesson: str) -> tuple[hidden_tests.LessonTests, Path]:
        with self.lock:
            if lesson not in self.libs:
                self.tests[lesson] = hidden_tests.load(lesson)
                lib = self.root / f"lib-{lesson}"
                redacted_copy(lib, self.tests[lesson].redact, lesson)
                _readable_by_everyone(lib)
                self.libs[lesson] = lib
            return self.tests[lesson], self.libs[lesson]

    def run(self, job: SandboxJob, threads: int) -> SandboxResult:
        """Run one submission in a fresh sandbox and grade it with the lesson's hidden tests."""
        from .grading import grade_checks

        if course_version(job.lesson) != job.course_version:
            raise CourseError(f"the worker {self.name} has other hidden tests or another neurokit than the coordinator: "
                              f"install the same version of the course on every worker")
        tests, lib = self.lesson(job.lesson)
        box = Path(tempfile.mkdtemp(prefix=f"{job.student}-{job.lesson}-", dir=self.root))
        work, private = box / "work", box / "grader"
        work.mkdir()
        private.mkdir(mode=0o700)
        (work / "cells.json").write_text(json.dumps(list(job.code)))
        if self.isolation.isolated and self.isolation.as_root:
            os.chown(work, isolation.SANDBOX_UID, isolation.SANDBOX_UID)
        lib_inside, data_inside, work_inside = self.isolation.paths(lib, self.data_dir, work)
        inner = [sys.executable, "-m", "sandboxed.runner", f"{work_inside}/cells.json",
                 "--cell-timeout", str(job.cell_timeout), "--memory-mb", str(job.memory_mb)]
        environment = isolation.environment(lib_inside, data_inside, work_inside, threads)
        command = self.isolation.command(inner, lib, self.data_dir, work, environment)
        source = nbformat.from_dict(job.source)
        sandbox = Sandbox(command, environment, private / "stderr", job.cell_timeout)
        try:
            sandbox.wait_until_ready(min(len(job.code), 4) * job.cell_timeout + START_S)
            verdicts = grade_checks(sandbox, tests, source, job.points)
        except SandboxLost as lost:
            verdicts = {check.grade_id: (False, f"Not graded: {lost}.") for check in tests.checks}
        finally:
            sandbox.close()
            notes = sandbox.notes + [note for note in [sandbox.what_went_wrong()] if note]
            shutil.rmtree(box, ignore_errors=True)
        return SandboxResult(verdicts, notes, self.name, self.isolation.describe(), self.isolation.isolated)

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)


class WorkshopPlugin(WorkerPlugin):
    """Gives each dask worker its Workshop when it starts, and removes it when the worker closes."""

    name = PLUGIN_NAME

    def __init__(self, allow_unisolated: bool = False):
        self.allow_unisolated = allow_unisolated
        self.workshop: Workshop | None = None

    def setup(self, worker):
        self.workshop = Workshop(self.allow_unisolated, log=lambda message: None)

    def teardown(self, worker):
        if self.workshop:
            self.workshop.close()


def run_sandboxed(job: SandboxJob) -> SandboxResult:
    """The task a dask worker runs for one submission."""
    worker = get_worker()
    plugin = worker.plugins.get(PLUGIN_NAME)
    if plugin is None or plugin.workshop is None:
        raise CourseError(f"the worker {worker.address} has no grading workshop: its set-up failed (see the worker's log)")
    threads = max(1, (os.cpu_count() or 1) // max(1, worker.state.nthreads))
    return plugin.workshop.run(job, threads)


class Engine:
    """The dask client of one grading round: an embedded cluster, or the instructor's at `scheduler`."""

    def __init__(self, workers: int, scheduler: str | None = None, allow_unisolated: bool = False, wait_for_workers_s: float = 60):
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="10s", set_as_default=False)
            except (OSError, TimeoutError) as error:
                raise CourseError(f"no dask scheduler answered at {scheduler} ({error}): start one with `dask scheduler`, "
                                  "and workers with `dask worker ADDRESS`, on machines with this course installed") from None
            self.cluster = None
            try:
                self.client.wait_for_workers(1, timeout=wait_for_workers_s)
            except TimeoutError:
                self.client.close()
                raise CourseError(f"the dask scheduler at {scheduler} has no workers: start them with `dask worker {scheduler}` "
                                  "on machines with this course installed") from None
        else:
            self.cluster = LocalCluster(n_workers=1, threads_per_worker=workers, processes=False,  # talks in-process
                                        dashboard_address="127.0.0.1:0")  # its status page: this machine only
            self.client = Client(self.cluster, set_as_default=False)
        self.client.register_plugin(WorkshopPlugin(allow_unisolated), name=PLUGIN_NAME)
        self.slots = sum(self.client.nthreads().values()) or 1

    def run(self, job: SandboxJob) -> SandboxResult:
        """Run one job on some worker; a worker lost mid-run has it rerun on another (dask's retries)."""
        return self.client.submit(run_sandboxed, job, pure=False, key=f"grade-{job.student}-{job.lesson}-{os.urandom(4).hex()}").result()

    def describe(self) -> str:
        if self.cluster:
            return f"dask cluster embedded in this process: {self.slots} submissions at once"
        workers = len(self.client.nthreads())
        return f"dask cluster at {self.client.scheduler.address}: {workers} worker{'s' * (workers != 1)}, {self.slots} submissions at once"

    def close(self):
        self.client.close()
        if self.cluster:
            self.cluster.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

