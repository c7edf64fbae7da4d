"""Folding principles: exact and near duplicates grouped, every original kept."""

from __future__ import annotations

from app.trajects.folding import NEAR_THRESHOLD, Text, fold, normalise, similarity


class TestNormalise:
    def test_case_accents_punctuation_and_spaces_do_not_count(self) -> None:
        assert (
            normalise("  Ik  zorg voor Continuïteit, écht!  ") == "ik zorg voor continuiteit echt"
        )


class TestFold:
    def test_exact_duplicates_are_one_group_keeping_both_texts(self) -> None:
        groups = fold([Text(1, "Ik luister eerst."), Text(2, "ik luister  eerst")])
        assert len(groups) == 1
        assert groups[0].exact
        assert [t.text for t in groups[0].members] == ["Ik luister eerst.", "ik luister  eerst"]

    def test_near_duplicates_join_above_the_threshold(self) -> None:
        a = "Ik luister eerst naar de inwoner"
        b = "Ik luister eerst naar een inwoner"
        assert similarity(a, b) >= NEAR_THRESHOLD
        groups = fold([Text(2, b), Text(1, a)])
        assert len(groups) == 1
        assert not groups[0].exact
        assert [t.id for t in groups[0].members] == [1, 2]

    def test_different_principles_stay_apart(self) -> None:
        groups = fold([Text(1, "Ik stel de inwoner centraal"), Text(2, "Ik let op de kosten")])
        assert len(groups) == 2
