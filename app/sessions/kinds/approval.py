"""Approval: a participant approves up to ``max_approvals`` of the round's candidates."""

from __future__ import annotations

from typing import Any

from app.aggregation.running import CountStep, RunningTally, count_approval
from app.aggregation.tallies import approval_counts
from app.db import DbSession
from app.errors import Problem
from app.sessions.kinds.base import (
    BallotLookups,
    BallotRow,
    CandidatesKind,
    LiveTexts,
    _reject,
    scored,
)
from app.sessions.models import Denksessie, SessionRound
from app.sessions.schemas import ApprovalBallotIn, ApprovalConfig

NAME = "approval"


class Approval(CandidatesKind):
    name = NAME
    config_model = ApprovalConfig
    runs_live = True
    ballot_model = ApprovalBallotIn
    title = "Kies de belangrijkste waarden"

    def check_config(
        self, db: DbSession, denksessie: Denksessie, config: dict[str, Any], known: set[str]
    ) -> list[Problem]:
        problems = super().check_config(db, denksessie, config, known)
        if config["max_approvals"] > len(config["candidates"]):
            problems.append(Problem("config.max_approvals", code="MORE_THAN_CANDIDATES"))
        return problems

    def chosen(self, ballot: dict[str, Any]) -> list[str]:
        return list(ballot["approve"])

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
        most = session_round.config["max_approvals"]
        if len(ballot["approve"]) > most:
            raise _reject("TOO_MANY_VALUES", reason="VALUES", params={"max": most})

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
        scores = approval_counts(
            session_round.config["candidates"], [b["approve"] for b in ballots]
        )
        return scored(NAME, scores, len(ballots), session_round.tie_break_order)

    def counter(self) -> CountStep:
        return count_approval

    def running_result(
        self, running: RunningTally, texts: LiveTexts | None, *, facilitator: bool
    ) -> dict[str, Any] | None:
        return scored(NAME, running.scores(), running.n_ballots, running.tie_break_order)


KIND = Approval()
