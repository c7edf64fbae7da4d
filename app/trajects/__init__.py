"""Trajects: several denksessies chained into one draft Principekaart."""
