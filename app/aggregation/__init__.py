"""Aggregation maths: pure functions over frozen dataclasses; no I/O, clock or randomness.

Ties are never broken by catalogue or alphabetical order: callers pass the round's
``tie_break_order`` (drawn when the round opened) and every position it decides is marked.
"""
