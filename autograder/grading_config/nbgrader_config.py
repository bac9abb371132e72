"""nbgrader configuration for grading notebooks the sandbox has already executed.

The course configuration, plus: read executed notebooks from `executed/`, keep their
outputs, never execute anything (student code ran in the sandbox), and strip hidden
tests and tracebacks from feedback.
"""

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    DeduplicateIds,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor

from autograder.feedback import HideHiddenTests

from pathlib import Path

c = get_config()  # noqa: F821
load_subconfig(str(Path(__file__).resolve().parents[1] / "nbgrader_config.py"))  # noqa: F821

c.CourseDirectory.submitted_directory = "executed"
c.Autograde.sanitize_preprocessors = [DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata]
c.Autograde.autograde_preprocessors = [IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
