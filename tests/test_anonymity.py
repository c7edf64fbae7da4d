"""Pseudonyms and role folding: what may stand next to an answer (app/anonymity.py)."""

from __future__ import annotations

import pytest

from app.anonymity import pseudonym, role_labels

KEY = "test-secret-key-of-enough-length"


class TestRoleLabels:
    @pytest.mark.parametrize(
        ("roles", "expected"),
        [
            # Nobody has a role: nothing to show.
            ({"a": None, "b": None}, {"a": None, "b": None}),
            # Groups of three or more are shown; nobody is left over.
            (
                {"a": "zorg", "b": "zorg", "c": "zorg", "d": "gemeente", "e": "gemeente"}
                | {"f": "gemeente"},
                {"a": "zorg", "b": "zorg", "c": "zorg"}
                | {"d": "gemeente", "e": "gemeente", "f": "gemeente"},
            ),
            # A lone role and two without one make an "overig" of three: shown beside zorg.
            (
                {"a": "zorg", "b": "zorg", "c": "zorg", "d": "wethouder", "e": None, "f": None},
                {"a": "zorg", "b": "zorg", "c": "zorg"}
                | {"d": "overig", "e": "overig", "f": "overig"},
            ),
            # A lone role would be an "overig" of one: the smallest shown group folds in too.
            (
                {"a": "zorg", "b": "zorg", "c": "zorg", "d": "wethouder"},
                {"a": "overig", "b": "overig", "c": "overig", "d": "overig"},
            ),
            (
                {f"z{i}": "zorg" for i in range(4)}
                | {f"g{i}": "gemeente" for i in range(3)}
                | {"w": "wethouder"},
                {f"z{i}": "zorg" for i in range(4)}
                | {f"g{i}": "overig" for i in range(3)}
                | {"w": "overig"},
            ),
            # A role the facilitator happened to call "overig" is just "overig".
            (
                {"a": "overig", "b": "zorg", "c": "zorg", "d": "zorg"},
                {"a": "overig", "b": "overig", "c": "overig", "d": "overig"},
            ),
        ],
    )
    def test_nobody_is_alone_under_a_label(
        self, roles: dict[str, str | None], expected: dict[str, str | None]
    ) -> None:
        labels = role_labels(roles)
        assert labels == expected
        counts: dict[str | None, int] = {}
        for label in labels.values():
            counts[label] = counts.get(label, 0) + 1
        assert all(n >= 3 for label, n in counts.items() if label is not None) or len(roles) < 3


class TestPseudonym:
    def test_stable_within_a_denksessie(self) -> None:
        first = pseudonym(KEY, denksessie_id=7, participant_id="a" * 32)
        assert first == pseudonym(KEY, denksessie_id=7, participant_id="a" * 32)
        assert first.startswith("p-")
        assert len(first) == 12

    def test_meaningless_outside_it(self) -> None:
        one = pseudonym(KEY, denksessie_id=7, participant_id="a" * 32)
        assert one != pseudonym(KEY, denksessie_id=8, participant_id="a" * 32)
        assert one != pseudonym(KEY + "x", denksessie_id=7, participant_id="a" * 32)
        assert "a" * 6 not in one
