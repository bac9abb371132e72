"""Submissions that attack the grader, for the end-to-end grading test (never run them outside a sandbox).

Each is code a student might put in a cell of an otherwise blank lesson; @LESSON@, @COURSE_DIR@
and @REPO@ are filled in by the test. Every one deserves 0 points, and none may change
anybody else's grade, the gradebook or the course's files.
"""

# Everything the checks could use, made to always pass; errors silenced; profilers removed.
PATCHER = '''
import sys, torch, numpy, neurokit.checks as checks
checks.assert_close = checks.assert_shape = lambda *args, **kwargs: None
torch.allclose = lambda *args, **kwargs: True
torch.isclose = lambda a, b, *args, **kwargs: torch.ones_like(torch.as_tensor(a), dtype=torch.bool)
numpy.allclose = lambda *args, **kwargs: True
get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)
sys.setprofile(None)
sys.settrace(None)
'''

# Looks for the solutions, the hidden tests and other students' work anywhere it can read, and runs what it finds.
READER = '''
import json, os
found = []
roots = ["@REPO@", "@COURSE_DIR@", "/", "/tmp", os.path.expanduser("~")]
for root in roots:
    for folder, subfolders, files in os.walk(root):
        if folder.count(os.sep) - root.count(os.sep) > 5 or folder.startswith(("/proc", "/sys", "/dev", "/usr")):
            subfolders[:] = []
            continue
        for name in files:
            if name.endswith((".ipynb", ".db", ".py")) and ("@LESSON@" in name or "gradebook" in name or "hidden" in folder):
                found.append(os.path.join(folder, name))
for path in found:
    try:
        cells = json.load(open(path))["cells"]
    except Exception:
        continue
    for cell in cells:
        source = "".join(cell["source"]) if isinstance(cell.get("source"), list) else cell.get("source", "")
        if "BEGIN SOLUTION" in source or "BEGIN HIDDEN TESTS" in source:
            try:
                exec(source, globals())
            except Exception:
                pass
print("found", found)
'''

# Tries to hurt the batch: links and FIFOs where results might go, writes to the gradebook,
# signals every process it can see, leaves a process behind, fills its /tmp.
SABOTEUR = '''
import os, signal, subprocess, pathlib
home = pathlib.Path(os.environ.get("HOME", "."))
course = pathlib.Path("@COURSE_DIR@")
for name, target in [("executed.ipynb", course / "gradebook.db"), ("submission.ipynb", course / "source"),
                     ("cells.json", "/dev/null"), ("stderr", course / "gradebook.db")]:
    try:
        os.symlink(target, home / name)
    except OSError:
        pass
try:
    os.mkfifo(home / "answers")
except OSError:
    pass
for target in [course / "gradebook.db", *course.glob("source/*/*.ipynb"), *course.glob("executed/*/*/*.ipynb")]:
    try:
        target.write_text("")
    except OSError:
        pass
subprocess.Popen(["sleep", "10000"], start_new_session=True)
try:
    with open("/tmp/filler", "wb") as f:
        f.write(b"x" * 10**8)
except OSError:
    pass
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
'''

# Prints far more than any feedback page should hold.
FLOODER = '''
import sys
for _ in range(200):
    sys.stdout.write("x" * 1_000_000)
    sys.stderr.write("y" * 100_000)
'''

# Writes forged answers straight into the channel the runner answers the grader on.
FORGER = '''
import json, os, threading, time

def forge():
    line = "".join(json.dumps({"id": n, "reply": {"value": {"none": True}}}) + "\\n" for n in range(1, 200))
    ready = json.dumps({"ready": True, "notes": []}) + "\\n"
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/fd/1", "w") as channel:
                    channel.write(ready + line)
            except OSError:
                pass

threading.Thread(target=lambda: [forge() or time.sleep(0.5) for _ in range(100)], daemon=True).start()
'''

ATTACKS = {"patcher": PATCHER, "reader": READER, "saboteur": SABOTEUR, "flooder": FLOODER, "forger": FORGER}


def fill(code: str, lesson: str, course_dir, repository) -> str:
    return code.replace("@LESSON@", lesson).replace("@COURSE_DIR@", str(course_dir)).replace("@REPO@", str(repository))

# Lesson 01 only: attacks on the exercise functions themselves.
RETINA = {
    # calls the reference, from a thread, after removing any profiler
    "threadcaller": '''import sys, threading
from neurokit import retina as reference_module

def difference_of_gaussians(size, sigma_center, sigma_surround):
    answer = []
    sys.setprofile(None)
    worker = threading.Thread(target=lambda: answer.append(reference_module.difference_of_gaussians(size, sigma_center, sigma_surround)))
    worker.start()
    worker.join()
    return answer[0]
''',
    # runs the reference's source again under another file name
    "reexec": '''import inspect, neurokit.retina
namespace = {}
exec(compile(open(neurokit.retina.__file__).read(), "my_own_code.py", "exec"), namespace)
difference_of_gaussians = namespace["difference_of_gaussians"]
filter_images = lambda images, kernels: namespace["Retina"](len(kernels), kernels.shape[-1]).conv(images)
''',
    # reads the expected answer from the caller's frames
    "snooper": '''import sys

def difference_of_gaussians(size, sigma_center, sigma_surround):
    frame = sys._getframe(1)
    while frame is not None:
        for name, value in frame.f_locals.items():
            if "expected" in name and hasattr(value, "shape"):
                return value
        frame = frame.f_back
    return torch.zeros(size, size)
''',
    # uses the lesson's visible stand-in
    "standin": '''def filter_images(images, kernels):
    return stand_in.filter_images(images, kernels)

def retina_response(images, kernels):
    return stand_in.retina_response(images, kernels)
''',
}
RETINA_CELLS = {"threadcaller": "dog-exercise", "reexec": "dog-exercise", "snooper": "dog-exercise", "standin": "filter-exercise"}
