"""The aggregation engine of issue 4: one entry point, :func:`aggregate`, for every method.

Ballot conventions (truncation, weights, empty ballots, the pairwise support ``S`` and the margin
``d[a][b] = S[a][b] - S[b][a]``) are in :mod:`app.aggregation.profile`. docs/aggregation.md has
the same rules with a worked example.

**Tie-break order.** ``tie_break_order`` must be a permutation of the candidates (drawn at random
when the round opens and shown before anyone votes). Whatever a method leaves level is ordered by
it: earlier in the tie-break order means higher in ``order``. Never alphabetical, never by
catalogue order. ``decided_by[i]`` says what put exactly ``order[:i + 1]`` above the rest: the
method's criterion, or ``"tiebreak"`` when another tie-break order could have put another set of
values there. ``weak_order`` is ``order`` cut at every position not marked ``"tiebreak"``: the
groups shown as ties. For the methods whose criterion is a strict partial order (``schulze``,
``schulze_borda``, ``ranked_pairs``) the groups are its layers (:func:`_layers`): the first group
is the set of winners, and no value shares a group with one that beats it. Inside a group the
values follow the tie-break order directly, except for ``kemeny``, ``irv`` and the Phragmén rules,
where it acts through the method (choice among optimal orders, elimination or pick order).
``irv``, ``seqphragmen`` and ``equal_shares`` follow every branch of their ties to apply the
same rule: a tie drawn early can decide a later step that looks clear.

Methods (the criterion names used in ``decided_by`` in brackets):

* ``schulze`` [``schulze``]: strongest (widest) paths over the margins. A link a->b has strength
  ``d[a][b]`` when ``d[a][b] > 0`` and does not exist otherwise; ``p[a][b]`` is the largest, over
  all paths from a to b, of the weakest link on the path (0 when there is no path). a beats b when
  ``p[a][b] > p[b][a]``. This relation is a strict partial order (Schulze 2011, §4.1) but not
  always a weak order (a may beat c while b beats neither), so it is shown in layers: first the
  candidates beaten by nobody (the Schulze winners), then those beaten by nobody once the winners
  are left out, and so on; inside a layer the tie-break order. ``order`` is thus a linear
  extension of the relation. A pair across layers is ``"schulze"``, inside a layer
  ``"tiebreak"``. Scores: none (empty).
* ``schulze_borda`` [``schulze``, ``borda``]: the same layers, but inside a layer the highest
  symmetric Borda score comes first, then the tie-break order. A pair inside a layer is
  ``"borda"`` when the scores differ and ``"tiebreak"`` when they are equal. Scores: the
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
  locked before it. Pairs with margin 0 are never locked. Which pairs get locked can depend on
  the order in which pairs of equal margin are taken; the method here does not pick one such
  order by the tie-break order but keeps what holds for every one of them: a is above b when a
  reaches b over locked pairs whatever the order of equal margins (:func:`ranked_pairs_certain`;
  these are the relations every Zavist-Tideman "stack" has). That relation is a strict partial
  order, shown in layers as for Schulze (``"ranked_pairs"`` across layers, ``"tiebreak"``
  inside), so a Condorcet cycle with equal margins is one tied group and every
  parallel-universe Ranked Pairs winner is in the first group. Scores: none.
* ``irv`` [``irv``]: instant runoff. Each round, every ballot counts (with its weight) for its
  highest-ranked continuing candidate; exhausted ballots count for nobody. The candidate with the
  fewest votes is eliminated; when several share the fewest, the one *latest* in the tie-break
  order is eliminated. Rounds continue until one candidate is left (a candidate with a majority
  of the continuing votes can never be eliminated, so the winner is the textbook IRV winner).
  ``order`` is the winner followed by the eliminated candidates, last eliminated first.
  ``decided_by[i]`` is ``"irv"`` when every way of breaking the ties (each is some tie-break
  order's) leaves the same i + 1 candidates at the end, else ``"tiebreak"``: a tie between the
  two weakest can decide the winner (:func:`_irv_reachable`; over its budget, every position
  from the first tie upward is ``"tiebreak"``). Scores: the first-round first preferences.
* ``kemeny`` [``kemeny``]: exact Kemeny-Young: the strict orders maximising
  ``sum over a above b of S[a][b]`` (equivalently minimising the total Kendall distance to the
  ballots), by dynamic programming over subsets (O(2^m m^2); at most 12 candidates, above that an
  :class:`AggregationError`). Among several optimal orders the one chosen puts at each position
  the candidate earliest in the tie-break order with which an optimal order can still be
  completed. ``decided_by[i]`` is ``"kemeny"`` when every optimal order has the same first
  i + 1 candidates, else ``"tiebreak"`` (another tie-break order would pick an optimal order
  with another top i + 1). Scores: none.
* ``approval`` [``approval``]: per candidate, the weighted number of ballots approving it (a
  ballot counts a candidate once). Scores: these counts.
* ``points`` [``points``]: per candidate, the weighted sum of its points. Scores: these sums.

* ``seqphragmen`` [``seqphragmen``]: Phragmén's sequential rule on approval ballots, in exact
  fractions. Every voter carries a load, 0 at the start. Each step, for every value not yet
  picked and approved by someone, the new load is ``(1 + sum of w * load over its approvers) /
  (sum of w over its approvers)``; the value with the least new load is picked (equal loads:
  earliest in the tie-break order) and its approvers' loads become that new load. Steps continue
  until every approved value is picked; values nobody approves come last in tie-break order. The
  committee for k seats is the first k (the rule is sequential). ``decided_by[i]`` is
  ``"seqphragmen"`` when every way of breaking the ties picks the same first i + 1 values, else
  ``"tiebreak"`` (:meth:`_Sequential.reachable`; over its budget, every pick from the first tie
  on). Scores: the approval counts.
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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from app.aggregation.profile import (
    AggregationError,
    ApprovalBallot,
    Ballot,
    InputProblem,
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
# The key a ballot of each kind is written with (in the API and on the wire).
BALLOT_KINDS: dict[type, str] = {
    RankingBallot: "ranking",
    ApprovalBallot: "approve",
    PointsBallot: "points",
}
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
class Explanation:
    """Why the top value is on top, in codes: the edge words it in Dutch or English
    (``app/i18n/explain.py``), so the maths holds no language.

    ``code``: ``only_value``; ``no_ballots`` (the order is the tie-break order); ``tiebreak``
    (``tied``, the first group, is level and the tie-break order put ``top`` first);
    ``condorcet`` (``top`` beats every other value head to head); ``schulze_then_borda``
    (``tied`` are the Schulze winners, ``top`` has the highest Borda ``score`` among them); else
    the method that put ``top`` alone on top, with its ``score`` when the method has scores.
    """

    code: str
    top: str
    tied: tuple[str, ...] = ()
    score: float | None = None


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
    explanation: Explanation


def problems(
    method: str,
    candidates: Sequence[str],
    ballots: Sequence[Ballot],
    *,
    seats: int | None = None,
    tie_break_order: Sequence[str],
    roles: Sequence[str] | None = None,
    points_budget: int | None = None,
) -> list[InputProblem]:
    """Every problem with the input (an empty list when it is fine)."""
    found: list[InputProblem] = []
    if method not in METHODS:
        found.append(InputProblem("unknown_method", values=(method,)))
    if not candidates:
        found.append(InputProblem("no_candidates"))
    if len(set(candidates)) != len(candidates):
        found.append(InputProblem("duplicate_candidates"))
    if sorted(tie_break_order) != sorted(candidates):
        found.append(InputProblem("bad_tie_break_order"))
    if method == "kemeny" and len(candidates) > KEMENY_MAX_CANDIDATES:
        found.append(InputProblem("too_many_for_kemeny", limit=KEMENY_MAX_CANDIDATES))
    if seats is not None and not 1 <= seats <= len(candidates):
        found.append(InputProblem("bad_seats"))
    if roles is not None and len(roles) != len(ballots):
        found.append(InputProblem("bad_roles"))
    if method == "equal_shares" and seats is None:
        found.append(InputProblem("equal_shares_needs_seats"))
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
            found.append(InputProblem("wrong_ballot_kind", index, (BALLOT_KINDS[expected],)))
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
        found.append(InputProblem("bad_roles"))
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
        raise AggregationError([InputProblem("not_from_tally", values=(method,))])
    found: list[InputProblem] = []
    if sorted(tie_break_order) != sorted(current.candidates):
        found.append(InputProblem("bad_tie_break_order"))
    if method == "kemeny" and len(current.candidates) > KEMENY_MAX_CANDIDATES:
        found.append(InputProblem("too_many_for_kemeny", limit=KEMENY_MAX_CANDIDATES))
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
        order, decided = _layers(
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
        certain = ranked_pairs_certain(support)
        order, decided = _layers(candidates, tie_break, "ranked_pairs", certain, [])
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


def schulze_wins(support: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """Per value, how many other values it beats in the Schulze relation (``pairwise_support``
    of a result: ``support[a][b]`` voters put a above b).

    The projector shows this next to the Schulze order instead of Borda points, which can
    disagree with it. The relation is transitive, so when a beats b, a beats b and all b
    beats: ``wins[a] > wins[b]``. When Schulze decides a complete order (the usual case with a
    roomful of ballots) the figures thus fall strictly down the order; values Schulze leaves
    level (one layer) beat neither, and their figures may be equal.
    """
    values = list(support)
    index = {value: i for i, value in enumerate(values)}
    matrix = np.zeros((len(values), len(values)), dtype=np.int64)
    for a, row in support.items():
        for b, count in row.items():
            matrix[index[a], index[b]] = count
    beats = schulze_beats(matrix)
    return {value: int(beats[i].sum()) for i, value in enumerate(values)}


def borda_scores(current: PairwiseTally) -> dict[str, float]:
    """Symmetric Borda: ``(n(m-1) + sum_b d[a][b]) / 2`` per candidate (exact halves)."""
    m = len(current.candidates)
    margins = current.support - current.support.T
    doubled = current.n * (m - 1) + margins.sum(axis=1)
    return {value: int(doubled[i]) / 2 for i, value in enumerate(current.candidates)}


RANKED_PAIRS_MAX_WORK = 5_000  # search steps x values (a step costs a closure, O(m^3))


def _closure(edges: BoolMatrix) -> BoolMatrix:
    """Reflexive-transitive closure (Floyd-Warshall on booleans)."""
    reach: BoolMatrix = edges | np.eye(len(edges), dtype=bool)
    for k in range(len(reach)):
        reach |= np.outer(reach[:, k], reach[k, :])
    return reach


class _TooManyOutcomes(Exception):
    """The exact search of :func:`ranked_pairs_certain` went over its budget."""


def _batch_outcomes(
    reach: BoolMatrix, batch: Sequence[tuple[int, int]], budget: list[int]
) -> list[BoolMatrix]:
    """Every reachability after locking one batch of equal-margin pairs, in any order.

    Taking the pairs in some order locks a maximal subset that closes no cycle with ``reach``;
    every such subset is reached by taking its pairs first. The search branches on the first pair
    that is still acceptable (lock it, or leave it out and require that it is rejected at the end).
    """
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooManyOutcomes
    pending = [(a, b) for a, b in batch if not reach[b, a]]
    edges = reach.copy()
    for a, b in pending:
        edges[a, b] = True
    together = _closure(edges)
    if not any(together[b, a] for a, b in pending):
        return [together]  # no cycle among them: every order locks all of them
    a, b = pending[0]
    rest = pending[1:]
    locked = reach | np.outer(reach[:, a], reach[b, :])
    found = _batch_outcomes(locked, rest, budget)
    found += [r for r in _batch_outcomes(reach, rest, budget) if r[b, a]]
    unique: dict[bytes, BoolMatrix] = {}
    for r in found:
        unique.setdefault(r.tobytes(), r)
    return list(unique.values())


def ranked_pairs_certain(support: IntMatrix) -> BoolMatrix:
    """``certain[a][b]``: a is above b in Ranked Pairs whatever order equal margins are taken in.

    Pairs with a positive margin are taken in batches of equal margin, strongest first; within a
    batch every order is followed (``_batch_outcomes``), and ``certain`` holds in every locked
    graph that can result. It is a strict partial order (an intersection of strict partial
    orders); its maximal elements include every parallel-universe Ranked Pairs winner. Exact up
    to ``RANKED_PAIRS_MAX_WORK // m`` search steps (200 for 25 values); beyond that (many cycles
    of equal margins, which takes few ballots and many values) only what was certain in every
    outcome of the batches before is kept: locks only grow, so a decision is never claimed for
    Ranked Pairs that the tie-break order made; more values are then shown tied than need be.
    """
    m = len(support)
    margins = support - support.T
    states = [np.eye(m, dtype=bool)]
    budget = [max(1, RANKED_PAIRS_MAX_WORK // max(m, 1))]
    for value in sorted({int(v) for v in margins[margins > 0]}, reverse=True):
        batch = [(a, b) for a in range(m) for b in range(m) if margins[a, b] == value]
        try:
            found: dict[bytes, BoolMatrix] = {}
            for reach in states:
                for r in _batch_outcomes(reach, batch, budget):
                    found.setdefault(r.tobytes(), r)
        except _TooManyOutcomes:
            break
        states = list(found.values())
    certain: BoolMatrix = np.logical_and.reduce(states) & ~np.eye(m, dtype=bool)
    return certain


def _layers(
    candidates: Sequence[str],
    tie_break: Sequence[str],
    name: str,
    beats: BoolMatrix,
    secondary: Sequence[tuple[str, Mapping[str, float]]],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The strict partial order ``beats`` as a weak order of layers, then each layer ordered.

    The first layer is the candidates beaten by nobody (the winners); each next layer is the
    candidates beaten by nobody once the layers above are left out. No candidate shares a layer
    with one that beats it, and the layers do not depend on the tie-break order. Inside a layer
    the highest ``secondary`` keys (in turn) come first, then the tie-break order. The pair (x, y)
    is marked ``name`` across layers, by the first secondary key that differs inside a layer,
    else ``tiebreak``. So a position is marked ``tiebreak`` exactly when another tie-break order
    could put another set of values above it.
    """
    rank = {value: index for index, value in enumerate(tie_break)}
    remaining = np.ones(len(candidates), dtype=bool)
    order: list[str] = []
    decided: list[str] = []
    while remaining.any():
        layer = np.flatnonzero(remaining & ~beats[remaining].any(axis=0))
        values = sorted(
            (candidates[int(c)] for c in layer),
            key=lambda v: (*(-keys[v] for _, keys in secondary), rank[v]),
        )
        if order:
            decided.append(name)
        for x, y in zip(values, values[1:], strict=False):
            differs = (criterion for criterion, keys in secondary if keys[x] != keys[y])
            decided.append(next(differs, TIEBREAK))
        order += values
        remaining[layer] = False
    return tuple(order), tuple(decided)


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


PHRAGMEN_MAX_WORK = 200_000  # states visited x ballots x values, for the check of every draw


@dataclass(frozen=True)
class _Committee:
    """A state of the sequential rules: what is picked, the voters' loads, and (while Equal Shares
    runs) their budgets. The picked set, loads and budgets fix everything that follows."""

    picked: tuple[str, ...]
    load: tuple[Fraction, ...]
    budget: tuple[Fraction, ...] | None

    def key(self) -> tuple[frozenset[str], tuple[Fraction, ...], tuple[Fraction, ...] | None]:
        return frozenset(self.picked), self.load, self.budget


class _Sequential:
    """Sequential Phragmén, or Equal Shares completed by it, one pick at a time (module doc)."""

    def __init__(
        self,
        method: str,
        candidates: Sequence[str],
        ballots: Sequence[ApprovalBallot],
        seats: int | None,
    ) -> None:
        self.supporters = {
            value: [i for i, b in enumerate(ballots) if value in b.approve] for value in candidates
        }
        self.approved = [value for value in candidates if self.supporters[value]]
        self.weight = [Fraction(b.weight) for b in ballots]
        self.total = sum(self.weight, Fraction(0))
        self.seats = seats
        zero = tuple(Fraction(0) for _ in ballots)
        shares = method == "equal_shares" and self.total > 0
        assert not shares or seats is not None
        budget = tuple(seats / self.total for _ in ballots) if shares and seats else None
        self.start = _Committee((), zero, budget)

    def options(self, state: _Committee) -> tuple[_Committee, str, dict[str, Fraction]] | None:
        """The costs of the values left (least is picked) and the rule in force; None: done."""
        left = [value for value in self.approved if value not in state.picked]
        if not left:
            return None
        if state.budget is not None:
            budget = state.budget
            prices: dict[str, Fraction] = {}
            for value in left:
                pairs = [(self.weight[i], budget[i]) for i in self.supporters[value]]
                price = _equal_shares_price(pairs)
                if price is not None:
                    prices[value] = price
            if prices:
                return state, "equal_shares", prices
            assert self.seats is not None  # nothing affordable: Phragmén from "budget spent"
            spent = tuple(self.seats / self.total - b for b in budget)
            state = _Committee(state.picked, spent, None)
        loads = {
            value: (1 + sum((self.weight[i] * state.load[i] for i in self.supporters[value]), 0))
            / sum((self.weight[i] for i in self.supporters[value]), Fraction(0))
            for value in left
        }
        return state, "seqphragmen", loads

    def pick(
        self, state: _Committee, rule: str, costs: dict[str, Fraction], value: str
    ) -> _Committee:
        if rule == "equal_shares":
            assert state.budget is not None
            budget = list(state.budget)
            for i in self.supporters[value]:
                budget[i] -= min(budget[i], costs[value])
            return _Committee((*state.picked, value), state.load, tuple(budget))
        load = list(state.load)
        for i in self.supporters[value]:
            load[i] = costs[value]
        return _Committee((*state.picked, value), tuple(load), None)

    def reachable(self, budget: int) -> dict[int, set[frozenset[str]]] | None:
        """Per size, every picked set some way of breaking the ties leads to (None: over budget).

        Picking x from a tie puts x before the others in the tie-break order, and x is never in a
        later tie, so every branch is some tie-break order's.
        """
        found: dict[int, set[frozenset[str]]] = {}
        seen: set[object] = set()
        pending = [self.start]
        while pending:
            state = pending.pop()
            if state.key() in seen:
                continue
            seen.add(state.key())
            if len(seen) > budget:
                return None
            found.setdefault(len(state.picked), set()).add(frozenset(state.picked))
            step = self.options(state)
            if step is not None:
                now, rule, costs = step
                least = min(costs.values())
                pending += [self.pick(now, rule, costs, v) for v in costs if costs[v] == least]
        return found


def _proportional(
    method: str,
    candidates: Sequence[str],
    ballots: Sequence[ApprovalBallot],
    tie_break: Sequence[str],
    seats: int | None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Sequential Phragmén, or the Method of Equal Shares completed by it (module docstring).

    ``decided[i]`` is the rule of the pick of ``order[i]`` when every way of breaking the ties
    picks the same first i + 1 values, else ``tiebreak``.
    """
    rank = {value: index for index, value in enumerate(tie_break)}
    run = _Sequential(method, candidates, ballots, seats)
    state = run.start
    rules: list[str] = []
    first_tie = -1  # the first pick the tie-break order decided (-1: none)
    while (step := run.options(state)) is not None:
        state, rule, costs = step
        least = min(costs.values())
        tied = sorted((v for v in costs if costs[v] == least), key=rank.__getitem__)
        if len(tied) > 1 and first_tie < 0:
            first_tie = len(rules)
        rules.append(rule)
        state = run.pick(state, rule, costs, tied[0])
    picked = state.picked
    work = max(1, PHRAGMEN_MAX_WORK // max(1, len(ballots) * len(candidates)))
    reachable = run.reachable(work) if first_tie >= 0 else {}
    if reachable is None:  # over the budget: every pick from the first tie on is the draw's
        decided = [rule if i < first_tie else TIEBREAK for i, rule in enumerate(rules)]
    else:
        decided = [
            rule if len(reachable.get(i + 1, ())) <= 1 else TIEBREAK for i, rule in enumerate(rules)
        ]
    # Values nobody approves: last, in tie-break order.
    unsupported = sorted((v for v in candidates if not run.supporters[v]), key=rank.__getitem__)
    order = (*picked, *unsupported)
    decided += [TIEBREAK] * len(unsupported)
    return order, tuple(decided[: len(order) - 1])


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


IRV_MAX_WORK = 200_000  # continuing sets visited x ballots, for the check of every draw


def _irv_votes(continuing: frozenset[str], ballots: Sequence[RankingBallot]) -> dict[str, int]:
    votes = dict.fromkeys(continuing, 0)
    for ballot in ballots:
        for value in ballot.ranking:
            if value in continuing:
                votes[value] += ballot.weight
                break
    return votes


def _irv_fewest(votes: Mapping[str, int]) -> list[str]:
    fewest = min(votes.values())
    return [value for value, n in votes.items() if n == fewest]


def _irv_reachable(
    candidates: Sequence[str], ballots: Sequence[RankingBallot]
) -> dict[int, set[frozenset[str]]] | None:
    """Per size, every continuing set some tie-break order leads to (None: over the budget).

    Every branch is some tie-break order's: eliminating x from a tie puts the others before x,
    and x is never in a later tie, so these constraints never contradict each other.
    """
    budget = IRV_MAX_WORK // max(len(ballots), 1)
    reachable: dict[int, set[frozenset[str]]] = {}
    seen: set[frozenset[str]] = set()
    pending = [frozenset(candidates)]
    while pending:
        continuing = pending.pop()
        if continuing in seen:
            continue
        seen.add(continuing)
        if len(seen) > budget:
            return None
        reachable.setdefault(len(continuing), set()).add(continuing)
        if len(continuing) > 1:
            votes = _irv_votes(continuing, ballots)
            pending += [continuing - {loser} for loser in _irv_fewest(votes)]
    return reachable


def _irv(
    candidates: Sequence[str], ballots: Sequence[RankingBallot], tie_break: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, float]]:
    rank = {value: index for index, value in enumerate(tie_break)}
    continuing = frozenset(candidates)
    eliminated: list[str] = []
    first_tie = 0  # the number of values left when the first tie was broken (0: none)
    first_round: dict[str, float] = {}
    while len(continuing) > 1:
        votes = _irv_votes(continuing, ballots)
        if not first_round:
            first_round = {value: votes[value] for value in candidates}
        tied = _irv_fewest(votes)
        if len(tied) > 1 and not first_tie:
            first_tie = len(continuing)
        loser = max(tied, key=rank.__getitem__)
        eliminated.append(loser)
        continuing = continuing - {loser}
    if not first_round:  # one candidate
        first_round = {value: sum(b.weight for b in ballots) for value in candidates}
    order = (*continuing, *reversed(eliminated))
    # The first i + 1 values are decided by IRV when every tie-break order leaves that same set.
    reachable = _irv_reachable(candidates, ballots) if first_tie else {}
    if reachable is None:  # over the budget: everything from the first tie on is the draw's
        decided = tuple("irv" if i + 1 >= first_tie else TIEBREAK for i in range(len(order) - 1))
    else:
        decided = tuple(
            "irv" if len(reachable.get(i + 1, ())) <= 1 else TIEBREAK for i in range(len(order) - 1)
        )
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

    # The first i + 1 values are decided by Kemeny when one set of i + 1 values is the top of
    # every optimal order; otherwise another tie-break order could put another set on top.
    sizes = np.bincount(has.sum(axis=0)[optimal], minlength=m + 1)
    decided = tuple("kemeny" if sizes[i + 1] == 1 else TIEBREAK for i in range(m - 1))
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


def explain(
    method: str,
    current: PairwiseTally,
    order: Sequence[str],
    decided: Sequence[str],
    scores: Mapping[str, float],
) -> Explanation:
    """Why the top value is on top, as a code (see :class:`Explanation`); never words."""
    top = order[0]
    if len(order) == 1:
        return Explanation("only_value", top)
    if current.n == 0:
        return Explanation("no_ballots", top)
    first = next((i for i, d in enumerate(decided) if d != TIEBREAK), len(decided))
    if first > 0:
        return Explanation("tiebreak", top, tied=tuple(order[: first + 1]))
    index = current.candidates.index(top)
    margins = current.support - current.support.T
    if method in ("schulze", "schulze_borda", "copeland", "ranked_pairs", "kemeny") and bool(
        np.all(np.delete(margins[index], index) > 0)
    ):
        return Explanation("condorcet", top)
    if method == "schulze_borda" and decided[0] == "borda":
        layer = next((i for i, d in enumerate(decided) if d == "schulze"), len(decided))
        return Explanation(
            "schulze_then_borda", top, tied=tuple(order[: layer + 1]), score=scores[top]
        )
    code = "schulze" if method == "schulze_borda" else method
    return Explanation(code, top, score=scores.get(top))
