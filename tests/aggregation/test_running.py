"""Running tallies equal the from-scratch aggregation after any sequence of ballots (hypothesis).

Each sequence casts, replaces (a newer revision), re-delivers (an older or equal revision, as a
backplane delta heard twice or late) and withdraws ballots of a handful of participants; the
running tally must then give exactly the numbers ``app/sessions/results.aggregate`` computes
from the ballots held at the end (the same pure functions, fed the same ballots).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.aggregation.casus import DECISIONS, CasusBallot, tally_casus
from app.aggregation.methods import aggregate
from app.aggregation.profile import RankingBallot
from app.aggregation.running import (
    CountStep,
    RunningTally,
    count_approval,
    count_casus,
    count_points,
    count_ranking,
)
from app.aggregation.tallies import approval_counts, points_totals

NAMES = ("zorg", "vrijheid", "gelijkheid", "autonomie")
ROLES = ("burger", "ambtenaar", "overig", "zorgverlener")
PARTICIPANTS = tuple(f"p{n}" for n in range(7))
PROPERTY = settings(max_examples=150, deadline=None, database=None)

# Each kind's count step, as the kinds choose them (app/sessions/kinds).
COUNTS: dict[str, CountStep] = {
    "casus": count_casus,
    "ranking": count_ranking,
    "points": count_points,
    "approval": count_approval,
    "principle": count_approval,
}


def _payloads(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    subset = st.lists(st.sampled_from(NAMES), unique=True, max_size=len(NAMES))
    if kind == "casus":
        return st.builds(
            lambda d, v: {"decision": d, "values": v, "principles": {}},
            st.sampled_from(DECISIONS),
            subset,
        )
    if kind == "ranking":
        return st.builds(
            lambda order, cut: {"ranking": list(order[:cut])},
            st.permutations(NAMES),
            st.integers(min_value=0, max_value=len(NAMES)),
        )
    if kind == "points":
        return st.builds(
            lambda chosen, points: {"points": dict(zip(chosen, points, strict=False))},
            subset,
            st.lists(st.integers(min_value=1, max_value=5), min_size=len(NAMES)),
        )
    if kind == "principle":
        return st.builds(
            lambda ids: {"approve": ids},
            st.lists(st.integers(min_value=1, max_value=6), unique=True, max_size=4),
        )
    return st.builds(lambda v: {"approve": v}, subset)


@st.composite
def histories(draw: st.DrawFn, kind: str) -> list[tuple[str, str, int, dict[str, Any], str]]:
    """(action, participant, revision, payload, role): 'cast' with the next revision, 'late'
    with an old one (must change nothing), 'withdraw'."""
    steps = []
    revisions: dict[str, int] = {}
    roles = {pid: draw(st.sampled_from(ROLES)) for pid in PARTICIPANTS}
    for _ in range(draw(st.integers(min_value=0, max_value=30))):
        action = draw(st.sampled_from(("cast", "cast", "cast", "late", "withdraw")))
        pid = draw(st.sampled_from(PARTICIPANTS))
        payload = draw(_payloads(kind))
        if action == "cast":
            revisions[pid] = revisions.get(pid, 0) + 1
        revision = (
            revisions.get(pid, 0)
            if action != "late"
            else draw(st.integers(min_value=0, max_value=revisions.get(pid, 0)))
        )
        steps.append((action, pid, revision, payload, roles[pid]))
    return steps


def _replay(
    kind: str, steps: list[tuple[str, str, int, dict[str, Any], str]]
) -> tuple[RunningTally, dict[str, tuple[dict[str, Any], str]]]:
    running = RunningTally(COUNTS[kind], candidates=NAMES, tie_break_order=tuple(reversed(NAMES)))
    truth: dict[str, tuple[int, dict[str, Any], str]] = {}
    for action, pid, revision, payload, role in steps:
        if action == "withdraw":
            running.withdraw(pid)
            truth.pop(pid, None)
            continue
        running.apply(pid, revision, payload, role)
        if pid not in truth or revision > truth[pid][0]:
            truth[pid] = (revision, payload, role)
    return running, {pid: (p, r) for pid, (_, p, r) in truth.items()}


class TestRunningEqualsFromScratch:
    @PROPERTY
    @given(histories("casus"))
    def test_casus(self, steps: list[tuple[str, str, int, dict[str, Any], str]]) -> None:
        running, held = _replay("casus", steps)
        ballots = [CasusBallot(p["decision"], tuple(p["values"])) for p, _ in held.values()]
        assert running.casus() == tally_casus(ballots, tie_break_order=tuple(reversed(NAMES)))

    @PROPERTY
    @given(histories("ranking"))
    def test_ranking(self, steps: list[tuple[str, str, int, dict[str, Any], str]]) -> None:
        running, held = _replay("ranking", steps)
        expected = aggregate(
            "schulze_borda",
            NAMES,
            [RankingBallot(tuple(p["ranking"])) for p, _ in held.values()],
            tie_break_order=tuple(reversed(NAMES)),
            roles=[role for _, role in held.values()],
        )
        got = running.ranking()
        assert got.n_ballots == expected.n_ballots
        assert got.n_empty == expected.n_empty
        assert got.order == expected.order
        assert got.weak_order == expected.weak_order
        assert got.decided_by == expected.decided_by
        assert got.scores == expected.scores
        assert got.pairwise_support == expected.pairwise_support
        assert got.agreement == expected.agreement
        assert got.divisive == expected.divisive
        assert got.explanation == expected.explanation
        assert set(got.by_role) == set(expected.by_role)

    @PROPERTY
    @given(histories("points"))
    def test_points(self, steps: list[tuple[str, str, int, dict[str, Any], str]]) -> None:
        running, held = _replay("points", steps)
        assert running.scores() == points_totals(NAMES, [p["points"] for p, _ in held.values()])

    @PROPERTY
    @given(histories("approval"))
    def test_approval(self, steps: list[tuple[str, str, int, dict[str, Any], str]]) -> None:
        running, held = _replay("approval", steps)
        assert running.scores() == approval_counts(NAMES, [p["approve"] for p, _ in held.values()])

    @PROPERTY
    @given(histories("principle"))
    def test_principle(self, steps: list[tuple[str, str, int, dict[str, Any], str]]) -> None:
        running, held = _replay("principle", steps)
        ids = [1, 2, 3, 5]  # a moderated principle (4, 6) is no longer counted
        assert running.scores(ids) == approval_counts(ids, [p["approve"] for p, _ in held.values()])
        assert running.n_ballots == len(held)


class TestRevisions:
    def test_a_late_delta_changes_nothing(self) -> None:
        running = RunningTally(count_approval, candidates=NAMES, tie_break_order=NAMES)
        assert running.apply("p1", 2, {"approve": ["zorg"]}, "overig")
        assert not running.apply("p1", 1, {"approve": ["vrijheid"]}, "overig")
        assert not running.apply("p1", 2, {"approve": ["vrijheid"]}, "overig")
        assert running.scores() == {"zorg": 1, "vrijheid": 0, "gelijkheid": 0, "autonomie": 0}

    def test_a_withdrawn_ballot_stops_counting(self) -> None:
        running = RunningTally(count_approval, candidates=NAMES, tie_break_order=NAMES)
        running.apply("p1", 1, {"approve": ["zorg"]}, "overig")
        assert running.withdraw("p1")
        assert running.n_ballots == 0
        assert running.scores()["zorg"] == 0
