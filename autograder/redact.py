"""A copy of neurokit without the reference for the lesson being graded.

Each named top-level function or class is replaced by a stub that raises
ReferenceUnavailable, so a submission can neither call the reference nor copy its code:
it is not in the sandbox. Everything else, the regions of earlier lessons included, stays.
"""

import ast
import shutil
from pathlib import Path

import neurokit

STUB = '''
def {name}(*args, **kwargs):
    raise type("ReferenceUnavailable", (NotImplementedError,), {{}})({message!r})
'''
CLASS_STUB = '''
class {name}:
    def __init__(self, *args, **kwargs):
        raise type("ReferenceUnavailable", (NotImplementedError,), {{}})({message!r})
'''


def redact_source(source: str, module: str, names: list[str], lesson: str) -> str:
    tree = ast.parse(source)
    missing = set(names)
    body = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in missing:
            missing.discard(node.name)
            message = (f"{module}.{node.name} is held back while lesson {lesson} is graded: "
                       "the hidden tests compare your own code with it")
            template = CLASS_STUB if isinstance(node, ast.ClassDef) else STUB
            body += ast.parse(template.format(name=node.name, message=message)).body
        else:
            body.append(node)
    if missing:
        raise ValueError(f"{module} has no top-level {', '.join(sorted(missing))} to hold back")
    tree.body = body
    return ast.unparse(tree) + "\n"


def redacted_copy(target: Path, redact: dict[str, list[str]], lesson: str) -> Path:
    """Write neurokit's .py files into target/neurokit with the lesson's reference held back."""
    package = Path(neurokit.__file__).parent
    destination = Path(target) / "neurokit"
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        relative = path.relative_to(package)
        module = ".".join(("neurokit", *relative.with_suffix("").parts)).removesuffix(".__init__")
        source = path.read_text()
        if module in redact:
            source = redact_source(source, module, redact[module], lesson)
        (destination / relative).parent.mkdir(parents=True, exist_ok=True)
        (destination / relative).write_text(source)
    unknown = set(redact) - {".".join(("neurokit", *p.relative_to(package).with_suffix("").parts)) for p in package.rglob("*.py")}
    if unknown:
        raise ValueError(f"no such neurokit module: {', '.join(sorted(unknown))}")
    shutil.copytree(Path(__file__).with_name("sandboxed"), Path(target) / "sandboxed", ignore=shutil.ignore_patterns("__pycache__"))
    return destination
