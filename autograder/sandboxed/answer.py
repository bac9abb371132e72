"""The kernel's side of a question from the grader: run a few lines, send back plain data.

The grader sends `reply(answer(CODE, INPUTS, globals()))`: CODE runs in a copy of the
notebook's namespace with INPUTS bound as variables, and whatever it leaves in `result`
goes back in the wire format. Nothing the notebook does here can change a score; at most
it changes its own answers.
"""

import json

from . import wire

MIME_TYPE = "application/x-autograder+json"
MAX_MESSAGE = 2000


def answer(code: str, inputs_json: str, namespace: dict) -> dict:
    try:
        inputs = {name: wire.decode(value) for name, value in json.loads(inputs_json).items()}
        scope = dict(namespace)
        scope.update(inputs)
        exec(compile(code, "<grader>", "exec"), scope)
        return {"value": wire.encode(scope.get("result"))}
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # the student's code failed; SystemExit included
        return {"error": {"name": type(error).__name__[:100], "message": str(error)[:MAX_MESSAGE]}}


def reply(payload: dict):
    from IPython.display import display

    display({MIME_TYPE: payload}, raw=True)


def request_code(code: str, inputs: dict) -> str:
    """The cell the kernel runs for one question (inputs already in the wire format)."""
    return (
        "import sandboxed.answer as __autograder\n"
        f"__autograder.reply(__autograder.answer({code!r}, {json.dumps(inputs)!r}, globals()))\n"
        "del __autograder\n"
    )
