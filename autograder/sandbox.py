"""The grader's end of one sandbox: start it, wait for the submission to run, ask it questions.

The sandbox (`autograder.isolation`) runs `sandboxed.runner`, which executes the
submission's code and then answers one question per line. Every wait here has a limit,
every line read has a size limit, and a line that is not a well-formed answer to the
question asked is ignored, so nothing the sandbox writes can hang or confuse the grader.
"""

import json
import os
import queue
import signal
import subprocess
import threading
from pathlib import Path

from .hidden_tests import Student, StudentError

MAX_LINE = 64 * 1024 * 1024
START_S = 120  # a kernel's start, the imports and MNIST, on a slow machine


class SandboxLost(Exception):
    """The sandbox stopped answering: it ran out of time, or it is gone."""


class Sandbox(Student):
    """A running submission that answers the hidden tests' questions."""

    def __init__(self, command: list[str], environment: dict[str, str], stderr: Path, question_timeout: int):
        self.question_timeout = question_timeout
        self.notes: list[str] = []
        self.lost: str | None = None
        self.asked = 0
        self.stderr_path = stderr
        self.stderr = open(stderr, "wb")
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                                        start_new_session=True, env=environment)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def wait_until_ready(self, timeout: float):
        """Wait while the submission's code runs; SandboxLost if it takes longer than `timeout`."""
        ready = self._next(lambda message: message.get("ready") is True, timeout, "running the notebook")
        self.notes = [str(note)[:500] for note in ready.get("notes", [])][:50]

    def _read(self):
        stream = self.process.stdout
        while True:
            line = stream.readline(MAX_LINE)
            if not line:
                break
            while not line.endswith(b"\n") and len(line) >= MAX_LINE:  # an over-long line: drop the rest of it
                line = stream.readline(MAX_LINE)
                if not line or line.endswith(b"\n"):
                    line = b""
                    break
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict):
                self.lines.put(message)
        self.lines.put(None)

    def _next(self, wanted, timeout: float, doing: str) -> dict | None:
        if self.lost:
            raise SandboxLost(self.lost)
        deadline = _now() + timeout
        while True:
            try:
                message = self.lines.get(timeout=max(0.1, deadline - _now()))
            except queue.Empty:
                message = "timeout"
            if message == "timeout" or (message is None) or _now() > deadline + 1:
                self.lost = (f"the sandbox stopped while {doing}" if message is None
                             else f"the sandbox gave no answer within {int(timeout)} s while {doing}")
                self.close()
                raise SandboxLost(self.lost)
            if wanted(message):
                return message

    def ask(self, code: str, what: str) -> dict:
        self.asked += 1
        number = self.asked
        line = json.dumps({"id": number, "code": code, "timeout": self.question_timeout}).encode() + b"\n"
        writer = threading.Thread(target=self._write, args=(line,), daemon=True)
        writer.start()
        writer.join(self.question_timeout + 30)
        message = self._next(lambda m: m.get("id") == number, self.question_timeout + 60, f"answering for {what}")
        notes = message.get("notes")
        if isinstance(notes, list):
            self.notes = [str(note)[:500] for note in notes][:50]
        reply = message.get("reply")
        if not isinstance(reply, dict):
            raise StudentError(what, "NoAnswer", "no answer came back")
        return reply

    def _write(self, line: bytes):
        try:
            self.process.stdin.write(line)
            self.process.stdin.flush()
        except (OSError, ValueError):
            pass

    def close(self):
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        self.stderr.close()

    def what_went_wrong(self) -> str | None:
        """Why the sandbox was lost, with the end of what it printed on stderr; None if it was not."""
        if not self.lost:
            return None
        tail = self.stderr_path.read_bytes()[-300:].decode(errors="replace").strip()
        return f"{self.lost} ({tail})" if tail else self.lost


def _now() -> float:
    import time

    return time.monotonic()
