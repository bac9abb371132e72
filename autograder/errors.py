"""The one error the instructor's commands refuse a mistake with."""


class CourseError(Exception):
    """A user mistake (a missing folder, an unknown lesson, a step not yet run): the message says what is wrong and what to run instead."""
