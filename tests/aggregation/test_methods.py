"""The aggregation engine on textbook profiles, per method, with every figure worked out by hand."""

from __future__ import annotations

from fractions import Fraction
from itertools import permutations

import pytest

from app.aggregation.methods import (
    AggregateResult,
    Explanation,
    aggregate,
    aggregate_tally,
    schulze_wins,
)
from app.aggregation.profile import (
    AggregationError,
    ApprovalBallot,
    Ballot,
    InputProblem,
    PointsBallot,
    RankingBallot,
    add_ballot,
    remove_ballot,
    tally,
)


def _profile(*groups: tuple[int, str]) -> list[Ballot]:
    """(weight, "ACB") groups, each one ballot per voter so the weight convention is not needed."""
    return [RankingBallot(tuple(ranking)) for count, ranking in groups for _ in range(count)]


def _run(method: str, candidates: str, ballots: list[Ballot], tie_break: str) -> AggregateResult:
    return aggregate(method, tuple(candidates), ballots, tie_break_order=tuple(tie_break))


# Schulze's 45-voter example (Wikipedia, "Schulze method"; Schulze 2011, §3.1).
SCHULZE_45 = _profile(
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
)
P = InputProblem
CYCLE = _profile((1, "abc"), (1, "bca"), (1, "cab"))
# a beats every other value head-to-head (4:3, 5:2, 5:2) but has no first preference at all.
CONDORCET = _profile((3, "bacd"), (2, "cabd"), (2, "dacb"))
BULLETS = _profile((2, "a"), (1, "b"))
S, SB, B, C, RP, IRV, K = (
    "schulze",
    "schulze_borda",
    "borda",
    "copeland",
    "ranked_pairs",
    "irv",
    "kemeny",
)
T = "tiebreak"


CASES = [
    # id, method, candidates, ballots, tie-break order, expected order, expected decided_by
    ("45-schulze", S, "ABCDE", SCHULZE_45, "ABCDE", "EACBD", (S, S, S, S)),
    ("45-schulze-reversed-tb", S, "ABCDE", SCHULZE_45, "EDCBA", "EACBD", (S, S, S, S)),
    ("45-schulze_borda", SB, "ABCDE", SCHULZE_45, "ABCDE", "EACBD", (S, S, S, S)),
    ("45-borda", B, "ABCDE", SCHULZE_45, "ABCDE", "EABCD", (B, B, B, B)),
    # Copeland: E 2; A, B, C 0 (a three-way tie); D -2.
    ("45-copeland", C, "ABCDE", SCHULZE_45, "ABCDE", "EABCD", (C, T, T, C)),
    ("45-copeland-tb", C, "ABCDE", SCHULZE_45, "CBAED", "ECBAD", (C, T, T, C)),
    # Margins: B>D 21, E>D 17, A>D 15, C>B 13, D>C 11 (cycle), E>B 9, A>C 7, B>A 5 (cycle),
    # C>E 3, E>A 1 (cycle): A > C > E > B > D.
    ("45-ranked_pairs", RP, "ABCDE", SCHULZE_45, "ABCDE", "ACEBD", (RP, RP, RP, RP)),
    # First preferences A 10, B 8, C 12, D 7, E 8. D out; then B and E tie at 8 and E (later in
    # the tie-break order) goes; then A; C beats B 29:16.
    # Who of B and E goes decides the top two as well (C with B, or C with E).
    ("45-irv", IRV, "ABCDE", SCHULZE_45, "ABCDE", "CBAED", ("irv", T, T, "irv")),
    # The other tie-break: B goes, E inherits 8, A out, C beats E.
    ("45-irv-tb", IRV, "ABCDE", SCHULZE_45, "EDCBA", "CEABD", ("irv", T, T, "irv")),
    ("45-kemeny", K, "ABCDE", SCHULZE_45, "ABCDE", "EBADC", (K, K, K, K)),
    # A Condorcet cycle with equal margins: a three-way tie, ordered by the tie-break order.
    *(
        (f"cycle-{method}", method, "abc", CYCLE, "cab", "cab", (T, T))
        for method in (S, SB, B, C, RP, K)
    ),
    # IRV: all at 1; b (last in the tie-break order) goes; c beats a 2:1. Whoever goes first
    # decides the winner too, so every place is the draw's.
    ("cycle-irv", IRV, "abc", CYCLE, "cab", "cab", (T, T)),
    # A clear Condorcet winner.
    ("condorcet-schulze", S, "abcd", CONDORCET, "dcba", "acbd", (S, S, S)),
    ("condorcet-schulze_borda", SB, "abcd", CONDORCET, "dcba", "acbd", (S, S, S)),
    # Borda: a 14, b 11, c 11, d 6.
    ("condorcet-borda", B, "abcd", CONDORCET, "dcba", "acbd", (B, T, B)),
    # Head to head a > c > b > d throughout (c beats b 4:3, b beats d 5:2, c beats d 5:2).
    ("condorcet-copeland", C, "abcd", CONDORCET, "dcba", "acbd", (C, C, C)),
    ("condorcet-ranked_pairs", RP, "abcd", CONDORCET, "dcba", "acbd", (RP, RP, RP)),
    ("condorcet-kemeny", K, "abcd", CONDORCET, "dcba", "acbd", (K, K, K)),
    # IRV misses the Condorcet winner: a has no first preference and goes first; c and d tie
    # at 2 and c goes (later in dcba); then d loses 2:5 to b. Had d gone, c would have beaten b
    # 4:3: the winner is the draw's too.
    ("condorcet-irv", IRV, "abcd", CONDORCET, "dcba", "bdca", (T, T, "irv")),
    # Bullet votes: a, a, b. Unranked values are tied below the ranked one.
    *(
        (f"bullets-{method}", method, "abc", BULLETS, "cba", "abc", (method, method))
        for method in (S, B, C, RP, K)
    ),
    ("bullets-schulze_borda", SB, "abc", BULLETS, "cba", "abc", (S, S)),
    # IRV: c has no votes and goes, then b (1) against a (2).
    ("bullets-irv", IRV, "abc", BULLETS, "cba", "abc", ("irv", "irv")),
    # One voter: every method follows the ballot...
    *(
        (f"one-{method}", method, "abc", _profile((1, "bca")), "abc", "bca", (crit, crit))
        for method, crit in ((S, S), (SB, S), (B, B), (C, C), (RP, RP), (K, K))
    ),
    # ...except IRV, which looks at first preferences only: a and c both have none, and c
    # (later in the tie-break order) goes first.
    ("one-irv", IRV, "abc", _profile((1, "bca")), "abc", "bac", ("irv", T)),
    # No voters: the tie-break order decides everything.
    *(
        (f"none-{method}", method, "abc", [], "bca", "bca", (T, T))
        for method in (S, SB, B, C, RP, IRV, K)
    ),
]


@pytest.mark.parametrize(
    ("method", "candidates", "ballots", "tie_break", "order", "decided_by"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_textbook_profiles(
    method: str,
    candidates: str,
    ballots: list[Ballot],
    tie_break: str,
    order: str,
    decided_by: tuple[str, ...],
) -> None:
    result = _run(method, candidates, ballots, tie_break)
    assert (result.order, result.decided_by) == (tuple(order), decided_by)
    # The weak order is the order cut wherever the tie-break order did not decide.
    assert [value for group in result.weak_order for value in group] == list(result.order)
    assert len(result.weak_order) == 1 + sum(d != T for d in decided_by)


def test_kemeny_on_the_45_voters_matches_brute_force() -> None:
    support = _run(K, "ABCDE", SCHULZE_45, "ABCDE").pairwise_support

    def score(order: tuple[str, ...]) -> int:
        return sum(support[a][b] for i, a in enumerate(order) for b in order[i + 1 :])

    best = max(permutations("ABCDE"), key=score)
    scores = sorted((score(order) for order in permutations("ABCDE")), reverse=True)
    assert scores[0] > scores[1]  # unique optimum, so no tie-break is involved
    assert best == tuple("EBADC")


class TestScores:
    def test_borda_and_copeland_on_the_45_voters(self) -> None:
        # A: 5*4 + 5*4 + 8*1 + 3*3 + 7*3 + 2*2 + 7*0 + 8*2 = 98; 45 ballots hand out 450.
        assert _run(B, "ABCDE", SCHULZE_45, "ABCDE").scores == {
            "E": 102,
            "A": 98,
            "B": 92,
            "C": 89,
            "D": 69,
        }
        assert _run(C, "ABCDE", SCHULZE_45, "ABCDE").scores == {
            "E": 2,
            "A": 0,
            "B": 0,
            "C": 0,
            "D": -2,
        }

    def test_pairwise_support_of_the_45_voters(self) -> None:
        # The d[*,*] matrix of the textbook example.
        expected = {
            "A": {"B": 20, "C": 26, "D": 30, "E": 22},
            "B": {"A": 25, "C": 16, "D": 33, "E": 18},
            "C": {"A": 19, "B": 29, "D": 17, "E": 24},
            "D": {"A": 15, "B": 12, "C": 28, "E": 14},
            "E": {"A": 23, "B": 27, "C": 21, "D": 31},
        }
        assert _run(S, "ABCDE", SCHULZE_45, "ABCDE").pairwise_support == expected

    def test_symmetric_borda_for_bullet_votes(self) -> None:
        # "a" twice: a 2, b and c share 1 (0.5 each); "b": b 2, a and c 0.5 each.
        result = _run(SB, "abc", BULLETS, "cba")
        assert result.scores == {"a": 4.5, "b": 3.0, "c": 1.5}

    def test_irv_reports_first_preferences(self) -> None:
        assert _run(IRV, "ABCDE", SCHULZE_45, "ABCDE").scores == {
            "C": 12,
            "B": 8,
            "A": 10,
            "E": 8,
            "D": 7,
        }

    def test_condorcet_copeland_scores(self) -> None:
        # a beats b, c and d; c beats b (4:3) and d (5:2); b beats d (5:2).
        assert _run(C, "abcd", CONDORCET, "dcba").scores == {"a": 3, "c": 1, "b": -1, "d": -3}


class TestBallotConventions:
    def test_weights_count_as_identical_ballots(self) -> None:
        weighted: list[Ballot] = [
            RankingBallot(tuple(r), w) for w, r in ((3, "bacd"), (2, "cabd"), (2, "dacb"))
        ]
        for method in (S, SB, B, C, RP, IRV, K):
            one_by_one = _run(method, "abcd", CONDORCET, "dcba")
            assert _run(method, "abcd", weighted, "dcba") == one_by_one

    def test_empty_ballots_are_dropped_and_counted(self) -> None:
        ballots: list[Ballot] = [RankingBallot(()), RankingBallot((), 2), RankingBallot(("b",))]
        result = _run(B, "abc", ballots, "abc")
        assert (result.n_ballots, result.n_empty, result.order) == (1, 3, ("b", "a", "c"))

    def test_leaving_out_the_last_value_changes_nothing(self) -> None:
        full = _run(SB, "abcd", _profile((1, "abcd"), (2, "dcba")), "abcd")
        truncated = _run(SB, "abcd", _profile((1, "abc"), (2, "dcb")), "abcd")
        assert full == truncated

    def test_committee_is_the_first_k(self) -> None:
        result = aggregate(
            "schulze", tuple("ABCDE"), SCHULZE_45, seats=2, tie_break_order=tuple("ABCDE")
        )
        assert result.committee == ("E", "A")
        assert _run(S, "ABCDE", SCHULZE_45, "ABCDE").committee is None


class TestApprovalAndPoints:
    def test_approval_counts_distinct_ballots(self) -> None:
        ballots: list[Ballot] = [
            ApprovalBallot(("a", "b")),
            ApprovalBallot(("b",), weight=2),
            ApprovalBallot(("c",)),
            ApprovalBallot(()),
        ]
        result = _run("approval", "abc", ballots, "cab")
        assert result.scores == {"b": 3, "c": 1, "a": 1}
        assert (result.order, result.decided_by) == (("b", "c", "a"), ("approval", T))
        assert (result.n_ballots, result.n_empty) == (4, 1)
        assert result.explanation == Explanation("approval", "b", score=3)

    def test_points_are_summed(self) -> None:
        ballots: list[Ballot] = [
            PointsBallot({"a": 3, "b": 2}),
            PointsBallot({"b": 5}),
            PointsBallot({"c": 1, "a": 0}, weight=2),
            PointsBallot({"a": 0}),
        ]
        result = aggregate(
            "points", tuple("abc"), ballots, tie_break_order=tuple("abc"), points_budget=5
        )
        assert result.scores == {"b": 7, "a": 3, "c": 2}
        assert result.order == ("b", "a", "c")
        assert (result.n_ballots, result.n_empty) == (4, 1)
        # Points ballots are weak orders too: {a: 3, b: 2} puts a over b over c.
        assert result.pairwise_support["a"] == {"b": 1, "c": 1}


def _approvals(*groups: tuple[int, str]) -> list[Ballot]:
    return [ApprovalBallot(tuple(approved)) for count, approved in groups for _ in range(count)]


# Lackner and Skowron, "Multi-Winner Voting with Approval Preferences", Examples 1 and 12.
BOOK_1 = _approvals((3, "ab"), (3, "ac"), (2, "ad"), (1, "bcf"), (1, "e"), (1, "f"), (1, "g"))
BOOK_12 = _approvals((3, "cd"), (2, "ab"), (2, "ac"), (1, "bd"))


class TestProportional:
    def test_seqphragmen_on_the_book_example(self) -> None:
        # Loads: a 1/8; then b and c both (1 + 3/8) / 4 = 11/32 (tie-break: b); c 55/128;
        # d (1 + 2/8) / 2 = 5/8 beats f 183/256; f; e and g tie at 1.
        result = aggregate(
            "seqphragmen", tuple("abcdefg"), BOOK_1, seats=4, tie_break_order=tuple("abcdefg")
        )
        assert result.committee == ("a", "b", "c", "d")
        assert result.order == tuple("abcdfeg")
        assert result.decided_by == (
            "seqphragmen",
            T,
            "seqphragmen",
            "seqphragmen",
            "seqphragmen",
            T,
        )
        assert result.scores["a"] == 8

    def test_the_tie_break_order_decides_equal_loads(self) -> None:
        result = aggregate(
            "seqphragmen", tuple("abcdefg"), BOOK_1, seats=4, tie_break_order=tuple("gfedcba")
        )
        assert result.order[:4] == ("a", "c", "b", "d")

    def test_equal_shares_with_its_phragmen_phase(self) -> None:
        # Budget 3/8 each. c costs 1/5 per approver; a then 13/40 (the ac voters pay their
        # last 7/40); nothing else is affordable. Phragmén from the spent budgets: d 2/5
        # beats b 11/20; then b.
        result = aggregate(
            "equal_shares", tuple("abcd"), BOOK_12, seats=3, tie_break_order=tuple("abcd")
        )
        assert result.committee == ("c", "a", "d")
        assert result.order == ("c", "a", "d", "b")
        assert result.decided_by == ("equal_shares", "equal_shares", "seqphragmen")

    def test_equal_shares_needs_seats(self) -> None:
        with pytest.raises(AggregationError) as caught:
            aggregate("equal_shares", tuple("abcd"), BOOK_12, tie_break_order=tuple("abcd"))
        assert caught.value.problems[0] == InputProblem("equal_shares_needs_seats")

    def test_no_ballots(self) -> None:
        for method in ("seqphragmen", "equal_shares"):
            result = aggregate(method, tuple("abc"), [], seats=2, tie_break_order=tuple("cab"))
            assert (result.order, result.decided_by) == (("c", "a", "b"), (T, T))


class TestAgreement:
    def test_tie_corrected_kendall_w_for_bullet_votes(self) -> None:
        # Ranks with ties averaged: a 1+1+2.5, b 2.5+2.5+1, c 2.5*3; sums 4.5, 6, 7.5; mean 6;
        # S = 4.5; W = 12 * 4.5 / (3^2 * 24 - 3 * (6 + 6 + 6)) = 54 / 162 = 1/3.
        result = _run(SB, "abc", BULLETS, "cba")
        assert result.agreement.kendall_w == pytest.approx(float(Fraction(1, 3)))
        # Against a > b > c only the "b" ballot reverses a pair (b over a).
        assert result.agreement.mean_kendall_distance == pytest.approx(1 / 3)

    @pytest.mark.parametrize("method", [S, SB, B, C, RP, K])
    def test_one_voter_agrees_with_themselves(self, method: str) -> None:
        agreement = _run(method, "abc", _profile((1, "bca")), "abc").agreement
        assert (agreement.kendall_w, agreement.mean_kendall_distance) == (1.0, 0.0)

    def test_a_cycle_has_no_agreement(self) -> None:
        assert _run(S, "abc", CYCLE, "abc").agreement.kendall_w == 0.0

    def test_no_voters(self) -> None:
        result = _run(SB, "abc", [RankingBallot(())], "bca")
        assert (result.agreement.kendall_w, result.n_ballots, result.n_empty) == (0.0, 0, 1)
        assert result.weak_order == (("b", "c", "a"),)
        assert result.explanation.code == "no_ballots"


class TestDivisive:
    def test_a_60_40_split_is_seen(self) -> None:
        # 3 x ab, 2 x ba: a 60/40 split (1 - 1/5 = 0.8) that W alone would not show.
        result = _run(SB, "ab", _profile((3, "ab"), (2, "ba")), "ba")
        assert [d.value for d in result.divisive] == ["b", "a"]
        assert [d.split for d in result.divisive] == pytest.approx([0.8, 0.8])

    def test_most_divisive_first(self) -> None:
        # Everyone puts c last; a and b split 2:2.
        result = _run(SB, "abc", _profile((2, "abc"), (2, "bac")), "cba")
        assert [d.value for d in result.divisive] == ["b", "a", "c"]
        assert result.divisive[-1].split == 0.0

    def test_groups_pulling_a_value_apart_are_seen(self) -> None:
        # Six gemeente ballots a b c, three inwoner ballots b a c: individually a and b split
        # only 6:3, but one group puts a first and the other second (valuations 1 and 0).
        ballots = _profile((6, "abc"), (3, "bac"))
        roles = ["gemeente"] * 6 + ["inwoner"] * 3
        plain = aggregate(SB, list("abc"), ballots, tie_break_order=list("cba"))
        split = {d.value: d for d in plain.divisive}
        assert split["a"].split == pytest.approx(1 / 3)
        assert split["a"].polarisation == 0.0
        grouped = aggregate(SB, list("abc"), ballots, tie_break_order=list("cba"), roles=roles)
        assert [d.value for d in grouped.divisive] == ["b", "a", "c"]
        assert [d.polarisation for d in grouped.divisive] == pytest.approx([0.5, 0.5, 0.0])
        assert [d.score for d in grouped.divisive] == pytest.approx([0.5, 0.5, 0.0])

    def test_a_group_too_small_to_show_does_not_polarise(self) -> None:
        # Two inwoners are folded into "overig", which is too small: no groups to compare.
        ballots = _profile((6, "abc"), (2, "bac"))
        roles = ["gemeente"] * 6 + ["inwoner"] * 2
        result = aggregate(SB, list("abc"), ballots, tie_break_order=list("cba"), roles=roles)
        assert list(result.by_role) == ["gemeente"]
        assert all(d.polarisation == 0.0 for d in result.divisive)


class TestExplanation:
    def test_condorcet_winner(self) -> None:
        for method in (S, SB, C, RP, K):
            result = _run(method, "abcd", CONDORCET, "dcba")
            assert result.explanation == Explanation("condorcet", "a")

    def test_tie_broken_top(self) -> None:
        assert _run(S, "abc", CYCLE, "cab").explanation == Explanation(
            "tiebreak", "c", tied=("c", "a", "b")
        )

    def test_borda(self) -> None:
        assert _run(B, "ABCDE", SCHULZE_45, "ABCDE").explanation == Explanation(
            "borda", "E", score=102
        )


class TestRoles:
    def test_small_roles_are_folded_into_overig(self) -> None:
        ballots = _profile((3, "abc"), (2, "cba"), (1, "bac"))
        roles = ["burger", "burger", "burger", "ambtenaar", "ambtenaar", "wethouder"]
        result = aggregate(SB, tuple("abc"), ballots, tie_break_order=tuple("abc"), roles=roles)
        assert sorted(result.by_role) == ["burger", "overig"]
        assert result.by_role["burger"].order == ("a", "b", "c")
        assert result.by_role["overig"].n_ballots == 3
        assert result.by_role["burger"].by_role == {}

    @pytest.mark.parametrize("roles", [[], ["burger"] * 4])
    def test_one_role_per_ballot(self, roles: list[str]) -> None:
        with pytest.raises(AggregationError) as caught:
            aggregate(SB, tuple("abc"), CYCLE, tie_break_order=tuple("abc"), roles=roles)
        assert caught.value.problems == (InputProblem("bad_roles"),)

    def test_an_overig_below_three_is_left_out(self) -> None:
        ballots = _profile((3, "abc"), (2, "cba"))
        roles = ["burger"] * 3 + ["ambtenaar"] * 2
        result = aggregate(SB, tuple("abc"), ballots, tie_break_order=tuple("abc"), roles=roles)
        assert list(result.by_role) == ["burger"]


class TestIncremental:
    def test_add_and_remove_match_a_fresh_tally(self) -> None:
        candidates = tuple("ABCDE")
        start = tally(candidates, SCHULZE_45[:-1])
        grown = add_ballot(start, SCHULZE_45[-1])
        fresh = tally(candidates, SCHULZE_45)
        assert (grown.support == fresh.support).all()
        assert (grown.n, grown.tie_terms) == (fresh.n, fresh.tie_terms)
        assert (remove_ballot(grown, SCHULZE_45[-1]).support == start.support).all()

    def test_aggregate_tally_matches_aggregate(self) -> None:
        candidates = tuple("abcd")
        ballots = [*_profile((1, "ab"), (2, "dc")), RankingBallot(("c",), 3)]
        current = tally(candidates, [])
        for ballot in ballots:
            current = add_ballot(current, ballot)
        for method in (S, SB, B, C, RP, K):
            expected = aggregate(method, candidates, ballots, tie_break_order=tuple("bdca"))
            assert aggregate_tally(method, current, tie_break_order=tuple("bdca")) == expected


class TestProblems:
    def test_every_problem_is_listed(self) -> None:
        ballots: list[Ballot] = [
            RankingBallot(("a", "a")),
            RankingBallot(("x",), weight=0),
            ApprovalBallot(("a",)),
        ]
        with pytest.raises(AggregationError) as caught:
            aggregate(K, tuple("abc"), ballots, seats=4, tie_break_order=("a", "b"))
        assert caught.value.problems == (
            InputProblem("bad_tie_break_order"),
            InputProblem("bad_seats"),
            InputProblem("duplicate_in_ballot", 0),
            InputProblem("bad_weight", 1),
            InputProblem("unknown_in_ballot", 1, ("x",)),
            InputProblem("wrong_ballot_kind", 2, ("ranking",)),
        )

    @pytest.mark.parametrize(
        ("method", "candidates", "ballots", "problem"),
        [
            ("plurality", ("a",), [], InputProblem("unknown_method", values=("plurality",))),
            ("borda", (), [], InputProblem("no_candidates")),
            ("kemeny", tuple("abcdefghijklm"), [], InputProblem("too_many_for_kemeny", limit=12)),
            ("points", ("a", "b"), [PointsBallot({"a": 4, "b": 2})], P("over_budget", 0, limit=5)),
            ("points", ("a",), [PointsBallot({"a": -1})], P("negative_points", 0)),
            ("schulze", ("a", "b"), [RankingBallot(("a", "a"))], P("duplicate_in_ballot", 0)),
            ("borda", ("a", "b"), [RankingBallot(("c",))], P("unknown_in_ballot", 0, ("c",))),
            ("irv", ("a", "b"), [RankingBallot(("a",), 0)], P("bad_weight", 0)),
        ],
    )
    def test_single_problems(
        self,
        method: str,
        candidates: tuple[str, ...],
        ballots: list[Ballot],
        problem: InputProblem,
    ) -> None:
        with pytest.raises(AggregationError) as caught:
            aggregate(method, candidates, ballots, tie_break_order=candidates, points_budget=5)
        assert problem in caught.value.problems


class TestWorkedExample:
    """The worked example of docs/aggregation.md, figure by figure."""

    BALLOTS: list[Ballot] = [
        RankingBallot(tuple("abc"), 2),
        RankingBallot(tuple("bca"), 2),
        RankingBallot(("c",)),
    ]

    @pytest.mark.parametrize(
        ("method", "order", "decided_by"),
        [
            (S, "bca", (S, S)),
            (SB, "bca", (S, S)),
            (B, "bac", (B, B)),
            (C, "bca", (C, C)),
            (RP, "bca", (RP, RP)),
            (IRV, "abc", (T, "irv")),
            (K, "bca", (K, K)),
        ],
    )
    def test_orders(self, method: str, order: str, decided_by: tuple[str, ...]) -> None:
        result = _run(method, "abc", self.BALLOTS, "cab")
        assert (result.order, result.decided_by) == (tuple(order), decided_by)

    def test_figures(self) -> None:
        result = _run(SB, "abc", self.BALLOTS, "cab")
        assert result.pairwise_support == {
            "a": {"b": 2, "c": 2},
            "b": {"a": 2, "c": 4},
            "c": {"a": 3, "b": 1},
        }
        assert result.scores == {"b": 6.5, "c": 4.0, "a": 4.5}
        assert _run(C, "abc", self.BALLOTS, "cab").scores == {"b": 1, "c": 0, "a": -1}
        assert result.agreement.kendall_w == pytest.approx(42 / 570)
        assert result.agreement.mean_kendall_distance == 1.0
        assert [d.value for d in result.divisive] == ["a", "b", "c"]
        assert [d.split for d in result.divisive] == pytest.approx([0.9, 0.7, 0.6])
        assert _run(IRV, "abc", self.BALLOTS, "cab").weak_order == (("a", "b"), ("c",))


class TestSchulzeWins:
    """The figure the projector shows beside the Schulze order (docs/realtime-protocol.md)."""

    def test_counts_the_values_each_beats_on_the_45_voters(self) -> None:
        result = _run("schulze_borda", "ABCDE", SCHULZE_45, "ABCDE")
        wins = schulze_wins(result.pairwise_support)
        assert result.order == ("E", "A", "C", "B", "D")
        assert [wins[v] for v in result.order] == [4, 3, 2, 1, 0]

    def test_never_rises_where_borda_points_would(self) -> None:
        # B beats A head to head (3 of 5 voters) but A has more Borda points: the order says
        # B first, and so must the figure.
        ballots = _profile((3, "BAC"), (2, "ACB"))
        result = _run("schulze_borda", "ABC", ballots, "ABC")
        wins = schulze_wins(result.pairwise_support)
        assert result.order[0] == "B"
        assert result.scores["A"] > result.scores["B"]
        assert wins == {"B": 2, "A": 1, "C": 0}

    def test_a_cycle_with_equal_margins_is_level(self) -> None:
        ballots = _profile((1, "ABC"), (1, "BCA"), (1, "CAB"))
        result = _run("schulze_borda", "ABC", ballots, "ABC")
        assert schulze_wins(result.pairwise_support) == {"A": 0, "B": 0, "C": 0}
