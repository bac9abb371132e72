"""nbgrader configuration of the course; the autograder command passes it to every nbgrader run."""

from nbconvert.preprocessors import TagRemovePreprocessor
from nbgrader.converters import GenerateAssignment

c = get_config()  # noqa: F821 (nbgrader provides get_config)

c.CourseDirectory.course_id = "neuro-inspired-ml"
# The stub's message is what a student meets when Run All reaches an exercise they have not written.
c.ClearSolutions.code_stub = {"python": '# YOUR CODE HERE\nraise NotImplementedError("this exercise is not written yet: replace this line with your code (the instructions above say what it must do)")'}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
c.ClearHiddenTests.begin_hidden_tests_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_hidden_tests_delimeter = "END HIDDEN TESTS"
# Some lesson cells train for seconds; the limit is per cell.
c.Execute.timeout = 300
c.Execute.allow_errors = True
# The instructors' answers to the reflection questions (cells tagged instructor-answer) stay in
# solutions/; the student version leaves them out unless the release asks for them (--with-answers).
c.GenerateAssignment.preprocessors = [TagRemovePreprocessor, *GenerateAssignment.class_traits()["preprocessors"].default()]
c.TagRemovePreprocessor.enabled = True
c.TagRemovePreprocessor.remove_cell_tags = {"instructor-answer"}
