"""Ranking: a participant orders the round's candidates (or its top k); counted with Schulze,
Borda for what Schulze leaves level, then the round's tie-break order (docs/aggregation.md)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from app.aggregation.methods import TIEBREAK, AggregateResult, schulze_wins
from app.aggregation.methods import aggregate as aggregate_ballots
from app.aggregation.profile import RankingBallot
from app.aggregation.running import CountStep, RunningTally, count_ranking
from app.db import DbSession
from app.errors import Problem
from app.schemas import StrictModel
from app.sessions.kinds.base import (
    BallotLookups,
    BallotRow,
    CandidatesKind,
    LiveTexts,
    _reject,
)
from app.sessions.kinds.fields import CandidatesConfig, RoundTitle, ValueKey
from app.sessions.models import Denksessie, SessionRound


class RankingOverride(StrictModel):
    """Values ranked although they are not on the traject's shortlist, and why (recorded)."""

    values: list[ValueKey] = Field(min_length=1, max_length=25)
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class RankingConfig(CandidatesConfig):
    top_k: int | None = Field(default=None, ge=1, le=25)
    # Shown next to each value while ranking: principles written in a traject's naming stage.
    principles: dict[
        ValueKey, list[Annotated[str, StringConstraints(min_length=1, max_length=300)]]
    ] = Field(default_factory=dict, max_length=25)
    override: RankingOverride | None = None


class RankingBallotIn(StrictModel):
    ranking: list[ValueKey] = Field(min_length=1, max_length=25)


class RoundCreateRanking(StrictModel):
    kind: Literal["ranking"]
    title: RoundTitle = ""
    config: RankingConfig


NAME = "ranking"


class Ranking(CandidatesKind):
    name = NAME
    config_model = RankingConfig
    ballot_model = RankingBallotIn
    create_model = RoundCreateRanking
    title = "Rangschik de waarden"
    runs_live = True

    def check_config(
        self, db: DbSession, denksessie: Denksessie, config: dict[str, Any], known: set[str]
    ) -> list[Problem]:
        problems = super().check_config(db, denksessie, config, known)
        candidates = config["candidates"]
        if (config["top_k"] or 0) > len(candidates):
            problems.append(Problem("config.top_k", code="MORE_THAN_CANDIDATES"))
        for key in config["principles"]:
            if key not in candidates:
                problems.append(Problem(f"config.principles.{key}", code="NOT_A_CANDIDATE"))
        for index, key in enumerate((config["override"] or {}).get("values", [])):
            if key not in candidates:
                problems.append(Problem(f"config.override.values.{index}", code="NOT_A_CANDIDATE"))
        return problems

    def chosen(self, ballot: dict[str, Any]) -> list[str]:
        return list(ballot["ranking"])

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
        top_k = session_round.config.get("top_k")
        if top_k and len(ballot["ranking"]) > top_k:
            raise _reject("TOO_MANY_VALUES", reason="RANKING", params={"max": top_k})

    def aggregate(
        self,
        db: DbSession,
        denksessie: Denksessie,
        session_round: SessionRound,
        rows: list[BallotRow],
        *,
        include_hidden: bool,
    ) -> dict[str, Any]:
        """``tied_with_next`` marks positions only the tie-break order decided."""
        result = aggregate_ballots(
            "schulze_borda",
            session_round.config["candidates"],
            [RankingBallot(tuple(b["ranking"])) for b, _ in rows],
            tie_break_order=session_round.tie_break_order,
            roles=[role for _, role in rows],
        )
        return _shaped(result)

    def counter(self) -> CountStep:
        return count_ranking

    def running_result(
        self, running: RunningTally, texts: LiveTexts | None, *, facilitator: bool
    ) -> dict[str, Any] | None:
        return _shaped(running.ranking())


def _shaped(result: AggregateResult) -> dict[str, Any]:
    """A ranking's aggregate as the clients take it."""
    return {
        "kind": NAME,
        "method": result.method,
        "n_ballots": result.n_ballots,
        "order": list(result.order),
        "weak_order": [list(group) for group in result.weak_order],
        "decided_by": list(result.decided_by),
        "scores": result.scores,
        # Agrees with the order where Borda points may not (app/aggregation/methods.py).
        "wins": schulze_wins(result.pairwise_support),
        "tied_with_next": [step == TIEBREAK for step in result.decided_by] + [False],
        "agreement": round(result.agreement.kendall_w, 3),
        "mean_kendall_distance": round(result.agreement.mean_kendall_distance, 3),
        "divisive": [d.value for d in result.divisive if d.score > 0][:3],
        "explanation": asdict(result.explanation),  # worded by the page (results.js)
    }


KIND = Ranking()
