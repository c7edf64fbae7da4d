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


class TestOppositesStayApart:
    """Alike in letters, opposite in meaning: a negation or quantifier keeps them apart."""

    PAIRS = (
        (
            "Ik dring mensen geen hulp op die ze niet willen.",
            "Ik dring mensen soms hulp op die ze niet willen.",
        ),
        (
            "Ik bied hulp aan, en stel daarbij voorwaarden over wat de hulpvrager zelf moet doen.",
            "Ik bied hulp aan, en stel daarbij geen voorwaarden over wat de hulpvrager zelf "
            "moet doen.",
        ),
        (
            "Ik vraag altijd door naar wat de inwoner zelf wil en kan",
            "Ik vraag vaak door naar wat de inwoner zelf wil en kan",
        ),
        ("Ik luister naar de inwoner", "Ik luister niet naar de inwoner"),
    )

    def test_the_pairs_are_above_the_threshold_by_letters(self) -> None:
        for a, b in self.PAIRS:
            assert similarity(a, b) >= NEAR_THRESHOLD, (a, b)

    def test_they_are_never_folded(self) -> None:
        for a, b in self.PAIRS:
            groups = fold([Text(1, a), Text(2, b)])
            assert [[t.text for t in g.members] for g in groups] == [[a], [b]]

    def test_the_same_polarity_still_folds(self) -> None:
        groups = fold(
            [
                Text(1, "Ik dring mensen geen hulp op die ze niet willen."),
                Text(2, "Ik dring de mensen geen hulp op die ze niet willen"),
            ]
        )
        assert len(groups) == 1


class TestSplitOff:
    def test_a_split_wording_keeps_its_own_group_both_ways(self) -> None:
        a = Text(1, "Ik luister eerst naar de inwoner")
        b = Text(2, "Ik luister eerst naar een inwoner")
        c = Text(3, "ik luister eerst naar een inwoner!")  # an exact duplicate of b
        assert len(fold([a, b, c])) == 1
        for alone in (frozenset({1}), frozenset({2})):
            groups = fold([a, b, c], alone=alone)
            assert [[t.id for t in g.members] for g in groups] == [[1], [2, 3]]
