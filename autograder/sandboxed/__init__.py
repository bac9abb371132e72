"""Code that runs inside a grading sandbox: the notebook runner and the plain-data wire format.

This package imports nothing from the rest of `autograder` (which holds the hidden tests):
the grader copies only this folder into the sandbox.
"""
