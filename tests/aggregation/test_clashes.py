"""The schuur-matrix: symmetric pair counts, ranked pairs with honest ties, the matrix's values."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.aggregation.clashes import (
    clash_counts,
    clash_matrix,
    matrix_values,
    pair_key,
    ranked_pairs,
    top_pairs,
)

VALUES = ("zelfbeschikking", "veiligheid", "gelijkheid", "preventie", "rekenschap")
PROPERTY = settings(max_examples=100, deadline=None, database=None)


def test_a_pair_is_the_same_whichever_way_round() -> None:
    counts = clash_counts(
        [[("veiligheid", "zelfbeschikking")], [("zelfbeschikking", "veiligheid")]]
    )
    assert counts == {("veiligheid", "zelfbeschikking"): 2}


def test_a_ballot_counts_a_pair_once_and_never_a_value_with_itself() -> None:
    counts = clash_counts([[("a", "b"), ("b", "a")], [("c", "c")]])
    assert counts == {("a", "b"): 1}


def test_the_matrix_is_symmetric_with_an_empty_diagonal() -> None:
    counts = clash_counts([[("a", "b"), ("a", "c")], [("b", "a")]])
    assert clash_matrix(["a", "b", "c"], counts) == [[0, 2, 1], [2, 0, 0], [1, 0, 0]]


def test_equal_counts_share_a_place_and_say_so() -> None:
    counts = {("a", "b"): 5, ("a", "c"): 3, ("b", "c"): 3, ("c", "d"): 1}
    ranked = ranked_pairs(counts, tie_break_order=["d", "c", "b", "a"])
    assert [(p.count, p.rank, p.tied) for p in ranked] == [
        (5, 1, False),
        (3, 2, True),
        (3, 2, True),
        (1, 4, False),
    ]
    # Within a shared place the tie-break order only decides where a pair is listed.
    assert [(p.a, p.b) for p in ranked[1:3]] == [("b", "c"), ("a", "c")]


def test_the_top_keeps_a_tie_at_the_edge_whole() -> None:
    counts = {("a", "b"): 4, ("a", "c"): 2, ("b", "c"): 2, ("c", "d"): 2, ("a", "d"): 1}
    top = top_pairs(ranked_pairs(counts, tie_break_order=list("abcd")), places=2)
    assert [(p.a, p.b, p.count) for p in top] == [
        ("a", "b", 4),
        ("a", "c", 2),
        ("b", "c", 2),
        ("c", "d", 2),
    ]


def test_with_many_values_the_matrix_shows_the_most_named() -> None:
    candidates = [f"v{i}" for i in range(12)]
    counts = {("v10", "v11"): 3, ("v11", "v9"): 1}
    shown = matrix_values(candidates, counts, tie_break_order=candidates, limit=4)
    assert shown[:3] == ["v11", "v10", "v9"]
    assert len(shown) == 4


def test_no_ballots_no_pairs() -> None:
    assert ranked_pairs({}, tie_break_order=list(VALUES)) == []
    assert clash_matrix(list(VALUES[:2]), {}) == [[0, 0], [0, 0]]


pairs = st.tuples(st.sampled_from(VALUES), st.sampled_from(VALUES)).filter(lambda p: p[0] != p[1])
ballots = st.lists(st.lists(pairs, min_size=1, max_size=2), max_size=12)


@PROPERTY
@given(ballots, st.permutations(VALUES))
def test_properties(profile: list[list[tuple[str, str]]], order: list[str]) -> None:
    counts = clash_counts(profile)
    matrix = clash_matrix(list(VALUES), counts)
    size = len(VALUES)
    assert all(matrix[i][j] == matrix[j][i] for i in range(size) for j in range(size))
    assert all(matrix[i][i] == 0 for i in range(size))
    # Every pair's count is the number of ballots naming it, however written.
    for (a, b), n in counts.items():
        assert n == sum(1 for ballot in profile if any(pair_key(*p) == (a, b) for p in ballot))
    # Reversing every pair changes nothing.
    assert clash_counts([[(b, a) for a, b in ballot] for ballot in profile]) == counts
    ranked = ranked_pairs(counts, tie_break_order=order)
    assert [p.count for p in ranked] == sorted(counts.values(), reverse=True)
    for earlier, later in zip(ranked, ranked[1:], strict=False):
        assert (earlier.rank == later.rank) == (earlier.count == later.count)
    for p in ranked:
        assert p.rank == 1 + sum(1 for q in ranked if q.count > p.count)
        assert p.tied == (sum(1 for q in ranked if q.count == p.count) > 1)
