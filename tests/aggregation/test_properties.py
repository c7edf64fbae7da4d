"""Textbook properties of the aggregation engine on small random profiles (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from itertools import permutations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.aggregation.methods import (
    PAIRWISE_METHODS,
    RANKING_METHODS,
    AggregateResult,
    aggregate,
    schulze_beats,
)
from app.aggregation.profile import ApprovalBallot, RankingBallot, add_ballot, tally

NAMES = ("zorg", "vrijheid", "gelijkheid", "autonomie", "solidariteit")
CONDORCET_CONSISTENT = ("schulze", "schulze_borda", "copeland", "ranked_pairs", "kemeny")
PROPERTY = settings(max_examples=100, deadline=None, database=None)  # no .hypothesis dir


@st.composite
def profiles(
    draw: st.DrawFn, min_ballots: int = 0
) -> tuple[tuple[str, ...], list[RankingBallot], tuple[str, ...]]:
    """Candidates, truncated ranking ballots with small weights, and a tie-break order."""
    m = draw(st.integers(min_value=1, max_value=len(NAMES)))
    candidates = NAMES[:m]
    ballot = st.builds(
        lambda order, cut, weight: RankingBallot(tuple(order[:cut]), weight),
        st.permutations(candidates),
        st.integers(min_value=0, max_value=m),
        st.integers(min_value=1, max_value=3),
    )
    ballots = draw(st.lists(ballot, min_size=min_ballots, max_size=9))
    tie_break = tuple(draw(st.permutations(candidates)))
    return candidates, ballots, tie_break


def _run(
    method: str, candidates: tuple[str, ...], ballots: list[RankingBallot], tb: tuple[str, ...]
) -> AggregateResult:
    return aggregate(method, candidates, ballots, tie_break_order=tb)


@PROPERTY
@given(profiles(min_ballots=1))
def test_a_condorcet_winner_wins(
    profile: tuple[tuple[str, ...], list[RankingBallot], tuple[str, ...]],
) -> None:
    candidates, ballots, tie_break = profile
    support = tally(candidates, ballots).support
    margins = support - support.T
    winners = [
        value
        for a, value in enumerate(candidates)
        if all(margins[a, b] > 0 for b in range(len(candidates)) if b != a)
    ]
    for method in CONDORCET_CONSISTENT:
        result = _run(method, candidates, ballots, tie_break)
        if winners:
            assert result.order[0] == winners[0], method
            assert not result.decided_by or result.decided_by[0] != "tiebreak", method


@PROPERTY
@given(st.permutations(NAMES), st.permutations(NAMES), st.integers(1, 4))
def test_unanimity(ranking: list[str], tie_break: list[str], voters: int) -> None:
    ballots = [RankingBallot(tuple(ranking))] * voters
    for method in RANKING_METHODS:
        result = _run(method, NAMES, ballots, tuple(tie_break))
        if method == "irv":
            # IRV only looks at first preferences: the rest have none, in tie-break order.
            assert result.order[0] == ranking[0]
        else:
            assert result.order == tuple(ranking), method
            assert "tiebreak" not in result.decided_by, method


@PROPERTY
@given(profiles(), st.data())
def test_anonymity(
    profile: tuple[tuple[str, ...], list[RankingBallot], tuple[str, ...]], data: st.DataObject
) -> None:
    candidates, ballots, tie_break = profile
    shuffled = data.draw(st.permutations(ballots))
    for method in RANKING_METHODS:
        assert _run(method, candidates, ballots, tie_break) == _run(
            method, candidates, shuffled, tie_break
        ), method


@PROPERTY
@given(profiles(), st.data())
def test_neutrality(
    profile: tuple[tuple[str, ...], list[RankingBallot], tuple[str, ...]], data: st.DataObject
) -> None:
    candidates, ballots, tie_break = profile
    relabelled = data.draw(st.permutations(NAMES))
    to = dict(zip(candidates, relabelled, strict=False))
    # The candidate list itself is shuffled too: its order must not matter either.
    new_candidates = tuple(data.draw(st.permutations([to[c] for c in candidates])))
    new_ballots = [RankingBallot(tuple(to[c] for c in b.ranking), b.weight) for b in ballots]
    new_tie_break = tuple(to[c] for c in tie_break)
    for method in RANKING_METHODS:
        before = _run(method, candidates, ballots, tie_break)
        after = _run(method, new_candidates, new_ballots, new_tie_break)
        assert after.order == tuple(to[c] for c in before.order), method
        assert after.decided_by == before.decided_by, method
        assert after.scores == {to[c]: score for c, score in before.scores.items()}, method
        assert after.agreement == before.agreement, method


@PROPERTY
@given(profiles(min_ballots=1), st.data())
def test_borda_monotonicity(
    profile: tuple[tuple[str, ...], list[RankingBallot], tuple[str, ...]], data: st.DataObject
) -> None:
    """Raising a value one place on one ballot never lowers it in the Borda order."""
    candidates, ballots, tie_break = profile
    index = data.draw(st.integers(0, len(ballots) - 1))
    ranking = list(ballots[index].ranking)
    if len(ranking) < 2:
        return
    place = data.draw(st.integers(1, len(ranking) - 1))
    raised = ranking[place]
    ranking[place - 1], ranking[place] = ranking[place], ranking[place - 1]
    changed = [*ballots]
    changed[index] = RankingBallot(tuple(ranking), ballots[index].weight)
    before = _run("borda", candidates, ballots, tie_break)
    after = _run("borda", candidates, changed, tie_break)
    assert after.scores[raised] == before.scores[raised] + ballots[index].weight
    assert after.order.index(raised) <= before.order.index(raised)


@PROPERTY
@given(profiles())
def test_schulze_borda_extends_the_schulze_relation(
    profile: tuple[tuple[str, ...], list[RankingBallot], tuple[str, ...]],
) -> None:
    candidates, ballots, tie_break = profile
    beats = schulze_beats(tally(candidates, ballots).support)
    position = {value: i for i, value in enumerate(candidates)}
    for method in ("schulze", "schulze_borda"):
        order = [position[v] for v in _run(method, candidates, ballots, tie_break).order]
        for i, a in enumerate(order):
            for b in order[i + 1 :]:
                assert not beats[b, a], method
    # Layers: the values beaten by nobody, then by nobody once those are left out, and so on.
    layer: dict[str, int] = {}
    while len(layer) < len(candidates):
        left = [v for v in candidates if v not in layer]
        top = [b for b in left if not any(beats[position[a], position[b]] for a in left)]
        layer.update(dict.fromkeys(top, len(set(layer.values()))))
    for method in ("schulze", "schulze_borda"):
        result = _run(method, candidates, ballots, tie_break)
        pairs = zip(result.order, result.order[1:], strict=False)
        for (x, y), criterion in zip(pairs, result.decided_by, strict=True):
            assert (criterion == "schulze") == (layer[x] != layer[y])
            if criterion == "borda":
                assert result.scores[x] > result.scores[y]


@PROPERTY
@given(profiles())
def test_kemeny_is_optimal_and_tie_broken_lexicographically(
    profile: tuple[tuple[str, ...], list[RankingBallot], tuple[str, ...]],
) -> None:
    candidates, ballots, tie_break = profile
    result = _run("kemeny", candidates, ballots, tie_break)
    support = result.pairwise_support

    def score(order: tuple[str, ...]) -> int:
        return sum(support[a][b] for i, a in enumerate(order) for b in order[i + 1 :])

    best = max(score(order) for order in permutations(candidates))
    optimal = [order for order in permutations(candidates) if score(order) == best]
    rank = {value: i for i, value in enumerate(tie_break)}
    assert result.order == min(optimal, key=lambda order: [rank[v] for v in order])
    for i, criterion in enumerate(result.decided_by):
        # Decided by Kemeny: every optimal order has the same first i + 1 values.
        tops = {frozenset(order[: i + 1]) for order in optimal}
        assert (criterion == "kemeny") == (len(tops) == 1)


@PROPERTY
@given(profiles())
def test_weights_and_increments_agree_with_copies(
    profile: tuple[tuple[str, ...], list[RankingBallot], tuple[str, ...]],
) -> None:
    candidates, ballots, tie_break = profile
    copies = [RankingBallot(b.ranking) for b in ballots for _ in range(b.weight)]
    for method in RANKING_METHODS:
        assert _run(method, candidates, ballots, tie_break) == _run(
            method, candidates, copies, tie_break
        ), method
    current = tally(candidates, [])
    for ballot in ballots:
        current = add_ballot(current, ballot)
    fresh = tally(candidates, ballots)
    assert (current.support == fresh.support).all()
    assert (current.n, current.tie_terms) == (fresh.n, fresh.tie_terms)


@PROPERTY
@given(profiles())
def test_weak_order_and_committee_shape(
    profile: tuple[tuple[str, ...], list[RankingBallot], tuple[str, ...]],
) -> None:
    candidates, ballots, tie_break = profile
    for method in PAIRWISE_METHODS:
        result = aggregate(
            method, candidates, ballots, seats=len(candidates), tie_break_order=tie_break
        )
        assert sorted(result.order) == sorted(candidates)
        assert result.committee == result.order
        assert 0.0 <= result.agreement.kendall_w <= 1.0 + 1e-12
        if method in ("ranked_pairs", "kemeny"):
            continue  # their tied groups follow the tie-break order only indirectly
        for group in result.weak_order:
            # Inside a tied group the tie-break order decides.
            assert list(group) == sorted(group, key=tie_break.index), method


@PROPERTY
@given(profiles(min_ballots=1))
def test_one_role_gives_the_same_result(
    profile: tuple[tuple[str, ...], list[RankingBallot], tuple[str, ...]],
) -> None:
    candidates, ballots, tie_break = profile
    for method in RANKING_METHODS:
        result = aggregate(
            method, candidates, ballots, tie_break_order=tie_break, roles=["burger"] * len(ballots)
        )
        if result.n_ballots >= 3:
            assert result.by_role == {"burger": replace(result, by_role={})}, method
        else:
            assert result.by_role == {}, method


@st.composite
def approval_profiles(
    draw: st.DrawFn,
) -> tuple[tuple[str, ...], list[ApprovalBallot], tuple[str, ...], int]:
    """Candidates, approval ballots with small weights, a tie-break order and a number of seats."""
    m = draw(st.integers(min_value=1, max_value=len(NAMES)))
    candidates = NAMES[:m]
    ballot = st.builds(
        lambda approved, weight: ApprovalBallot(tuple(approved), weight),
        st.lists(st.sampled_from(candidates), unique=True),
        st.integers(min_value=1, max_value=3),
    )
    ballots = draw(st.lists(ballot, max_size=8))
    return candidates, ballots, tuple(draw(st.permutations(candidates))), draw(st.integers(1, m))


@PROPERTY
@given(approval_profiles(), st.data())
def test_approval_methods_are_anonymous_and_neutral(
    profile: tuple[tuple[str, ...], list[ApprovalBallot], tuple[str, ...], int],
    data: st.DataObject,
) -> None:
    candidates, ballots, tie_break, seats = profile
    to = dict(zip(candidates, data.draw(st.permutations(NAMES)), strict=False))
    relabelled = [ApprovalBallot(tuple(to[c] for c in b.approve), b.weight) for b in ballots]
    shuffled = data.draw(st.permutations(relabelled))
    for method in ("approval", "seqphragmen", "equal_shares"):
        before = aggregate(method, candidates, ballots, seats=seats, tie_break_order=tie_break)
        after = aggregate(
            method,
            tuple(to[c] for c in candidates),
            shuffled,
            seats=seats,
            tie_break_order=tuple(to[c] for c in tie_break),
        )
        assert after.order == tuple(to[c] for c in before.order), method
        assert after.decided_by == before.decided_by, method
        # Phragmén's first pick is the approval winner.
        if method == "seqphragmen":
            assert (
                before.order[0]
                == aggregate("approval", candidates, ballots, tie_break_order=tie_break).order[0]
            )
