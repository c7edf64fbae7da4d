"""Ballots, validation and the pairwise support matrix of the aggregation engine (issue 4).

Conventions (every method in :mod:`app.aggregation.methods` builds on these):

* Candidates are value ids (strings). The candidate tuple fixes the row/column order of every
  matrix; it carries no meaning for the outcome (ties are broken by the round's tie-break order).
* A **ranking ballot** lists ids best first and may be truncated: every ranked id beats every
  unranked one, and the unranked ids are tied with each other. Listing all but the last id is
  the same as listing them all.
* An **approval ballot** lists the approved ids: approved ids beat the others, which are tied.
* A **points ballot** maps ids to non-negative integers (unlisted ids have 0 points): more points
  beat fewer, equal points (including all zeros) are tied.
* Every ballot carries an integer ``weight >= 1`` and counts as ``weight`` identical ballots
  (a stack of identical paper ballots). Counts (``n_ballots``, ``n_empty``) are weighted.
* An **empty** ballot (no ranked or approved id, or no positive points) expresses no preference:
  it is dropped and counted in ``n_empty``.

Every ballot is thus read as a weak order of the candidates, coded as a *level* per candidate
(0 = best; equal levels = tied). ``S[a][b]`` (the pairwise support) is the total weight of the
ballots that put ``a`` on a strictly better level than ``b``. Tied pairs support neither side, so
``S[a][b] + S[b][a] <= n`` and the margin is ``d[a][b] = S[a][b] - S[b][a] = -d[b][a]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np
import numpy.typing as npt

IntMatrix = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RankingBallot:
    ranking: tuple[str, ...]  # best first; may be truncated
    weight: int = 1


@dataclass(frozen=True)
class ApprovalBallot:
    approve: tuple[str, ...]
    weight: int = 1


@dataclass(frozen=True)
class PointsBallot:
    points: Mapping[str, int]
    weight: int = 1


Ballot = RankingBallot | ApprovalBallot | PointsBallot


@dataclass(frozen=True)
class InputProblem:
    """One problem with the input, as a code; the edge words it (``app/i18n/explain.py``).

    ``ballot``: the index of the ballot concerned (None: the input as a whole); ``values``: the
    ids or names concerned; ``limit``: the bound that was broken.
    """

    code: str
    ballot: int | None = None
    values: tuple[str, ...] = ()
    limit: int | None = None

    def __str__(self) -> str:  # for logs and tracebacks, not for people
        where = "" if self.ballot is None else f"ballot {self.ballot}: "
        detail = f" {', '.join(self.values)}" if self.values else ""
        bound = "" if self.limit is None else f" ({self.limit})"
        return f"{where}{self.code}{detail}{bound}"


class AggregationError(ValueError):
    """Bad input; ``problems`` lists every problem found (not only the first)."""

    def __init__(self, problems: Sequence[InputProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(map(str, self.problems)))


@dataclass(frozen=True)
class PairwiseTally:
    """Everything the pairwise methods, the agreement and the divisiveness need.

    ``support[a][b]`` (indices into ``candidates``) is ``S[a][b]`` above; ``n`` the weighted number
    of non-empty ballots; ``tie_terms`` the weighted sum over ballots of ``sum(t**3 - t)`` over
    the ballot's groups of ``t`` tied candidates (the tie correction of Kendall's W).
    """

    candidates: tuple[str, ...]
    support: IntMatrix
    n: int
    tie_terms: int


def is_empty(ballot: Ballot) -> bool:
    if isinstance(ballot, RankingBallot):
        return not ballot.ranking
    if isinstance(ballot, ApprovalBallot):
        return not ballot.approve
    return not any(points > 0 for points in ballot.points.values())


def ballot_problems(
    index: int, ballot: Ballot, known: frozenset[str], budget: int | None = None
) -> list[InputProblem]:
    """Every problem with one ballot: unknown or duplicate ids, bad weight, bad points."""
    problems: list[InputProblem] = []
    if not isinstance(ballot.weight, int) or ballot.weight < 1:
        problems.append(InputProblem("bad_weight", index))
    if isinstance(ballot, PointsBallot):
        ids: Sequence[str] = tuple(ballot.points)
        if any(points < 0 for points in ballot.points.values()):
            problems.append(InputProblem("negative_points", index))
        if budget is not None and sum(ballot.points.values()) > budget:
            problems.append(InputProblem("over_budget", index, limit=budget))
    else:
        ids = ballot.ranking if isinstance(ballot, RankingBallot) else ballot.approve
        if len(set(ids)) != len(ids):
            problems.append(InputProblem("duplicate_in_ballot", index))
    unknown = sorted(set(ids) - known)
    if unknown:
        problems.append(InputProblem("unknown_in_ballot", index, tuple(unknown)))
    return problems


def levels(candidates: Sequence[str], ballot: Ballot) -> list[int]:
    """The ballot as a weak order: a level per candidate (0 = best; equal levels are tied)."""
    if isinstance(ballot, RankingBallot):
        position = {value: index for index, value in enumerate(ballot.ranking)}
        return [position.get(value, len(ballot.ranking)) for value in candidates]
    if isinstance(ballot, ApprovalBallot):
        approved = set(ballot.approve)
        return [0 if value in approved else 1 for value in candidates]
    points = [ballot.points.get(value, 0) for value in candidates]
    distinct = sorted(set(points), reverse=True)
    return [distinct.index(p) for p in points]


def _flat_rankings(
    candidates: Sequence[str], rankings: Sequence[tuple[str, ...]]
) -> tuple[IntMatrix, IntMatrix]:
    """The lengths of the rankings and all their candidate indices, flat (-1: unknown id)."""
    index = {value: i for i, value in enumerate(candidates)}
    lengths = np.fromiter(map(len, rankings), dtype=np.int64, count=len(rankings))
    flat = np.fromiter(
        map(index.get, chain.from_iterable(rankings), repeat(-1)),
        dtype=np.int64,
        count=int(lengths.sum()),
    )
    return lengths, flat


@dataclass(frozen=True)
class RankingArrays:
    """Ranking ballots as arrays: per ballot its length and weight; all candidate indices, flat."""

    lengths: IntMatrix
    flat: IntMatrix
    weights: IntMatrix


def checked_rankings(
    candidates: Sequence[str], ballots: Sequence[RankingBallot]
) -> RankingArrays | None:
    """A fast vectorised check of ranking ballots, and the arrays ``tally_rankings`` needs.

    None when some ballot has an unknown or duplicate id or a weight that is not an integer
    >= 1; ``ballot_problems`` on every ballot then tells what is wrong.
    """
    if not all(type(ballot.weight) is int and ballot.weight >= 1 for ballot in ballots):
        return None
    lengths, flat = _flat_rankings(candidates, [ballot.ranking for ballot in ballots])
    weights = np.fromiter((b.weight for b in ballots), dtype=np.int64, count=len(ballots))
    if flat.size == 0:
        return RankingArrays(lengths, flat, weights)
    if int(flat.min()) < 0:
        return None
    codes = np.repeat(np.arange(len(ballots)), lengths) * len(candidates) + flat
    if int(np.bincount(codes).max()) > 1:
        return None
    return RankingArrays(lengths, flat, weights)


def tally_rankings(candidates: Sequence[str], arrays: RankingArrays) -> PairwiseTally:
    """``tally`` of valid ranking ballots given as arrays (empty ballots are dropped here)."""
    m = len(candidates)
    kept = arrays.lengths > 0
    lengths, weights = arrays.lengths[kept], arrays.weights[kept]
    matrix = np.repeat(lengths, m).reshape(len(lengths), m)
    rows = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.cumsum(lengths) - lengths
    matrix[rows, arrays.flat] = np.arange(len(arrays.flat)) - np.repeat(starts, lengths)
    unranked = m - lengths  # the one tied group of a ranking ballot
    tie_terms = int((weights * (unranked**3 - unranked)).sum())
    return _tally_matrix(candidates, matrix, weights, tie_terms)


def _tally_matrix(
    candidates: Sequence[str], matrix: IntMatrix, weights: IntMatrix, tie_terms: int
) -> PairwiseTally:
    m = len(candidates)
    support = np.zeros((m, m), dtype=np.int64)
    uniform = bool(np.all(weights == 1))
    # Candidates as rows, contiguous and narrow: 25 x 10,000 comparisons per candidate are cheap.
    by_candidate = np.ascontiguousarray(matrix.T.astype(np.int16 if m < 2**15 else np.int64))
    as_float = weights.astype(np.float64)  # exact while the total weight is below 2**53
    for a in range(m):
        better = by_candidate[a] < by_candidate
        support[a] = np.count_nonzero(better, axis=1) if uniform else np.rint(better @ as_float)
    return PairwiseTally(tuple(candidates), support, int(weights.sum()), tie_terms)


def _levels_matrix(candidates: Sequence[str], ballots: Sequence[Ballot]) -> IntMatrix:
    """Levels of every ballot (rows) for every candidate (columns)."""
    m = len(candidates)
    return np.array([levels(candidates, ballot) for ballot in ballots], dtype=np.int64).reshape(
        len(ballots), m
    )


def _tie_terms(matrix: IntMatrix, weights: IntMatrix) -> int:
    total = 0
    for row, weight in zip(matrix, weights, strict=True):
        counts = np.bincount(row)
        total += int(weight) * int((counts**3 - counts).sum())
    return total


def tally(candidates: Sequence[str], ballots: Sequence[Ballot]) -> PairwiseTally:
    """The pairwise tally of the non-empty ballots (assumed valid; see ``ballot_problems``)."""
    return tally_non_empty(candidates, [ballot for ballot in ballots if not is_empty(ballot)])


def tally_non_empty(candidates: Sequence[str], kept: Sequence[Ballot]) -> PairwiseTally:
    """``tally`` for ballots already known to be non-empty."""
    rankings = [ballot for ballot in kept if isinstance(ballot, RankingBallot)]
    if len(rankings) == len(kept):
        lengths, flat = _flat_rankings(candidates, [ballot.ranking for ballot in rankings])
        weights = np.fromiter((b.weight for b in kept), dtype=np.int64, count=len(kept))
        return tally_rankings(candidates, RankingArrays(lengths, flat, weights))
    matrix = _levels_matrix(candidates, kept)
    weights = np.fromiter((ballot.weight for ballot in kept), dtype=np.int64, count=len(kept))
    return _tally_matrix(candidates, matrix, weights, _tie_terms(matrix, weights))


def add_ballot(current: PairwiseTally, ballot: Ballot, *, sign: int = 1) -> PairwiseTally:
    """A new tally with one more ballot (``sign=-1``: one ballot less). O(m^2); empty: no-op.

    A changed ballot is ``add_ballot(remove_ballot(t, old), new)``. The input is not modified.
    """
    if is_empty(ballot):
        return current
    row = np.array(levels(current.candidates, ballot), dtype=np.int64)
    weight = sign * ballot.weight
    counts = np.bincount(row)
    return PairwiseTally(
        current.candidates,
        current.support + weight * (row[:, None] < row[None, :]),
        current.n + weight,
        current.tie_terms + weight * int((counts**3 - counts).sum()),
    )


def remove_ballot(current: PairwiseTally, ballot: Ballot) -> PairwiseTally:
    return add_ballot(current, ballot, sign=-1)
