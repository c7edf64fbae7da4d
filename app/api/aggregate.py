"""``POST /api/v1/aggregate``: the aggregation engine as a stateless endpoint.

Organisations can count paper ballots with the same methods and conventions as live rounds.
When no ``tie_break_order`` is given, one is drawn here from a secure seed (the engine itself
has no randomness) and returned in the result, so the outcome can be reproduced.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, fields
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Discriminator, Field, StringConstraints, Tag

from app import i18n
from app.aggregation.methods import AggregateResult, Explanation, aggregate
from app.aggregation.profile import (
    AggregationError,
    ApprovalBallot,
    Ballot,
    InputProblem,
    PointsBallot,
    RankingBallot,
)
from app.api.errors import ERROR_RESPONSES
from app.errors import InvalidInput, Problem
from app.i18n.explain import explanation_text, problem_text
from app.schemas import StrictModel

router = APIRouter(prefix="/api/v1", tags=["aggregation"], responses=ERROR_RESPONSES)

Candidate = Annotated[str, StringConstraints(min_length=1, max_length=80)]
MAX_BALLOTS = 100_000


class RankingIn(StrictModel):
    ranking: list[Candidate] = Field(max_length=200)
    weight: int = Field(default=1, ge=1, le=1_000_000)


class ApproveIn(StrictModel):
    approve: list[Candidate] = Field(max_length=200)
    weight: int = Field(default=1, ge=1, le=1_000_000)


class PointsIn(StrictModel):
    points: dict[Candidate, Annotated[int, Field(ge=0, le=1_000_000)]] = Field(max_length=200)
    weight: int = Field(default=1, ge=1, le=1_000_000)


def _ballot_kind(value: Any) -> str | None:
    """A ballot is told apart by its key: ``ranking``, ``approve`` or ``points``."""
    if isinstance(value, dict):
        return next((key for key in ("ranking", "approve", "points") if key in value), None)
    return next((key for key in ("ranking", "approve", "points") if hasattr(value, key)), None)


BallotIn = Annotated[
    Annotated[RankingIn, Tag("ranking")]
    | Annotated[ApproveIn, Tag("approve")]
    | Annotated[PointsIn, Tag("points")],
    Discriminator(
        _ballot_kind,
        custom_error_type="ballot_kind",
        custom_error_message="a ballot has exactly one of ranking, approve or points",
    ),
]


class AggregateRequest(StrictModel):
    method: str = Field(default="schulze_borda", max_length=40)
    candidates: list[Candidate] = Field(max_length=200)
    ballots: list[BallotIn] = Field(max_length=MAX_BALLOTS)
    seats: int | None = Field(default=None, ge=1)
    tie_break_order: list[Candidate] | None = Field(default=None, max_length=200)
    roles: list[Annotated[str, StringConstraints(max_length=60)]] | None = Field(
        default=None, max_length=MAX_BALLOTS
    )
    points_budget: int | None = Field(default=None, ge=1, le=1_000_000)


def _ballot(entry: RankingIn | ApproveIn | PointsIn) -> Ballot:
    if isinstance(entry, RankingIn):
        return RankingBallot(tuple(entry.ranking), entry.weight)
    if isinstance(entry, ApproveIn):
        return ApprovalBallot(tuple(entry.approve), entry.weight)
    return PointsBallot(dict(entry.points), entry.weight)


def _problem(problem: InputProblem) -> Problem:
    """A problem with one ballot is at ``ballots.N``; the rest concern the request as a whole."""
    loc = "(request)" if problem.ballot is None else f"ballots.{problem.ballot}"
    return Problem(loc, problem_text(problem))


@dataclass(frozen=True)
class ExplanationOut(Explanation):
    """The explanation's code and parts, and ``text``: the sentence in the request's language."""

    text: str = ""


@dataclass(frozen=True)
class AggregateOut(AggregateResult):
    explanation: ExplanationOut
    by_role: dict[str, AggregateOut]  # type: ignore[assignment]  # each one worded too


def _worded(result: AggregateResult) -> AggregateOut:
    """The result with its explanation worded (``?lang=en`` for English)."""
    values = {f.name: getattr(result, f.name) for f in fields(AggregateResult)}
    explanation = result.explanation
    values["explanation"] = ExplanationOut(
        **{f.name: getattr(explanation, f.name) for f in fields(Explanation)},
        text=explanation_text(explanation),
    )
    values["by_role"] = {role: _worded(part) for role, part in result.by_role.items()}
    return AggregateOut(**values)


@router.post("/aggregate")
def aggregate_ballots(data: AggregateRequest, lang: i18n.Language = "nl") -> AggregateOut:
    """Count ballots by a method; every problem with the input is listed in one 422."""
    i18n.set_language(lang)
    order = data.tie_break_order
    if order is None:
        order = list(data.candidates)
        secrets.SystemRandom().shuffle(order)
    try:
        result = aggregate(
            data.method,
            data.candidates,
            [_ballot(entry) for entry in data.ballots],
            seats=data.seats,
            tie_break_order=order,
            roles=data.roles,
            points_budget=data.points_budget,
        )
    except AggregationError as exc:
        raise InvalidInput(
            "De stemmen konden niet worden geteld; er is niets berekend.",
            [_problem(problem) for problem in exc.problems],
        ) from exc
    return _worded(result)
