"""Programmes: a denksessie's rounds saved as a named template, to start new denksessies from."""
