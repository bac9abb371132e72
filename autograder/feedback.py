"""Feedback that shows students what passed and failed, never the hidden tests."""

import re

from nbconvert.preprocessors import Preprocessor
from nbgrader import utils
from traitlets import Bool

HIDDEN_BLOCK = re.compile(r"[ \t]*#+\s*BEGIN HIDDEN TESTS.*?#+\s*END HIDDEN TESTS[^\n]*\n?", re.DOTALL)


def hide_hidden_tests(source: str) -> str:
    return HIDDEN_BLOCK.sub("# (hidden tests ran here)\n", source)


class HideHiddenTests(Preprocessor):
    """Remove hidden-test code from graded cells, and tracebacks (which quote it) from their errors."""

    enabled = Bool(True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            cell.source = hide_hidden_tests(cell.source)
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
