"""Time the similarity report on a synthetic class, with a few copies planted, and count the copies it finds.

    .venv/bin/python benchmarks/similarity_speed.py [--students 300] [--seed 0]

Every student answers every exercise of every lesson with code of their own, made of random
statements; some answers are a classmate's, renamed, re-commented and reordered, and one
exercise per lesson gets a paste of the solution.
"""

import argparse
import ast
import builtins
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder import lessons  # noqa: E402
from autograder.similarity import REFERENCE, SOLUTION_MARKERS, similarity_report  # noqa: E402

CALLS = ["torch.exp", "torch.relu", "torch.sigmoid", "torch.log1p", "torch.sqrt", "torch.abs", "torch.tanh", "F.softmax",
         "torch.cumsum", "torch.flip", "torch.clamp", "torch.softmax", "F.normalize", "torch.argmax", "torch.stack", "torch.cat",
         "F.max_pool2d", "F.conv2d", "torch.matmul", "torch.outer", "torch.zeros_like", "torch.log_softmax", "F.relu", "torch.square"]
METHODS = ["sum", "mean", "max", "float", "clone", "flatten", "t", "abs", "exp", "std", "log", "detach", "squeeze", "unsqueeze",
           "view", "reshape", "permute", "softmax", "argmax", "norm"]
OPS = ["+", "-", "*", "/", "@", "**", "//"]
CONSTANTS = ["0.5", "1", "2", "1e-6", "10", "255.0", "3", "-1", "0", "1e-8", "4", "0.1"]
WORDS = ["x", "y", "total", "scale", "weights", "acc", "out", "tmp", "value", "grid", "mask", "norm", "logits", "probs",
         "kernel", "counts", "rows", "best", "step", "offsets"]


def expression(rng: random.Random, names: list[str], depth: int = 2) -> str:
    """A random expression over the names bound so far."""
    kind = rng.randrange(6) if depth else rng.randrange(2)
    if kind == 0:
        return rng.choice(names)
    if kind == 1:
        return rng.choice([f"{rng.choice(names)}[{rng.randint(-1, 3)}]", rng.choice(CONSTANTS), f"{rng.choice(names)}.shape[{rng.randint(0, 2)}]"])
    if kind == 2:
        extra = rng.choice(["", f", dim={rng.randint(-1, 1)}", f", {expression(rng, names, depth - 1)}"])
        return f"{rng.choice(CALLS)}({expression(rng, names, depth - 1)}{extra})"
    if kind == 3:
        return f"({expression(rng, names, depth - 1)}).{rng.choice(METHODS)}({rng.choice(['', '-1', '0', '1'])})"
    if kind == 4:
        return f"({expression(rng, names, depth - 1)} {rng.choice(OPS)} {expression(rng, names, depth - 1)})"
    return f"torch.where({expression(rng, names, depth - 1)} > {rng.choice(CONSTANTS)}, {rng.choice(names)}, {expression(rng, names, depth - 1)})"


def own_answer(rng: random.Random, stub: str) -> tuple[str, list[str], str]:
    """The stub around three to seven random statements and a return, in place of its last `raise NotImplementedError(...)`."""
    lines = [re.sub(r"raise NotImplementedError\(.*\)", "pass", line) for line in stub.splitlines() if "YOUR CODE HERE" not in line]
    last = max(number for number, line in enumerate(lines) if line.strip() == "pass")
    indent = lines[last][:len(lines[last]) - len(lines[last].lstrip())]
    bound = [node.arg for node in ast.walk(ast.parse(stub)) if isinstance(node, ast.arg) and node.arg != "self"]
    statements = []
    for _ in range(rng.randint(3, 7)):
        target = rng.choice(WORDS)
        if rng.random() < 0.2:
            statements.append(f"for i in range({rng.choice(bound)}.shape[{rng.randint(0, 2)}]):\n"
                              f"{indent}    {rng.choice(bound)}[i] = {expression(rng, bound + ['i'])}")
        else:
            statements.append(f"{target} = {expression(rng, bound)}")
            bound.append(target)
    statements.append(f"return {expression(rng, bound)}")
    return "\n".join(lines[:last]), [indent + statement for statement in statements], "\n".join(lines[last + 1:])


def render(answer: tuple[str, list[str], str]) -> str:
    before, statements, after = answer
    return "\n".join([before, *statements, after]).rstrip() + "\n"


def disguised(rng: random.Random, answer: tuple[str, list[str], str]) -> tuple[str, list[str], str]:
    """A copy with its variables renamed, a comment added and its statements but the return shuffled."""
    before, statements, after = answer
    names = {node.id for node in ast.walk(ast.parse("\n".join(s.strip() for s in statements))) if isinstance(node, ast.Name)}
    pattern = re.compile(r"\b(%s)\b" % "|".join(names - set(dir(builtins)) - {"torch", "F"}))
    before, body = pattern.sub(r"my_\1", before), [pattern.sub(r"my_\1", statement) for statement in statements]
    shuffled = body[:-1]
    rng.shuffle(shuffled)
    indent = body[-1][:len(body[-1]) - len(body[-1].lstrip())]
    return before, [f"{indent}# my own work", *shuffled, body[-1]], after


def exercises(notebook: dict) -> dict[str, str]:
    return {cell["metadata"]["nbgrader"]["grade_id"]: "".join(cell["source"]) for cell in notebook["cells"]
            if cell["cell_type"] == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("solution")}


def build_class(course: Path, students: int, rng: random.Random) -> set[tuple[str, str, str, str]]:
    """Write release/ and submitted/; return the planted copies, named as the report names pairs: (lesson, exercise, student_a, student_b)."""
    planted = set()
    ids = [f"s{number:03d}" for number in range(students)]
    for lesson in lessons.lesson_names():
        release = json.loads((lessons.LESSONS / f"{lesson}.ipynb").read_text())
        solution = exercises(json.loads((lessons.SOLUTIONS / f"{lesson}.ipynb").read_text()))
        (course / "release" / lesson).mkdir(parents=True)
        (course / "release" / lesson / f"{lesson}.ipynb").write_text(json.dumps(release))
        answers = {grade_id: {student: own_answer(rng, stub) for student in ids} for grade_id, stub in exercises(release).items()}
        copied, pasted = rng.choice(list(answers)), rng.choice(list(answers))
        original, copier, paster = rng.sample(ids, 3)
        answers[copied][copier] = disguised(rng, answers[copied][original])
        planted.add((lesson, copied, *sorted([original, copier])))
        answers[pasted][paster] = ("\n".join(line for line in solution[pasted].splitlines() if line.strip() not in SOLUTION_MARKERS), [], "")
        planted.add((lesson, pasted, paster, REFERENCE))
        for student in ids:
            for cell in release["cells"]:
                grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                if grade_id in answers:
                    cell["source"] = render(answers[grade_id][student])
            folder = course / "submitted" / student / lesson
            folder.mkdir(parents=True)
            (folder / f"{lesson}.ipynb").write_text(json.dumps(release))
    return planted


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        course = Path(folder) / "course"
        planted = build_class(course, args.students, random.Random(args.seed))
        start, start_cpu = time.perf_counter(), time.process_time()
        report = similarity_report(course)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
    flagged = {(p.lesson, p.exercise, p.student_a, p.student_b) for p in report.flagged}
    too_small = {(s.lesson, s.exercise, s.student) for s in report.skipped}
    comparable = {copy for copy in planted if not {copy[:3], (*copy[:2], copy[3])} & too_small}
    answers = args.students * sum(len(exercises(json.loads((lessons.LESSONS / f"{name}.ipynb").read_text()))) for name in lessons.lesson_names())
    print(f"submissions:           {report.submissions} ({args.students} students x {len(lessons.lesson_names())} lessons), {answers} answers")
    print(f"answers too small:     {len(report.skipped)} (not compared)")
    print(f"pairs compared:        {report.compared} (every pair of answers to the same exercise would be {answers * (args.students - 1) // 2})")
    print(f"seconds:               {seconds:.1f} ({cpu_seconds:.1f} s of CPU, one core)")
    print(f"planted copies found:  {len(comparable & flagged)} of {len(comparable)} "
          f"(and {len(planted - comparable)} more planted in answers too small to compare)")
    print(f"other pairs flagged:   {len(flagged - planted)}")


if __name__ == "__main__":
    main()
