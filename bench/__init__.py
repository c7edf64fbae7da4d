"""Benchmarks that print JSON (`make bench`); not tests."""
