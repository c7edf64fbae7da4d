"""``POST /api/v1/aggregate``: the aggregation engine as a stateless endpoint.

Organisations can count paper ballots with the same methods and conventions as live rounds.
When no ``tie_break_order`` is given, one is drawn here from a secure seed (the engine itself
has no randomness) and returned in the result, so the outcome can be reproduced.

The endpoint needs no login, so its cost is bounded before anything is counted (docs/security.md,
"Limits"): requests per client address (``DENKSESSIE_AGGREGATE_RATE_LIMIT``), ballots per request
(``DENKSESSIE_AGGREGATE_MAX_BALLOTS``) and an estimate of the work the method will do
(``DENKSESSIE_AGGREGATE_MAX_WORK``), so the worst accepted request takes about a second. A
request over a limit is refused with a 422 that names the limit. The estimate is the time
budget: pure Python arithmetic cannot be interrupted half way, so it is refused up front.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, fields
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import Discriminator, Field, StringConstraints, Tag

from app import i18n
from app.aggregation.methods import (
    PROPORTIONAL_METHODS,
    AggregateResult,
    Explanation,
    aggregate,
)
from app.aggregation.profile import (
    AggregationError,
    ApprovalBallot,
    Ballot,
    InputProblem,
    PointsBallot,
    RankingBallot,
)
from app.api.deps import AppSettings
from app.api.errors import ERROR_RESPONSES
from app.api.join_guard import client_address
from app.config import Settings
from app.errors import InvalidInput, Problem, TooManyAttempts
from app.i18n import N_
from app.i18n.explain import explanation_text, problem_text
from app.ratelimits import RateLimits, parse_limits
from app.schemas import StrictModel

router = APIRouter(prefix="/api/v1", tags=["aggregation"], responses=ERROR_RESPONSES)

Candidate = Annotated[str, StringConstraints(min_length=1, max_length=80)]
MAX_BALLOTS = 100_000  # the schema's bound; the configured limit is lower (Settings)
# Ranked Pairs locks pairs one by one, checking for cycles: cubic in the candidates.
RANKED_PAIRS_MAX_CANDIDATES = 100
TOO_MANY_BALLOTS = N_("hoogstens {limit} stembiljetten per verzoek")
TOO_MANY_CANDIDATES = N_("{method} telt hoogstens {limit} kandidaten")
TOO_MUCH_WORK = N_(
    "{method}: {how} is {work}; de grens is {limit} (stuur minder kandidaten of stembiljetten, "
    "of tel gelijke stembiljetten samen met een gewicht)"
)
WORK_PROPORTIONAL = N_("kandidaten x (keuzes + stembiljetten)")
WORK_PLAIN = N_("keuzes + stembiljetten")


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


def work(data: AggregateRequest) -> int:
    """An estimate of the steps counting ``data`` takes, in units of one ballot entry.

    Every method reads every entry once. The proportional methods (Fractions, pure Python)
    recompute every remaining candidate's price after each pick: candidates times entries.
    Measured: 200,000 units of equal_shares take about 0.6 s on one core of a laptop.
    """
    entries = sum(
        len(
            b.ranking
            if isinstance(b, RankingIn)
            else b.approve
            if isinstance(b, ApproveIn)
            else b.points
        )
        + 1
        for b in data.ballots
    )
    if data.method in PROPORTIONAL_METHODS:
        return entries * len(data.candidates)
    return entries


def size_problems(data: AggregateRequest, settings: Settings) -> list[Problem]:
    """What makes this request too big to count here, each naming its limit."""
    found: list[Problem] = []
    if len(data.ballots) > settings.aggregate_max_ballots:
        found.append(
            Problem(
                "ballots",
                i18n.gettext(TOO_MANY_BALLOTS).format(limit=settings.aggregate_max_ballots),
            )
        )
    if data.method == "ranked_pairs" and len(data.candidates) > RANKED_PAIRS_MAX_CANDIDATES:
        found.append(
            Problem(
                "candidates",
                i18n.gettext(TOO_MANY_CANDIDATES).format(
                    method=data.method, limit=RANKED_PAIRS_MAX_CANDIDATES
                ),
            )
        )
    estimate = work(data)
    if estimate > settings.aggregate_max_work:
        how = WORK_PROPORTIONAL if data.method in PROPORTIONAL_METHODS else WORK_PLAIN
        found.append(
            Problem(
                "(request)",
                i18n.gettext(TOO_MUCH_WORK).format(
                    method=data.method,
                    how=i18n.gettext(how),
                    work=estimate,
                    limit=settings.aggregate_max_work,
                ),
            )
        )
    return found


def _admit(request: Request, settings: Settings) -> None:
    """Count this request against the client address's limit; 429 when it is used up."""
    limits: RateLimits | None = getattr(request.app.state, "aggregate_limits", None)
    if limits is None:
        limits = request.app.state.aggregate_limits = RateLimits(
            settings.rate_limit_storage, secret=settings.secret_key
        )
    rules = parse_limits(settings.aggregate_rate_limit)
    address = client_address(request)
    if not limits.hit(rules, "aggregate", address):
        raise TooManyAttempts(
            reason="AGGREGATE", retry_after=limits.retry_after(rules, "aggregate", address)
        )


@router.post("/aggregate")
def aggregate_ballots(
    request: Request, settings: AppSettings, data: AggregateRequest, lang: i18n.Language = "nl"
) -> AggregateOut:
    """Count ballots by a method; every problem with the input is listed in one 422."""
    i18n.set_language(lang)
    _admit(request, settings)
    too_big = size_problems(data, settings)
    if too_big:
        raise InvalidInput(reason="AGGREGATE_TOO_BIG", problems=too_big)
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
            reason="AGGREGATE", problems=[_problem(problem) for problem in exc.problems]
        ) from exc
    return _worded(result)
