"""Principekaarten: the values a group chose, each with a headline principle and sub-principles."""
