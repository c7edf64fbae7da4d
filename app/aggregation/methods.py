"""The aggregation engine of issue 4: one entry point, :func:`aggregate`, for every method.

Ballot conventions (truncation, weights, empty ballots, the pairwise support ``S`` and the margin
``d[a][b] = S[a][b] - S[b][a]``) are in :mod:`app.aggregation.profile`. docs/aggregation.md has
the same rules with a worked example.

**Tie-break order.** ``tie_break_order`` must be a permutation of the candidates (drawn at random
when the round opens and shown before anyone votes). Whatever a method leaves level is ordered by
it: earlier in the tie-break order means higher in ``order``. Never alphabetical, never by
catalogue order. Every adjacent pair of ``order`` that the tie-break order decided is marked
``"tiebreak"`` in ``decided_by``; the other entries name the criterion that separated the pair.
``weak_order`` is ``order`` cut at every adjacent pair not marked ``"tiebreak"``: the groups the
method's own criteria leave tied. Inside a group the values follow the tie-break order directly,
except for ``ranked_pairs``, ``kemeny``, ``irv`` and the Phragmén rules, where the tie-break order
acts through the method (pair order, choice among optimal orders, elimination or pick order).

Methods (the criterion names used in ``decided_by`` in brackets):

* ``schulze`` [``schulze``]: strongest (widest) paths over the margins. A link a->b has strength
  ``d[a][b]`` when ``d[a][b] > 0`` and does not exist otherwise; ``p[a][b]`` is the largest, over
  all paths from a to b, of the weakest link on the path (0 when there is no path). a beats b when
  ``p[a][b] > p[b][a]``. This relation is a strict partial order (Schulze 2011, §4.1) but not
  always a weak order (a may beat c while b beats neither). ``order`` is built greedily: next
  comes, among the remaining candidates not beaten by a remaining candidate, the one earliest in
  the tie-break order; so the first candidates are the Schulze winners, and ``order`` is a linear
  extension of the relation. An adjacent pair is ``"schulze"`` when x beats y, else
  ``"tiebreak"``. Scores: none (empty).
* ``schulze_borda`` [``schulze``, ``borda``]: the same greedy linear extension of the Schulze
  relation, but among the eligible candidates the highest symmetric Borda score comes first, then
  the tie-break order. An adjacent pair (x, y) not separated by Schulze is ``"borda"`` when the
  scores differ (x's is then higher) and ``"tiebreak"`` when they are equal. Scores: the
  symmetric Borda scores.
* ``borda`` [``borda``]: symmetric Borda for truncated ballots. With m candidates a ballot gives
  ``m - 1 - i`` points to its ranked candidate at position i (0-based) and shares the remaining
  points equally among its unranked candidates (each gets ``(u - 1) / 2`` for u unranked). Every
  ballot thus hands out the same ``m(m-1)/2`` points, so truncating neither rewards nor punishes
  the values left out, and a candidate's score equals the number of candidates it beats plus half
  the number it ties with, summed over ballots: ``borda(a) = (n(m-1) + sum_b d[a][b]) / 2``.
  Why this variant: giving the unranked 0 points would let a voter push values down by leaving
  them out, and the "modified" Borda count (a ballot of k values gives k-1, ..., 0) makes short
  ballots count less; the symmetric score is neutral to truncation and is an affine function of
  the pairwise margins, so it orders exactly as the margin-sum Borda of libraries that score
  weak orders by ``sum_b (S[a][b] - S[b][a])``.
* ``copeland`` [``copeland``]: per opponent 1 for a pairwise majority win (``d > 0``), 0 for a
  pairwise tie (``d = 0``), -1 for a loss. Scores: these sums.
* ``ranked_pairs`` [``ranked_pairs``]: Tideman's Ranked Pairs over the pairs with a positive
  margin, strongest margin first; a pair is locked unless it would close a cycle with the pairs
  locked before it. Pairs with equal margins are taken in a fixed order derived from the
  tie-break order T (Zavist and Tideman's rule): (a, b) before (c, e) when a is earlier than c in
  T, or when a = c and b is *later* than e in T. Pairs with margin 0 are never locked. ``order``
  is the greedy linear extension of the locked pairs (as for Schulze: next the earliest in the
  tie-break order among the remaining candidates without a locked defeat by a remaining one).
  An adjacent pair is ``"ranked_pairs"`` only when it holds whatever order
  equal-margin pairs are taken in (see :func:`ranked_pairs_certain`), else ``"tiebreak"``; so a
  Condorcet cycle with equal margins is one tied group. Scores: none.
* ``irv`` [``irv``]: instant runoff. Each round, every ballot counts (with its weight) for its
  highest-ranked continuing candidate; exhausted ballots count for nobody. The candidate with the
  fewest votes is eliminated; when several share the fewest, the one *latest* in the tie-break
  order is eliminated. Rounds continue until one candidate is left (a candidate with a majority
  of the continuing votes can never be eliminated, so the winner is the textbook IRV winner).
  ``order`` is the winner followed by the eliminated candidates, last eliminated first. An
  adjacent pair (x, y) is marked ``"tiebreak"`` when y was eliminated by the tie-break order
  (y shared the fewest votes with another candidate in that round): y's position, and what
  followed, depended on it. Scores: the first-round first preferences.
* ``kemeny`` [``kemeny``]: exact Kemeny-Young: the strict orders maximising
  ``sum over a above b of S[a][b]`` (equivalently minimising the total Kendall distance to the
  ballots), by dynamic programming over subsets (O(2^m m^2); at most 12 candidates, above that an
  :class:`AggregationError`). Among several optimal orders the one chosen puts at each position
  the candidate earliest in the tie-break order with which an optimal order can still be
  completed. An adjacent pair (x, y) is ``"kemeny"`` when x is above y in *every* optimal order and
  ``"tiebreak"`` otherwise. Scores: none.
* ``approval`` [``approval``]: per candidate, the weighted number of ballots approving it (a
  ballot counts a candidate once). Scores: these counts.
* ``points`` [``points``]: per candidate, the weighted sum of its points. Scores: these sums.

* ``seqphragmen`` [``seqphragmen``]: Phragmén's sequential rule on approval ballots, in exact
  fractions. Every voter carries a load, 0 at the start. Each step, for every value not yet
  picked and approved by someone, the new load is ``(1 + sum of w * load over its approvers) /
  (sum of w over its approvers)``; the value with the least new load is picked (equal loads:
  earliest in the tie-break order) and its approvers' loads become that new load. Steps continue
  until every approved value is picked; values nobody approves come last in tie-break order. The
  committee for k seats is the first k (the rule is sequential). The pair (x, y) is
  ``"tiebreak"`` when the step that picked x had several values at the least load. Scores: the
  approval counts.
* ``equal_shares`` [``equal_shares``, ``seqphragmen``]: the Method of Equal Shares (Rule X) for
  unit costs, needs ``seats`` = k. Every voter gets the budget k / n. Each step, a value is
  affordable when its approvers hold at least 1 together; its price is the least rho with
  ``sum over approvers of w * min(budget, rho) = 1``. The affordable value with the least rho is
  picked (equal rho: earliest in the tie-break order) and each approver pays ``min(budget,
  rho)``. When nothing is affordable, the committee is completed (and ``order`` continued) by
  sequential Phragmén starting from the loads "budget spent" (as abcvoting does). Tie marking
  as for seqphragmen. Scores: the approval counts.

``committee`` is the first ``seats`` candidates of ``order`` (None without seats).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from app.aggregation.profile import (
    AggregationError,
    ApprovalBallot,
    Ballot,
    IntMatrix,
    PairwiseTally,
    PointsBallot,
    RankingBallot,
    ballot_problems,
    checked_rankings,
    is_empty,
    tally_non_empty,
    tally_rankings,
)

PAIRWISE_METHODS = ("schulze_borda", "schulze", "borda", "copeland", "ranked_pairs", "kemeny")
RANKING_METHODS = (*PAIRWISE_METHODS, "irv")
PROPORTIONAL_METHODS = ("seqphragmen", "equal_shares")
METHODS = (*RANKING_METHODS, "approval", "points", *PROPORTIONAL_METHODS)
KEMENY_MAX_CANDIDATES = 12
MIN_ROLE_SIZE = 3
OTHER_ROLE = "overig"
TIEBREAK = "tiebreak"
BoolMatrix = np.ndarray[tuple[int, int], np.dtype[np.bool_]]


@dataclass(frozen=True)
class Agreement:
    """How alike the ballots are.

    ``kendall_w``: Kendall's coefficient of concordance with the tie correction, 0..1, over the
    ballots' weak orders (tied candidates get the mean of their ranks):
    ``W = 12 * sum_a (R_a - n(m+1)/2)^2 / (n^2 (m^3 - m) - n * sum_ballots sum_groups (t^3 - t))``
    with ``R_a`` the (weighted) rank sum of a. 0.0 without ballots or when every ballot ties
    everything (undefined); 1.0 with a single candidate.
    ``mean_kendall_distance``: the weighted mean over ballots of the number of pairs the ballot
    ranks strictly the other way round than ``order`` (pairs a ballot leaves tied count 0).
    """

    kendall_w: float
    mean_kendall_distance: float


@dataclass(frozen=True)
class Divisive:
    """How much the room is divided on ``value``: 0 (everyone agrees) .. 1.

    ``split`` is the mean, over the opponents b on which at least one ballot has a strict
    preference, of ``1 - |d[a][b]| / (S[a][b] + S[b][a])``; a 60/40 split scores 0.8.
    ``polarisation`` (only with roles, over the role groups of ``by_role``) is half the gap
    between the groups that value it most and least, each group's valuation being its mean net
    head-to-head result ``sum_b (S[a][b] - S[b][a]) / (n (m - 1))`` in -1..1: 1 when one group
    puts the value first on every ballot and another last. ``score`` is the larger of the two:
    a value is divisive when individuals split on it or when groups pull it apart.
    """

    value: str
    split: float
    polarisation: float = 0.0
    score: float = -1.0

    def __post_init__(self) -> None:
        if self.score < 0:
            object.__setattr__(self, "score", max(self.split, self.polarisation))


@dataclass(frozen=True)
class AggregateResult:
    method: str
    n_ballots: int  # weighted, non-empty
    n_empty: int  # weighted, dropped
    tie_break_order: tuple[str, ...]
    weak_order: tuple[tuple[str, ...], ...]
    order: tuple[str, ...]
    decided_by: tuple[str, ...]  # len(order) - 1 entries, one per adjacent pair of order
    committee: tuple[str, ...] | None
    scores: dict[str, float]
    pairwise_support: dict[str, dict[str, int]]
    agreement: Agreement
    divisive: tuple[Divisive, ...]  # most divisive first; equal splits in tie-break order
    by_role: dict[str, AggregateResult]
    explanation: str


def problems(
    method: str,
    candidates: Sequence[str],
    ballots: Sequence[Ballot],
    *,
    seats: int | None = None,
    tie_break_order: Sequence[str],
    roles: Sequence[str] | None = None,
    points_budget: int | None = None,
) -> list[str]:
    """Every problem with the input (an empty list when it is fine)."""
    found: list[str] = []
    if method not in METHODS:
        found.append(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    if not candidates:
        found.append("empty candidate list")
    if len(set(candidates)) != len(candidates):
        found.append("duplicate candidate in the candidate list")
    if sorted(tie_break_order) != sorted(candidates):
        found.append("tie_break_order must list every candidate exactly once")
    if method == "kemeny" and len(candidates) > KEMENY_MAX_CANDIDATES:
        found.append(f"kemeny supports at most {KEMENY_MAX_CANDIDATES} candidates")
    if seats is not None and not 1 <= seats <= len(candidates):
        found.append("seats must be between 1 and the number of candidates")
    if roles is not None and len(roles) != len(ballots):
        found.append("roles must give one role per ballot")
    if method == "equal_shares" and seats is None:
        found.append("equal_shares needs seats (the budget per voter is seats / voters)")
    expected: type[Ballot] | None = (
        RankingBallot
        if method in RANKING_METHODS
        else ApprovalBallot
        if method in ("approval", *PROPORTIONAL_METHODS)
        else PointsBallot
        if method == "points"
        else None
    )
    if (
        expected is RankingBallot
        and all(isinstance(ballot, RankingBallot) for ballot in ballots)
        and checked_rankings(candidates, ballots) is not None  # type: ignore[arg-type]
    ):
        return found  # the per-ballot messages below would all be empty
    known = frozenset(candidates)
    for index, ballot in enumerate(ballots):
        if expected is not None and not isinstance(ballot, expected):
            found.append(f"ballot {index}: method {method} needs {expected.__name__}")
        found.extend(ballot_problems(index, ballot, known, points_budget))
    return found


def aggregate(
    method: str,
    candidates: Sequence[str],
    ballots: Sequence[Ballot],
    *,
    seats: int | None = None,
    tie_break_order: Sequence[str],
    roles: Sequence[str] | None = None,
    points_budget: int | None = None,
) -> AggregateResult:
    """Aggregate ``ballots`` by ``method``; raises :class:`AggregationError` listing every problem.

    ``roles`` (one per ballot): ``by_role`` holds the same result for every role with at least 3
    participants (weighted non-empty ballots); smaller roles are folded into ``"overig"``, which
    is left out as well when it has fewer than 3 participants, so nobody can be singled out.
    """
    arrays = None
    if method in PAIRWISE_METHODS and all(isinstance(b, RankingBallot) for b in ballots):
        # The fast path: check and convert the ranking ballots once, vectorised.
        arrays = checked_rankings(candidates, ballots)  # type: ignore[arg-type]
    found = problems(
        method,
        candidates,
        [] if arrays is not None else ballots,
        seats=seats,
        tie_break_order=tie_break_order,
        points_budget=points_budget,
    )
    if roles is not None and len(roles) != len(ballots):
        found.append("roles must give one role per ballot")
    if found:
        raise AggregationError(found)
    if arrays is not None:
        n_empty = int(arrays.weights[arrays.lengths == 0].sum())
        result = _from_tally(
            method,
            tally_rankings(candidates, arrays),
            tuple(tie_break_order),
            seats,
            n_empty,
            {},
        )
    else:
        result = _aggregate(method, tuple(candidates), ballots, seats, tuple(tie_break_order))
    if roles is None:
        return result
    groups: dict[str, list[Ballot]] = {}
    for role, ballot in zip(roles, ballots, strict=True):
        groups.setdefault(role, []).append(ballot)

    def size(group: list[Ballot]) -> int:
        return sum(ballot.weight for ballot in group if not is_empty(ballot))

    folded: dict[str, list[Ballot]] = {}
    for role, group in groups.items():
        key = role if size(group) >= MIN_ROLE_SIZE and role != OTHER_ROLE else OTHER_ROLE
        folded.setdefault(key, []).extend(group)
    by_role = {
        role: _aggregate(method, tuple(candidates), group, seats, tuple(tie_break_order))
        for role, group in sorted(folded.items())
        if size(group) >= MIN_ROLE_SIZE
    }
    divisive = with_polarisation(result.divisive, by_role.values(), tie_break_order)
    return replace(result, by_role=by_role, divisive=divisive)


def with_polarisation(
    divisive: Sequence[Divisive],
    groups: Iterable[AggregateResult],
    tie_break: Sequence[str],
) -> tuple[Divisive, ...]:
    """Add the subgroup polarisation (see Divisive) and re-sort by score, then tie-break order.

    Needs at least two groups; one group (or none) cannot be pulled apart, so the splits stand.
    """
    valuations = [_net_valuation(group) for group in groups if group.n_ballots > 0]
    if len(valuations) < 2 or any(len(v) != len(divisive) for v in valuations):
        return tuple(divisive)
    rank = {value: index for index, value in enumerate(tie_break)}
    found = [
        Divisive(
            item.value,
            item.split,
            (max(v[item.value] for v in valuations) - min(v[item.value] for v in valuations)) / 2,
        )
        for item in divisive
    ]
    return tuple(sorted(found, key=lambda d: (-d.score, rank[d.value])))


def _net_valuation(result: AggregateResult) -> dict[str, float]:
    """Per value, the mean net head-to-head result of one group's ballots, in -1..1."""
    support = result.pairwise_support
    others = max(len(support) - 1, 1)
    return {
        a: sum(support[a][b] - support[b][a] for b in support[a]) / (result.n_ballots * others)
        for a in support
    }


def aggregate_tally(
    method: str,
    current: PairwiseTally,
    *,
    tie_break_order: Sequence[str],
    seats: int | None = None,
    n_empty: int = 0,
) -> AggregateResult:
    """The result of a pairwise method straight from a tally (kept up to date by ``add_ballot``).

    Only for ``PAIRWISE_METHODS``; gives the same result as :func:`aggregate` on the ballots.
    """
    if method not in PAIRWISE_METHODS:
        raise AggregationError([f"{method} cannot be computed from a pairwise tally"])
    found = []
    if sorted(tie_break_order) != sorted(current.candidates):
        found.append("tie_break_order must list every candidate exactly once")
    if method == "kemeny" and len(current.candidates) > KEMENY_MAX_CANDIDATES:
        found.append(f"kemeny supports at most {KEMENY_MAX_CANDIDATES} candidates")
    if found:
        raise AggregationError(found)
    return _from_tally(method, current, tuple(tie_break_order), seats, n_empty, {})


def _aggregate(
    method: str,
    candidates: tuple[str, ...],
    ballots: Sequence[Ballot],
    seats: int | None,
    tie_break: tuple[str, ...],
) -> AggregateResult:
    kept: list[Ballot] = []
    n_empty = 0
    for ballot in ballots:
        if is_empty(ballot):
            n_empty += ballot.weight
        else:
            kept.append(ballot)
    current = tally_non_empty(candidates, kept)
    scores: dict[str, float]
    if method == "irv":
        rankings = [b for b in kept if isinstance(b, RankingBallot)]
        order, decided, scores = _irv(candidates, rankings, tie_break)
        return _result(method, current, tie_break, seats, n_empty, order, decided, scores)
    if method in ("approval", *PROPORTIONAL_METHODS):
        scores = dict.fromkeys(candidates, 0)
        for ballot in kept:
            assert isinstance(ballot, ApprovalBallot)
            for value in set(ballot.approve):
                scores[value] += ballot.weight
        if method != "approval":
            approvals = [b for b in kept if isinstance(b, ApprovalBallot)]
            order, decided = _proportional(method, candidates, approvals, tie_break, seats)
            return _result(method, current, tie_break, seats, n_empty, order, decided, scores)
    elif method == "points":
        scores = dict.fromkeys(candidates, 0)
        for ballot in kept:
            assert isinstance(ballot, PointsBallot)
            for value, points in ballot.points.items():
                scores[value] += ballot.weight * points
    else:
        return _from_tally(method, current, tie_break, seats, n_empty, {})
    order, decided = _by_criteria(candidates, tie_break, [(method, scores)])
    return _result(method, current, tie_break, seats, n_empty, order, decided, scores)


def _from_tally(
    method: str,
    current: PairwiseTally,
    tie_break: tuple[str, ...],
    seats: int | None,
    n_empty: int,
    scores: dict[str, float],
) -> AggregateResult:
    candidates = current.candidates
    support = current.support
    margins = support - support.T
    if method in ("schulze", "schulze_borda"):
        if method == "schulze_borda":
            scores = borda_scores(current)
        secondary = [("borda", scores)] if method == "schulze_borda" else []
        order, decided = _extension(
            candidates, tie_break, "schulze", schulze_beats(support), secondary
        )
    elif method == "borda":
        scores = borda_scores(current)
        order, decided = _by_criteria(candidates, tie_break, [("borda", scores)])
    elif method == "copeland":
        wins = (margins > 0).sum(axis=1) - (margins < 0).sum(axis=1)
        scores = {value: int(wins[i]) for i, value in enumerate(candidates)}
        order, decided = _by_criteria(candidates, tie_break, [("copeland", scores)])
    elif method == "ranked_pairs":
        locked = ranked_pairs_locked(support, candidates, tie_break)
        order, _ = _extension(candidates, tie_break, "ranked_pairs", locked, [])
        certain = ranked_pairs_certain(support)
        index = {value: i for i, value in enumerate(candidates)}
        decided = tuple(
            "ranked_pairs" if certain[index[x], index[y]] else TIEBREAK
            for x, y in zip(order, order[1:], strict=False)
        )
    else:
        order, decided = _kemeny(support, candidates, tie_break)
    return _result(method, current, tie_break, seats, n_empty, order, decided, scores)


# --- the methods' building blocks -------------------------------------------------------------


def schulze_strengths(support: IntMatrix) -> IntMatrix:
    """``p[a][b]``: the strongest path from a to b over positive margins (Floyd-Warshall)."""
    margins = support - support.T
    strength = np.where(margins > 0, margins, 0)
    for k in range(len(strength)):
        strength = np.maximum(strength, np.minimum(strength[:, k : k + 1], strength[k : k + 1, :]))
    np.fill_diagonal(strength, 0)
    return strength


def schulze_beats(support: IntMatrix) -> BoolMatrix:
    """``beats[a][b]``: a beats b in the Schulze relation (``p[a][b] > p[b][a]``)."""
    strength = schulze_strengths(support)
    return strength > strength.T


def borda_scores(current: PairwiseTally) -> dict[str, float]:
    """Symmetric Borda: ``(n(m-1) + sum_b d[a][b]) / 2`` per candidate (exact halves)."""
    m = len(current.candidates)
    margins = current.support - current.support.T
    doubled = current.n * (m - 1) + margins.sum(axis=1)
    return {value: int(doubled[i]) / 2 for i, value in enumerate(current.candidates)}


def ranked_pairs_locked(
    support: IntMatrix, candidates: Sequence[str], tie_break: Sequence[str]
) -> BoolMatrix:
    """The locked graph of Ranked Pairs (``locked[a][b]``: a over b is locked; see module doc)."""
    m = len(candidates)
    margins = support - support.T
    rank = [tie_break.index(value) for value in candidates]
    pairs = sorted(
        ((a, b) for a in range(m) for b in range(m) if margins[a, b] > 0),
        key=lambda pair: (-int(margins[pair]), rank[pair[0]], -rank[pair[1]]),
    )
    locked = np.zeros((m, m), dtype=bool)
    reach = np.eye(m, dtype=bool)  # reach[x][y]: y is reachable from x over locked pairs
    for a, b in pairs:
        if reach[b, a]:
            continue  # would close a cycle
        locked[a, b] = True
        reach |= np.outer(reach[:, a], reach[b, :])
    return locked


def _closure(edges: BoolMatrix) -> BoolMatrix:
    """Reflexive-transitive closure (Floyd-Warshall on booleans)."""
    reach: BoolMatrix = edges | np.eye(len(edges), dtype=bool)
    for k in range(len(reach)):
        reach |= np.outer(reach[:, k], reach[k, :])
    return reach


def ranked_pairs_certain(support: IntMatrix) -> BoolMatrix:
    """``certain[a][b]``: a is above b whatever order equal-margin pairs are taken in.

    Pairs are taken in batches of equal margin, strongest first. Within a batch, a pair is locked
    only when it closes no cycle with the pairs locked so far *and* the batch's other acceptable
    pairs; pairs whose fate depends on the order inside the batch stay unlocked. ``certain`` is
    the reachability over these locks; adjacent pairs of ``order`` outside it are ``tiebreak``.
    """
    m = len(support)
    margins = support - support.T
    reach = np.eye(m, dtype=bool)
    for value in sorted({int(v) for v in margins[margins > 0]}, reverse=True):
        batch = [(a, b) for a in range(m) for b in range(m) if margins[a, b] == value]
        acceptable = [(a, b) for a, b in batch if not reach[b, a]]
        edges = reach.copy()
        for a, b in acceptable:
            edges[a, b] = True
        together = _closure(edges)
        for a, b in acceptable:
            if not together[b, a]:
                reach |= np.outer(reach[:, a], reach[b, :])
    return reach


def _extension(
    candidates: Sequence[str],
    tie_break: Sequence[str],
    name: str,
    beats: BoolMatrix,
    secondary: Sequence[tuple[str, Mapping[str, float]]],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The linear extension of the strict partial order ``beats`` picked greedily.

    At each step the candidates not beaten by any remaining candidate are eligible; the one with
    the highest ``secondary`` keys (in turn), then earliest in the tie-break order, comes next.
    An adjacent pair (x, y) is marked ``name`` when x beats y, else by the first secondary key
    that differs (x's is then higher: y was eligible when x was picked), else ``tiebreak``.
    """
    rank = {value: index for index, value in enumerate(tie_break)}
    remaining = np.ones(len(candidates), dtype=bool)
    order: list[int] = []
    for _ in candidates:
        eligible = np.flatnonzero(remaining & ~beats[remaining].any(axis=0))
        pick = min(
            (int(c) for c in eligible),
            key=lambda c: (*(-keys[candidates[c]] for _, keys in secondary), rank[candidates[c]]),
        )
        order.append(pick)
        remaining[pick] = False

    def separated(x: int, y: int) -> str:
        if beats[x, y]:
            return name
        for criterion, keys in secondary:
            if keys[candidates[x]] != keys[candidates[y]]:
                return criterion
        return TIEBREAK

    decided = tuple(separated(x, y) for x, y in zip(order, order[1:], strict=False))
    return tuple(candidates[c] for c in order), decided


def _by_criteria(
    candidates: Sequence[str],
    tie_break: Sequence[str],
    criteria: Sequence[tuple[str, Mapping[str, float]]],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Order by each criterion in turn (higher first), then by the tie-break order."""
    rank = {value: index for index, value in enumerate(tie_break)}
    order = sorted(candidates, key=lambda v: (*(-keys[v] for _, keys in criteria), rank[v]))

    def separated(x: str, y: str) -> str:
        for name, keys in criteria:
            if keys[x] != keys[y]:
                return name
        return TIEBREAK

    return tuple(order), tuple(separated(x, y) for x, y in zip(order, order[1:], strict=False))


def _proportional(
    method: str,
    candidates: Sequence[str],
    ballots: Sequence[ApprovalBallot],
    tie_break: Sequence[str],
    seats: int | None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Sequential Phragmén, or the Method of Equal Shares completed by it (module docstring)."""
    rank = {value: index for index, value in enumerate(tie_break)}
    supporters = {
        value: [i for i, b in enumerate(ballots) if value in b.approve] for value in candidates
    }
    weight = [Fraction(b.weight) for b in ballots]
    total = sum(weight, Fraction(0))
    load = [Fraction(0)] * len(ballots)
    order: list[str] = []
    decided: list[str] = []
    remaining = [value for value in candidates if supporters[value]]

    def pick(costs: dict[str, Fraction], criterion: str) -> None:
        best = min(costs.values())
        tied = sorted((v for v in costs if costs[v] == best), key=rank.__getitem__)
        order.append(tied[0])
        remaining.remove(tied[0])
        decided.append(criterion if len(tied) == 1 else TIEBREAK)

    if method == "equal_shares" and total > 0:
        assert seats is not None
        budget = [seats / total] * len(ballots)  # per unit of weight
        while True:
            prices: dict[str, Fraction] = {}
            for value in remaining:
                price = _equal_shares_price([(weight[i], budget[i]) for i in supporters[value]])
                if price is not None:
                    prices[value] = price
            if not prices:
                break
            pick(prices, "equal_shares")
            for i in supporters[order[-1]]:
                budget[i] -= min(budget[i], prices[order[-1]])
        load = [seats / total - budget[i] for i in range(len(ballots))]  # what each one spent
    while remaining:
        new_loads = {
            value: (1 + sum((weight[i] * load[i] for i in supporters[value]), Fraction(0)))
            / sum((weight[i] for i in supporters[value]), Fraction(0))
            for value in remaining
        }
        pick(new_loads, "seqphragmen")
        for i in supporters[order[-1]]:
            load[i] = new_loads[order[-1]]
    # Values nobody approves: last, in tie-break order.
    unsupported = sorted((v for v in candidates if not supporters[v]), key=rank.__getitem__)
    order.extend(unsupported)
    decided.extend([TIEBREAK] * len(unsupported))
    # decided[i] describes the step that picked order[i]: it separates order[i] and order[i+1].
    return tuple(order), tuple(decided[: len(order) - 1])


def _equal_shares_price(supporters: list[tuple[Fraction, Fraction]]) -> Fraction | None:
    """The least rho with ``sum(w * min(budget, rho)) = 1`` over (w, budget); None: unaffordable."""
    if sum((w * b for w, b in supporters), Fraction(0)) < 1:
        return None
    paid = Fraction(0)
    weight = sum((w for w, _ in supporters), Fraction(0))
    for w, b in sorted(supporters, key=lambda pair: pair[1]):
        rho = (1 - paid) / weight
        if rho <= b:
            return rho
        paid += w * b
        weight -= w
    return None  # not reached: the supporters can afford it


def _irv(
    candidates: Sequence[str], ballots: Sequence[RankingBallot], tie_break: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, float]]:
    rank = {value: index for index, value in enumerate(tie_break)}
    continuing = set(candidates)
    eliminated: list[str] = []
    tied_with_survivor: dict[str, set[str]] = {}
    first_round: dict[str, float] = {}
    while len(continuing) > 1:
        votes = dict.fromkeys(continuing, 0)
        for ballot in ballots:
            for value in ballot.ranking:
                if value in continuing:
                    votes[value] += ballot.weight
                    break
        if not first_round:
            first_round = {value: votes[value] for value in candidates}
        fewest = min(votes.values())
        loser = max((v for v in continuing if votes[v] == fewest), key=rank.__getitem__)
        tied_with_survivor[loser] = {v for v in continuing if votes[v] == fewest} - {loser}
        eliminated.append(loser)
        continuing.remove(loser)
    if not first_round:  # one candidate
        first_round = {value: sum(b.weight for b in ballots) for value in candidates}
    order = (*continuing, *reversed(eliminated))
    decided = tuple(TIEBREAK if tied_with_survivor[y] else "irv" for y in order[1:])
    return order, decided, first_round


def _kemeny(
    support: IntMatrix, candidates: Sequence[str], tie_break: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    m = len(candidates)
    size = 1 << m
    full = size - 1
    masks = np.arange(size)
    has = ((masks[None, :] >> np.arange(m)[:, None]) & 1).astype(bool)  # has[c][mask]
    # gain[c][mask]: placing c right below the set `mask` wins S[c][b] for every b not in mask.
    gain = (support @ (~has).astype(np.int64)).tolist()
    members = [[c for c in range(m) if mask >> c & 1] for mask in range(size)]
    # best_below[mask]: the best score for ordering the candidates outside `mask` below it.
    best_below = [0] * size
    for mask in range(full - 1, -1, -1):
        best_below[mask] = max(
            gain[c][mask] + best_below[mask | 1 << c] for c in range(m) if not mask >> c & 1
        )
    # best_above[mask]: the best score for ordering the candidates in `mask` at the top.
    best_above = [0] * size
    for mask in range(1, size):
        best_above[mask] = max(
            best_above[mask ^ 1 << c] + gain[c][mask ^ 1 << c] for c in members[mask]
        )
    optimum = best_below[0]
    optimal = (np.array(best_above) + np.array(best_below)) == optimum  # optimal prefix sets
    index = {value: i for i, value in enumerate(candidates)}
    order: list[int] = []
    placed = 0
    for _ in range(m):
        for value in tie_break:
            c = index[value]
            if (
                not placed >> c & 1
                and gain[c][placed] + best_below[placed | 1 << c] == (best_below[placed])
            ):
                order.append(c)
                placed |= 1 << c
                break

    def always_above(x: int, y: int) -> bool:
        return not bool(np.any(optimal & has[y] & ~has[x]))

    decided = tuple(
        "kemeny" if always_above(x, y) else TIEBREAK for x, y in zip(order, order[1:], strict=False)
    )
    return tuple(candidates[c] for c in order), decided


# --- the common part of every result ----------------------------------------------------------


def _result(
    method: str,
    current: PairwiseTally,
    tie_break: tuple[str, ...],
    seats: int | None,
    n_empty: int,
    order: tuple[str, ...],
    decided: tuple[str, ...],
    scores: Mapping[str, float],
) -> AggregateResult:
    candidates = current.candidates
    weak: list[list[str]] = [[order[0]]]
    for value, criterion in zip(order[1:], decided, strict=True):
        if criterion == TIEBREAK:
            weak[-1].append(value)
        else:
            weak.append([value])
    support = current.support.tolist()
    return AggregateResult(
        method=method,
        n_ballots=current.n,
        n_empty=n_empty,
        tie_break_order=tie_break,
        weak_order=tuple(tuple(group) for group in weak),
        order=order,
        decided_by=decided,
        committee=None if seats is None else order[:seats],
        scores={value: scores[value] for value in order if value in scores},
        pairwise_support={
            a: {b: support[i][j] for j, b in enumerate(candidates) if j != i}
            for i, a in enumerate(candidates)
        },
        agreement=agreement(current, order),
        divisive=divisiveness(current, tie_break),
        by_role={},
        explanation=explain(method, current, order, decided, scores),
    )


def agreement(current: PairwiseTally, order: Sequence[str]) -> Agreement:
    """Kendall's W (tie-corrected) and the mean Kendall distance to ``order`` (see Agreement)."""
    m, n = len(current.candidates), current.n
    if n == 0:
        return Agreement(0.0, 0.0)
    support = current.support
    position = {value: i for i, value in enumerate(current.candidates)}
    index = [position[value] for value in order]
    # Support in `order`'s order: below the diagonal, ballots ranking a lower one above a higher.
    reversed_pairs = int(np.tril(support[np.ix_(index, index)], -1).sum())
    distance = reversed_pairs / n
    if m < 2:
        return Agreement(1.0, distance)
    above, below = support.sum(axis=0), support.sum(axis=1)
    # Rank of a on a ballot: 1 + #better + #tied/2; summed: n + colsum + (n(m-1) - row - col)/2.
    doubled_ranks = [
        2 * n + int(above[a]) * 2 + n * (m - 1) - int(below[a]) - int(above[a]) for a in range(m)
    ]
    mean = Fraction(n * (m + 1), 2)
    deviation = sum((Fraction(r, 2) - mean) ** 2 for r in doubled_ranks)
    denominator = n * n * (m**3 - m) - n * current.tie_terms
    if denominator <= 0:
        return Agreement(0.0, distance)
    return Agreement(float(12 * deviation / denominator), distance)


def divisiveness(current: PairwiseTally, tie_break: Sequence[str]) -> tuple[Divisive, ...]:
    """Every candidate with its split (see Divisive), most divisive first, then tie-break order."""
    support = current.support.astype(np.float64)
    rank = {value: index for index, value in enumerate(tie_break)}
    contested = support + support.T
    np.fill_diagonal(contested, 0)
    closeness = np.divide(
        contested - np.abs(support - support.T),
        contested,
        out=np.zeros_like(contested),
        where=contested > 0,
    )
    counts = (contested > 0).sum(axis=1)
    totals = closeness.sum(axis=1)
    splits = {
        value: float(totals[a] / counts[a]) if counts[a] else 0.0
        for a, value in enumerate(current.candidates)
    }
    ordered = sorted(splits, key=lambda v: (-splits[v], rank[v]))
    return tuple(Divisive(value, splits[value], 0.0) for value in ordered)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


EXPLAIN: dict[str, Callable[[str, str], str]] = {
    "schulze": lambda top, _: (
        f"{top} heeft de sterkste ketens van een-op-eenzeges: geen andere waarde verslaat "
        f"{top} via een sterkere keten (Schulze)."
    ),
    "borda": lambda top, score: (
        f"{top} staat gemiddeld het hoogst op de stembriefjes (Borda-score {score})."
    ),
    "copeland": lambda top, score: (
        f"{top} wint de meeste een-op-eenvergelijkingen (Copeland-score {score})."
    ),
    "ranked_pairs": lambda top, _: (
        f"{top} wordt door geen enkele vastgezette een-op-eenzege verslagen, waarbij de grootste "
        "meerderheden eerst worden vastgezet (Ranked Pairs)."
    ),
    "irv": lambda top, _: (
        f"{top} houdt de meeste eerste voorkeuren over als de zwakste waarden een voor een "
        "afvallen (instant runoff)."
    ),
    "kemeny": lambda top, _: (
        f"De volgorde met {top} bovenaan wijkt het minst af van alle stembriefjes samen (Kemeny)."
    ),
    "approval": lambda top, score: f"{top} wordt door de meeste deelnemers genoemd ({score}).",
    "points": lambda top, score: f"{top} krijgt de meeste punten ({score}).",
    "seqphragmen": lambda top, score: (
        f"{top} wordt door de meeste deelnemers gesteund ({score}); de volgende waarden zijn "
        "gekozen om de vertegenwoordiging zo gelijk mogelijk te verdelen (Phragmén)."
    ),
    "equal_shares": lambda top, score: (
        f"{top} wordt door de meeste deelnemers gesteund ({score}); daarna besteden alle "
        "deelnemers een gelijk budget aan de waarden die zij steunen (gelijke delen)."
    ),
}


def explain(
    method: str,
    current: PairwiseTally,
    order: Sequence[str],
    decided: Sequence[str],
    scores: Mapping[str, float],
) -> str:
    """One Dutch sentence: why the top value is on top."""
    top = order[0]
    if len(order) == 1:
        return f"{top} is de enige waarde."
    if current.n == 0:
        return "Er zijn nog geen stemmen; de volgorde is de vooraf getoonde loting."
    if decided[0] == TIEBREAK:
        return f"{top} en {order[1]} staan gelijk; de vooraf getoonde loting zet {top} bovenaan."
    index = current.candidates.index(top)
    margins = current.support - current.support.T
    if method in ("schulze", "schulze_borda", "copeland", "ranked_pairs", "kemeny") and bool(
        np.all(np.delete(margins[index], index) > 0)
    ):
        return f"{top} wint in een-op-eenvergelijking van elke andere waarde."
    if method == "schulze_borda" and decided[0] == "borda":
        return (
            f"Schulze kan {top} en {order[1]} niet scheiden; {top} staat gemiddeld hoger op de "
            f"stembriefjes (Borda-score {_number(scores[top])})."
        )
    key = "schulze" if method == "schulze_borda" else method
    return EXPLAIN[key](top, _number(scores.get(top, 0)))
