"""Points: a participant spreads a budget of points (or dots) over the round's candidates."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from app.aggregation.running import CountStep, RunningTally, count_points
from app.aggregation.tallies import points_totals
from app.db import DbSession
from app.schemas import StrictModel
from app.sessions.kinds.base import (
    BallotLookups,
    BallotRow,
    CandidatesKind,
    LiveTexts,
    _reject,
    scored,
)
from app.sessions.kinds.fields import CandidatesConfig, RoundTitle, ValueKey
from app.sessions.models import Denksessie, SessionRound


class PointsConfig(CandidatesConfig):
    mode: Literal["points", "dots"] = "points"
    budget: int = Field(default=100, ge=1, le=1000)


class PointsBallotIn(StrictModel):
    points: dict[ValueKey, Annotated[int, Field(ge=0, le=1000)]] = Field(max_length=25)


class RoundCreatePoints(StrictModel):
    kind: Literal["points"]
    title: RoundTitle = ""
    config: PointsConfig


NAME = "points"


class Points(CandidatesKind):
    name = NAME
    config_model = PointsConfig
    runs_live = True
    ballot_model = PointsBallotIn
    create_model = RoundCreatePoints
    title = "Verdeel je punten"

    def chosen(self, ballot: dict[str, Any]) -> list[str]:
        return list(ballot["points"])

    def check_ballot(
        self,
        ballot: dict[str, Any],
        *,
        denksessie: Denksessie,
        session_round: SessionRound,
        lookups: BallotLookups,
    ) -> None:
        super().check_ballot(
            ballot, denksessie=denksessie, session_round=session_round, lookups=lookups
        )
        budget = session_round.config["budget"]
        spent = sum(ballot["points"].values())
        if spent == 0 or spent > budget:
            raise _reject("POINTS_BUDGET", params={"budget": budget})

    def aggregate(
        self,
        db: DbSession,
        denksessie: Denksessie,
        session_round: SessionRound,
        rows: list[BallotRow],
        *,
        include_hidden: bool,
    ) -> dict[str, Any]:
        ballots = [b for b, _ in rows]
        scores = points_totals(session_round.config["candidates"], [b["points"] for b in ballots])
        return scored(NAME, scores, len(ballots), session_round.tie_break_order)

    def counter(self) -> CountStep:
        return count_points

    def running_result(
        self, running: RunningTally, texts: LiveTexts | None, *, facilitator: bool
    ) -> dict[str, Any] | None:
        return scored(NAME, running.scores(), running.n_ballots, running.tie_break_order)


KIND = Points()
