"""The instructor's side of the course: release lessons, and grade them with nbgrader."""
