"""Grading fanned out on dask.distributed: a local cluster of worker processes, one killed mid-run."""

import os
import signal
import threading
import time
from pathlib import Path

import nbformat
import pytest
from distributed import Client, LocalCluster
from nbgrader.api import Gradebook

from autograder import isolation, lessons
from autograder.collect import collect
from autograder.errors import CourseError
from autograder.grading import Autograder
from tests.submissions import samples

pytestmark = pytest.mark.slow
RETINA = "01_retina"


def retina_class(course_dir: Path, inbox: Path) -> dict[str, int]:
    """Every lesson 01 sample and the solution: the autograded points each deserves (open answers wait for a teaching assistant)."""
    expected = {}
    for name, sample in samples.load(RETINA).items():
        student = name.replace("_", "")
        nbformat.write(samples.build(RETINA, sample["edits"], tuple(sample.get("delete", ()))), inbox / f"{student}_{RETINA}.ipynb")
        expected[student] = sum(sample["points"].values())
    reference = nbformat.read(lessons.SOLUTIONS / f"{RETINA}.ipynb", as_version=4)
    nbformat.write(reference, inbox / f"reference_{RETINA}.ipynb")
    expected["reference"] = sum(cell.metadata["nbgrader"]["points"] for cell in reference.cells
                                if cell.cell_type == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("grade"))
    collect(inbox, course_dir, lessons.lesson_names())
    return expected


def totals(course_dir: Path) -> dict[str, float]:
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gradebook:
        return {submission.student_id: submission.score for submission in gradebook.assignment_submissions(RETINA)}


def kill_a_busy_worker(client: Client, killed: dict):
    """Wait until some worker runs a submission, then kill its process (as a machine that goes down)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        busy = {address: keys for address, keys in client.processing().items() if keys}
        if busy:
            address, keys = next(iter(busy.items()))
            time.sleep(3)  # inside the sandbox by now
            pid = client.run(os.getpid, workers=[address])[address]
            killed.update(address=address, pid=pid, keys=list(keys))
            os.kill(pid, signal.SIGKILL)
            return
        time.sleep(0.2)


def test_a_worker_lost_mid_run_has_its_submissions_graded_elsewhere_once(tmp_path):
    if not isolation.detect().isolated:
        pytest.fail(f"grading needs a sandbox: {isolation.detect().problem}")
    course_dir = tmp_path / "course"
    lessons.release(course_dir, lessons=tmp_path / "lessons", names=[RETINA])
    (tmp_path / "inbox").mkdir()
    expected = retina_class(course_dir, tmp_path / "inbox")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        killed = {}
        killer = threading.Thread(target=kill_a_busy_worker, args=(client, killed))
        killer.start()
        records = Autograder(course_dir, cell_timeout=60, scheduler=cluster.scheduler_address, log=lambda m: None).grade([RETINA])
        killer.join()
    assert killed, "no worker was ever busy"
    graded = [record.student for record in records]
    assert sorted(graded) == sorted(expected), "every submission graded exactly once"
    killed_worker = f":{killed['pid']}"
    lost = [record for record in records if any(record.student in key for key in killed["keys"])]
    assert lost and all(not record.worker.endswith(killed_worker) for record in lost), "the lost worker's submission ran elsewhere"
    assert len({record.worker for record in records}) >= 2
    assert totals(course_dir) == pytest.approx(expected)


def test_a_scheduler_that_does_not_answer_is_a_clear_error(tmp_path):
    course_dir = tmp_path / "course"
    lessons.release(course_dir, lessons=tmp_path / "lessons", names=[RETINA])
    (tmp_path / "inbox").mkdir()
    nbformat.write(nbformat.read(lessons.LESSONS / f"{RETINA}.ipynb", as_version=4), tmp_path / "inbox" / f"ada_{RETINA}.ipynb")
    collect(tmp_path / "inbox", course_dir, lessons.lesson_names())
    with pytest.raises(CourseError, match="no dask scheduler answered at tcp://127.0.0.1:9"):
        Autograder(course_dir, scheduler="tcp://127.0.0.1:9", log=lambda m: None).grade([RETINA])
    assert not (course_dir / "executed").exists()


def test_the_embedded_cluster_listens_on_no_network():
    from autograder.fanout import Engine

    with Engine(workers=2) as engine:
        scheduler = engine.cluster.scheduler
        assert scheduler.address.startswith("inproc://")
        addresses = [sock.getsockname()[0] for sock in scheduler.http_server._sockets.values()]
        assert addresses and set(addresses) <= {"127.0.0.1", "::1"}, addresses
        assert engine.slots == 2


def test_the_embedded_cluster_leaves_the_graders_environment_as_it_was():
    """A dask nanny sets OMP_NUM_THREADS=1 and others in the process that starts it (the nanny clusters of these tests
    do); the embedded cluster runs its worker without one, so the grader's own process keeps its environment."""
    from autograder.fanout import Engine

    before = dict(os.environ)
    with Engine(workers=1):
        during = dict(os.environ)
    assert during == before
    assert dict(os.environ) == before


def test_a_scheduler_without_workers_is_a_clear_error():
    from autograder.fanout import Engine

    with LocalCluster(n_workers=0, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        with pytest.raises(CourseError, match=r"has no workers: start them with `dask worker tcp://127.0.0.1:\d+`"):
            Engine(1, scheduler=cluster.scheduler_address, wait_for_workers_s=2)
