"""Denksessies: lifecycle, join codes, participants, rounds, ballots and moderation."""
