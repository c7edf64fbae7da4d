"""Demonstrations: the illustrative replay of the 2024 traject (docs/replay.md)."""
